// DaemonChildScan over a scripted ChildScanSource (real ECDSA keys and signatures): the
// delegations come from the parent's input file, children that are zones here are skipped,
// an accepted set is saved before it is applied, audited, and survives a restart; a
// rejection is audited and alerted once, not again while the reason stays the same; the
// poll interval is respected; the next scan judges against the accepted set.
#include "agent/daemon_childscan.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "agent/audit_log.h"
#include "tests/unit/resolver/test_keys.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
namespace rs = ts::resolver;
using rs::Record;
using rs::testing::N;
using rs::testing::TestKey;

constexpr UnixTime kNow = 1800000000;

Record as_type(Record r, uint16_t type) {
  r.type = type;
  return r;
}
ps::DsRecord ds_value(const TestKey& k) {
  const std::string rd = k.ds().rdata;
  return *ps::DsRecord::from_rdata(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(rd.data()), rd.size()));
}

struct Recorder : DaemonEvents {
  std::vector<AuditRecord> audits;
  std::vector<std::pair<AlertEvent, bool>> alerts;
  void audit(const AuditRecord& r) override { audits.push_back(r); }
  void alert(const AlertEvent& e, bool firing) override { alerts.push_back({e, firing}); }
};

// a.test.: a validly signed rollover CDS (old KSK in the DS set -> new KSK).
// b.test.: two servers that disagree.
class Script final : public ps::ChildScanSource {
 public:
  TestKey a_old{N("a.test."), true}, a_new{N("a.test."), true};
  TestKey b_key{N("b.test."), true};
  TestKey c_key{N("c.test."), true};
  std::vector<std::string> gathered;
  std::map<std::string, std::vector<ps::DsRecord>> ds_given;  // the DS each child was judged by
  ps::ChildScanInput gather(const ps::ChildDelegation& d, UnixTime now) override {
    gathered.push_back(d.child.to_text());
    ds_given[d.child.to_text()] = d.ds;
    ps::ChildScanInput in;
    in.delegation = d;
    in.now = now;
    if (d.child == N("a.test.")) {
      ps::ChildServerAnswer s;
      s.server = "ns.a.test./192.0.2.10";
      s.dnskey = {a_old.dnskey(), a_new.dnskey()};
      s.cds = {as_type(a_new.ds(), ps::kTypeCDS)};
      for (const TestKey* k : {&a_old, &a_new}) {
        for (auto& r : k->sign(s.dnskey, kNow - 3600, kNow + 86400)) s.rrsigs.push_back(r);
        for (auto& r : k->sign(s.cds, kNow - 3600, kNow + 86400)) s.rrsigs.push_back(r);
      }
      in.servers = {s};
      in.validated = {rs::Security::Secure, "", s.cds, {}};
    } else if (d.child == N("c.test.")) {  // no DS yet, self-signed CDS, no RFC 9615 signal
      ps::ChildServerAnswer s;
      s.server = "ns.example.org./192.0.2.20";
      s.dnskey = {c_key.dnskey()};
      s.cds = {as_type(c_key.ds(), ps::kTypeCDS)};
      for (auto& r : c_key.sign(s.dnskey, kNow - 3600, kNow + 86400)) s.rrsigs.push_back(r);
      for (auto& r : c_key.sign(s.cds, kNow - 3600, kNow + 86400)) s.rrsigs.push_back(r);
      in.servers = {s};
      in.validated = {rs::Security::Insecure, "", s.cds, {}};
      in.signals = {{N("ns.example.org."),
                     *ps::bootstrap_signal_name(d.child, N("ns.example.org.")),
                     {rs::Security::Secure, "", {}, {}}}};
    } else {
      ps::ChildServerAnswer s1, s2;
      s1.server = "ns1.example.net./192.0.2.1";
      s2.server = "ns2.example.net./192.0.2.2";
      s1.cds = {as_type(b_key.ds(), ps::kTypeCDS)};
      in.servers = {s1, s2};
    }
    return in;
  }
};

// Hands out the fixture's script (the scan owns what the factory returns).
struct Ref final : ps::ChildScanSource {
  Script* s;
  explicit Ref(Script* p) : s(p) {}
  ps::ChildScanInput gather(const ps::ChildDelegation& d, UnixTime now) override {
    return s->gather(d, now);
  }
};

class DaemonChildScanTest : public ::testing::Test {
 protected:
  fs::path dir_ = fs::path(::testing::TempDir()) / ("childscan_" + std::to_string(getpid()));
  SystemClock clock_;
  Logger log_{LogStyle::Text, stderr, clock_};
  Recorder events_;
  Script script_;
  int sources_made_ = 0;
  ZoneSpec spec_;
  std::set<std::string> here_ = {"test.", "here.test."};

