// Parent method `managed`, review 5: a child's DS goes only to a real delegation point of
// its parent; at a start where a child's managed DS set cannot be known the parent is not
// signed with its input's DS instead; a child that leaves management keeps its last
// managed DS set at the parent until the parent's input changes for it.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/daemon.h"
#include "agent/daemon_managed.h"
#include "agent/key_timing.h"
#include "signer/zone.h"
#include "signer/zone_loader.h"
#include "tests/unit/agent/daemon_managed_fixture.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
namespace rrtype = signer::rrtype;
constexpr UnixTime kT0 = 1800000000;

Name Nm(const char* s) {
  return *Name::from_text(s);
}

ps::DsRecord ds_for(const char* child, uint8_t seed) {
  ps::Bytes rd = {0x01, 0x01, 3, 13};  // flags 257, protocol 3, ECDSAP256SHA256
  for (int i = 0; i < 64; ++i) rd.push_back(static_cast<uint8_t>(seed + i));
  return *ps::make_ds(Nm(child), rd, 2);
}

signer::Zone load(const std::string& text) {
  std::string path = fs::temp_directory_path() / ("ts_managed_s_" + std::to_string(::getpid()));
  std::ofstream(path) << "$ORIGIN test.\n$TTL 10\n@ SOA ns.test. host.test. 1 3600 600 86400 5\n"
                         "@ NS ns\nns A 127.0.0.1\nc NS ns.c\nns.c A 127.0.0.2\n"
                      << text;
  signer::LoadOptions lo;
  lo.origin = Nm("test.");
  auto z = signer::load_zone_file(path, lo);
  fs::remove(path);
  EXPECT_TRUE(z) << (z ? "" : z.error().message);
  return std::move(*z);
}

bool has_ds(const signer::Zone& z, const char* owner) {
  const auto* n = z.find(Nm(owner));
  return n && n->find(rrtype::DS);
}

TEST(ManagedSafety, DsOnlyAtARealDelegationPoint) {
  auto zone = load(
      "sub NS ns.sub\nns.sub A 127.0.0.3\na.sub NS ns.a.sub\n"  // a.sub: NS below a cut
      "www A 127.0.0.4\nd DNAME elsewhere.\n");
  auto ds = ds_for("x.test.", 1);
  ChildDsMap children;
  for (const char* c :
       {"test.", "a.sub.test.", "www.test.", "nodeleg.test.", "x.d.test.", "*.test.", "c.test."})
    children[c] = {kManagedSource, {ds}, 10};
  ChildDsNotes notes;
  apply_child_ds(zone, children, notes);
  ASSERT_EQ(notes.errors.size(), 6u);
  auto error_for = [&](const std::string& child) {
    for (const auto& e : notes.errors)
      if (e.find("DS set of " + child + " ") != std::string::npos) return e;
    return std::string();
  };
  EXPECT_NE(error_for("test.").find("apex"), std::string::npos) << error_for("test.");
  EXPECT_NE(error_for("a.sub.test.").find("below the delegation at sub.test."), std::string::npos)
      << error_for("a.sub.test.");
  EXPECT_NE(error_for("www.test.").find("no NS"), std::string::npos) << error_for("www.test.");
  EXPECT_NE(error_for("nodeleg.test.").find("no delegation (NS)"), std::string::npos);
  EXPECT_NE(error_for("x.d.test.").find("below the DNAME at d.test."), std::string::npos);
  EXPECT_NE(error_for("*.test.").find("wildcard"), std::string::npos);
  for (const char* c : {"test.", "a.sub.test.", "www.test.", "nodeleg.test.", "x.d.test."}) {
    EXPECT_FALSE(has_ds(zone, c)) << c;
    EXPECT_TRUE(notes.undelegated.count(c)) << c;  // no re-signing loop for it
  }
  EXPECT_TRUE(has_ds(zone, "c.test."));
  EXPECT_TRUE(check_delegation(zone, Nm("c.test.")));
  EXPECT_FALSE(check_delegation(zone, Nm("other.")));
}

