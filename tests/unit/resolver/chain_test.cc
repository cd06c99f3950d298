// The chain walk on scripted answers (FakeResolver + FakeDirectQuerier): verdicts, DS to
// DNSKEY matching, rogue DS, per-server disagreement and direct validation of each
// server's DS set, exit codes.
#include "resolver/chain.h"

#include <gtest/gtest.h>

#include <memory>

#include "resolver/fake_resolver.h"
#include "tests/unit/resolver/test_keys.h"

namespace ts::resolver {
namespace {

using testing::N;
using testing::R;
using testing::TestKey;

constexpr UnixTime kNow = 1800000000;
constexpr uint32_t kInception = kNow - 3600;
constexpr uint32_t kExpiration = kNow + 7 * 86400;

Answer secure(std::vector<Record> records, std::vector<Record> sigs = {}) {
  Answer a;
  a.security = Security::Secure;
  a.records = std::move(records);
  a.rrsigs = std::move(sigs);
  a.nodata = a.records.empty();
  return a;
}

DirectAnswer direct(std::vector<Record> records, std::vector<Record> sigs = {}) {
  DirectAnswer a;
  a.rcode = 0;
  a.authoritative = true;
  a.answer = std::move(records);
  a.answer_rrsigs = std::move(sigs);
  a.nodata = a.answer.empty();
  return a;
}

bool contains(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& s : v)
    if (s.find(needle) != std::string::npos) return true;
  return false;
}

// A root "." (one KSK, two servers) delegating "example." (one KSK, one server).
class ChainWalk : public ::testing::Test {
 protected:
  void SetUp() override {
    root_key = std::make_unique<TestKey>(N("."), true);
    child_key = std::make_unique<TestKey>(N("example."), true);
    options.now = kNow;
    options.anchors = {root_key->ds()};
    std::vector<Record> root_keys = {root_key->dnskey()};
    auto root_key_sigs = root_key->sign(root_keys, kInception, kExpiration);
    resolver.set(N("."), kTypeDNSKEY, secure(root_keys, root_key_sigs));
    resolver.set(N("."), kTypeNS, secure({R(". 3600 IN NS a.root."), R(". 3600 IN NS b.root.")}));
    resolver.set(N("a.root."), kTypeA, secure({R("a.root. 3600 IN A 127.0.0.1")}));
    resolver.set(N("b.root."), kTypeA, secure({R("b.root. 3600 IN A 127.0.0.2")}));
    resolver.set(N("example."), kTypeNS, secure({R("example. 3600 IN NS ns.example.")}));
    resolver.set(N("ns.example."), kTypeA, secure({R("ns.example. 3600 IN A 127.0.0.10")}));
    std::vector<Record> child_keys = {child_key->dnskey()};
    child_key_sigs = child_key->sign(child_keys, kInception, kExpiration - 3600);
    resolver.set(N("example."), kTypeDNSKEY, secure(child_keys, child_key_sigs));
    querier.set("127.0.0.1", N("."), kTypeDNSKEY, direct(root_keys, root_key_sigs));
    querier.set("127.0.0.2", N("."), kTypeDNSKEY, direct(root_keys, root_key_sigs));
    querier.set("127.0.0.10", N("example."), kTypeDNSKEY, direct(child_keys, child_key_sigs));
    set_ds({child_key->ds()});
  }

  // The DS set the validator sees and both root servers serve.
  void set_ds(std::vector<Record> ds, Security sec = Security::Secure) {
    auto sigs = root_key->sign(ds, kInception, kExpiration);
    Answer a = secure(ds, sigs);
    a.security = sec;
    resolver.set(N("example."), kTypeDS, a);
    querier.set("127.0.0.1", N("example."), kTypeDS, direct(ds, sigs));
    querier.set("127.0.0.2", N("example."), kTypeDS, direct(ds, sigs));
  }

  ChainReport walk() {
    auto r = walk_chain(resolver, querier, N("example."), options);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : ChainReport{};
  }

