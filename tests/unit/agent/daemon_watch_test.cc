// The daemon's watch: audit records from zone record changes (keys, DS, operator
// confirmations), the signatures-expiring condition, and a Daemon on a SimulatedClock with a
// DaemonWatch attached: its audit log verifies and names the keys and the caller's uid, its
// metrics show the zone, and a signing failure past the re-sign point raises
// signatures-expiring, resolved once signing works again.
#include "agent/daemon_watch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "agent/audit_actor.h"
#include "agent/config.h"
#include "agent/daemon.h"
#include "agent/daemon_audit.h"
#include "agent/daemon_metrics.h"
#include "tests/unit/agent/daemon_test_support.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
constexpr UnixTime kT0 = 1800000000;

KeyRecord key(const std::string& id, KeyRole role, uint16_t tag) {
  KeyRecord k;
  k.id = id;
  k.role = role;
  k.algorithm = 13;
  k.tag = tag;
  return k;
}

std::string details_text(const AuditRecord& r) {
  JsonWriter w;
  write_fields(w, r.details);
  return w.str();
}

TEST(ZoneAuditRecords, NamesEveryNewKeyAndDsEvent) {
  ZoneRecord before;
  KeyRecord z = key("zsk1", KeyRole::ZSK, 1111);
  z.generated = z.published = kT0;
  before.keys.keys = {z};
  ZoneRecord after = before;
  after.keys.keys[0].active = kT0 + 10;
  KeyRecord k = key("ksk1", KeyRole::KSK, 2222);
  k.generated = kT0 + 10;
  k.published = kT0 + 10;
  k.ds_submitted = kT0 + 10;
  after.keys.keys.push_back(k);
  after.ds_seen[{13, 2222}] = kT0 + 20;

  auto recs = zone_audit_records("example.test.", before, after, "planner", "uid:7");
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(recs[0].event, AuditEvent::KeyActivated);
  EXPECT_NE(details_text(recs[0]).find("\"tag\":1111"), std::string::npos);
  EXPECT_EQ(recs[1].event, AuditEvent::KeyGenerated);
  EXPECT_EQ(recs[2].event, AuditEvent::KeyPublished);
  EXPECT_EQ(recs[3].event, AuditEvent::DsSubmitted);
  EXPECT_EQ(recs[4].event, AuditEvent::DsSeen);
  EXPECT_NE(details_text(recs[4]).find("confirmed-seen"), std::string::npos);
  for (const auto& r : recs) {
    EXPECT_EQ(r.zone, "example.test.");
    EXPECT_EQ(r.actor, "uid:7");
  }
  // Nothing changed: nothing to audit.
  EXPECT_TRUE(zone_audit_records("example.test.", after, after, "planner", "agent").empty());
  // Withdrawal and its confirmation share the ds-withdrawn event, told apart by "state".
  ZoneRecord later = after;
  later.keys.keys[1].ds_withdrawn = kT0 + 30;
  later.ds_gone[{13, 2222}] = kT0 + 40;
  recs = zone_audit_records("example.test.", after, later, "ds-seen command", "uid:0");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].event, AuditEvent::DsWithdrawn);
  EXPECT_NE(details_text(recs[0]).find("\"state\":\"withdrawn\""), std::string::npos);
  EXPECT_EQ(recs[1].event, AuditEvent::DsWithdrawn);
  EXPECT_NE(details_text(recs[1]).find("confirmed-gone"), std::string::npos);
}

TEST(SignaturesExpiringCondition, FiresOnlyWhenSigningFailsPastTheResignPoint) {
  ZoneSpec spec;
  spec.name = "example.test.";
  spec.refresh = 1800;
  spec.notify = {"mailto:ops@example.test"};
  ZoneRecord rec;
  rec.expires = kT0 + 7200;
  rec.resign_at = kT0 + 5000;
  EXPECT_FALSE(signatures_expiring_condition(spec, rec, kT0 + 100, "disk full"));
  auto c = signatures_expiring_condition(spec, rec, kT0 + 5000, "disk full");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->active);
  EXPECT_EQ(c->event.kind, AlertKind::SignaturesExpiring);
  EXPECT_EQ(c->event.targets, spec.notify);
  EXPECT_NE(c->event.summary.find("disk full"), std::string::npos);
  c = signatures_expiring_condition(spec, rec, kT0 + 8000, "disk full");
  ASSERT_TRUE(c);
  EXPECT_NE(c->event.summary.find("EXPIRED"), std::string::npos);
  c = signatures_expiring_condition(spec, rec, kT0 + 5000, "");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->active);
  rec.expires = 0;  // never signed: nothing to expire
  EXPECT_FALSE(signatures_expiring_condition(spec, rec, kT0 + 5000, "disk full"));
}