  void SetUp() override {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    spec_.name = "test.";
    spec_.input_file = (dir_ / "test.zone").string();
    spec_.children = {true, 600, true};
    std::ofstream(spec_.input_file)
        << "$TTL 60\ntest. IN SOA ns1.test. h.test. 1 60 60 600 60\ntest. IN NS ns1.test.\n"
           "ns1.test. IN A 192.0.2.1\n"
           "a.test. IN NS ns.a.test.\nns.a.test. IN A 192.0.2.10\n"
           "b.test. IN NS ns1.example.net.\nb.test. IN NS ns2.example.net.\n"
           "here.test. IN NS ns1.test.\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<DaemonChildScan> Make(DaemonStore& store) {
    return std::make_unique<DaemonChildScan>(
        log_, store, [this]() -> DaemonEvents& { return events_; },
        [this](const ZoneSpec&) -> Result<std::unique_ptr<ps::ChildScanSource>> {
          ++sources_made_;
          return std::unique_ptr<ps::ChildScanSource>(new Ref(&script_));
        });
  }
};

TEST_F(DaemonChildScanTest, AcceptsSavesAuditsAndAlerts) {
  auto store = DaemonStore::open((dir_ / "state.db").string());
  ASSERT_TRUE(store) << store.error().message;
  auto scan = Make(**store);
  const Script* s = &script_;
  std::vector<std::tuple<std::string, std::string, std::vector<ps::DsRecord>>> applied;
  scan->set_apply([&](const std::string& p, const std::string& c, const AcceptedDs& a) {
    auto rows = (*store)->child_ds_rows();  // durable before it is applied
    EXPECT_TRUE(rows && rows->size() == 1u && (*rows)[0].accepted_at == kNow);
    EXPECT_EQ(a.ttl, 60u);  // the delegation's NS TTL
    applied.emplace_back(p, c, a.ds);
  });
  // a.test. holds the old key's DS, as a previous acceptance left it (overrides the file).
  ASSERT_TRUE((*store)->save_child_ds(
      {"test.", "a.test.", ds_lines({ds_value(s->a_old)}), kNow - 86400, false, 60}));
  ASSERT_TRUE(scan->load());

  EXPECT_TRUE(scan->maybe_scan(spec_, here_, kNow));
  EXPECT_EQ(s->gathered, (std::vector<std::string>{"a.test.", "b.test."}));  // here.test. skipped
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(std::get<0>(applied[0]), "test.");
  EXPECT_EQ(std::get<1>(applied[0]), "a.test.");
  EXPECT_EQ(std::get<2>(applied[0]), std::vector<ps::DsRecord>{ds_value(s->a_new)});
  auto rows = (*store)->child_ds_rows();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  auto parsed = parse_ds_lines((*rows)[0].ds);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, std::vector<ps::DsRecord>{ds_value(s->a_new)});

  ASSERT_EQ(events_.audits.size(), 2u);
  EXPECT_EQ(events_.audits[0].event, AuditEvent::ChildDsAccepted);
  EXPECT_EQ(events_.audits[0].zone, "test.");
  EXPECT_EQ(events_.audits[1].event, AuditEvent::ChildCdsRejected);
  ASSERT_EQ(events_.alerts.size(), 1u);
  EXPECT_TRUE(events_.alerts[0].second);
  EXPECT_EQ(events_.alerts[0].first.kind, AlertKind::ChildCdsRejected);
  EXPECT_EQ(events_.alerts[0].first.subject, "b.test.");
  ASSERT_EQ(events_.alerts[0].first.evidence.size(), 1u);
  EXPECT_NE(events_.alerts[0].first.evidence[0].observation.find("ns2.example.net./192.0.2.2"),
            std::string::npos);

  // Not due yet: nothing is asked.
  EXPECT_FALSE(scan->maybe_scan(spec_, here_, kNow + 10));
  EXPECT_EQ(s->gathered.size(), 2u);
  EXPECT_EQ(scan->next_event("test."), kNow + 600);

  // Due: a.test. is judged against the accepted set (no change now); b.test. is still
  // rejected for the same reason: no new audit record, no new alert.
  EXPECT_FALSE(scan->maybe_scan(spec_, here_, kNow + 600));
  EXPECT_EQ(s->gathered.size(), 4u);
  EXPECT_EQ(scan->last("test.").at("a.test.").kind, ps::ChildDsDecision::Kind::NoChange);
  EXPECT_EQ(events_.audits.size(), 2u);
  EXPECT_EQ(events_.alerts.size(), 1u);
  EXPECT_NE(scan->status_text("test.").find("b.test. reject"), std::string::npos);

  // A restart: the accepted set comes back from the store.
  scan.reset();
  store->reset();
  auto again = DaemonStore::open((dir_ / "state.db").string());
  ASSERT_TRUE(again);
  DaemonChildScan after(log_, **again, [this]() -> DaemonEvents& { return events_; });
  auto loaded = after.load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ((*loaded)["test."]["a.test."].ds, std::vector<ps::DsRecord>{ds_value(s->a_new)});
  EXPECT_EQ((*loaded)["test."]["a.test."].ttl, 60u);
}