  std::unique_ptr<TestKey> root_key, child_key;
  std::vector<Record> child_key_sigs;
  FakeResolver resolver;
  FakeDirectQuerier querier;
  ChainOptions options;
};

TEST_F(ChainWalk, SecureChain) {
  ChainReport r = walk();
  EXPECT_EQ(r.verdict, Security::Secure) << r.reason;
  EXPECT_EQ(chain_exit_code(r), 0);
  ASSERT_EQ(r.levels.size(), 2u);
  EXPECT_TRUE(r.levels[0].from_anchor);
  EXPECT_EQ(r.levels[0].verdict, Security::Secure);
  const Level& lv = r.levels[1];
  EXPECT_EQ(lv.zone, N("example."));
  EXPECT_EQ(lv.parent, N("."));
  ASSERT_EQ(lv.servers.size(), 2u);
  for (const auto& s : lv.servers) {
    EXPECT_TRUE(s.has_ds);
    EXPECT_TRUE(s.validated);
    EXPECT_TRUE(s.check.valid) << s.check.reason;
  }
  EXPECT_TRUE(lv.servers_agree);
  ASSERT_EQ(lv.ds.size(), 1u);
  EXPECT_EQ(lv.ds[0].match, DsMatch::MatchesKey);
  EXPECT_TRUE(lv.ds[0].key_signs_dnskey);
  EXPECT_TRUE(lv.direct_dnskey_valid) << lv.direct_dnskey_check;
  ASSERT_EQ(lv.child_servers.size(), 1u);
  EXPECT_EQ(lv.child_servers[0].check, "valid");
  ASSERT_TRUE(r.first_expiry.has_value());
  EXPECT_EQ(*r.first_expiry, kExpiration - 3600);  // the child's DNSKEY RRSIG
  EXPECT_EQ(r.first_expiry_rrset.rfind("example. DNSKEY", 0), 0u) << r.first_expiry_rrset;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings[0];
  std::string json = format_chain_json(r);
  EXPECT_NE(json.find("\"verdict\":\"secure\""), std::string::npos);
  EXPECT_NE(format_chain_text(r).find("VERDICT: secure"), std::string::npos);
}

TEST_F(ChainWalk, RogueDsBesideGoodOneIsSecureAndFlagged) {
  Record rogue =
      R("example. 3600 IN DS 4242 13 2 "
        "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB");
  set_ds({child_key->ds(), rogue});
  ChainReport r = walk();
  EXPECT_EQ(r.verdict, Security::Secure);
  const Level& lv = r.levels[1];
  ASSERT_EQ(lv.ds.size(), 2u);
  int rogue_count = 0;
  for (const auto& d : lv.ds)
    if (d.match == DsMatch::NoSuchKey) {
      ++rogue_count;
      EXPECT_EQ(d.fields.key_tag, 4242);
    }
  EXPECT_EQ(rogue_count, 1);
  EXPECT_TRUE(contains(r.warnings, "rogue or stale")) << format_chain_text(r);
}

TEST_F(ChainWalk, WrongDigestIsBogusAndExplained) {
  Record good = child_key->ds();
  Record wrong = good;
  wrong.rdata.back() ^= 0x55;
  set_ds({wrong});
  Answer bogus = secure({child_key->dnskey()}, child_key_sigs);
  bogus.security = Security::Bogus;
  bogus.why_bogus = "DS hash mismatches key";
  resolver.set(N("example."), kTypeDNSKEY, bogus);
  ChainReport r = walk();
  EXPECT_EQ(r.verdict, Security::Bogus);
  EXPECT_EQ(chain_exit_code(r), 2);
  ASSERT_EQ(r.levels[1].ds.size(), 1u);
  EXPECT_EQ(r.levels[1].ds[0].match, DsMatch::DigestMismatch);
  EXPECT_NE(r.reason.find("no DS of . matches"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("DS hash mismatches key"), std::string::npos) << r.reason;
}

TEST_F(ChainWalk, ServersThatDisagreeAreReported) {
  querier.set("127.0.0.2", N("example."), kTypeDS, direct({}));  // NODATA at b.root.
  ChainReport r = walk();
  EXPECT_EQ(r.verdict, Security::Secure);
  const Level& lv = r.levels[1];
  EXPECT_FALSE(lv.servers_agree);
  EXPECT_FALSE(lv.servers[1].has_ds);
  EXPECT_TRUE(contains(r.warnings, "disagree")) << format_chain_text(r);
}

TEST_F(ChainWalk, ExpiredDsSignatureAtOneServerIsNamed) {
  std::vector<Record> ds = {child_key->ds()};
  querier.set("127.0.0.2", N("example."), kTypeDS,
              direct(ds, root_key->sign(ds, kNow - 20 * 86400, kNow - 86400)));
  ChainReport r = walk();
  const Level& lv = r.levels[1];
  EXPECT_TRUE(lv.servers[0].check.valid);
  EXPECT_FALSE(lv.servers[1].check.valid);
  EXPECT_EQ(lv.servers[1].check.problem, SigProblem::Expired);
  EXPECT_TRUE(lv.servers_agree);  // same DS set, only its signature differs
  EXPECT_TRUE(contains(r.warnings, "expired")) << format_chain_text(r);
}

TEST_F(ChainWalk, ZoneServerWithExpiredDnskeySignaturesIsNamed) {
  resolver.set(
      N("example."), kTypeNS,
      secure({R("example. 3600 IN NS ns.example."), R("example. 3600 IN NS ns2.example.")}));
  resolver.set(N("ns2.example."), kTypeA, secure({R("ns2.example. 3600 IN A 127.0.0.11")}));
  std::vector<Record> keys = {child_key->dnskey()};
  querier.set("127.0.0.11", N("example."), kTypeDNSKEY,
              direct(keys, child_key->sign(keys, kNow - 20 * 86400, kNow - 86400)));
  ChainReport r = walk();
  const Level& lv = r.levels[1];
  ASSERT_EQ(lv.child_servers.size(), 2u);
  EXPECT_FALSE(lv.direct_dnskey_valid);
  EXPECT_NE(lv.direct_dnskey_check.find("expired"), std::string::npos) << lv.direct_dnskey_check;
  EXPECT_NE(lv.direct_dnskey_check.find("1 of 2"), std::string::npos) << lv.direct_dnskey_check;
  EXPECT_TRUE(contains(r.warnings, "127.0.0.11")) << format_chain_text(r);
}

TEST_F(ChainWalk, UnreachableServerIsReportedNotTrusted) {
  DirectAnswer lame;
  lame.problem = DirectProblem::Lame;
  lame.detail = "AA bit clear";
  querier.set("127.0.0.2", N("example."), kTypeDS, lame);
  ChainReport r = walk();
  const Level& lv = r.levels[1];
  EXPECT_EQ(lv.servers[1].problem, DirectProblem::Lame);
  EXPECT_FALSE(lv.servers[1].has_ds);
  EXPECT_TRUE(lv.servers_agree);  // among the servers that answered
  EXPECT_TRUE(contains(r.warnings, "lame")) << format_chain_text(r);
}

TEST_F(ChainWalk, MissingDsIsInsecure) {
  set_ds({});
  Answer insecure = secure({child_key->dnskey()}, child_key_sigs);
  insecure.security = Security::Insecure;
  resolver.set(N("example."), kTypeDNSKEY, insecure);
  ChainReport r = walk();
  EXPECT_EQ(r.verdict, Security::Insecure);
  EXPECT_EQ(chain_exit_code(r), 1);
  EXPECT_NE(r.reason.find("no DS"), std::string::npos) << r.reason;
  // The scripted servers say NODATA without NSEC records: not a proof, and said so.
  EXPECT_TRUE(r.levels[1].servers[0].validated);
  EXPECT_EQ(r.levels[1].servers[0].check.problem, SigProblem::NoDenialProof);
  EXPECT_TRUE(contains(r.warnings, "without a valid proof")) << format_chain_text(r);
}

TEST_F(ChainWalk, ValidatorFailureIsCouldNotCheck) {
  Answer servfail;
  servfail.rcode = 2;
  servfail.security = Security::Indeterminate;
  servfail.why_bogus = "SERVFAIL";
  resolver.set(N("example."), kTypeDNSKEY, servfail);
  ChainReport r = walk();
  EXPECT_EQ(r.verdict, Security::Indeterminate);
  EXPECT_EQ(chain_exit_code(r), 3);
}

TEST_F(ChainWalk, NameBelowTheApexEndsAtItsZone) {
  auto r = walk_chain(resolver, querier, N("www.example."), options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->levels.back().zone, N("example."));
  EXPECT_EQ(r->verdict, Security::Secure);
  EXPECT_TRUE(contains(r->warnings, "not a zone apex")) << format_chain_text(*r);
}

TEST_F(ChainWalk, NoAnchorAboveTheZone) {
  options.anchors = {
      R("other. 3600 IN DS 1 13 2 "
        "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB")};
  Answer insecure = secure({child_key->dnskey()});
  insecure.security = Security::Insecure;
  resolver.set(N("example."), kTypeDNSKEY, insecure);
  ChainReport r = walk();
  EXPECT_FALSE(r.anchor_zone.has_value());
  EXPECT_EQ(r.verdict, Security::Insecure);
  EXPECT_NE(r.reason.find("no trust anchor"), std::string::npos);
}

TEST(ChainJson, EscapesStrings) {
  ChainReport r;
  r.zone = N("example.");
  r.reason = "quote \" backslash \\ newline \n";
  std::string j = format_chain_json(r);
  EXPECT_NE(j.find(R"(quote \" backslash \\ newline \n)"), std::string::npos) << j;
}

}  // namespace
}  // namespace ts::resolver
