// Adoption of key-store keys for a zone without state (agent/served_keys.h): the served
// output's DNSKEY RRset decides, so a lost state database does not bring back retired keys.
#include "agent/served_keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "agent/log.h"
#include "common/clock.h"

#include "agent/daemon.h"
#include "signer/keystore.h"
#include "tests/unit/agent/daemon_test_support.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
constexpr UnixTime kT0 = 1800000000;

class DaemonAdoptionTest : public test_support::DaemonFixture {
 protected:
  void SetUp() override {
    dir_ = test_support::fresh_temp_dir(test_support::per_test_name("ts_adoption_"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_config() {
    std::ofstream(dir_ / "z0.test.zone")
        << "$ORIGIN z0.test.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
           "ns A 127.0.0.1\nwww TXT \"hi\"\n";
    std::ofstream c(dir_ / "c.toml");
    c << test_support::agent_toml(dir_) << test_support::key_policies_toml()
      << test_support::timing_toml() << "[[zone]]\nname = \"z0.test.\"\nfile = \"z0.test.zone\"\n";
    return (dir_ / "c.toml").string();
  }
  std::unique_ptr<Daemon> make(const std::string& cfg) {
    return test_support::start_daemon(cfg, clock_, log_, DaemonOptions{.seed = 7});
  }
  std::set<std::string> live_ids(Daemon& d, const std::string& zone) {
    std::set<std::string> out;
    auto rec = d.record(zone);
    for (const auto& k : rec->keys.keys)
      if (!k.removed || *k.removed > clock_.now()) out.insert(k.id);
    return out;
  }
};

TEST(ServedDnskeys, ReadsTheApexKeysAndStopsAfterTheApex) {
  fs::path dir = test_support::fresh_temp_dir(test_support::per_test_name("ts_served_"));
  auto origin = *Name::from_text("ex.test.");
  // The DNSKEY below the apex is not the zone's; the junk after the apex is never read.
  std::ofstream(dir / "a.zone") << "$ORIGIN ex.test.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n"
                                   "@ DNSKEY 257 3 13 AQID\n@ DNSKEY 256 3 13 BAUG\n"
                                   "sub DNSKEY 256 3 13 BwgJ\n@@@ this is not a record\n";
  auto keys = served_dnskeys((dir / "a.zone").string(), origin);
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_TRUE(keys->has_value());
  ASSERT_EQ((*keys)->size(), 2u);
  EXPECT_EQ((**keys)[0], (signer::Bytes{0x01, 0x01, 3, 13, 1, 2, 3}));

  auto none = served_dnskeys((dir / "missing.zone").string(), origin);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  std::ofstream(dir / "bad.zone") << "$ORIGIN ex.test.\n@ SOA ns host 1 3600 600 86400\n";
  auto bad = served_dnskeys((dir / "bad.zone").string(), origin);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("bad.zone:2"), std::string::npos) << bad.error().message;

  signer::KeyMeta m;
  m.algorithm = signer::Algorithm::ECDSAP256SHA256;
  m.public_key = {1, 2, 3};
  EXPECT_TRUE(key_is_served(m, **keys));
  m.public_key = {1, 2, 4};
  EXPECT_FALSE(key_is_served(m, **keys));

  // An unsigned file, or one of another zone, says nothing about the keys.
  std::ofstream(dir / "unsigned.zone") << "$ORIGIN ex.test.\n@ 10 SOA ns host 1 3600 600 86400 5\n";
  auto plain = served_dnskeys((dir / "unsigned.zone").string(), origin);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(plain->has_value());
  // Only the file's beginning is read: an apex that has not ended by then is an error.
  {
    std::ofstream big(dir / "big.zone");
    big << "$ORIGIN ex.test.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ DNSKEY 257 3 13 AQID\n";
    const std::string line = "@ TXT \"" + std::string(200, 'x') + "\"\n";
    for (size_t written = 0; written < kServedPrefix + 4096; written += line.size()) big << line;
    big << "www A 192.0.2.1\n";
  }
  auto big = served_dnskeys((dir / "big.zone").string(), origin);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("does not end within"), std::string::npos)
      << big.error().message;
  fs::remove_all(dir);
}

// Which keys a zone without state adopts: the served, unrevoked ones; every key when the
// output says nothing (missing, unsigned) or cannot be read.
TEST(KeysForAdoption, ServedUnrevokedKeysOrAllWhenTheOutputSaysNothing) {
  fs::path dir = test_support::fresh_temp_dir(test_support::per_test_name("ts_adopt_"));
  FILE* null_out = std::fopen("/dev/null", "w");
  SimulatedClock clock(kT0);
  Logger log(LogStyle::Json, null_out, clock);
  auto key = [](uint8_t b) {
    signer::KeyMeta m;
    m.id = "k" + std::to_string(b);
    m.algorithm = signer::Algorithm::ECDSAP256SHA256;
    m.public_key = {b, b, b};
    return m;
  };
  std::vector<signer::KeyMeta> found = {key(1), key(2), key(4)};  // base64 AQEB, AgIC, BAQE
  ZoneSpec spec;
  spec.name = "ex.test.";
  spec.output_file = (dir / "out.signed").string();
  auto ids = [&](std::vector<signer::KeyMeta> v) {
    std::set<std::string> out;
    for (const auto& m : v) out.insert(m.id);
    return out;
  };
  EXPECT_EQ(ids(keys_for_adoption(spec, found, log)), (std::set<std::string>{"k1", "k2", "k4"}));
  // k1 served, k2 served with the REVOKE bit (257 + 128), k4 not served.
  std::ofstream(spec.output_file)
      << "$ORIGIN ex.test.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n"
         "@ DNSKEY 257 3 13 AQEB\n@ DNSKEY 385 3 13 AgIC\nwww A 192.0.2.1\n";
  EXPECT_EQ(ids(keys_for_adoption(spec, found, log)), (std::set<std::string>{"k1"}));
  std::ofstream(spec.output_file) << "$ORIGIN ex.test.\n@ 10 SOA ns host 1 3600 600 86400 5\n";
  EXPECT_EQ(ids(keys_for_adoption(spec, found, log)).size(), 3u);  // unsigned output
  std::ofstream(spec.output_file) << "$ORIGIN ex.test.\n@ SOA broken\n";
  EXPECT_EQ(ids(keys_for_adoption(spec, found, log)).size(), 3u);  // unreadable output
  std::fclose(null_out);
  fs::remove_all(dir);
}

// The state database is lost after a ZSK rollover; the key directory still holds the retired
// ZSK. The restarted daemon adopts the KSK and the new ZSK (the ones the output publishes),
// not the retired key, and the zone it signs publishes just those two.
TEST_F(DaemonAdoptionTest, LostDatabaseAdoptsOnlyTheKeysTheOutputPublishes) {
  std::string cfg = write_config();
  const std::string zone = "z0.test.";
  auto d = make(cfg);
  test_support::run_until(*d, clock_, kT0 + 60);
  auto rec = d->record(zone);
  for (const auto& k : rec->keys.keys)
    if (k.role == KeyRole::KSK && k.ds_submitted && !k.ds_seen) {
      ASSERT_TRUE(d->ds_seen(zone, k.tag, false));
    }
  test_support::run_until(*d, clock_, kT0 + 120);
  std::set<std::string> first = live_ids(*d, zone);
  ASSERT_TRUE(d->rollover(zone, "zsk"));
  test_support::run_until(*d, clock_, clock_.now() + 600);
  ASSERT_TRUE(d->record(zone)->keys.rollovers.empty()) << d->status_text(zone);
  std::set<std::string> live = live_ids(*d, zone);
  ASSERT_EQ(live.size(), 2u);
  signer::FileKeyStore ks((dir_ / "state" / "keys").string());
  auto in_store = ks.list(*Name::from_text(zone));
  ASSERT_TRUE(in_store);
  ASSERT_EQ(in_store->size(), 3u);  // the retired ZSK's files are kept
  std::string retired;
  for (const auto& id : first)
    if (!live.count(id)) retired = id;
  ASSERT_FALSE(retired.empty());

  d.reset();
  for (const char* f : {"trustsync.db", "trustsync.db-wal", "trustsync.db-shm"})
    fs::remove(dir_ / "state" / f);
  d = make(cfg);
  EXPECT_EQ(live_ids(*d, zone), live) << d->status_text(zone);
  test_support::run_until(*d, clock_, clock_.now() + 60);
  auto served = served_dnskeys((dir_ / "z0.test.zone.signed").string(), *Name::from_text(zone));
  ASSERT_TRUE(served && served->has_value());
  EXPECT_EQ((*served)->size(), 2u);
  for (const auto& m : *in_store) EXPECT_EQ(key_is_served(m, **served), m.id != retired) << m.id;
}

}  // namespace
}  // namespace ts::agent
