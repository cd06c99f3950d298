// Parent method `managed` (agent/daemon_managed.h): the DS set derived from a child's durable
// record, the input's DS replaced at the parent's signing (with a warning), ManagedChildren
// idempotent and rebuilt identically after a restart, and the daemon end to end on a
// SimulatedClock: the child's DS lands in the parent's signed output, a KSK rollover's new
// DS joins it, and a restart neither re-signs the parent nor changes a DS set.
#include "agent/daemon_managed.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent/daemon.h"
#include "agent/daemon_store.h"
#include "agent/key_timing.h"
#include "agent/rollover_planner.h"
#include "signer/zone.h"
#include "signer/zone_loader.h"
#include "tests/unit/agent/daemon_managed_fixture.h"
#include "tests/unit/agent/daemon_test_support.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
namespace rrtype = signer::rrtype;
constexpr UnixTime kT0 = 1800000000;

ps::Bytes fake_dnskey(uint8_t seed) {
  ps::Bytes rd = {0x01, 0x01, 3, 13};  // flags 257, protocol 3, ECDSAP256SHA256
  for (int i = 0; i < 64; ++i) rd.push_back(static_cast<uint8_t>(seed + i));
  return rd;
}

KeyRecord ksk(const std::string& id, const ps::Bytes& rd) {
  KeyRecord k;
  k.id = id;
  k.role = KeyRole::KSK;
  k.algorithm = 13;
  k.tag = ps::key_tag(rd);
  k.generated = k.published = k.ready = k.active = kT0;
  return k;
}

Name N(const char* s) {
  return *Name::from_text(s);
}

TEST(ManagedDsSet, DerivedFromTheDurableRecord) {
  ps::Bytes a = fake_dnskey(1), b = fake_dnskey(2), c = fake_dnskey(3);
  ZoneKeyState st;
  st.zone = "c.test.";
  KeyRecord ka = ksk("a", a), kb = ksk("b", b), kc = ksk("c", c), kz = ksk("z", c);
  ka.ds_submitted = kT0;                          // wanted
  kb.ds_submitted = kT0, kb.ds_withdrawn = kT0;   // withdrawn: not wanted
  kz.role = KeyRole::ZSK, kz.ds_submitted = kT0;  // no KSK duty
  st.keys = {ka, kb, kc, kz};                     // kc: DS never submitted
  std::map<std::string, ps::Bytes> rdata{{"a", a}, {"b", b}, {"c", c}, {"z", c}};
  std::vector<std::string> missing;
  auto set = managed_ds_set(N("c.test."), st, rdata, 2, &missing);
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0], *ps::make_ds(N("c.test."), a, 2));
  EXPECT_TRUE(missing.empty());
  ASSERT_EQ(wanted_ds(st).size(), 1u);  // the planner agrees
  EXPECT_EQ(wanted_ds(st)[0].second, set[0].key_tag);
  // A wanted key whose DNSKEY is unknown is reported, not invented.
  rdata.erase("a");
  EXPECT_TRUE(managed_ds_set(N("c.test."), st, rdata, 2, &missing).empty());
  EXPECT_EQ(missing, std::vector<std::string>{"a"});
  // SHA-384 when the policy says so.
  rdata["a"] = a;
  EXPECT_EQ(managed_ds_set(N("c.test."), st, rdata, 4, nullptr)[0].digest_type, 4);
}

TEST(ManagedDsSet, NearestParent) {
  std::set<std::string> zones{"test.", "example.test.", "."};
  EXPECT_EQ(nearest_parent("sub.example.test.", zones), "example.test.");
  EXPECT_EQ(nearest_parent("a.b.test.", zones), "test.");
  EXPECT_EQ(nearest_parent("test.", zones), ".");
  EXPECT_FALSE(nearest_parent("other.", {"test."}));
}

signer::Zone parent_zone(const std::string& extra) {
  std::string path = fs::temp_directory_path() / ("ts_managed_p_" + std::to_string(::getpid()));
  {
    std::ofstream f(path);
    f << "$ORIGIN test.\n$TTL 10\n@ SOA ns.test. host.test. 1 3600 600 86400 5\n@ NS ns\n"
         "ns A 127.0.0.1\nc NS ns.c\nns.c A 127.0.0.2\n"
      << extra;
  }
  signer::LoadOptions lo;
  lo.origin = N("test.");
  auto z = signer::load_zone_file(path, lo);
  fs::remove(path);
  EXPECT_TRUE(z) << (z ? "" : z.error().message);
  return std::move(*z);
}

