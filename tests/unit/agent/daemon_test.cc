// The daemon on a SimulatedClock with real files: signs every zone (verified), staggers
// re-signing with jitter before expiry, keeps going when one zone fails, runs a ZSK and a
// KSK rollover to the end through the planner, and resumes after being torn down mid-way.
#include "agent/daemon.h"
#include "tests/unit/agent/daemon_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "agent/control.h"
#include "agent/daemon_sign.h"
#include "agent/daemon_store.h"
#include "agent/key_timing.h"
#include "signer/keystore.h"
#include "signer/nsec_chain.h"
#include "signer/zone_loader.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
constexpr UnixTime kT0 = 1800000000;

class DaemonTest : public test_support::DaemonFixture {
 protected:
  void SetUp() override {
    dir_ = test_support::fresh_temp_dir(test_support::per_test_name("ts_daemon_test_"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_zone(const std::string& name) {
    std::ofstream f(dir_ / (name + "zone"));
    f << "$ORIGIN " << name << "\n$TTL 10\n@ SOA ns." << name << " host." << name
      << " 1 3600 600 86400 5\n@ NS ns\nns A 127.0.0.1\nwww TXT \"hi\"\n";
  }
  /// Config with `zones` zones z0. .. z<n-1>. (input files written unless listed in `missing`).
  std::string write_config(int zones, const std::string& extra_defaults = "",
                           std::set<int> missing = {}) {
    std::ofstream c(dir_ / "c.toml");
    c << test_support::agent_toml(dir_) << test_support::key_policies_toml() << extra_defaults
      << test_support::timing_toml();
    for (int i = 0; i < zones; ++i) {
      std::string n = "z" + std::to_string(i) + ".test.";
      if (!missing.count(i)) write_zone(n);
      c << "[[zone]]\nname = \"" << n << "\"\nfile = \"" << n << "zone\"\n";
    }
    return (dir_ / "c.toml").string();
  }
  std::unique_ptr<Daemon> make(const std::string& cfg_path) {
    return test_support::start_daemon(cfg_path, clock_, log_, DaemonOptions{.seed = 7});
  }
  /// Runs every event up to `end`, jumping the clock from event to event.
  void run_until(Daemon& d, UnixTime end) { test_support::run_until(d, clock_, end); }
  /// Completes the initial rollover: the DS of every KSK is confirmed by the "operator".
  void confirm_ds(Daemon& d, const std::string& zone) {
    auto rec = d.record(zone);
    ASSERT_TRUE(rec);
    for (const auto& k : rec->keys.keys)
      if (k.role == KeyRole::KSK && k.ds_submitted && !k.ds_seen) {
        ASSERT_TRUE(d.ds_seen(zone, k.tag, false));
      }
  }
};

TEST_F(DaemonTest, SignsEveryZoneAndStaggersResigningBeforeExpiry) {
  auto d = make(write_config(12));
  d->scheduler().run_due();
  EXPECT_EQ(d->signed_zones(), 12u);
  std::set<UnixTime> resign_times;
  for (int i = 0; i < 12; ++i) {
    auto rec = d->record("z" + std::to_string(i) + ".test.");
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->expires, kT0 + 7200);
    EXPECT_LE(rec->resign_at, rec->expires - 1800);         // before expiry - refresh
    EXPECT_GE(rec->resign_at, rec->expires - 1800 - 1200);  // jitter at most 20m
    resign_times.insert(rec->resign_at);
    EXPECT_TRUE(fs::exists(dir_ / ("z" + std::to_string(i) + ".test.zone.signed")));
  }
  EXPECT_GT(resign_times.size(), 8u);  // staggered
  // Just before the earliest re-sign nothing is signed again; after the last, all are.
  UnixTime first = *resign_times.begin(), last = *resign_times.rbegin();
  run_until(*d, first - 1);
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ(d->record("z" + std::to_string(i) + ".test.")->signed_at, kT0);
  run_until(*d, last);
  for (int i = 0; i < 12; ++i) {
    auto rec = d->record("z" + std::to_string(i) + ".test.");
    EXPECT_GT(rec->signed_at, kT0);
    EXPECT_LT(rec->signed_at, kT0 + 7200);  // re-signed before the old signatures expired
  }
}

TEST_F(DaemonTest, FailingZoneDoesNotBlockTheOthersAndIsRetried) {
  auto d = make(write_config(5, "", {2}));
  d->scheduler().run_due();
  EXPECT_EQ(d->signed_zones(), 4u);
  std::string st = d->status_text("z2.test.");
  EXPECT_NE(st.find("status:  error"), std::string::npos) << st;
  auto retry = d->scheduler().pending("z2.test.", EventKind::Retry);
  ASSERT_TRUE(retry);
  write_zone("z2.test.");  // repaired: the retry signs it
  run_until(*d, *retry);
  EXPECT_EQ(d->signed_zones(), 5u);
  EXPECT_NE(d->status_text("z2.test.").find("status:  ok"), std::string::npos);
}

TEST_F(DaemonTest, ZskAndKskRolloversCompleteAndStateSurvivesARestart) {
  std::string cfg = write_config(1);
  const std::string zone = "z0.test.";
  auto d = make(cfg);
  run_until(*d, kT0 + 60);
  confirm_ds(*d, zone);
  run_until(*d, kT0 + 120);
  auto rec = d->record(zone);
  ASSERT_TRUE(rec->keys.rollovers.empty()) << d->status_text(zone);
  std::set<std::string> old_ids;
  for (const auto& k : rec->keys.keys) old_ids.insert(k.id);

  ASSERT_TRUE(d->rollover(zone, "zsk"));
  run_until(*d, clock_.now() + 10);
  // Tear the daemon down in the middle of the ZSK rollover and start a new one.
  auto mid = d->record(zone);
  ASSERT_FALSE(mid->keys.rollovers.empty());
  d.reset();
  d = make(cfg);
  EXPECT_EQ(d->record(zone)->keys, mid->keys);
  run_until(*d, clock_.now() + 600);
  EXPECT_TRUE(d->record(zone)->keys.rollovers.empty()) << d->status_text(zone);

  ASSERT_TRUE(d->rollover(zone, "ksk"));
  run_until(*d, clock_.now() + 120);
  std::string st = d->status_text(zone);
  EXPECT_NE(st.find("trustsync ds-seen " + zone), std::string::npos) << st;
  confirm_ds(*d, zone);
  run_until(*d, clock_.now() + 120);
  // The old DS is withdrawn: the operator confirms it is gone.
  rec = d->record(zone);
  for (const auto& k : rec->keys.keys)
    if (k.ds_withdrawn && !k.ds_gone) {
      ASSERT_TRUE(d->ds_seen(zone, k.tag, true));
    }
  run_until(*d, clock_.now() + 120);
  rec = d->record(zone);
  EXPECT_TRUE(rec->keys.rollovers.empty()) << d->status_text(zone);
  int live = 0;
  for (const auto& k : rec->keys.keys) {
    if (k.removed && *k.removed <= clock_.now()) continue;
    ++live;
    EXPECT_FALSE(old_ids.count(k.id)) << "old key " << k.id << " still in the zone";
  }
  EXPECT_EQ(live, 2);
}

TEST_F(DaemonTest, ControlRequestsOverTheSocket) {
  auto d = make(write_config(2));
  d->scheduler().run_due();
  std::string sock = (dir_ / "state" / "control.sock").string();
  ControlServer srv(sock, [&](const std::string& r) { return handle_control_request(*d, r); });
  ASSERT_TRUE(srv.start());
  EXPECT_EQ(fs::status(sock).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto r = control_request(sock, "status z1.test json");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok);
  EXPECT_NE(r->body.find("\"zone\":\"z1.test.\""), std::string::npos) << r->body;
  r = control_request(sock, "status nosuch.");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  r = control_request(sock, "rollover z0.test. zsk");  // initial rollover still running
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  write_zone("added.test.");
  r = control_request(sock, "zone-add added.test. " + (dir_ / "added.test.zone").string());
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;
  d->scheduler().run_due();
  EXPECT_TRUE(fs::exists(dir_ / "added.test.zone.signed"));
  r = control_request(sock, "zone-remove z0.test.");  // from the file: refused
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  r = control_request(sock, "zone-remove added.test.");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_EQ(d->zone_count(), 2u);
  srv.stop();
}

TEST_F(DaemonTest, SelfCheckRejectsABrokenSignatureAndAnUnsignedRRset) {
  auto d = make(write_config(1));
  d->scheduler().run_due();
  signer::LoadOptions lo;
  lo.origin = *Name::from_text("z0.test.");
  lo.dnssec = signer::DnssecInput::Keep;
  auto zone = signer::load_zone_file((dir_ / "z0.test.zone.signed").string(), lo);
  ASSERT_TRUE(zone) << zone.error().message;
  auto ok = verify_signed_zone(*zone, kT0);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_GT(*ok, 4u);
  EXPECT_FALSE(verify_signed_zone(*zone, kT0 + 7200));  // expired
  signer::Node* www = zone->find(*Name::from_text("www.z0.test."));
  ASSERT_TRUE(www);
  signer::RRset* txt = www->find(signer::rrtype::TXT);
  ASSERT_TRUE(txt && !txt->rrsigs.empty());
  txt->rrsigs[0].back() ^= 0x01;  // one flipped bit in the signature
  auto bad = verify_signed_zone(*zone, kT0);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("www.z0.test."), std::string::npos) << bad.error().message;
  txt->rrsigs.clear();
  bad = verify_signed_zone(*zone, kT0);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not signed"), std::string::npos) << bad.error().message;
}

TEST_F(DaemonTest, PerKeySelfCheckVerifiesEachKeyOnceAndEverythingElseStructurally) {
  auto d = make(write_config(1));
  d->scheduler().run_due();
  signer::LoadOptions lo;
  lo.origin = *Name::from_text("z0.test.");
  lo.dnssec = signer::DnssecInput::Keep;
  const std::string signed_file = (dir_ / "z0.test.zone.signed").string();
  auto load = [&] {
    auto z = signer::load_zone_file(signed_file, lo);
    EXPECT_TRUE(z) << z.error().message;
    return std::move(*z);
  };
  signer::Zone zone = load();
  auto full = verify_signed_zone(zone, kT0, VerifyMode::Full);
  auto per_key = verify_signed_zone(zone, kT0, VerifyMode::PerKey);
  ASSERT_TRUE(full) << full.error().message;
  ASSERT_TRUE(per_key) << per_key.error().message;
  EXPECT_EQ(*per_key, 2u);  // the DNSKEY RRset's RRSIG (KSK) + the ZSK's first signature
  EXPECT_GT(*full, *per_key);
  EXPECT_FALSE(verify_signed_zone(zone, kT0 + 7200, VerifyMode::PerKey));  // expired
  {
    // With the signing keys held in memory (the daemon's pass) the DNSKEYs whose public key
    // they have are checked with them; a key that is not the DNSKEY's is not used.
    signer::FileKeyStore ks((dir_ / "state" / "keys").string());
    auto metas = ks.list(zone.origin());
    ASSERT_TRUE(metas);
    ASSERT_EQ(metas->size(), 2u);
    std::vector<signer::PrivateKey> keys;
    for (const auto& m : *metas) keys.push_back(*ks.load_private(m));
    auto stranger = signer::PrivateKey::generate(signer::Algorithm::ECDSAP256SHA256, 0);
    ASSERT_TRUE(stranger);
    std::vector<const signer::PrivateKey*> held{&keys[0], &keys[1], &*stranger};
    auto with_held = verify_signed_zone(zone, kT0, VerifyMode::PerKey, held);
    ASSERT_TRUE(with_held) << with_held.error().message;
    EXPECT_EQ(*with_held, 2u);
    signer::Zone broken = load();
    broken.find(zone.origin())->find(signer::rrtype::DNSKEY)->rrsigs[0].back() ^= 0x01;
    auto r = verify_signed_zone(broken, kT0, VerifyMode::PerKey, held);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("does not verify"), std::string::npos);
    std::vector<const signer::PrivateKey*> only_stranger{&*stranger};
    EXPECT_TRUE(verify_signed_zone(zone, kT0, VerifyMode::PerKey, only_stranger));
  }

