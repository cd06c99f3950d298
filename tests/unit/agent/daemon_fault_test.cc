// kill -9 of the daemon at every durable step of an initial signing, a ZSK rollover and a KSK
// (double-KSK) rollover, on a SimulatedClock: the daemon is stopped with nothing cleaned up
// after its files are staged, after the sync round, or after the commit (before the renames)
// of its N-th pass, for every N, then a new daemon starts from the disk and the operator keeps
// confirming DS changes. Every run must finish both rollovers with only new keys left, each
// key in the state listable in the key store, and a published output that verifies.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "agent/daemon.h"
#include "agent/daemon_sign.h"
#include "signer/keystore.h"
#include "signer/zone_loader.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
constexpr UnixTime kT0 = 1800000000;
const std::string kZone = "f.test.";

class DaemonFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ts_daemon_fault_" + std::to_string(::getpid()));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string fresh_config() {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "f.zone") << "$ORIGIN " << kZone
                                   << "\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
                                      "ns A 127.0.0.1\nwww TXT \"x\"\n";
    std::ofstream c(dir_ / "c.toml");
    c << "[agent]\nstate-dir = \"" << (dir_ / "state").string() << "\"\n[defaults]\n"
      << "ksk = { rollover = \"never\", signature-lifetime = \"2h\", refresh = \"30m\", jitter = "
         "\"20m\" }\n"
      << "zsk = { rollover = \"never\", signature-lifetime = \"2h\", refresh = \"30m\", jitter = "
         "\"20m\" }\n"
      << "[defaults.timing]\ndnskey-ttl = \"10s\"\nds-ttl = \"10s\"\n"
         "parent-propagation-delay = \"5s\"\nzone-propagation-delay = \"5s\"\n"
         "publish-safety = \"5s\"\nretire-safety = \"5s\"\nmax-zone-ttl = \"10s\"\n"
      << "[[zone]]\nname = \"" << kZone << "\"\nfile = \"f.zone\"\n";
    return (dir_ / "c.toml").string();
  }

  std::unique_ptr<Daemon> make(const std::string& cfg_path, DaemonOptions opt) {
    auto cfg = load_daemon_config(cfg_path, {});
    EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().message);
    opt.seed = 11;
    auto d = std::make_unique<Daemon>(std::move(*cfg), clock_, log_, std::move(opt));
    Status st = d->start();
    EXPECT_TRUE(st) << (st ? "" : st.error().message);
    return d;
  }

  void run_for(Daemon& d, int64_t seconds) {
    UnixTime end = clock_.now() + seconds;
    for (int i = 0; i < 1000; ++i) {
      d.scheduler().run_due();
      auto next = d.scheduler().next_time();
      if (!next || *next > end) break;
      clock_.set(std::max(clock_.now(), *next));
    }
    clock_.set(std::max(clock_.now(), end));
    d.scheduler().run_due();
  }

  /// The operator: confirms every submitted DS and every withdrawn one.
  void operate(Daemon& d) {
    auto rec = d.record(kZone);
    if (!rec) return;
    for (const auto& k : rec->keys.keys) {
      if (!k.has_ksk_duty()) continue;
      DsId id{k.algorithm, k.tag};
      if (k.ds_submitted && !rec->ds_seen.count(id) && !k.ds_withdrawn)
        (void)d.ds_seen(kZone, k.tag, false);
      if (k.ds_withdrawn && !rec->ds_gone.count(id)) (void)d.ds_seen(kZone, k.tag, true);
    }
  }

  /// One scenario with a crash at the `n`-th time `point` is reached; false if it never was.
  bool scenario(const std::string& point, int n) {
    SCOPED_TRACE("crash at " + point + " #" + std::to_string(n));
    clock_.set(kT0);
    std::string cfg = fresh_config();
    int seen = 0;
    bool fired = false;
    DaemonOptions crashing;
    crashing.crash_at = [&](std::string_view p) {
      if (p != point || fired || ++seen != n) return false;
      fired = true;
      return true;
    };
    auto d = make(cfg, crashing);
    bool restarted = false;
    enum { Initial, Zsk, Ksk, Done } stage = Initial;
    std::set<std::string> first_keys;
    for (int i = 0; i < 300 && stage != Done; ++i) {
      if (fired && !restarted) {
        d.reset();  // kill -9: nothing more happens in that process
        d = make(cfg, {});
        restarted = true;
      }
      run_for(*d, 5);
      operate(*d);
      auto rec = d->record(kZone);
      if (!rec || rec->signed_at == 0 || !rec->keys.rollovers.empty()) continue;
      if (stage == Initial) {
        for (const auto& k : rec->keys.keys) first_keys.insert(k.id);
        if (d->rollover(kZone, "zsk")) stage = Zsk;
      } else if (stage == Zsk) {
        if (d->rollover(kZone, "ksk")) stage = Ksk;
      } else {
        stage = Done;
      }
    }
    EXPECT_EQ(stage, Done) << d->status_text(kZone);
    run_for(*d, 60);
    auto rec = d->record(kZone);
    int live = 0;
    signer::FileKeyStore ks((dir_ / "state" / "keys").string());
    auto listed = ks.list(*Name::from_text(kZone));
    EXPECT_TRUE(listed) << (listed ? "" : listed.error().message);
    for (const auto& k : rec->keys.keys) {
      if (k.removed && *k.removed <= clock_.now()) continue;
      ++live;
      EXPECT_FALSE(first_keys.count(k.id)) << "first key " << k.id << " still in the zone";
      bool found = false;
      for (const auto& m : listed ? *listed : std::vector<signer::KeyMeta>{})
        found = found || (m.id == k.id && m.tag == k.tag);
      EXPECT_TRUE(found) << "key " << k.id << " not in the key store";
    }
    EXPECT_EQ(live, 2);
    signer::LoadOptions lo;
    lo.origin = *Name::from_text(kZone);
    lo.dnssec = signer::DnssecInput::Keep;
    auto out = signer::load_zone_file((dir_ / "f.zone.signed").string(), lo);
    EXPECT_TRUE(out) << (out ? "" : out.error().message);
    if (out) {
      auto v = verify_signed_zone(*out, clock_.now());
      EXPECT_TRUE(v) << (v ? "" : v.error().message);
    }
    return fired;
  }

  fs::path dir_;
  SimulatedClock clock_{kT0};
  FILE* null_ = std::fopen("/dev/null", "w");
  Logger log_{LogStyle::Json, null_, clock_};
};

TEST_F(DaemonFaultTest, KillAtEveryDurableStepOfZskAndKskRolloversRecovers) {
  for (std::string point : {"staged", "synced", "committed"}) {
    int n = 1;
    while (n < 60 && scenario(point, n) && !HasFailure()) ++n;
    EXPECT_GT(n, 5) << point << ": the scenario has more passes than that";
    EXPECT_LT(n, 60) << point << ": the crash point was still reached after 60 passes";
  }
}

}  // namespace
}  // namespace ts::agent