std::vector<ps::DsRecord> ds_in(const signer::Zone& z, const char* owner) {
  std::vector<ps::DsRecord> out;
  if (const auto* n = z.find(N(owner)))
    if (const auto* rs = n->find(rrtype::DS))
      for (const auto& rd : rs->rdatas) out.push_back(*ps::DsRecord::from_rdata(rd));
  return ps::canonical_set(out);
}

TEST(ApplyChildDs, ReplacesTheInputDsWithAWarning) {
  auto zone = parent_zone("c DS 4242 13 2 " + std::string(64, 'A') + "\n");
  auto want = ps::canonical_set({*ps::make_ds(N("c.test."), fake_dnskey(1), 2)});
  ChildDsMap children{{"c.test.", {kManagedSource, want, 10}},
                      {"nodeleg.test.", {kManagedSource, want, 10}}};
  ChildDsNotes notes;
  apply_child_ds(zone, children, notes);
  EXPECT_EQ(ds_in(zone, "c.test."), want);  // the rogue 4242 is gone
  ASSERT_EQ(notes.warnings.size(), 1u);
  EXPECT_NE(notes.warnings[0].find("input DS for c.test. replaced by the managed DS set"),
            std::string::npos)
      << notes.warnings[0];
  ASSERT_EQ(notes.errors.size(), 1u);
  EXPECT_NE(notes.errors[0].find("no delegation (NS) for nodeleg.test."), std::string::npos);
  EXPECT_EQ(ds_in(zone, "nodeleg.test."), std::vector<ps::DsRecord>{});  // no DS off a cut
  EXPECT_EQ(notes.undelegated, std::set<std::string>{"nodeleg.test."});
  EXPECT_EQ(notes.applied.at("c.test."), want);
  // The same DS in the input: no warning. An empty set: the delegation goes insecure.
  auto again = parent_zone("c DS " + want[0].rdata_text() + "\n");
  ChildDsNotes quiet;
  apply_child_ds(again, {{"c.test.", {kManagedSource, want, 10}}}, quiet);
  EXPECT_TRUE(quiet.warnings.empty());
  ChildDsNotes none;
  apply_child_ds(again, {{"c.test.", {kManagedSource, {}, 10}}}, none);
  EXPECT_TRUE(ds_in(again, "c.test.").empty());
  EXPECT_EQ(none.warnings.size(), 1u);
}

TEST(ManagedChildren, IdempotentAndRebuiltIdentically) {
  auto d1 = *ps::make_ds(N("c.test."), fake_dnskey(1), 2);
  auto d2 = *ps::make_ds(N("c.test."), fake_dnskey(2), 2);
  ManagedChildren mc;
  std::map<std::string, ChildDsMap> sets{{"test.", {{"c.test.", {kManagedSource, {d1}, 10}}}}};
  EXPECT_EQ(mc.rebuild(kManagedSource, sets), std::set<std::string>{"test."});
  EXPECT_TRUE(mc.rebuild(kManagedSource, sets).empty());  // same records, same sets
  EXPECT_EQ(mc.parent_of("c.test."), "test.");
  EXPECT_FALSE(mc.set("test.", "c.test.", {kManagedSource, {d1}, 10}));
  // Unknown output: read back once; equal -> no re-signing.
  int reads = 0;
  auto read = [&](const ChildDsMap&) -> Result<AppliedDs> {
    ++reads;
    return AppliedDs{{"c.test.", {d1}}};
  };
  EXPECT_FALSE(mc.resign_needed("test.", read));
  EXPECT_FALSE(mc.resign_needed("test.", read));
  EXPECT_EQ(reads, 1);
  EXPECT_FALSE(mc.resign_needed("other.", read));
  // A rollover submits a second DS: P must be signed; the change is reported once.
  EXPECT_TRUE(mc.set("test.", "c.test.", {kManagedSource, ps::canonical_set({d1, d2}), 10}));
  EXPECT_TRUE(mc.resign_needed("test.", read));
  EXPECT_EQ(mc.changes("test.", {{"c.test.", ps::canonical_set({d1, d2})}}).size(), 1u);
  EXPECT_TRUE(mc.changes("test.", {{"c.test.", ps::canonical_set({d1, d2})}}, {"c.test."}).empty());
  auto changes = mc.signed_with("test.", {{"c.test.", ps::canonical_set({d1, d2})}});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].added, std::vector<uint16_t>{d2.key_tag});
  EXPECT_TRUE(changes[0].removed.empty());
  EXPECT_FALSE(mc.resign_needed("test.", read));
  EXPECT_TRUE(mc.signed_with("test.", {{"c.test.", ps::canonical_set({d1, d2})}}).empty());
  EXPECT_TRUE(mc.changes("test.", {{"c.test.", ps::canonical_set({d1, d2})}}).empty());
  // A forced re-signing (rogue DS served) is needed once, then done.
  mc.force_resign("test.");
  EXPECT_TRUE(mc.resign_needed("test.", read));
  EXPECT_TRUE(mc.signed_with("test.", {{"c.test.", ps::canonical_set({d1, d2})}}).empty());
  EXPECT_FALSE(mc.resign_needed("test.", read));
  // A second source sits beside the managed one and survives a managed rebuild.
  EXPECT_TRUE(mc.set("test.", "scanned.test.", {"childscan", {d2}, 10}));
  mc.rebuild(kManagedSource, {});
  EXPECT_FALSE(mc.child("test.", "c.test."));
  ASSERT_TRUE(mc.child("test.", "scanned.test."));
  EXPECT_EQ(mc.child("test.", "scanned.test.")->source, "childscan");
  EXPECT_FALSE(mc.erase("test.", "scanned.test.", kManagedSource));
  EXPECT_TRUE(mc.erase("test.", "scanned.test.", "childscan"));
}

