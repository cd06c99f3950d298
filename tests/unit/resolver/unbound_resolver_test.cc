// UnboundResolver (libunbound) against a scripted authoritative server on loopback, reached
// through a stub zone: the generated configuration works (stub with port, localhost allowed),
// answers map to Security (insecure without anchor, bogus with an anchor the zone does not
// satisfy, with the validator's reason), NXDOMAIN/NODATA flags, and a fresh context per
// query really bypasses the cache.
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <atomic>
#include <string>

#include "resolver/resolver.h"
#include "tests/unit/resolver/scripted_server.h"
#include "tests/unit/resolver/test_keys.h"

namespace ts::resolver {
namespace {

using testing::add;
using testing::N;
using testing::respond;
using testing::ScriptedServer;
using testing::TestKey;

constexpr const char* kSoa = "example. 60 IN SOA ns.example. h.example. 1 10 5 100 5";

// An unsigned zone "example." with www A 127.0.0.7; counts the A queries for www.
class UnsignedZone {
 public:
  std::string answer(const std::string& query) {
    ldns_pkt* q = nullptr;
    if (ldns_wire2pkt(&q, reinterpret_cast<const uint8_t*>(query.data()), query.size()) !=
        LDNS_STATUS_OK)
      return {};
    ldns_rr* qr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    char* name_c = ldns_rdf2str(ldns_rr_owner(qr));
    std::string name = name_c;
    free(name_c);
    for (auto& c : name) c = static_cast<char>(tolower(c));
    ldns_rr_type type = ldns_rr_get_type(qr);
    ldns_pkt_free(q);
    return respond(query, [&](ldns_pkt* p) {
      if (name == "www.example." && type == LDNS_RR_TYPE_A) {
        ++www_queries;
        add(p, LDNS_SECTION_ANSWER, "www.example. 60 IN A 127.0.0.7");
      } else if (name == "example." && type == LDNS_RR_TYPE_NS) {
        add(p, LDNS_SECTION_ANSWER, "example. 60 IN NS ns.example.");
      } else if (name == "example." && type == LDNS_RR_TYPE_SOA) {
        add(p, LDNS_SECTION_ANSWER, kSoa);
      } else if (name == "www.example." || name == "example." || name == "ns.example.") {
        add(p, LDNS_SECTION_AUTHORITY, kSoa);  // NODATA
      } else {
        ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
        add(p, LDNS_SECTION_AUTHORITY, kSoa);
      }
    });
  }
  std::atomic<int> www_queries{0};
};

class UnboundResolverTest : public ::testing::Test {
 protected:
  UnboundResolverTest() : server([this](const std::string& q) { return zone.answer(q); }) {
    options.stubs = {{"example.", {server.address().to_text()}}};
    options.query_timeout_ms = 10000;
  }
  std::unique_ptr<Resolver> make() {
    auto r = make_unbound_resolver(options);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : nullptr;
  }
  UnsignedZone zone;
  ScriptedServer server;
  ResolverOptions options;
};

TEST_F(UnboundResolverTest, UnsignedZoneWithoutAnchorIsInsecure) {
  auto r = make();
  ASSERT_TRUE(r);
  auto a = r->query(N("www.example."), kTypeA);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->security, Security::Insecure);
  EXPECT_EQ(a->rcode, 0);
  ASSERT_EQ(a->records.size(), 1u);
  EXPECT_EQ(a->records[0].rdata, std::string("\x7f\x00\x00\x07", 4));
  EXPECT_FALSE(a->nodata);
  auto nx = r->query(N("nope.example."), kTypeA);
  ASSERT_TRUE(nx.ok());
  EXPECT_TRUE(nx->nxdomain);
  auto nodata = r->query(N("www.example."), kTypeAAAA);
  ASSERT_TRUE(nodata.ok());
  EXPECT_TRUE(nodata->nodata);
}

TEST_F(UnboundResolverTest, AnchorTheZoneCannotSatisfyIsBogusWithReason) {
  TestKey key(N("example."), true);
  options.trust_anchors = {record_to_text(key.ds())};
  auto r = make();
  ASSERT_TRUE(r);
  auto a = r->query(N("www.example."), kTypeA);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->security, Security::Bogus);
  EXPECT_FALSE(a->why_bogus.empty());
}

TEST_F(UnboundResolverTest, CachedUnlessFreshContextPerQuery) {
  auto cached = make();
  ASSERT_TRUE(cached);
  ASSERT_TRUE(cached->query(N("www.example."), kTypeA).ok());
  ASSERT_TRUE(cached->query(N("www.example."), kTypeA).ok());
  EXPECT_EQ(zone.www_queries, 1);
  options.fresh_context_per_query = true;
  auto fresh = make();
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(fresh->query(N("www.example."), kTypeA).ok());
  ASSERT_TRUE(fresh->query(N("www.example."), kTypeA).ok());
  EXPECT_EQ(zone.www_queries, 3);
}

TEST(UnboundResolverOptions, MissingFilesAreErrors) {
  ResolverOptions o;
  o.root_hints = "/nonexistent/root.hints";
  EXPECT_FALSE(make_unbound_resolver(o).ok());
  ResolverOptions p;
  p.trust_anchor_files = {"/nonexistent/anchor"};
  auto r = make_unbound_resolver(p);
  ASSERT_TRUE(r.ok());  // files are read when the first query needs a context
  auto a = (*r)->query(N("example."), kTypeA);
  EXPECT_FALSE(a.ok());
}

}  // namespace
}  // namespace ts::resolver
