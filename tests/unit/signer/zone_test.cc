// Zone model: ENT creation and removal, RRset merge (dedup, canonical order, min TTL),
// classification of apex / delegations / glue / DNAME-occluded names, canonical rdata.
#include "signer/zone.h"

#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <random>
#include <set>
#include <string>
#include <tuple>

#include "tests/unit/signer/zone_test_util.h"

namespace ts::signer {
namespace {

Name N(const char* s) {
  return *Name::from_text(s);
}

// Wire rdata of `type` from its presentation text, through ldns.
Bytes rd(const std::string& type, const std::string& text) {
  ldns_rr* rr = nullptr;
  std::string line = "x. 3600 IN " + type + " " + text;
  EXPECT_EQ(ldns_rr_new_frm_str(&rr, line.c_str(), 0, nullptr, nullptr), LDNS_STATUS_OK) << line;
  Bytes out;
  for (size_t i = 0; rr && i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr, i);
    out.insert(out.end(), ldns_rdf_data(f), ldns_rdf_data(f) + ldns_rdf_size(f));
  }
  ldns_rr_free(rr);
  return out;
}

Zone sample() {
  Zone z(N("example."));
  z.add(N("example."), rrtype::SOA, 3600, rd("SOA", "ns.example. h.example. 1 2 3 4 5"));
  z.add(N("example."), rrtype::NS, 3600, rd("NS", "ns.example."));
  z.add(N("ns.example."), rrtype::A, 3600, rd("A", "192.0.2.1"));
  z.add(N("a.b.c.example."), rrtype::A, 3600, rd("A", "192.0.2.2"));  // b.c, c are ENTs
  z.add(N("sub.example."), rrtype::NS, 3600, rd("NS", "ns.sub.example."));
  z.add(N("sub.example."), rrtype::DS, 3600, rd("DS", "1 13 2 " + std::string(64, 'a')));
  z.add(N("ns.sub.example."), rrtype::A, 3600, rd("A", "192.0.2.3"));  // glue
  z.add(N("deep.x.sub.example."), rrtype::TXT, 3600, rd("TXT", "\"occluded\""));
  z.add(N("dn.example."), rrtype::DNAME, 3600, rd("DNAME", "other.test."));
  z.add(N("below.dn.example."), rrtype::A, 3600, rd("A", "192.0.2.4"));
  z.add(N("*.w.example."), rrtype::A, 3600, rd("A", "192.0.2.5"));
  return z;
}

TEST(Zone, AddCreatesEmptyNonTerminals) {
  Zone z = sample();
  ASSERT_NE(z.find(N("c.example.")), nullptr);
  ASSERT_NE(z.find(N("b.c.example.")), nullptr);
  EXPECT_TRUE(z.find(N("c.example."))->empty());
  EXPECT_EQ(z.find(N("w.example."))->kind, NodeKind::EmptyNonTerminal);
  z.classify();
  EXPECT_EQ(z.find(N("c.example."))->kind, NodeKind::EmptyNonTerminal);
  EXPECT_EQ(z.find(N("b.c.example."))->kind, NodeKind::EmptyNonTerminal);
  EXPECT_EQ(z.find(N("a.b.c.example."))->kind, NodeKind::Authoritative);
  EXPECT_EQ(z.find(N("*.w.example."))->kind, NodeKind::Authoritative);
}

TEST(Zone, ClassifyApexDelegationGlueAndDname) {
  Zone z = sample();
  z.classify();
  EXPECT_EQ(z.apex().kind, NodeKind::Authoritative);
  EXPECT_EQ(z.find(N("ns.example."))->kind, NodeKind::Authoritative);
  EXPECT_EQ(z.find(N("sub.example."))->kind, NodeKind::Delegation);
  EXPECT_EQ(z.find(N("ns.sub.example."))->kind, NodeKind::Occluded);
  EXPECT_EQ(z.find(N("x.sub.example."))->kind, NodeKind::Occluded);  // ENT below a cut
  EXPECT_EQ(z.find(N("deep.x.sub.example."))->kind, NodeKind::Occluded);
  EXPECT_EQ(z.find(N("dn.example."))->kind, NodeKind::Authoritative);
  EXPECT_EQ(z.find(N("below.dn.example."))->kind, NodeKind::Occluded);
}

TEST(Zone, AddKeepsKindsRightWithoutClassify) {
  Zone z = sample();
  Zone c = sample();
  c.classify();
  for (const auto& [name, node] : c.nodes()) {
    EXPECT_EQ(z.find(name)->kind, node.kind) << name.to_text();
  }
}

TEST(Zone, ClassifySubtreeAfterNewCut) {
  Zone z = sample();
  z.classify();
  z.add(N("c.example."), rrtype::NS, 300, rd("NS", "ns.elsewhere.test."));
  z.classify_subtree(N("c.example."));
  EXPECT_EQ(z.find(N("c.example."))->kind, NodeKind::Delegation);
  EXPECT_EQ(z.find(N("b.c.example."))->kind, NodeKind::Occluded);
  EXPECT_EQ(z.find(N("a.b.c.example."))->kind, NodeKind::Occluded);
  ASSERT_TRUE(z.remove_rrset(N("c.example."), rrtype::NS));
  z.classify_subtree(N("c.example."));
  EXPECT_EQ(z.find(N("c.example."))->kind, NodeKind::EmptyNonTerminal);
  EXPECT_EQ(z.find(N("a.b.c.example."))->kind, NodeKind::Authoritative);
  // A subtree below an existing cut stays occluded.
  z.classify_subtree(N("x.sub.example."));
  EXPECT_EQ(z.find(N("deep.x.sub.example."))->kind, NodeKind::Occluded);
}

TEST(Zone, MergeSortsDedupsAndTakesMinimumTtl) {
  Zone z(N("example."));
  EXPECT_TRUE(z.add(N("example."), rrtype::A, 600, rd("A", "192.0.2.9")));
  EXPECT_TRUE(z.add(N("example."), rrtype::A, 300, rd("A", "192.0.2.1")));
  EXPECT_FALSE(z.add(N("example."), rrtype::A, 100, rd("A", "192.0.2.9")));  // duplicate
  EXPECT_TRUE(z.add(N("example."), rrtype::MX, 300, rd("MX", "10 B.example.")));
  EXPECT_FALSE(z.add(N("EXAMPLE."), rrtype::MX, 300, rd("MX", "10 b.EXAMPLE.")));  // same RR
  const RRset* a = z.apex().find(rrtype::A);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->ttl, 100u);
  ASSERT_EQ(a->rdatas.size(), 2u);
  EXPECT_EQ(a->rdatas[0], rd("A", "192.0.2.1"));
  EXPECT_EQ(a->rdatas[1], rd("A", "192.0.2.9"));
  EXPECT_EQ(z.apex().find(rrtype::MX)->rdatas[0], rd("MX", "10 b.example."));
  ASSERT_EQ(z.apex().rrsets.size(), 2u);
  EXPECT_LT(z.apex().rrsets[0].type, z.apex().rrsets[1].type);
  EXPECT_EQ(z.record_count(), 3u);
}