TEST(ManagedChildren, ManagedSetWinsOverAnotherSource) {
  auto mine = *ps::make_ds(N("c.test."), fake_dnskey(1), 2);
  auto stale = *ps::make_ds(N("c.test."), fake_dnskey(9), 2);
  ManagedChildren mc;
  EXPECT_TRUE(mc.set("test.", "c.test.", {kManagedSource, {mine}, 10}));
  EXPECT_FALSE(mc.set("test.", "c.test.", {"childscan", {stale}, 10}));
  mc.rebuild("childscan", {{"test.", {{"c.test.", {"childscan", {stale}, 10}}}}});
  ASSERT_TRUE(mc.child("test.", "c.test."));
  EXPECT_EQ(*mc.child("test.", "c.test."), (ChildDs{kManagedSource, {mine}, 10}));
}

TEST(ManagedZones, CorrectionAndRateLimitedResigning) {
  auto d1 = *ps::make_ds(N("c.test."), fake_dnskey(1), 2);
  auto rogue = *ps::make_ds(N("c.test."), fake_dnskey(9), 2);
  ManagedChildren mc;
  mc.set("test.", "c.test.", {kManagedSource, {d1}, 10});
  SimulatedClock clock{kT0};
  ManagedZones early(mc, clock, nullptr);
  ps::ParentObservation old;
  old.servers = {{"ns1/127.0.0.1", true, "", ps::Validation::Secure, {}}};
  EXPECT_FALSE(early.correction("c.test.", old, 60).needed);  // P not signed with d1 yet
  mc.signed_with("test.", {{"c.test.", {d1}}});
  std::vector<std::string> resigned;
  ManagedZones mz(mc, clock, [&](const std::string& p) { resigned.push_back(p); });
  ps::ParentObservation obs;
  obs.servers = {{"ns1/127.0.0.1", true, "", ps::Validation::Secure, {d1}},
                 {"ns2/127.0.0.2", true, "", ps::Validation::Secure, {d1, rogue}}};
  auto c = mz.correction("c.test.", obs, 60);
  EXPECT_TRUE(c.needed);
  EXPECT_EQ(c.desired, std::vector<ps::DsRecord>{d1});
  ps::ManagedPublisher pub(mz, N("test."));
  ASSERT_TRUE(pub.publish(N("c.test."), c.desired));
  EXPECT_TRUE(pub.changed());
  EXPECT_EQ(resigned, std::vector<std::string>{"test."});
  // Asked again within the interval (servers catching up): no second re-signing.
  mz.correction("c.test.", obs, 60);
  ASSERT_TRUE(pub.publish(N("c.test."), c.desired));
  EXPECT_FALSE(pub.changed());
  EXPECT_EQ(resigned.size(), 1u);
  clock.set(kT0 + 61);
  mz.correction("c.test.", obs, 60);
  ASSERT_TRUE(pub.publish(N("c.test."), c.desired));
  EXPECT_EQ(resigned.size(), 2u);
  // All servers serve the managed set: nothing to do. A silent server: never act blind.
  obs.servers[1].ds = {d1};
  EXPECT_FALSE(mz.correction("c.test.", obs, 60).needed);
  obs.servers[1].answered = false;
  obs.servers[0].ds = {};
  EXPECT_FALSE(mz.correction("c.test.", obs, 60).needed);
}