TEST_F(DaemonChildScanTest, AcceptAfterDelayCountsFromFirstSight) {
  std::ofstream(spec_.input_file, std::ios::app) << "c.test. IN NS ns.example.org.\n";
  spec_.children = {true, 300, true, 600};
  here_.insert("a.test.");
  here_.insert("b.test.");
  auto store = DaemonStore::open((dir_ / "state.db").string());
  ASSERT_TRUE(store);
  auto scan = Make(**store);
  using Kind = ps::ChildDsDecision::Kind;
  EXPECT_FALSE(scan->maybe_scan(spec_, here_, kNow));
  EXPECT_EQ(scan->last("test.").at("c.test.").kind, Kind::NoChange);
  EXPECT_FALSE(scan->maybe_scan(spec_, here_, kNow + 300));
  EXPECT_EQ(scan->last("test.").at("c.test.").kind, Kind::NoChange);
  EXPECT_TRUE(scan->maybe_scan(spec_, here_, kNow + 600));
  EXPECT_EQ(scan->last("test.").at("c.test.").kind, Kind::Accept);
  ASSERT_EQ(events_.audits.size(), 1u);
  EXPECT_EQ(events_.audits[0].event, AuditEvent::ChildDsAccepted);
  // Off (the default): the same child is rejected, never accepted (a fresh state: the
  // accepted set above would be read from the store).
  auto fresh = DaemonStore::open((dir_ / "fresh.db").string());
  ASSERT_TRUE(fresh);
  DaemonChildScan strict(
      log_, **fresh, [this]() -> DaemonEvents& { return events_; },
      [this](const ZoneSpec&) -> Result<std::unique_ptr<ps::ChildScanSource>> {
        return std::unique_ptr<ps::ChildScanSource>(new Ref(&script_));
      });
  spec_.children.accept_after_delay = 0;
  EXPECT_FALSE(strict.maybe_scan(spec_, here_, kNow + 1000));
  EXPECT_NE(strict.last("test.").at("c.test.").reason.find("no bootstrapping signal"),
            std::string::npos);
  EXPECT_EQ(strict.last("test.").at("c.test.").kind, Kind::Reject);
}

TEST_F(DaemonChildScanTest, ConcurrentFirstLoadsReadTheRowsOnce) {
  auto store = DaemonStore::open((dir_ / "state.db").string());
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->save_child_ds(
      {"test.", "a.test.", ds_lines({ds_value(script_.a_old)}), kNow - 60, false, 60}));
  // Many callers at once (the start and the first scans): the sets are read and handed to the
  // signing side once; a second read would replace sets accepted in between.
  for (int round = 0; round < 50; ++round) {
    auto scan = Make(**store);
    std::atomic<int> loads{0};
    scan->set_on_load([&](const AcceptedChildDs&) { ++loads; });
    std::atomic<bool> go{false};
    std::vector<std::thread> callers;
    for (int i = 0; i < 8; ++i)
      callers.emplace_back([&] {
        while (!go) std::this_thread::yield();
        EXPECT_TRUE(scan->ensure_loaded());
      });
    go = true;
    for (auto& t : callers) t.join();
    ASSERT_EQ(loads.load(), 1) << "round " << round;
  }
}

TEST_F(DaemonChildScanTest, UnreadableStateScansAndAppliesNothing) {
  auto store = DaemonStore::open((dir_ / "state.db").string());
  ASSERT_TRUE(store);
  auto scan = Make(**store);
  int applied = 0;
  scan->set_apply([&](const std::string&, const std::string&, const AcceptedDs&) { ++applied; });
  // A stored row that does not parse is not "no DS accepted".
  ASSERT_TRUE((*store)->save_child_ds({"test.", "a.test.", {"garbage"}, kNow - 60, false, 60}));
  EXPECT_FALSE(scan->load());
  EXPECT_FALSE(scan->maybe_scan(spec_, here_, kNow));
  EXPECT_TRUE(script_.gathered.empty());
  EXPECT_EQ(applied, 0);
  // Readable again: the next round scans (the load is retried).
  ASSERT_TRUE((*store)->save_child_ds(
      {"test.", "a.test.", ds_lines({ds_value(script_.a_old)}), kNow - 60, false, 60}));
  EXPECT_TRUE(scan->maybe_scan(spec_, here_, kNow + 600));
  EXPECT_EQ(script_.gathered.size(), 2u);
  EXPECT_EQ(applied, 1);
  // The table cannot be read at all: nothing is scanned either.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "state.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "DROP TABLE daemon_child_ds", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto again = Make(**store);
  EXPECT_FALSE(again->load());
  EXPECT_FALSE(again->maybe_scan(spec_, here_, kNow + 1200));
  EXPECT_EQ(script_.gathered.size(), 2u);
}