TEST(Zone, RemoveDropsEmptyNodesAndEnts) {
  Zone z = sample();
  size_t before = z.nodes().size();
  EXPECT_FALSE(z.remove(N("a.b.c.example."), rrtype::A, rd("A", "192.0.2.99")));
  EXPECT_TRUE(z.remove(N("a.b.c.example."), rrtype::A, rd("A", "192.0.2.2")));
  EXPECT_EQ(z.find(N("a.b.c.example.")), nullptr);
  EXPECT_EQ(z.find(N("b.c.example.")), nullptr);
  EXPECT_EQ(z.find(N("c.example.")), nullptr);
  EXPECT_EQ(z.nodes().size(), before - 3);
  // A node that loses its NS is no longer a cut; with descendants left it becomes an ENT.
  EXPECT_TRUE(z.remove_rrset(N("sub.example."), rrtype::NS));
  EXPECT_EQ(z.find(N("sub.example."))->kind, NodeKind::Authoritative);
  EXPECT_TRUE(z.remove_rrset(N("sub.example."), rrtype::DS));
  ASSERT_NE(z.find(N("sub.example.")), nullptr);
  EXPECT_EQ(z.find(N("sub.example."))->kind, NodeKind::EmptyNonTerminal);
  EXPECT_FALSE(z.remove_rrset(N("sub.example."), rrtype::NS));
  EXPECT_NE(z.find(N("example.")), nullptr);
}

TEST(Zone, RrsigAttachesToCoveredRrset) {
  Zone z(N("example."));
  z.add(N("example."), rrtype::A, 300, rd("A", "192.0.2.1"));
  Bytes sig = rd("RRSIG", "A 13 1 300 20300101000000 20200101000000 1234 Example. AAAA");
  EXPECT_TRUE(z.add(N("example."), rrtype::RRSIG, 300, sig));
  ASSERT_EQ(z.apex().rrsets.size(), 1u);
  ASSERT_EQ(z.apex().rrsets[0].rrsigs.size(), 1u);
  EXPECT_EQ(z.apex().rrsets[0].rrsigs[0],
            rd("RRSIG", "A 13 1 300 20300101000000 20200101000000 1234 example. AAAA"));
  EXPECT_EQ(z.record_count(), 1u);
  EXPECT_TRUE(z.remove(N("example."), rrtype::RRSIG, sig));
  EXPECT_TRUE(z.apex().rrsets[0].rrsigs.empty());
}

