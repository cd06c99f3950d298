// kill -9 of the daemon at every durable step of its rollovers, on a SimulatedClock: initial
// signing then a ZSK and a KSK rollover (double-KSK, and double-DS), a CSK rollover, and an
// algorithm rollover (P-256 -> P-384 by a policy change and `reload`). The daemon is stopped
// with nothing cleaned up after its files are staged, after the sync round, or after the
// commit (before the renames) of its N-th pass, for every N, then a new daemon starts from the
// disk and the operator keeps confirming DS changes. Every run must finish its rollovers with
// only new keys left, each key in the state listable in the key store, and a published output
// that verifies.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "agent/daemon.h"
#include "agent/daemon_sign.h"
#include "signer/keystore.h"
#include "signer/zone_loader.h"
#include "tests/unit/agent/daemon_test_support.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
constexpr UnixTime kT0 = 1800000000;
const std::string kZone = "f.test.";

enum class Variant { DoubleKsk, DoubleDs, Csk, Algorithm };

std::string policy(Variant v, bool p384) {
  std::string alg = p384 ? "ECDSAP384SHA384" : "ECDSAP256SHA256";
  std::string key = "{ algorithm = \"" + alg +
                    "\", rollover = \"never\", signature-lifetime = \"2h\", refresh = "
                    "\"30m\", jitter = \"20m\" }\n";
  std::string out = "ksk = " + key + "zsk = " + key;
  if (v == Variant::DoubleDs) out += "ksk-rollover-method = \"double-ds\"\n";
  if (v == Variant::Csk) out += "use-csk = true\ncsk = " + key;
  return out;
}

class DaemonFaultTest : public test_support::DaemonFixture {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ts_daemon_fault_" + std::to_string(::getpid()));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_config(Variant v, bool p384) {
    std::ofstream c(dir_ / "c.toml");
    c << "[agent]\nstate-dir = \"" << (dir_ / "state").string() << "\"\n[defaults]\n"
      << policy(v, p384)
      << "[defaults.timing]\ndnskey-ttl = \"10s\"\nds-ttl = \"10s\"\n"
         "parent-propagation-delay = \"5s\"\nzone-propagation-delay = \"5s\"\n"
         "publish-safety = \"5s\"\nretire-safety = \"5s\"\nmax-zone-ttl = \"10s\"\n"
      << "[[zone]]\nname = \"" << kZone << "\"\nfile = \"f.zone\"\n";
    return (dir_ / "c.toml").string();
  }
  std::string fresh_config(Variant v) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "f.zone") << "$ORIGIN " << kZone
                                   << "\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
                                      "ns A 127.0.0.1\nwww TXT \"x\"\n";
    return write_config(v, false);
  }

  std::unique_ptr<Daemon> make(const std::string& cfg_path, DaemonOptions opt) {
    opt.seed = 11;
    return test_support::start_daemon(cfg_path, clock_, log_, std::move(opt));
  }

  void run_for(Daemon& d, int64_t seconds) {
    test_support::run_until(d, clock_, clock_.now() + seconds, 1000);
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
  bool scenario(Variant v, const std::string& point, int n) {
    SCOPED_TRACE("variant " + std::to_string(int(v)) + ", crash at " + point + " #" +
                 std::to_string(n));
    clock_.set(kT0);
    std::string cfg = fresh_config(v);
    int seen = 0;
    bool fired = false;
    DaemonOptions crashing;
    crashing.crash_at = [&](std::string_view p) {
      if (fired) return true;  // a dead process does nothing more
      if (p != point || ++seen != n) return false;
      fired = true;
      return true;
    };
    auto d = make(cfg, crashing);
    bool restarted = false;
    enum { Initial, First, Second, Done } stage = Initial;
    std::set<std::string> first_keys;
    for (int i = 0; i < 300 && stage != Done; ++i) {
      if (fired && !restarted) {
        d.reset();  // kill -9: nothing more happens in that process
        d = make(cfg, {});
        restarted = true;
      }
      run_for(*d, 5);
      if (fired && !restarted) continue;  // no operator talks to a killed process
      operate(*d);
      auto rec = d->record(kZone);
      if (!rec || rec->signed_at == 0 || !rec->keys.rollovers.empty()) continue;
      if (stage == Initial) {
        for (const auto& k : rec->keys.keys) first_keys.insert(k.id);
        if (v == Variant::Algorithm) {
          write_config(v, true);
          if (d->reload()) stage = Second;
        } else if (d->rollover(kZone, v == Variant::Csk ? "csk" : "zsk")) {
          stage = v == Variant::Csk ? Second : First;
        }
      } else if (stage == First) {
        if (d->rollover(kZone, "ksk")) stage = Second;
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
      if (v == Variant::Algorithm) {
        EXPECT_EQ(k.algorithm, 14) << k.id;
      }
      EXPECT_FALSE(first_keys.count(k.id)) << "first key " << k.id << " still in the zone";
      bool found = false;
      for (const auto& m : listed ? *listed : std::vector<signer::KeyMeta>{})
        found = found || (m.id == k.id && m.tag == k.tag);
      EXPECT_TRUE(found) << "key " << k.id << " not in the key store";
    }
    EXPECT_EQ(live, v == Variant::Csk ? 1 : 2);
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

  void kill_everywhere(Variant v) {
    for (std::string point : {"staged", "synced", "committed"}) {
      int n = 1;
      while (n < 60 && scenario(v, point, n) && !HasFailure()) ++n;
      EXPECT_GT(n, 5) << point << ": the scenario has more passes than that";
      EXPECT_LT(n, 60) << point << ": the crash point was still reached after 60 passes";
    }
  }
};

TEST_F(DaemonFaultTest, KillAtEveryDurableStepOfZskAndDoubleKskRollovers) {
  kill_everywhere(Variant::DoubleKsk);
}

TEST_F(DaemonFaultTest, KillAtEveryDurableStepOfZskAndDoubleDsRollovers) {
  kill_everywhere(Variant::DoubleDs);
}

TEST_F(DaemonFaultTest, KillAtEveryDurableStepOfACskRollover) {
  kill_everywhere(Variant::Csk);
}

TEST_F(DaemonFaultTest, KillAtEveryDurableStepOfAnAlgorithmRollover) {
  kill_everywhere(Variant::Algorithm);
}

}  // namespace
}  // namespace ts::agent