TEST(ManagedSafety, RetainedSetKeptUntilTheInputChanges) {
  auto kept = ds_for("c.test.", 1), stale = ds_for("c.test.", 2), fresh = ds_for("c.test.", 3);
  auto input = [](const ps::DsRecord& d) { return "c DS " + d.rdata_text() + "\n"; };
  ChildDs cd{kRetainedSource, {kept}, 10, std::vector<ps::DsRecord>{stale}};
  {  // the input still holds what it held when management ended: the kept set stays
    auto z = load(input(stale));
    ChildDsNotes n;
    apply_child_ds(z, {{"c.test.", cd}}, n);
    EXPECT_TRUE(n.released.empty());
    EXPECT_EQ(n.applied.at("c.test."), std::vector<ps::DsRecord>{kept});
    ASSERT_EQ(n.warnings.size(), 1u);
    EXPECT_NE(n.warnings[0].find("c.test. is no longer managed"), std::string::npos);
  }
  {  // the operator changed the input: it is used, the retention ends
    auto z = load(input(fresh));
    ChildDsNotes n;
    apply_child_ds(z, {{"c.test.", cd}}, n);
    EXPECT_EQ(n.released.at("c.test."), std::vector<ps::DsRecord>{fresh});
    EXPECT_EQ(n.applied.at("c.test."), std::vector<ps::DsRecord>{fresh});
  }
  {  // the input holds the kept set: nothing differs, the retention ends
    auto z = load(input(kept));
    ChildDsNotes n;
    apply_child_ds(z, {{"c.test.", cd}}, n);
    EXPECT_TRUE(n.released.count("c.test."));
  }
  {  // the input at release not known yet: recorded, the kept set stays
    cd.input.reset();
    auto z = load(input(stale));
    ChildDsNotes n;
    apply_child_ds(z, {{"c.test.", cd}}, n);
    EXPECT_TRUE(n.released.empty());
    EXPECT_EQ(n.inputs.at("c.test."), std::vector<ps::DsRecord>{stale});
  }
}

TEST(ManagedSafety, PendingChildBlocksUntilItsSetIsKnown) {
  ManagedChildren mc;
  std::map<std::string, std::set<std::string>> pending{{"test.", {"c.test."}}};
  mc.rebuild({kManagedSource, kRetainedSource}, {}, &pending);
  EXPECT_TRUE(mc.is_parent("test."));
  EXPECT_EQ(mc.pending_of("test."), std::set<std::string>{"c.test."});
  EXPECT_EQ(mc.parent_of("c.test."), "test.");
  EXPECT_TRUE(mc.set("test.", "c.test.", {kManagedSource, {ds_for("c.test.", 1)}, 10}));
  EXPECT_TRUE(mc.pending_of("test.").empty());
}

using ManagedSafetyDaemon = test_support::ManagedDaemonFixture;

TEST_F(ManagedSafetyDaemon, UnknownSetAtStartPostponesTheParent) {
  std::set<uint16_t> want;
  auto d = start_signed(want, kT0 + 60);
  ASSERT_FALSE(HasFailure());
  std::string meta = child_ksk_meta(*d);
  ASSERT_FALSE(meta.empty());
  d.reset();
  // The child's KSK cannot be read and P's signed output is gone: the managed set is unknown.
  fs::rename(meta, meta + ".away");
  fs::remove(dir_ / "test.zone.signed");
  clock_.set(clock_.now() + 5);
  d = make();
  run_until(*d, clock_.now() + 600);
  EXPECT_FALSE(fs::exists(dir_ / "test.zone.signed"));  // never signed with the input's 4242
  EXPECT_EQ(d->managed_children().pending_of("test."), std::set<std::string>{"c.test."});
  EXPECT_NE(d->status_text("test.").find("child:   c.test. DS unknown"), std::string::npos)
      << d->status_text("test.");
  // The key comes back: the child's set is derived, P is signed with it.
  fs::rename(meta + ".away", meta);
  run_until(*d, clock_.now() + 3600);  // both retry with backoff (10 s doubling)
  ASSERT_TRUE(fs::exists(dir_ / "test.zone.signed"));
  EXPECT_EQ(output_tags(), want);
  EXPECT_TRUE(d->managed_children().pending_of("test.").empty());
}

