// The daemon with `children = { scan = true }` on a parent zone it signs (SimulatedClock,
// real files, a scripted child scan source with real ECDSA signatures): the child's
// validated rollover CDS puts the new DS into the parent's signed output in place of the
// input file's DS; after a restart (scan switched off) the accepted set still comes from
// the state database; a child that is a zone of this agent is never scanned.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent/daemon.h"
#include "agent/daemon_childscan.h"
#include "agent/daemon_managed.h"
#include "tests/unit/agent/daemon_test_support.h"
#include "tests/unit/resolver/test_keys.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
namespace rs = ts::resolver;
using rs::testing::N;
using rs::testing::TestKey;

constexpr UnixTime kT0 = 1800000000;

rs::Record as_type(rs::Record r, uint16_t type) {
  r.type = type;
  return r;
}

// a.test.: DNSKEY {old, new} signed by both, CDS {new} signed by both.
struct ChildA {
  TestKey old_ksk{N("a.test."), true}, new_ksk{N("a.test."), true};
  std::vector<std::string> gathered;
  ps::ChildScanInput gather(const ps::ChildDelegation& d, UnixTime now) {
    gathered.push_back(d.child.to_text());
    ps::ChildScanInput in;
    in.delegation = d;
    in.now = now;
    ps::ChildServerAnswer s;
    s.server = "ns.a.test./127.0.0.2";
    s.dnskey = {old_ksk.dnskey(), new_ksk.dnskey()};
    s.cds = {as_type(new_ksk.ds(), ps::kTypeCDS)};
    for (const TestKey* k : {&old_ksk, &new_ksk}) {
      for (auto& r : k->sign(s.dnskey, kT0 - 3600, kT0 + 86400)) s.rrsigs.push_back(r);
      for (auto& r : k->sign(s.cds, kT0 - 3600, kT0 + 86400)) s.rrsigs.push_back(r);
    }
    in.servers = {s};
    in.validated = {rs::Security::Secure, "", s.cds, {}};
    return in;
  }
};

struct Ref final : ps::ChildScanSource {
  ChildA* a;
  explicit Ref(ChildA* p) : a(p) {}
  ps::ChildScanInput gather(const ps::ChildDelegation& d, UnixTime now) override {
    return a->gather(d, now);
  }
};