TEST_F(DaemonChildScanTest, UndelegatedAndLocalChildrenAreForgotten) {
  auto store = DaemonStore::open((dir_ / "state.db").string());
  ASSERT_TRUE(store);
  auto line = ds_lines({ds_value(script_.a_old)});
  for (const char* child : {"a.test.", "gone.test.", "here.test.", "local.test."})
    ASSERT_TRUE((*store)->save_child_ds({"test.", child, line, kNow - 60, false, 60}));
  auto scan = Make(**store);
  std::vector<std::string> forgotten;
  scan->set_forget([&](const std::string& p, const std::string& c) {
    EXPECT_EQ(p, "test.");
    forgotten.push_back(c);
  });
  // A zone of this agent: dropped at the load (the managed set wins).
  scan->set_local_zones({"test.", "local.test."});
  auto loaded = scan->load();
  ASSERT_TRUE(loaded);
  EXPECT_FALSE((*loaded)["test."].count("local.test."));
  // gone.test. is not delegated in test.'s input, here.test. is a zone here: both forgotten.
  scan->maybe_scan(spec_, here_, kNow);
  std::sort(forgotten.begin(), forgotten.end());
  EXPECT_EQ(forgotten, (std::vector<std::string>{"gone.test.", "here.test."}));
  auto rows = (*store)->child_ds_rows();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].child, "a.test.");
  // Delegated again: judged from the input file's DS (none), not the old accepted set.
  std::ofstream(spec_.input_file, std::ios::app) << "gone.test. IN NS ns1.example.net.\n";
  scan->maybe_scan(spec_, here_, kNow + 600);
  ASSERT_TRUE(script_.ds_given.count("gone.test."));
  EXPECT_TRUE(script_.ds_given["gone.test."].empty());
  // a.test. becomes a zone here (a reload): its accepted set goes at once.
  forgotten.clear();
  scan->set_local_zones({"test.", "a.test."});
  EXPECT_EQ(forgotten, std::vector<std::string>{"a.test."});
  EXPECT_TRUE((*store)->child_ds_rows()->empty());
}

// A zone of this agent whose parent method is not managed (cds, update, ...): its accepted
// set is its DS at the parent, so it is kept (not dropped, not forgotten); it is not scanned.
TEST_F(DaemonChildScanTest, LocalZoneNotManagedKeepsItsAcceptedSetUnscanned) {
  auto store = DaemonStore::open((dir_ / "state.db").string());
  ASSERT_TRUE(store);
  auto line = ds_lines({ds_value(script_.a_old)});
  ASSERT_TRUE((*store)->save_child_ds({"test.", "here.test.", line, kNow - 60, false, 60}));
  auto scan = Make(**store);
  std::vector<std::string> forgotten;
  scan->set_forget([&](const std::string&, const std::string& c) { forgotten.push_back(c); });
  scan->set_unscanned_zones({"test.", "here.test."});
  scan->set_local_zones({});  // no managed children here
  auto loaded = scan->load();
  ASSERT_TRUE(loaded);
  EXPECT_TRUE((*loaded)["test."].count("here.test."));
  scan->maybe_scan(spec_, kNow);
  EXPECT_TRUE(forgotten.empty());
  EXPECT_EQ(std::count(script_.gathered.begin(), script_.gathered.end(), "here.test."), 0);
  auto rows = (*store)->child_ds_rows();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].child, "here.test.");
}

TEST_F(DaemonChildScanTest, OffUnlessAsked) {
  auto store = DaemonStore::open((dir_ / "state.db").string());
  ASSERT_TRUE(store);
  auto scan = Make(**store);
  spec_.children.scan = false;
  EXPECT_FALSE(scan->maybe_scan(spec_, {}, kNow));
  EXPECT_EQ(sources_made_, 0);
  EXPECT_EQ(scan->next_event("test."), kNever);
}

}  // namespace
}  // namespace ts::agent
