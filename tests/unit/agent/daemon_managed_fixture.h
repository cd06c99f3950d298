// The daemon test fixture of parent method `managed` (daemon_managed_test.cc,
// daemon_managed_safety_test.cc): a parent zone test. whose input holds a stale DS 4242 for
// its child c.test., the child's zone, and a config with the child's parent method (the
// child's parent cannot be observed: its resolver has no usable trust anchor, so nothing is
// ever "seen").
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "agent/daemon.h"
#include "agent/rollover_planner.h"
#include "tests/unit/agent/daemon_test_support.h"

namespace ts::agent::test_support {

class ManagedDaemonFixture : public DaemonFixture {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir(per_test_name("ts_daemon_managed_"));
    std::ofstream(dir_ / "hints") << ". 3600 NS a.root.\na.root. 3600 A 127.0.0.254\n";
    std::ofstream(dir_ / "ta") << "not a trust anchor\n";  // the resolver fails at once
    write_parent("c DS 4242 13 2 " + std::string(64, 'B') + "\n");
    std::ofstream(dir_ / "c.test.zone")
        << "$ORIGIN c.test.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
           "ns A 127.0.0.2\n";
    write_config("managed");
  }
  /// The parent's input: apex, the delegation of c.test. and `extra`.
  void write_parent(const std::string& extra) {
    std::ofstream(dir_ / "test.zone")
        << "$ORIGIN test.\n$TTL 10\n@ SOA ns.test. host.test. 1 3600 600 86400 5\n@ NS ns\n"
           "ns A 127.0.0.1\nc NS ns.c\nns.c A 127.0.0.2\n"
        << extra;
  }
  /// The config with the child's parent method `method` (the parent zone is always here;
  /// the child only `with_child`).
  void write_config(const std::string& method, bool with_child = true) {
    std::ofstream c(dir_ / "c.toml");
    c << agent_toml(dir_) << key_policies_toml() << timing_toml()
      << "[[zone]]\nname = \"test.\"\nfile = \"test.zone\"\n";
    if (!with_child) return;
    c << "[[zone]]\nname = \"c.test.\"\nfile = \"c.test.zone\"\n"
      << "parent = { method = \"" << method
      << "\", poll = \"1h\", timeout = \"1s\", root-hints = \"" << (dir_ / "hints").string()
      << "\", trust-anchor = \"" << (dir_ / "ta").string() << "\" }\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Daemon> make() {
    return start_daemon((dir_ / "c.toml").string(), clock_, log_, DaemonOptions{.seed = 7});
  }
  void run_until(Daemon& d, UnixTime end) { test_support::run_until(d, clock_, end); }
  /// DS tags for c.test. in the parent's signed output.
  std::set<uint16_t> output_tags() {
    return output_ds_tags(dir_ / "test.zone.signed", *Name::from_text("test."), "c.test.");
  }
  /// Starts the daemon and runs it to `until`, when the parent's output holds the child's one
  /// wanted DS; `want` gets those tags.
  std::unique_ptr<Daemon> start_signed(std::set<uint16_t>& want, UnixTime until) {
    auto d = make();
    run_until(*d, until);
    want = wanted_tags(*d);
    EXPECT_EQ(want.size(), 1u);
    EXPECT_EQ(output_tags(), want);
    return d;
  }
  /// The key-store file (metadata + private key) of the child's KSK whose DS is wanted ("" when
  /// none).
  std::string child_ksk_meta(Daemon& d) {
    std::string meta;
    auto child = d.record("c.test.");
    if (!child) return meta;
    for (const auto& k : child->keys.keys)
      if (k.has_ksk_duty() && ds_wanted(k))
        meta = dir_ / "state" / "keys" / (k.id + ".private.pem");
    return meta;
  }
  /// Tags of the child's KSKs whose DS is wanted (submitted, not withdrawn).
  std::set<uint16_t> wanted_tags(Daemon& d) {
    std::set<uint16_t> out;
    for (const auto& id : wanted_ds(d.record("c.test.")->keys)) out.insert(id.second);
    return out;
  }
};

}  // namespace ts::agent::test_support
