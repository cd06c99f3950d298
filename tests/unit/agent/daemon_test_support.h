// Daemon unit-test support: the setup the daemon tests share (a fresh temp directory, the
// common parts of a test config, a started Daemon on a SimulatedClock, and running its
// scheduler on simulated time).
//
//   class XTest : public DaemonFixture { ... };  // dir_, clock_, log_
//   dir_ = fresh_temp_dir(per_test_name("ts_daemon_x_"));
//   c << agent_toml(dir_) << key_policies_toml() << timing_toml() << "[[zone]]\n...";
//   auto d = start_daemon((dir_ / "c.toml").string(), clock_, log_, DaemonOptions{.seed = 7});
//   run_until(*d, clock_, kT0 + 60);
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "agent/daemon.h"
#include "agent/log.h"
#include "common/clock.h"
#include "common/name.h"

namespace ts::agent::test_support {

/// A daemon test's fixture: its directory (set by SetUp), a SimulatedClock at 1800000000
/// and a JSON logger writing to /dev/null.
class DaemonFixture : public ::testing::Test {
 protected:
  std::filesystem::path dir_;
  SimulatedClock clock_{1800000000};
  FILE* null_ = std::fopen("/dev/null", "w");
  Logger log_{LogStyle::Json, null_, clock_};
};

/// `name` under the system temp directory, emptied and created.
std::filesystem::path fresh_temp_dir(const std::string& name);
/// "<prefix><pid>_<name of the running test>": a directory name of its own per test.
std::string per_test_name(const std::string& prefix);

/// "[agent]\nstate-dir = <dir>/state\n[defaults]\n".
std::string agent_toml(const std::filesystem::path& dir);
/// The ksk and zsk defaults lines: no rollover, with these signature terms.
std::string key_policies_toml(const std::string& lifetime = "2h",
                              const std::string& refresh = "30m",
                              const std::string& jitter = "20m");
/// The "[defaults.timing]" section with short (seconds) terms.
std::string timing_toml();

/// Loads the config at `cfg_path`, builds the daemon and starts it (failures are test errors).
std::unique_ptr<Daemon> start_daemon(const std::string& cfg_path, const Clock& clock, Logger& log,
                                     DaemonOptions opt);
/// The key tags of `child`'s DS in the parent zone `parent`'s signed output `signed_file`
/// (read_applied_ds; a read failure is a test error).
std::set<uint16_t> output_ds_tags(const std::filesystem::path& signed_file, const Name& parent,
                                  const std::string& child);
/// Runs every event up to `end`, jumping `clock` from event to event (at most `steps` events).
void run_until(Daemon& d, SimulatedClock& clock, UnixTime end, int steps = 10000);

}  // namespace ts::agent::test_support