// ---- the daemon end to end (SimulatedClock, real files; the child's parent cannot be
// observed here: its resolver has no usable trust anchor, so nothing is ever "seen" and the
// old DS must stay)

using DaemonManagedTest = test_support::ManagedDaemonFixture;

TEST_F(DaemonManagedTest, ChildDsInParentRolloverAddsRestartKeepsEverything) {
  auto d = make();
  run_until(*d, kT0 + 60);
  auto want = wanted_tags(*d);
  ASSERT_EQ(want.size(), 1u);      // the child's first KSK: DS submitted
  EXPECT_EQ(output_tags(), want);  // in the parent's output; the input's 4242 replaced
  auto mc = d->managed_children().child("test.", "c.test.");
  ASSERT_TRUE(mc);
  EXPECT_EQ(mc->ds.size(), 1u);
  EXPECT_EQ(mc->ttl, 10u);
  EXPECT_NE(d->status_json("test.").find("\"children\":{\"c.test.\":{\"source\":\"managed\","
                                         "\"ds\":[" +
                                         std::to_string(*want.begin()) + "]}}"),
            std::string::npos)
      << d->status_json("test.");
  EXPECT_NE(d->status_text("test.").find("child:   c.test. DS " + std::to_string(*want.begin())),
            std::string::npos);

  // The first DS confirmed by hand (method manual for a while), then managed again.
  d.reset();
  write_config("manual");
  d = make();
  ASSERT_TRUE(d->ds_seen("c.test.", *want.begin(), false));
  run_until(*d, kT0 + 120);
  d.reset();
  write_config("managed");
  d = make();
  run_until(*d, kT0 + 130);
  EXPECT_EQ(output_tags(), want);

  // A KSK rollover: the new DS joins the old one in the parent; the old one stays, since the
  // new DS is never seen (the parent cannot be observed here).
  Status r = d->rollover("c.test.", "ksk");
  ASSERT_TRUE(r) << r.error().message;
  run_until(*d, kT0 + 600);
  auto both = wanted_tags(*d);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_TRUE(both.count(*want.begin()));
  EXPECT_EQ(output_tags(), both);

  // Restart (as after kill -9: the daemon is torn down without a stop): the same sets are
  // rebuilt from the records and the parent is not signed again for them.
  UnixTime p_signed = d->record("test.")->signed_at;
  auto before = d->managed_children().children_of("test.");
  d.reset();
  clock_.set(clock_.now() + 5);
  d = make();
  EXPECT_EQ(d->managed_children().children_of("test."), before);
  run_until(*d, clock_.now() + 5);
  EXPECT_EQ(d->record("test.")->signed_at, p_signed);
  EXPECT_EQ(output_tags(), both);
}

TEST_F(DaemonManagedTest, OutputLackingTheSetIsSignedAgainAfterRestart) {
  auto d = make();
  run_until(*d, kT0 + 60);
  auto want = wanted_tags(*d);
  ASSERT_EQ(output_tags(), want);
  d.reset();
  // The output lost the DS (e.g. restored from an old backup): the next start puts it back.
  std::string out = (dir_ / "test.zone.signed").string();
  {
    std::ifstream in(out);
    std::string text, line;
    while (std::getline(in, line))
      if (line.rfind("c.test.", 0) != 0 || line.find("\tDS\t") == std::string::npos)
        text += line + "\n";
    in.close();
    std::ofstream(out) << text;
  }
  EXPECT_TRUE(output_tags().empty());
  clock_.set(clock_.now() + 5);
  d = make();
  run_until(*d, clock_.now() + 5);
  EXPECT_EQ(output_tags(), want);
}

TEST_F(DaemonManagedTest, SecondSourceForANonManagedChild) {
  // "parent polls children" (branch childscan) plugs its accepted DS set in the same way.
  std::ofstream(dir_ / "test.zone", std::ios::app) << "s NS ns.s\nns.s A 127.0.0.4\n";
  auto d = make();
  run_until(*d, kT0 + 60);
  UnixTime before = d->record("test.")->signed_at;
  auto ds = *ps::make_ds(N("s.test."), fake_dnskey(5), 2);
  ASSERT_TRUE(d->managed_children().set("test.", "s.test.", {"childscan", {ds}, 10}));
  clock_.set(clock_.now() + 1);
  d->managed_changed("test.");
  run_until(*d, clock_.now() + 1);
  EXPECT_GT(d->record("test.")->signed_at, before);
  auto a = read_applied_ds((dir_ / "test.zone.signed").string(), N("test."), {{"s.test.", {}}});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->at("s.test."), std::vector<ps::DsRecord>{ds});
  // Asked again with nothing new: no signing.
  before = d->record("test.")->signed_at;
  clock_.set(clock_.now() + 1);
  d->managed_changed("test.");
  run_until(*d, clock_.now() + 1);
  EXPECT_EQ(d->record("test.")->signed_at, before);
}

