// The daemon with parent method "tar" on a SimulatedClock, a real local-directory repository
// and real signed output: the initial signing completes on the repository's confirmation;
// a KSK rollover follows RFC 5011 (add hold-down, then switch only once the repository
// serves the new key; the repository down past the hold-down holds the rollover; the old
// key revoked with flags 385 in the signed zone); torn down in the remove hold-down, the
// daemon resumes without repeating a step, and the old key is removed after it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/daemon.h"
#include "agent/daemon_store.h"
#include "agent/key_timing.h"
#include "tests/unit/agent/daemon_test_support.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
constexpr UnixTime kT0 = 1800000000;
constexpr int64_t kMargin = 5 + 10 + 60;  // Dprp + DNSKEY TTL + probe interval

class DaemonTarRollover : public test_support::DaemonFixture {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ts_daemon_tar_rollover_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "ta");
    std::ofstream(dir_ / "island.test.zone")
        << "$ORIGIN island.test.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
           "ns A 127.0.0.1\nwww TXT \"hi\"\n";
    std::ofstream c(dir_ / "c.toml");
    c << test_support::agent_toml(dir_) << test_support::key_policies_toml("1d", "6h", "1m")
      << "parent = { method = \"tar\" }\n"
      << "trust-anchors = { targets = [\"file:" << (dir_ / "ta").string()
      << "/\"], add-hold-down = \"1h\", remove-hold-down = \"2h\", probe-interval = \"1m\" }\n"
      << test_support::timing_toml()
      << "[[zone]]\nname = \"island.test.\"\nfile = \"island.test.zone\"\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Daemon> make() {
    return test_support::start_daemon((dir_ / "c.toml").string(), clock_, log_,
                                      DaemonOptions{.seed = 5});
  }
  void run_until(Daemon& d, UnixTime end) { test_support::run_until(d, clock_, end, 20000); }
  std::string phase(Daemon& d) {
    auto rec = d.record(kZone);
    return rec->keys.rollovers.empty() ? "none"
                                       : std::string(to_string(rec->keys.rollovers[0].phase));
  }
  const KeyRecord* ksk(const ZoneRecord& r, uint16_t tag) {
    for (const auto& k : r.keys.keys)
      if (k.tag == tag) return &k;
    return nullptr;
  }
  std::string read(const fs::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  void repository_down() {
    fs::remove_all(dir_ / "ta");
    std::ofstream(dir_ / "ta") << "not a directory";
  }
  void repository_up() {
    fs::remove(dir_ / "ta");
    fs::create_directory(dir_ / "ta");
  }

  const std::string kZone = "island.test.";
};

TEST_F(DaemonTarRollover, Rfc5011RolloverGatedOnTheRepositoryAndResumedAfterRestart) {
  auto d = make();
  run_until(*d, kT0 + 600);
  ASSERT_EQ(phase(*d), "none");  // the initial signing completed on the anchor's confirmation
  auto rec = d->record(kZone);
  uint16_t old_tag = 0;
  for (const auto& k : rec->keys.keys)
    if (k.role == KeyRole::KSK) old_tag = k.tag;
  ASSERT_NE(old_tag, 0);
  EXPECT_EQ(rec->anchor_current.size(), 1u);
  EXPECT_NE(read(dir_ / "ta" / "island.test.xml").find(std::to_string(old_tag)), std::string::npos);

  ASSERT_TRUE(d->rollover(kZone, "ksk"));
  UnixTime t_pub = clock_.now();
  run_until(*d, t_pub + 5);
  ASSERT_EQ(phase(*d), "add-hold-down");
  rec = d->record(kZone);
  EXPECT_EQ(rec->keys.rollovers[0].kind, RolloverKind::KskRfc5011);
  uint16_t new_tag = 0;
  for (const auto& k : rec->keys.keys)
    if (k.role == KeyRole::KSK && k.tag != old_tag) new_tag = k.tag;
  ASSERT_NE(new_tag, 0);
  EXPECT_EQ(rec->anchor_current.size(), 2u);  // the file target serves both keys
  EXPECT_NE(rec->keys.waiting_for.find("add hold-down"), std::string::npos)
      << rec->keys.waiting_for;

  // The repository goes down before the hold-down ends: no switch, however long it lasts.
  run_until(*d, t_pub + 1800);
  repository_down();
  run_until(*d, t_pub + 3600 + kMargin + 4 * 3600);
  ASSERT_EQ(phase(*d), "add-hold-down");
  rec = d->record(kZone);
  EXPECT_FALSE(ksk(*rec, old_tag)->retired);
  EXPECT_TRUE(rec->anchor_current.empty());
  EXPECT_NE(rec->keys.waiting_for.find("every trust-anchor repository"), std::string::npos)
      << rec->keys.waiting_for;
  EXPECT_NE(d->status_text(kZone).find("trust anchors: waiting for"), std::string::npos)
      << d->status_text(kZone);
  EXPECT_NE(d->status_json(kZone).find("\"trust_anchors\":\"  trust anchors: waiting for"),
            std::string::npos)
      << d->status_json(kZone);

  // Back: switch, then revocation once the repository serves the document ending the old key.
  repository_up();
  UnixTime t_up = clock_.now();
  run_until(*d, t_up + 120);
  ASSERT_EQ(phase(*d), "remove-hold-down");
  rec = d->record(kZone);
  const KeyRecord* old = ksk(*rec, old_tag);
  ASSERT_TRUE(old->revoked);
  UnixTime revoked_at = *old->revoked;
  EXPECT_GE(*old->retired, t_up);
  std::string signed_zone = read(dir_ / "island.test.zone.signed");
  EXPECT_NE(signed_zone.find("385 3 13"), std::string::npos);  // REVOKE bit in the zone
  EXPECT_NE(read(dir_ / "ta" / "island.test.xml").find("validUntil"), std::string::npos);

  // Torn down in the remove hold-down (the record is durable): nothing repeats.
  d.reset();
  clock_.advance(600);
  d = make();
  run_until(*d, clock_.now() + 5);
  ASSERT_EQ(phase(*d), "remove-hold-down");
  rec = d->record(kZone);
  EXPECT_EQ(*ksk(*rec, old_tag)->revoked, revoked_at);
  run_until(*d, revoked_at + 2 * 3600 + kMargin - 10);
  EXPECT_EQ(phase(*d), "remove-hold-down");
  run_until(*d, revoked_at + 2 * 3600 + kMargin + 60);
  EXPECT_EQ(phase(*d), "none");
  rec = d->record(kZone);
  EXPECT_TRUE(ksk(*rec, old_tag)->removed);
  signed_zone = read(dir_ / "island.test.zone.signed");
  EXPECT_EQ(signed_zone.find("385 3 13"), std::string::npos);
  // The document keeps the old key as history, with its end of validity.
  std::string xml = read(dir_ / "ta" / "island.test.xml");
  EXPECT_NE(xml.find("<KeyTag>" + std::to_string(old_tag) + "<"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<KeyTag>" + std::to_string(new_tag) + "<"), std::string::npos) << xml;
}

}  // namespace
}  // namespace ts::agent