TEST_F(ManagedSafetyDaemon, RemovedChildKeepsItsDsUntilTheParentInputChanges) {
  std::set<uint16_t> want;
  auto d = start_signed(want, kT0 + 60);
  ASSERT_FALSE(HasFailure());
  d.reset();
  write_config("managed", false);  // the child zone is removed from the configuration
  clock_.set(clock_.now() + 5);
  d = make();
  UnixTime signed_at = d->record("test.")->signed_at;
  run_until(*d, clock_.now() + 3 * 3600);  // past P's re-signing (2h signatures, 30m refresh)
  EXPECT_GT(d->record("test.")->signed_at, signed_at);
  EXPECT_EQ(output_tags(), want);  // not the input's stale 4242
  auto cd = d->managed_children().child("test.", "c.test.");
  ASSERT_TRUE(cd);
  EXPECT_EQ(cd->source, kRetainedSource);
  EXPECT_NE(d->status_text("test.").find("(retained)"), std::string::npos);
  // Durable: a restart keeps it.
  d.reset();
  clock_.set(clock_.now() + 5);
  d = make();
  run_until(*d, clock_.now() + 3 * 3600);
  EXPECT_EQ(output_tags(), want);
  // The operator changes the child's DS in P's input: it is used from P's next signing on.
  auto fresh = ds_for("c.test.", 7);
  write_parent("c DS " + fresh.rdata_text() + "\n");
  run_until(*d, clock_.now() + 3 * 3600);
  EXPECT_EQ(output_tags(), std::set<uint16_t>{fresh.key_tag});
  EXPECT_FALSE(d->managed_children().child("test.", "c.test."));
  d.reset();
  clock_.set(clock_.now() + 5);
  d = make();
  run_until(*d, clock_.now() + 3 * 3600);
  EXPECT_EQ(output_tags(), std::set<uint16_t>{fresh.key_tag});
}

TEST_F(ManagedSafetyDaemon, MethodChangedAwayKeepsTheDs) {
  auto d = make();
  run_until(*d, kT0 + 60);
  auto want = wanted_tags(*d);
  ASSERT_EQ(output_tags(), want);
  d.reset();
  write_config("manual");  // still a zone here, but no longer managed
  clock_.set(clock_.now() + 5);
  d = make();
  run_until(*d, clock_.now() + 3 * 3600);
  EXPECT_EQ(output_tags(), want);
  ASSERT_TRUE(d->managed_children().child("test.", "c.test."));
  EXPECT_EQ(d->managed_children().child("test.", "c.test.")->source, kRetainedSource);
  // Managed again: the managed set (the same here) takes over, nothing is retained.
  d.reset();
  write_config("managed");
  d = make();
  run_until(*d, clock_.now() + 60);
  EXPECT_EQ(d->managed_children().child("test.", "c.test.")->source, kManagedSource);
  EXPECT_EQ(output_tags(), want);
}