  auto expect_fail = [&](signer::Zone& z, const std::string& text) {
    auto r = verify_signed_zone(z, kT0, VerifyMode::PerKey);
    ASSERT_FALSE(r) << "per-key self-check passed; expected: " << text;
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
  };
  auto rrset = [](signer::Zone& z, const char* owner, uint16_t type) {
    signer::Node* n = z.find(*Name::from_text(owner));
    signer::RRset* r = n ? n->find(type) : nullptr;
    EXPECT_TRUE(r && !r->rrsigs.empty()) << owner << " " << type;
    return r;
  };
  // The apex NS RRset holds the ZSK's first signature (canonical order, types ascending):
  // a broken one fails the per-key check.
  rrset(zone, "z0.test.", signer::rrtype::NS)->rrsigs[0].back() ^= 0x01;
  expect_fail(zone, "does not verify");
  // So does a broken signature over the DNSKEY RRset.
  zone = load();
  rrset(zone, "z0.test.", signer::rrtype::DNSKEY)->rrsigs[0].back() ^= 0x01;
  expect_fail(zone, "z0.test. type 48");
  // A later signature by the same key is only checked structurally (the documented gap;
  // "full" catches it).
  zone = load();
  signer::RRset* txt = rrset(zone, "www.z0.test.", signer::rrtype::TXT);
  txt->rrsigs[0].back() ^= 0x01;
  EXPECT_TRUE(verify_signed_zone(zone, kT0, VerifyMode::PerKey));
  EXPECT_FALSE(verify_signed_zone(zone, kT0, VerifyMode::Full));
  // Structure: a key tag of no DNSKEY, a wrong labels field, a wrong original TTL, a wrong
  // covered type.
  zone = load();
  txt = rrset(zone, "www.z0.test.", signer::rrtype::TXT);
  txt->rrsigs[0][17] ^= 0x01;
  expect_fail(zone, "matches no DNSKEY");
  zone = load();
  txt = rrset(zone, "www.z0.test.", signer::rrtype::TXT);
  txt->rrsigs[0][3] = 2;
  expect_fail(zone, "labels");
  zone = load();
  txt = rrset(zone, "www.z0.test.", signer::rrtype::TXT);
  txt->ttl += 1;
  expect_fail(zone, "original TTL");
  zone = load();
  txt = rrset(zone, "www.z0.test.", signer::rrtype::TXT);
  txt->rrsigs[0][1] = signer::rrtype::A;
  expect_fail(zone, "covers another type");
  // An unsigned RRset.
  zone = load();
  rrset(zone, "www.z0.test.", signer::rrtype::TXT)->rrsigs.clear();
  expect_fail(zone, "not signed");
  // The NSEC chain: ns. pointing past www. back to the apex is not closed.
  zone = load();
  signer::Node* ns = zone.find(*Name::from_text("ns.z0.test."));
  ASSERT_TRUE(ns);
  rrset(zone, "ns.z0.test.", signer::rrtype::NSEC)->rdatas[0] =
      signer::nsec_rdata(zone.origin(), *ns);
  expect_fail(zone, "chain not closed");
  EXPECT_FALSE(verify_signed_zone(zone, kT0, VerifyMode::Full));  // both modes check it
}