class DaemonChildScanE2E : public test_support::DaemonFixture {
 protected:
  void SetUp() override {
    dir_ = test_support::fresh_temp_dir("ts_daemon_childscan_" + std::to_string(::getpid()));
    std::ofstream(dir_ / "test.zone")
        << "$ORIGIN test.\n$TTL 10\n@ SOA ns.test. host.test. 1 3600 600 86400 5\n@ NS ns\n"
           "ns A 127.0.0.1\na NS ns.a\nns.a A 127.0.0.2\n"
        << rs::record_to_text(child_.old_ksk.ds()) << "\n"
        << "here NS ns\n";
    std::ofstream(dir_ / "here.test.zone")
        << "$ORIGIN here.test.\n$TTL 10\n@ SOA ns.test. host.test. 1 3600 600 86400 5\n"
           "@ NS ns.test.\n";
    write_config(true);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write_config(bool scan) {
    std::ofstream c(dir_ / "c.toml");
    c << test_support::agent_toml(dir_) << test_support::key_policies_toml()
      << test_support::timing_toml()
      << "[[zone]]\nname = \"test.\"\nfile = \"test.zone\"\nchildren = { scan = "
      << (scan ? "true" : "false") << ", poll-interval = \"10m\" }\n"
      << "[[zone]]\nname = \"here.test.\"\nfile = \"here.test.zone\"\n";
  }
  std::unique_ptr<Daemon> make() {
    DaemonOptions o;
    o.seed = 7;
    o.child_scan_source = [this](const ZoneSpec&) -> Result<std::unique_ptr<ps::ChildScanSource>> {
      ++sources_;
      return std::unique_ptr<ps::ChildScanSource>(new Ref(&child_));
    };
    return test_support::start_daemon((dir_ / "c.toml").string(), clock_, log_, std::move(o));
  }
  void run_until(Daemon& d, UnixTime end) { test_support::run_until(d, clock_, end); }
  std::set<uint16_t> output_tags() {
    return test_support::output_ds_tags(dir_ / "test.zone.signed", N("test."), "a.test.");
  }

  ChildA child_;
  int sources_ = 0;
};

TEST_F(DaemonChildScanE2E, AcceptedCdsGoesIntoTheParentAndSurvivesRestart) {
  auto d = make();
  run_until(*d, kT0 + 60);
  EXPECT_EQ(child_.gathered, std::vector<std::string>{"a.test."});  // here.test. is ours
  EXPECT_EQ(output_tags(), std::set<uint16_t>{child_.new_ksk.tag()});
  auto mc = d->managed_children().child("test.", "a.test.");
  ASSERT_TRUE(mc);
  EXPECT_EQ(mc->source, kChildScanSource);
  EXPECT_EQ(mc->ttl, 10u);
  // The next scan is due after poll-interval and finds nothing to change.
  run_until(*d, kT0 + 700);
  EXPECT_EQ(child_.gathered.size(), 2u);
  EXPECT_EQ(d->child_scan()->last("test.").at("a.test.").kind, ps::ChildDsDecision::Kind::NoChange);
  std::string status = d->status_text("test.");
  EXPECT_NE(
      status.find("child:   a.test. DS " + std::to_string(child_.new_ksk.tag()) + " (childscan)"),
      std::string::npos)
      << status;
  EXPECT_NE(status.find("scanned: a.test. no-change"), std::string::npos) << status;

  // Restart with scanning off: the accepted set comes from the state database.
  d.reset();
  write_config(false);
  int made = sources_;
  d = make();
  run_until(*d, kT0 + 800);
  EXPECT_EQ(sources_, made);  // nothing was scanned
  mc = d->managed_children().child("test.", "a.test.");
  ASSERT_TRUE(mc);
  EXPECT_EQ(mc->ds.size(), 1u);
  EXPECT_EQ(mc->ds[0].key_tag, child_.new_ksk.tag());
  // A fresh signing of the parent keeps it (not the input file's old DS).
  fs::remove(dir_ / "test.zone.signed");
  run_until(*d, kT0 + 900);
  d->handle({clock_.now(), "test.", EventKind::Maintain});
  EXPECT_EQ(output_tags(), std::set<uint16_t>{child_.new_ksk.tag()});
}

TEST_F(DaemonChildScanE2E, UnreadableAcceptedSetsAreHeldNotWithdrawn) {
  auto d = make();
  run_until(*d, kT0 + 60);
  ASSERT_EQ(output_tags(), std::set<uint16_t>{child_.new_ksk.tag()});
  d.reset();
  // The stored row cannot be read back (damaged): the parent must not fall back to the input
  // file's old DS (a withdrawal of the accepted one), and nothing is scanned or applied.
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "state" / "trustsync.db").c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(raw, "UPDATE daemon_child_ds SET ds = 'not a DS'", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(raw);
  }
  size_t gathered = child_.gathered.size();
  clock_.set(kT0 + 100);
  d = make();
  run_until(*d, kT0 + 800);  // past the poll interval
  EXPECT_EQ(child_.gathered.size(), gathered);
  EXPECT_EQ(output_tags(), std::set<uint16_t>{child_.new_ksk.tag()});
  // What any signing of the parent would put in: the DS its output has (held).
  auto mc = d->managed_children().child("test.", "a.test.");
  ASSERT_TRUE(mc);
  ASSERT_EQ(mc->ds.size(), 1u);
  EXPECT_EQ(mc->ds[0].key_tag, child_.new_ksk.tag());
}

}  // namespace
}  // namespace ts::agent