class DaemonWatchTest : public test_support::DaemonFixture {
 protected:
  void SetUp() override {
    dir_ = test_support::fresh_temp_dir(test_support::per_test_name("ts_daemon_watch_test_"));
    std::ofstream(dir_ / "z.zone") << "$ORIGIN z.test.\n$TTL 10\n@ SOA ns.z.test. host.z.test. 1 "
                                      "3600 600 86400 5\n@ NS ns\nns A 127.0.0.1\n";
    std::ofstream c(dir_ / "c.toml");
    c << "[agent]\nmetrics-listen = \"127.0.0.1:0\"\nstate-dir = \"" << (dir_ / "state").string()
      << "\"\naudit-log = \"" << (dir_ / "audit" / "audit.jsonl").string() << "\"\n[defaults]\n"
      << test_support::key_policies_toml() << test_support::timing_toml()
      << "[[zone]]\nname = \"z.test.\"\nfile = \"z.zone\"\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void run_until(Daemon& d, UnixTime end) { test_support::run_until(d, clock_, end); }
  bool expiring_active(DaemonWatch& w) {
    for (const auto& a : w.alerts().active())
      if (a.event.kind == AlertKind::SignaturesExpiring && a.event.zone == "z.test.") return true;
    return false;
  }
};

// The audit thread writes a batch, then collects records for a while before the next one:
// a burst from many threads still ends up whole and in one intact chain, and flush_audit()
// does not sit out the collection window.
TEST_F(DaemonWatchTest, AuditBurstFromManyThreadsIsWrittenWhole) {
  auto cfg = load_daemon_config((dir_ / "c.toml").string(), {});
  ASSERT_TRUE(cfg) << cfg.error().message;
  auto watch = DaemonWatch::create(*cfg, clock_, log_);
  ASSERT_TRUE(watch) << watch.error().message;
  (*watch)->audit({AuditEvent::ConfigLoad, "", "agent", {}});
  (*watch)->flush_audit();  // the writer is now inside its collection window
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i)
        (*watch)->audit({AuditEvent::ManualCommand,
                         "z.test.",
                         "agent",
                         {{"command", "burst " + std::to_string(t) + " " + std::to_string(i)}}});
    });
  for (auto& th : threads) th.join();
  auto t0 = std::chrono::steady_clock::now();
  (*watch)->flush_audit();
  auto waited = std::chrono::steady_clock::now() - t0;
  auto report = verify_audit_log((dir_ / "audit" / "audit.jsonl").string(),
                                 (dir_ / "audit" / "audit.jsonl.head").string());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->entries, 1001u);
  // Cut short: well under the 250 ms window plus a few fsyncs, even on a loaded machine.
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_F(DaemonWatchTest, AuditsMetersAndAlertsForTheDaemon) {
  auto cfg = load_daemon_config((dir_ / "c.toml").string(), {});
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->watch.audit_log, (dir_ / "audit" / "audit.jsonl").string());
  EXPECT_EQ(cfg->watch.metrics_listen, "127.0.0.1:0");  // kept only when served
  auto watch = DaemonWatch::create(*cfg, clock_, log_);
  ASSERT_TRUE(watch) << watch.error().message;
  Daemon d(std::move(*cfg), clock_, log_, DaemonOptions{.seed = 3});
  AlertCallback early = d.alert_callback();  // taken before set_events(): still reaches it
  d.set_events(watch->get());
  ASSERT_TRUE(d.start());
  d.scheduler().run_due();
  auto rec = d.record("z.test.");
  ASSERT_TRUE(rec);
  ASSERT_GT(rec->expires, 0);

  // Metrics: keys per role and state, the expiry gauge, throughput.
  const MetricsRegistry& reg = (*watch)->registry();
  EXPECT_EQ(
      reg.value("trustsync_keys", {{"role", "ksk"}, {"state", "active"}, {"zone", "z.test."}}), 1);
  EXPECT_EQ(reg.value("trustsync_signature_expiry_seconds", {{"zone", "z.test."}}), 7200);
  EXPECT_GT(reg.value("trustsync_signatures_total", {{"zone", "z.test."}}), 0);
  // The initial rollover waits for the DS (no parent configured).
  EXPECT_NE(reg.render().find("trustsync_rollover_in_progress{kind=\"initial\""), std::string::npos)
      << reg.render();
  (*watch)->parent_observed("z.test.", kT0 - 30);
  EXPECT_EQ(reg.value("trustsync_parent_observation_age_seconds", {{"zone", "z.test."}}), 30);
  d.events().ds_state("z.test.", "missing");
  d.events().ds_state("z.test.", "ok");
  EXPECT_EQ(reg.value("trustsync_ds_state", {{"state", "ok"}, {"zone", "z.test."}}), 1);
  EXPECT_TRUE(
      std::isnan(reg.value("trustsync_ds_state", {{"state", "missing"}, {"zone", "z.test."}})));

  // A manual command with its caller; the DS confirmation it makes is audited as theirs.
  run_until(d, kT0 + 120);  // the initial rollover submits the DS once the DNSKEY is cached
  rec = d.record("z.test.");
  uint16_t ksk_tag = 0;
  for (const auto& k : rec->keys.keys)
    if (k.role == KeyRole::KSK && k.ds_submitted) ksk_tag = k.tag;
  ASSERT_NE(ksk_tag, 0);
  {
    ActorScope who("uid:1000");
    Status st = d.ds_seen("z.test.", ksk_tag, false);
    ASSERT_TRUE(st) << st.error().message;
    (*watch)->command("rollover z.test. zsk", "error: no signing ZSK\n");
    (*watch)->command("status z.test.", "ok\n");  // read-only: not audited
  }

  // Signing fails once the re-sign point has come: signatures-expiring, then resolved.
  fs::rename(dir_ / "z.zone", dir_ / "z.zone.away");
  run_until(d, rec->resign_at + 1);
  EXPECT_TRUE(expiring_active(**watch));
  EXPECT_TRUE((*watch)->health());
  clock_.set(rec->expires + 1);
  EXPECT_FALSE((*watch)->health());  // cached expiry: health fails without a new pass
  fs::rename(dir_ / "z.zone.away", dir_ / "z.zone");
  run_until(d, rec->expires + 8000);  // retries back off
  EXPECT_FALSE(expiring_active(**watch));
  EXPECT_TRUE((*watch)->health());
  AlertCounts counts = (*watch)->alerts().counts();
  EXPECT_EQ(counts.raised_total[AlertKind::SignaturesExpiring], 1u);
  EXPECT_EQ(counts.resolved_total[AlertKind::SignaturesExpiring], 1u);

  // Other components raise through the callback; the zone's targets are filled in.
  AlertCallback cb = d.events().alert_callback();
  AlertEvent e;
  e.kind = AlertKind::RogueDs;
  e.zone = "z.test.";
  e.subject = "DS 1 13 2 AB";
  cb(e, true);
  EXPECT_EQ((*watch)->alerts().active().size(), 1u);
  EXPECT_EQ(reg.value("trustsync_alerts_active", {{"kind", "rogue-ds"}}), 1);
  EXPECT_EQ(reg.value("trustsync_alerts_raised_total", {{"kind", "signatures-expiring"}}), 1);
  cb(e, false);
  EXPECT_TRUE((*watch)->alerts().active().empty());
  early(e, true);
  EXPECT_EQ((*watch)->alerts().active().size(), 1u);
  early(e, false);

  // The audit log: config load, the keys' events, the command with its uid; intact.
  (*watch)->flush_audit();
  std::ifstream in(dir_ / "audit" / "audit.jsonl");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"event\":\"config-load\""), std::string::npos);
  EXPECT_NE(text.find("\"event\":\"key-generated\""), std::string::npos);
  EXPECT_NE(text.find("\"event\":\"key-activated\""), std::string::npos);
  EXPECT_NE(text.find("\"event\":\"ds-submitted\""), std::string::npos);
  EXPECT_NE(text.find("\"actor\":\"uid:1000\",\"event\":\"manual-command\""), std::string::npos);
  EXPECT_NE(text.find("\"actor\":\"uid:1000\",\"event\":\"ds-seen\",\"details\":{\"tag\":" +
                      std::to_string(ksk_tag)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\"by\":\"ds-seen command\""), std::string::npos);
  EXPECT_EQ(text.find("status z.test."), std::string::npos);
  auto report = verify_audit_log((dir_ / "audit" / "audit.jsonl").string(),
                                 (dir_ / "audit" / "audit.jsonl.head").string());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_GE(report->entries, 6u);
  d.scheduler().stop();
}

}  // namespace
}  // namespace ts::agent