TEST_F(DaemonManagedTest, StaleChildScanRowNeverOverridesTheManagedSet) {
  auto d = make();
  run_until(*d, kT0 + 60);
  auto want = wanted_tags(*d);
  ASSERT_EQ(output_tags(), want);
  d.reset();
  // A DS set once accepted from c.test.'s CDS (before it was managed here) is still stored.
  auto stale = *ps::make_ds(N("c.test."), fake_dnskey(9), 2);
  {
    auto store = DaemonStore::open((dir_ / "state" / "trustsync.db").string());
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->save_child_ds(
        {"test.", "c.test.", {stale.rdata_text()}, kT0 - 86400, false, 10}));
  }
  clock_.set(clock_.now() + 5);
  d = make();
  auto mc = d->managed_children().child("test.", "c.test.");
  ASSERT_TRUE(mc);
  EXPECT_EQ(mc->source, kManagedSource);  // at once: the parent never signs the stale set
  run_until(*d, clock_.now() + 5);
  EXPECT_EQ(output_tags(), want);
  d.reset();
  auto store = DaemonStore::open((dir_ / "state" / "trustsync.db").string());
  ASSERT_TRUE(store);
  EXPECT_TRUE((*store)->child_ds_rows()->empty());  // the stale row is dropped
}

TEST_F(DaemonManagedTest, ThreeLevelsInOneConfig) {
  // test. <- c.test. <- d.c.test., both children managed: each DS lands in its parent here.
  std::ofstream(dir_ / "c.test.zone", std::ios::app) << "d NS ns.d\nns.d A 127.0.0.3\n";
  std::ofstream(dir_ / "d.c.test.zone")
      << "$ORIGIN d.c.test.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
         "ns A 127.0.0.3\n";
  {
    std::ofstream c(dir_ / "c.toml", std::ios::app);
    c << "[[zone]]\nname = \"d.c.test.\"\nfile = \"d.c.test.zone\"\n"
      << "parent = { method = \"managed\", poll = \"1h\", timeout = \"1s\", trust-anchor = \""
      << (dir_ / "ta").string() << "\" }\n";
  }
  auto d = make();
  run_until(*d, kT0 + 60);
  EXPECT_EQ(d->managed_children().parent_of("d.c.test."), "c.test.");
  EXPECT_EQ(d->managed_children().parent_of("c.test."), "test.");
  EXPECT_EQ(output_tags(), wanted_tags(*d));  // c.test.'s DS in test.
  std::set<uint16_t> d_tags, in_c;
  for (const auto& id : wanted_ds(d->record("d.c.test.")->keys)) d_tags.insert(id.second);
  auto a =
      read_applied_ds((dir_ / "c.test.zone.signed").string(), N("c.test."), {{"d.c.test.", {}}});
  ASSERT_TRUE(a) << a.error().message;
  for (const auto& ds : a->at("d.c.test.")) in_c.insert(ds.key_tag);
  EXPECT_EQ(d_tags.size(), 1u);
  EXPECT_EQ(in_c, d_tags);  // d.c.test.'s DS in c.test., which is itself a managed child
}

TEST_F(DaemonManagedTest, KeyStoreProblemNeverRemovesAWantedDs) {
  // The child's KSK metadata cannot be read (moved away, disk trouble): its DS set cannot be
  // derived, so the one the parent serves stays; it is never replaced by an empty set.
  std::set<uint16_t> want;
  auto d = start_signed(want, kT0 + 60);
  ASSERT_FALSE(HasFailure());
  std::string meta = child_ksk_meta(*d);
  ASSERT_FALSE(meta.empty());
  ASSERT_TRUE(fs::exists(meta)) << meta;
  d.reset();
  fs::rename(meta, meta + ".away");
  clock_.set(clock_.now() + 5);
  d = make();  // start: the set is rebuilt from the records and the key store
  run_until(*d, clock_.now() + 600);
  EXPECT_EQ(output_tags(), want);
  auto mc = d->managed_children().child("test.", "c.test.");
  ASSERT_TRUE(mc);
  EXPECT_EQ(mc->ds.size(), 1u);
}

}  // namespace
}  // namespace ts::agent