TEST_F(ManagedSafetyDaemon, UnreadableStoreStopsTheStartOrHoldsThePublishedDs) {
  auto d = make();
  run_until(*d, kT0 + 60);
  auto want = wanted_tags(*d);
  ASSERT_EQ(output_tags(), want);
  d.reset();
  auto before = fs::last_write_time(dir_ / "test.zone.signed");
  // The managed children's rows, then the child scan's accepted DS sets, cannot be read.
  for (const char* table : {"daemon_managed_ds", "daemon_child_ds"}) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "state" / "trustsync.db").c_str(), &db), SQLITE_OK);
    std::string sql = std::string(
                          "DROP TABLE IF EXISTS daemon_managed_ds; "
                          "DROP TABLE IF EXISTS daemon_child_ds; CREATE TABLE ") +
                      table + " (broken INTEGER)";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto cfg = load_daemon_config((dir_ / "c.toml").string(), {});
    ASSERT_TRUE(cfg);
    clock_.set(clock_.now() + 5);
    Daemon broken(std::move(*cfg), clock_, log_, DaemonOptions{.seed = 7});
    Status st = broken.start();
    if (table == std::string("daemon_managed_ds")) {
      ASSERT_FALSE(st) << table;
      EXPECT_NE(st.error().message.find("managed"), std::string::npos) << st.error().message;
      test_support::run_until(broken, clock_, clock_.now() + 600);
      EXPECT_EQ(fs::last_write_time(dir_ / "test.zone.signed"), before) << table;
    } else {
      // Unreadable accepted CDS sets do not stop the start (agent/daemon_childscan_hooks.cc):
      // every parent holds the DS its signed output has until they can be read.
      ASSERT_TRUE(st) << st.error().message;
      test_support::run_until(broken, clock_, clock_.now() + 600);
    }
    EXPECT_EQ(output_tags(), want) << table;
  }
}

// A reload whose managed rows cannot be read still puts the new configuration in place and
// schedules the zones (an added zone outside management is signed; before, none was), except
// added zones that take part in management; it keeps the DS set the parent publishes, and
// says so.
TEST_F(ManagedSafetyDaemon, ReloadThatCannotReadTheManagedRowsStillSchedulesEveryZone) {
  auto d = make();
  run_until(*d, kT0 + 60);
  auto want = wanted_tags(*d);
  ASSERT_EQ(output_tags(), want);
  std::ofstream(dir_ / "o.example.zone")
      << "$ORIGIN o.example.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
         "ns A 127.0.0.3\n";
  // And a new parent p.test. with a new managed child m.p.test.: without the managed sets
  // they would be signed with whatever DS p.test.'s input has, so they wait.
  std::ofstream(dir_ / "p.test.zone")
      << "$ORIGIN p.test.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
         "ns A 127.0.0.4\nm NS ns.m\nns.m A 127.0.0.5\n";
  std::ofstream(dir_ / "m.p.test.zone")
      << "$ORIGIN m.p.test.\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
         "ns A 127.0.0.5\n";
  std::ofstream(dir_ / "c.toml", std::ios::app)
      << "[[zone]]\nname = \"o.example.\"\nfile = \"o.example.zone\"\n"
      << "[[zone]]\nname = \"p.test.\"\nfile = \"p.test.zone\"\n"
      << "[[zone]]\nname = \"m.p.test.\"\nfile = \"m.p.test.zone\"\n"
      << "parent = { method = \"managed\", poll = \"1h\", timeout = \"1s\", root-hints = \""
      << (dir_ / "hints").string() << "\", trust-anchor = \"" << (dir_ / "ta").string() << "\" }\n";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "state" / "trustsync.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE daemon_managed_ds; CREATE TABLE daemon_managed_ds "
                         "(broken INTEGER)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  Status r = d->reload();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("configuration applied"), std::string::npos)
      << r.error().message;
  run_until(*d, clock_.now() + 120);
  auto added = d->record("o.example.");
  ASSERT_TRUE(added);
  EXPECT_GT(added->signed_at, 0u);
  EXPECT_TRUE(fs::exists(dir_ / "o.example.zone.signed"));
  EXPECT_NE(r.error().message.find("not signed until then: p.test., m.p.test."), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(fs::exists(dir_ / "p.test.zone.signed"));
  EXPECT_FALSE(fs::exists(dir_ / "m.p.test.zone.signed"));
  EXPECT_EQ(output_tags(), want);
}

}  // namespace
}  // namespace ts::agent
