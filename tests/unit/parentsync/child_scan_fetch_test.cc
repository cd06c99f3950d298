// NetworkChildScanSource::gather() against a hostile child, without a network: a scripted
// resolver (A/AAAA/CDS look-ups) and ask_server() replaced by canned answers. A failed
// address look-up of one NS is a server error, not a smaller server set; an NS with no
// address is an error; too many addresses or a spent time budget abandon the child's scan.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "parentsync/child_scan_fetch.h"
#include "tests/unit/resolver/test_keys.h"

namespace ts::parentsync {
namespace {

namespace rs = ts::resolver;
using rs::testing::N;
using Kind = ChildDsDecision::Kind;

const Name kChild = N("sub.example.test.");

// Answers by (name, type); a missing entry is an empty NOERROR answer; `fail` entries fail.
struct FakeResolver final : rs::Resolver {
  std::map<std::pair<std::string, uint16_t>, rs::Answer> answers;
  std::set<std::pair<std::string, uint16_t>> fail;
  Result<rs::Answer> query(const Name& name, uint16_t type) override {
    auto key = std::make_pair(name.to_text(), type);
    if (fail.count(key)) return ts::fail("timed out");
    auto it = answers.find(key);
    if (it != answers.end()) return it->second;
    rs::Answer a;
    a.security = rs::Security::Secure;
    a.nodata = true;
    return a;
  }
};

// ask_server() records the address and answers without CDS; each answer costs
// `seconds_per_server` of the scripted monotonic clock.
class ScriptedSource final : public NetworkChildScanSource {
 public:
  ScriptedSource(rs::Resolver& r, ChildScanLimits limits) : NetworkChildScanSource(r, 1, limits) {}
  std::vector<std::string> asked;
  double* clock = nullptr;
  double seconds_per_server = 0;
  ChildServerAnswer ask_server(const Name&, const std::string& ns_name,
                               const std::string& address) override {
    asked.push_back(address);
    if (clock) *clock += seconds_per_server;
    ChildServerAnswer a;
    a.server = ns_name + "/" + address;
    return a;
  }
};

rs::Answer addresses(const std::vector<std::string>& records) {
  rs::Answer a;
  a.security = rs::Security::Insecure;
  for (const auto& r : records) a.records.push_back(rs::testing::R(r));
  return a;
}

ChildDelegation Delegation() {
  ChildDelegation d;
  d.child = kChild;
  d.ns = {{N("ns1.example.net."), {}}, {N("ns2.example.org."), {}}};
  return d;
}

TEST(ChildScanFetch, FailedAddressLookupIsAServerError) {
  FakeResolver r;
  r.answers[{"ns1.example.net.", rs::kTypeA}] = addresses({"ns1.example.net. 60 IN A 192.0.2.1"});
  r.answers[{"ns2.example.org.", rs::kTypeAAAA}] =
      addresses({"ns2.example.org. 60 IN AAAA 2001:db8::2"});
  r.fail.insert({"ns2.example.org.", rs::kTypeA});  // its IPv4 servers stay unknown
  ScriptedSource src(r, {});
  ChildScanInput in = src.gather(Delegation(), 1800000000);
  EXPECT_TRUE(src.asked.empty());  // consistency cannot be shown: no server is asked
  bool ns2_error = false;
  for (const auto& s : in.servers)
    if (s.server.find("ns2.example.org.") != std::string::npos && !s.error.empty()) {
      ns2_error = true;
      EXPECT_NE(s.error.find("A look-up"), std::string::npos) << s.error;
    }
  EXPECT_TRUE(ns2_error);
  ChildDsDecision d = decide_child_ds(in, {});
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("ns2.example.org."), std::string::npos) << d.reason;

  // A bogus answer is no better than none.
  r.fail.clear();
  rs::Answer bogus = addresses({"ns2.example.org. 60 IN A 192.0.2.2"});
  bogus.security = rs::Security::Bogus;
  bogus.why_bogus = "signature expired";
  r.answers[{"ns2.example.org.", rs::kTypeA}] = bogus;
  EXPECT_EQ(decide_child_ds(src.gather(Delegation(), 1800000000), {}).kind, Kind::Reject);
}

TEST(ChildScanFetch, NameServerWithoutAnyAddressIsAnError) {
  FakeResolver r;
  r.answers[{"ns1.example.net.", rs::kTypeA}] = addresses({"ns1.example.net. 60 IN A 192.0.2.1"});
  ScriptedSource src(r, {});
  ChildScanInput in = src.gather(Delegation(), 1800000000);
  ChildDsDecision d = decide_child_ds(in, {});
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("ns2.example.org."), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("no address"), std::string::npos) << d.reason;
}

TEST(ChildScanFetch, TooManyAddressesAbandonTheScan) {
  FakeResolver r;
  std::vector<std::string> a;
  for (int i = 1; i <= 65; ++i)
    a.push_back("ns1.example.net. 60 IN A 192.0.2." + std::to_string(i));
  r.answers[{"ns1.example.net.", rs::kTypeA}] = addresses(a);
  ScriptedSource src(r, {});
  ChildDelegation d = Delegation();
  d.ns.resize(1);
  ChildScanInput in = src.gather(d, 1800000000);
  EXPECT_TRUE(src.asked.empty());  // not one server asked
  EXPECT_NE(in.abandoned.find("more than 64 addresses"), std::string::npos) << in.abandoned;
  ChildDsDecision dec = decide_child_ds(in, {});
  EXPECT_EQ(dec.kind, Kind::Reject);
  EXPECT_NE(dec.reason.find("abandoned"), std::string::npos) << dec.reason;
  // 64 is fine.
  a.pop_back();
  r.answers[{"ns1.example.net.", rs::kTypeA}] = addresses(a);
  EXPECT_TRUE(src.gather(d, 1800000000).abandoned.empty());
  EXPECT_EQ(src.asked.size(), 64u);
}

TEST(ChildScanFetch, TimeBudgetAbandonsTheChild) {
  FakeResolver r;
  r.answers[{"ns1.example.net.", rs::kTypeA}] =
      addresses({"ns1.example.net. 60 IN A 192.0.2.1", "ns1.example.net. 60 IN A 192.0.2.2",
                 "ns1.example.net. 60 IN A 192.0.2.3", "ns1.example.net. 60 IN A 192.0.2.4"});
  double clock = 1000;
  ChildScanLimits limits;
  limits.budget_seconds = 120;
  limits.monotonic = [&clock] { return clock; };
  ScriptedSource src(r, limits);
  src.clock = &clock;
  src.seconds_per_server = 50;  // a slow server: 3 answers take 150 s
  ChildDelegation d = Delegation();
  d.ns.resize(1);
  ChildScanInput in = src.gather(d, 1800000000);
  EXPECT_EQ(src.asked.size(), 3u);  // the fourth is not asked
  EXPECT_NE(in.abandoned.find("time budget of 120 s"), std::string::npos) << in.abandoned;
  EXPECT_EQ(decide_child_ds(in, {}).kind, Kind::Reject);
  // A fresh gathering starts a fresh budget.
  src.seconds_per_server = 1;
  EXPECT_TRUE(src.gather(d, 1800000000).abandoned.empty());
}

}  // namespace
}  // namespace ts::parentsync