namespace ts::agent {
namespace {

TEST(WatchConfig, ReadsAuditLogAndChainWatch) {
  auto cfg = load_config_string(
      "[agent]\nstate-dir = \"/var/lib/ts\"\naudit-log = \"audit/a.jsonl\"\n"
      "[agent.chain-watch]\ninterval = \"5m\"\ntrust-anchors = [\"root.ds\"]\n"
      "root-hints = \"/etc/hints\"\ntimeout = \"2s\"\nconfirm = 3\n"
      "[[zone]]\nname = \"a.test.\"\nfile = \"a.zone\"\nnotify = [\"mailto:x@y\"]\n",
      "/etc/ts/ts.toml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->global.audit_log, "/etc/ts/audit/a.jsonl");
  EXPECT_EQ(cfg->global.chain_watch.interval.seconds, 300);
  EXPECT_EQ(cfg->global.chain_watch.trust_anchors, std::vector<std::string>{"/etc/ts/root.ds"});
  EXPECT_EQ(cfg->global.chain_watch.root_hints, "/etc/hints");
  EXPECT_EQ(cfg->global.chain_watch.timeout.seconds, 2);
  EXPECT_EQ(cfg->global.chain_watch.confirm, 3);
  DaemonConfig d;
  d.zones.emplace_back();
  d.zones[0].name = "a.test.";
  fill_watch_settings(*cfg, d);
  EXPECT_EQ(d.watch.audit_log, "/etc/ts/audit/a.jsonl");
  EXPECT_EQ(d.zones[0].notify, std::vector<std::string>{"mailto:x@y"});
  // Printed and read back: the same.
  auto again = load_config_string(config_to_toml(*cfg), "/etc/ts/ts.toml");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(config_to_toml(*again), config_to_toml(*cfg));

  auto bad = load_config_string("[agent.chain-watch]\ntimeout = 0\nintervall = \"1m\"\n", "x.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("chain-watch.timeout"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("intervall"), std::string::npos);
  auto zero = load_config_string("[agent.chain-watch]\nconfirm = 0\n", "x.toml");
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().message.find("chain-watch.confirm"), std::string::npos)
      << zero.error().message;
  // Defaults: state-dir/audit.jsonl, chain watch off.
  auto def = load_config_string("[agent]\nstate-dir = \"/s\"\n", "/x.toml");
  ASSERT_TRUE(def);
  DaemonConfig dd;
  fill_watch_settings(*def, dd);
  EXPECT_EQ(dd.watch.audit_log, "/s/audit.jsonl");
  EXPECT_EQ(dd.watch.chain_watch.interval.seconds, 0);
  EXPECT_EQ(dd.watch.chain_watch.confirm, 2);
}

}  // namespace
}  // namespace ts::agent

namespace ts::agent {
namespace {

TEST(ChainObserver, StartsFromTheIanaAnchorsOrTheConfiguredFiles) {
  ChainWatchSettings s;
  s.interval = Duration::minutes(5);
  auto iana = ChainObserver::create(s);  // no query is made here
  EXPECT_TRUE(iana) << iana.error().message;
  s.trust_anchors = {"/nonexistent/root.ds"};
  auto missing = ChainObserver::create(s);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/root.ds"), std::string::npos)
      << missing.error().message;
}

}  // namespace
}  // namespace ts::agent