TEST(Zone, Nsec3GoesToTheHashMap) {
  Zone z(N("example."));
  Bytes r = rd("NSEC3", "1 1 12 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG");
  EXPECT_TRUE(z.add(N("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example."), rrtype::NSEC3, 3600, r));
  ASSERT_EQ(z.nsec3().size(), 1u);
  EXPECT_EQ(z.nsec3().begin()->first.size(), 20u);
  EXPECT_EQ(z.nsec3().begin()->second.rdata, r);
  Bytes sig = rd("RRSIG", "NSEC3 13 2 300 20300101000000 20200101000000 1234 example. AAAA");
  EXPECT_TRUE(z.add(N("0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM.example."), rrtype::RRSIG, 3600, sig));
  EXPECT_EQ(z.nsec3().begin()->second.rrsigs.size(), 1u);
  EXPECT_TRUE(z.nodes().empty());
  EXPECT_TRUE(z.remove(N("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example."), rrtype::RRSIG, sig));
  EXPECT_TRUE(z.nsec3().begin()->second.rrsigs.empty());
  EXPECT_TRUE(z.remove(N("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example."), rrtype::NSEC3, r));
  EXPECT_TRUE(z.nsec3().empty());
}

TEST(Zone, AddOutsideTheZoneThrows) {
  Zone z(N("example."));
  EXPECT_THROW(z.add(N("example.org."), rrtype::A, 1, rd("A", "192.0.2.1")), std::invalid_argument);
}

// Random adds and removes (with classify_subtree at the edited name, as an incremental
// signer would do) always leave the same zone as building the final data from scratch.
TEST(Zone, RandomEditsMatchARebuild) {
  std::mt19937 rng(42);
  const char* labels[] = {"a", "B", "c", "*"};
  const uint16_t types[] = {rrtype::A, rrtype::NS, rrtype::DNAME, rrtype::TXT, rrtype::DS};
  Zone z(N("example."));
  std::set<std::tuple<std::string, uint16_t, Bytes>> data;  // lower-cased owner wire
  std::map<std::string, Name> owners;
  auto add = [&](const Name& owner, uint16_t type, const Bytes& rdata) {
    z.add(owner, type, 300, rdata);
    data.emplace(owner.lowered().wire(), type, rdata);
    owners.try_emplace(owner.lowered().wire(), owner);
  };
  add(N("example."), rrtype::SOA, rd("SOA", "ns.example. h.example. 1 2 3 4 5"));
  for (int step = 0; step < 3000; ++step) {
    Name owner = N("example.");
    int depth = 1 + static_cast<int>(rng() % 3);
    for (int d = 0; d < depth; ++d) owner = *owner.prepend(labels[rng() % 4]);
    auto existing = owners.find(owner.lowered().wire());
    if (existing != owners.end()) owner = existing->second;  // keep the case first used
    uint16_t type = types[rng() % 5];
    Bytes rdata = {static_cast<uint8_t>(rng() % 3)};
    if (type == rrtype::A) rdata = {192, 0, 2, static_cast<uint8_t>(rng() % 3)};
    if (type == rrtype::NS || type == rrtype::DNAME) rdata = rd("NS", "ns.other.test.");
    if (rng() % 3 == 0) {
      bool had = data.erase({owner.lowered().wire(), type, rdata}) > 0;
      EXPECT_EQ(z.remove(owner, type, rdata), had);
    } else {
      add(owner, type, rdata);
    }
    z.classify_subtree(owner);
    if (step % 100 == 99) {
      Zone rebuilt(N("example."));
      for (const auto& [w, t, r] : data) rebuilt.add(owners.at(w), t, 300, r);
      rebuilt.classify();
      ASSERT_EQ(zone_diff(rebuilt, z), "") << "after step " << step;
    }
  }
}

TEST(CanonicalRdata, LowersEmbeddedNamesOnly) {
  EXPECT_EQ(canonical_rdata(rrtype::NS, rd("NS", "NS.Example.")), rd("NS", "ns.example."));
  EXPECT_EQ(canonical_rdata(rrtype::SOA, rd("SOA", "NS.EX. H.EX. 1 2 3 4 5")),
            rd("SOA", "ns.ex. h.ex. 1 2 3 4 5"));
  EXPECT_EQ(canonical_rdata(rrtype::MX, rd("MX", "10 MAIL.EX.")), rd("MX", "10 mail.ex."));
  // Text and binary rdata stay as they are (RFC 6840 5.1 for NSEC too).
  EXPECT_EQ(canonical_rdata(rrtype::TXT, rd("TXT", "\"Hello World\"")),
            rd("TXT", "\"Hello World\""));
  Bytes nsec = rd("NSEC", "Next.Example. A RRSIG");
  EXPECT_EQ(canonical_rdata(rrtype::NSEC, nsec), nsec);
  Bytes a = rd("A", "65.66.67.68");  // bytes 'A' 'B' 'C' 'D'
  EXPECT_EQ(canonical_rdata(rrtype::A, a), a);
}

}  // namespace
}  // namespace ts::signer
