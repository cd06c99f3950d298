// Daemon unit-test support: temp directory, config parts, daemon start, simulated time.
#include "tests/unit/agent/daemon_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "agent/daemon_managed.h"

namespace ts::agent::test_support {

namespace fs = std::filesystem;

fs::path fresh_temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string per_test_name(const std::string& prefix) {
  return prefix + std::to_string(::getpid()) + "_" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

std::string agent_toml(const fs::path& dir) {
  return "[agent]\nstate-dir = \"" + (dir / "state").string() + "\"\n[defaults]\n";
}

std::string key_policies_toml(const std::string& lifetime, const std::string& refresh,
                              const std::string& jitter) {
  std::string terms = "rollover = \"never\", signature-lifetime = \"" + lifetime +
                      "\", refresh = \"" + refresh + "\", jitter = \"" + jitter + "\" }\n";
  return "ksk = { " + terms + "zsk = { " + terms;
}

std::string timing_toml() {
  return "[defaults.timing]\ndnskey-ttl = \"10s\"\nds-ttl = \"10s\"\n"
         "parent-propagation-delay = \"5s\"\nzone-propagation-delay = \"5s\"\n"
         "publish-safety = \"5s\"\nretire-safety = \"5s\"\nmax-zone-ttl = \"10s\"\n";
}

std::unique_ptr<Daemon> start_daemon(const std::string& cfg_path, const Clock& clock, Logger& log,
                                     DaemonOptions opt) {
  auto cfg = load_daemon_config(cfg_path, {});
  EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().message);
  auto d = std::make_unique<Daemon>(std::move(*cfg), clock, log, std::move(opt));
  Status st = d->start();
  EXPECT_TRUE(st) << (st ? "" : st.error().message);
  return d;
}

std::set<uint16_t> output_ds_tags(const fs::path& signed_file, const Name& parent,
                                  const std::string& child) {
  ChildDsMap want{{child, {}}};
  auto a = read_applied_ds(signed_file.string(), parent, want);
  EXPECT_TRUE(a) << (a ? "" : a.error().message);
  std::set<uint16_t> out;
  if (a)
    for (const auto& ds : a->at(child)) out.insert(ds.key_tag);
  return out;
}

void run_until(Daemon& d, SimulatedClock& clock, UnixTime end, int steps) {
  for (int i = 0; i < steps; ++i) {
    d.scheduler().run_due();
    auto next = d.scheduler().next_time();
    if (!next || *next > end) break;
    clock.set(std::max(clock.now(), *next));
  }
  clock.set(std::max(clock.now(), end));
  d.scheduler().run_due();
}

}  // namespace ts::agent::test_support