TEST_F(DaemonTest, SelfCheckFindsABrokenNsec3Chain) {
  auto d = make(write_config(1, "denial = { type = \"nsec3\", opt-out = true }\n"));
  d->scheduler().run_due();
  signer::LoadOptions lo;
  lo.origin = *Name::from_text("z0.test.");
  lo.dnssec = signer::DnssecInput::Keep;
  auto zone = signer::load_zone_file((dir_ / "z0.test.zone.signed").string(), lo);
  ASSERT_TRUE(zone) << zone.error().message;
  ASSERT_GE(zone->nsec3().size(), 3u);
  auto ok = verify_signed_zone(*zone, kT0, VerifyMode::PerKey);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, 2u);
  zone->nsec3().erase(std::next(zone->nsec3().begin()));  // a name loses its NSEC3
  auto bad = verify_signed_zone(*zone, kT0, VerifyMode::PerKey);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("denial chain"), std::string::npos) << bad.error().message;
}

TEST_F(DaemonTest, SelfCheckRejectsAnRrsigOverADelegationOrGlue) {
  write_config(1);
  std::ofstream(dir_ / "z0.test.zone", std::ios::app) << "sub NS ns.sub\nns.sub A 127.0.0.9\n";
  auto d = make((dir_ / "c.toml").string());
  d->scheduler().run_due();
  signer::LoadOptions lo;
  lo.origin = *Name::from_text("z0.test.");
  lo.dnssec = signer::DnssecInput::Keep;
  const std::string signed_file = (dir_ / "z0.test.zone.signed").string();
  for (const char* owner : {"sub.z0.test.", "ns.sub.z0.test."}) {
    auto zone = signer::load_zone_file(signed_file, lo);
    ASSERT_TRUE(zone) << zone.error().message;
    ASSERT_TRUE(verify_signed_zone(*zone, kT0, VerifyMode::PerKey));
    const signer::RRset* apex_ns = zone->find(zone->origin())->find(signer::rrtype::NS);
    signer::Node* node = zone->find(*Name::from_text(owner));
    ASSERT_TRUE(node && !node->rrsets.empty()) << owner;
    // An RRSIG where none may be: validators ignore it, but the signer's output is wrong.
    node->rrsets[0].rrsigs.push_back(apex_ns->rrsigs.at(0));
    for (VerifyMode m : {VerifyMode::PerKey, VerifyMode::Full}) {
      auto r = verify_signed_zone(*zone, kT0, m);
      ASSERT_FALSE(r) << owner << ": an RRSIG over a delegation NS or glue passed";
      EXPECT_NE(r.error().message.find(owner), std::string::npos) << r.error().message;
    }
  }
}

TEST(DaemonStoreTest, RecordRoundTrip) {
  ZoneRecord r;
  r.keys.zone = "example.";
  r.keys.serial = 42;
  r.keys.waiting_for = "DS for KSK 1 to appear";
  KeyRecord k;
  k.id = "Kexample.+013+00001";
  k.role = KeyRole::KSK;
  k.algorithm = 13;
  k.tag = 1;
  k.published = 100;
  k.ds_submitted = 200;
  r.keys.keys.push_back(k);
  Rollover ro;
  ro.kind = RolloverKind::KskDoubleKsk;
  ro.phase = Phase::DsPublish;
  ro.old_keys = {"a", "b"};
  ro.new_keys = {"Kexample.+013+00001"};
  r.keys.rollovers.push_back(ro);
  r.keys.dnskey_ttl = {10, 3600, 99};
  r.ds_seen[{13, 1}] = 300;
  r.ds_gone[{13, 2}] = 400;
  r.signed_at = 5;
  r.expires = 6;
  r.resign_at = 7;
  r.dirty = false;
  auto back = decode_zone_record(encode_zone_record(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(decode_zone_record("zone\tx.\nkey\tonly-two-fields\n"));
}

}  // namespace
}  // namespace ts::agent
