// sign_zone: which RRsets get signatures (and by which keys), that each verifies, and the
// shape of the NSEC / NSEC3 (opt-out) chains on a zone with every kind of name.
#include "signer/zone_signer.h"

#include <gtest/gtest.h>

#include "signer/nsec3_chain.h"
#include "signer/signing_input.h"
#include "tests/unit/signer/sign_fixture.h"

namespace ts::signer {
namespace {

using testing::add_rr;

Name N(const char* s) {
  return *Name::from_text(s);
}

Zone test_zone() {
  Zone z(N("example."));
  for (const char* rr : {
           "example. 3600 IN SOA ns1.example. h.example. 1 7200 3600 1209600 300",
           "example. 3600 IN NS ns1.example.",
           "ns1.example. 3600 IN A 192.0.2.1",
           "WWW.Example. 3600 IN A 192.0.2.2",
           "*.wild.example. 3600 IN TXT \"w\"",
           "a.b.c.example. 3600 IN A 192.0.2.3",
           "insecure.example. 3600 IN NS ns.insecure.example.",
           "ns.insecure.example. 3600 IN A 192.0.2.4",
           "secure.example. 3600 IN NS ns1.example.",
           "secure.example. 3600 IN DS 1 13 2 "
           "e2d3c916f6deeac73294e8268fb5885044a833fc5459588f4a9184cfc41a5766",
           "x.y.insecure.example. 3600 IN A 192.0.2.5",
           "dn.example. 3600 IN DNAME other.",
           "d1.ent.example. 3600 IN NS ns.elsewhere.",
           "below.dn.example. 3600 IN A 192.0.2.6",
           "example. 3600 IN CDS 1 13 2 "
           "e2d3c916f6deeac73294e8268fb5885044a833fc5459588f4a9184cfc41a5766",
       })
    EXPECT_TRUE(add_rr(z, rr)) << rr;
  z.classify();
  return z;
}

struct Keys {
  PrivateKey ksk = std::move(PrivateKey::generate(Algorithm::ECDSAP256SHA256, 0).value());
  PrivateKey zsk = std::move(PrivateKey::generate(Algorithm::ECDSAP256SHA256, 0).value());
  SignOptions options(Denial d) const {
    SignOptions o;
    o.keys = {{&ksk, 257, testing::key_tag(testing::dnskey_rdata(257, ksk)), true, false},
              {&zsk, 256, testing::key_tag(testing::dnskey_rdata(256, zsk)), false, true}};
    o.inception = 1767225600;
    o.expiration = o.inception + 30 * 86400;
    o.jitter_seconds = 3600;
    o.denial = d;
    o.threads = 2;
    return o;
  }
};

// Verifies every RRSIG of one RRset; returns the key tags that signed it.
std::vector<uint16_t> verify_rrset(const Name& owner, uint16_t type, uint32_t ttl,
                                   std::span<const Bytes> rdatas, const std::vector<Bytes>& sigs,
                                   const SignOptions& o) {
  std::vector<uint16_t> tags;
  for (const Bytes& sig : sigs) {
    RrsigFields f;
    EXPECT_TRUE(parse_rrsig_fields(sig, f));
    EXPECT_EQ(f.type_covered, type);
    EXPECT_EQ(f.original_ttl, ttl);
    EXPECT_LE(f.expiration, o.expiration);
    EXPECT_GE(f.expiration, o.expiration - o.jitter_seconds);
    Bytes input;
    build_signing_input(f, owner, 1, rdatas, input);
    size_t prefix = 18 + f.signer.wire().size();
    std::span<const uint8_t> s(sig.data() + prefix, sig.size() - prefix);
    bool ok = false;
    for (const auto& k : o.keys)
      if (k.tag == f.key_tag) {
        auto v = verify_signature(k.key->algorithm(), k.key->public_key(), input, s);
        ok = v && *v;
      }
    EXPECT_TRUE(ok) << owner.to_text() << " type " << type;
    tags.push_back(f.key_tag);
  }
  return tags;
}

size_t verify_all(const Zone& z, const SignOptions& o) {
  size_t n = 0;
  for (const auto& [name, node] : z.nodes())
    for (const auto& r : node.rrsets) {
      auto tags = verify_rrset(name, r.type, r.ttl, r.rdatas, r.rrsigs, o);
      n += tags.size();
      if (!tags.empty()) {
        bool key_set = r.type == rrtype::DNSKEY || r.type == rrtype::CDS;
        uint16_t want = key_set ? o.keys[0].tag : o.keys[1].tag;
        EXPECT_EQ(tags, std::vector<uint16_t>{want}) << name.to_text() << " " << r.type;
      }
    }
  for (const auto& [hash, e] : z.nsec3()) {
    Name owner = nsec3_owner(hash, z.origin());
    n += verify_rrset(owner, rrtype::NSEC3, e.ttl, std::span<const Bytes>(&e.rdata, 1), e.rrsigs, o)
             .size();
  }
  return n;
}

bool signed_rrset(const Zone& z, const char* owner, uint16_t type) {
  const Node* n = z.find(N(owner));
  const RRset* r = n ? n->find(type) : nullptr;
  return r && !r->rrsigs.empty();
}

TEST(ZoneSigner, NsecZoneSignsAuthoritativeDataOnly) {
  Keys keys;
  Zone z = test_zone();
  SignOptions o = keys.options(Denial::Nsec);
  auto stats = sign_zone(z, o);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rrsigs, verify_all(z, o));
  EXPECT_TRUE(signed_rrset(z, "example.", rrtype::DNSKEY));
  EXPECT_TRUE(signed_rrset(z, "example.", rrtype::SOA));
  EXPECT_TRUE(signed_rrset(z, "example.", rrtype::CDS));  // by the KSK (checked above)
  EXPECT_TRUE(signed_rrset(z, "*.wild.example.", rrtype::TXT));
  EXPECT_TRUE(signed_rrset(z, "secure.example.", rrtype::DS));
  EXPECT_TRUE(signed_rrset(z, "secure.example.", rrtype::NSEC));
  EXPECT_TRUE(signed_rrset(z, "insecure.example.", rrtype::NSEC));
  EXPECT_FALSE(signed_rrset(z, "secure.example.", rrtype::NS));
  EXPECT_FALSE(signed_rrset(z, "insecure.example.", rrtype::NS));
  EXPECT_FALSE(signed_rrset(z, "ns.insecure.example.", rrtype::A));
  EXPECT_FALSE(signed_rrset(z, "below.dn.example.", rrtype::A));
  EXPECT_TRUE(signed_rrset(z, "dn.example.", rrtype::DNAME));

  // The chain visits exactly the authoritative names and delegations, in order.
  std::vector<std::string> owners;
  for (const auto& [name, node] : z.nodes())
    if (node.find(rrtype::NSEC)) owners.push_back(name.lowered().to_text());
  EXPECT_EQ(owners,
            (std::vector<std::string>{"example.", "a.b.c.example.", "dn.example.",
                                      "d1.ent.example.", "insecure.example.", "ns1.example.",
                                      "secure.example.", "*.wild.example.", "www.example."}));
  const Bytes& last = z.find(N("www.example."))->find(rrtype::NSEC)->rdatas[0];
  EXPECT_EQ(std::string(last.begin(), last.begin() + 9), N("example.").wire());
  EXPECT_EQ(z.find(N("www.example."))->find(rrtype::NSEC)->ttl, 300u);  // SOA MINIMUM
}

TEST(ZoneSigner, Nsec3OptOutSkipsInsecureDelegations) {
  Keys keys;
  for (bool opt_out : {false, true}) {
    Zone z = test_zone();
    SignOptions o = keys.options(Denial::Nsec3);
    o.nsec3.opt_out = opt_out;
    auto stats = sign_zone(z, o);
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->rrsigs, verify_all(z, o));
    auto has = [&](const char* name) { return z.nsec3().count(nsec3_hash(N(name), {}, 0)) == 1; };
    EXPECT_TRUE(has("example."));
    EXPECT_TRUE(has("c.example."));  // ENTs
    EXPECT_TRUE(has("b.c.example."));
    EXPECT_TRUE(has("secure.example."));
    EXPECT_EQ(has("insecure.example."), !opt_out);
    EXPECT_FALSE(has("ns.insecure.example."));
    EXPECT_FALSE(has("y.insecure.example."));
    EXPECT_FALSE(has("below.dn.example."));
    EXPECT_EQ(has("d1.ent.example."), !opt_out);
    EXPECT_EQ(has("ent.example."), !opt_out);          // an ENT above insecure delegations only
    EXPECT_EQ(z.nsec3().size(), opt_out ? 10u : 13u);  // incl. ENT wild.example.
    EXPECT_TRUE(signed_rrset(z, "example.", rrtype::NSEC3PARAM));
    for (const auto& [h, e] : z.nsec3()) EXPECT_EQ(e.rdata[1], opt_out ? 1 : 0);
  }
}

TEST(ZoneSigner, SerialPolicies) {
  EXPECT_EQ(next_serial(5, SerialPolicy::Keep, 0), 5u);
  EXPECT_EQ(next_serial(5, SerialPolicy::Increment, 0), 6u);
  EXPECT_EQ(next_serial(0xffffffff, SerialPolicy::Increment, 0), 0u);
  EXPECT_EQ(next_serial(5, SerialPolicy::UnixTime, 1767225600), 1767225600u);
  EXPECT_EQ(next_serial(1767225600, SerialPolicy::UnixTime, 1767225600), 1767225601u);
  EXPECT_EQ(next_serial(5, SerialPolicy::Date, 1767225600), 2026010100u);  // 2026-01-01
  EXPECT_EQ(next_serial(2026010107, SerialPolicy::Date, 1767225600), 2026010108u);
}

TEST(ZoneSigner, RejectsMissingKeyRoles) {
  Keys keys;
  Zone z = test_zone();
  SignOptions o = keys.options(Denial::Nsec);
  o.keys.pop_back();
  EXPECT_FALSE(sign_zone(z, o));
}

TEST(ZoneSigner, OutputIsReproducibleWithEd25519) {
  auto k = PrivateKey::generate(Algorithm::ED25519, 0);
  ASSERT_TRUE(k);
  SignOptions o;
  o.keys = {{&*k, 257, testing::key_tag(testing::dnskey_rdata(257, *k)), true, true}};
  o.inception = 1767225600;
  o.expiration = o.inception + 86400;
  o.jitter_seconds = 600;
  Zone a = test_zone(), b = test_zone();
  o.threads = 1;
  ASSERT_TRUE(sign_zone(a, o));
  o.threads = 3;
  ASSERT_TRUE(sign_zone(b, o));
  ASSERT_EQ(a.nodes().size(), b.nodes().size());
  for (auto ia = a.nodes().begin(), ib = b.nodes().begin(); ia != a.nodes().end(); ++ia, ++ib)
    for (size_t i = 0; i < ia->second.rrsets.size(); ++i)
      EXPECT_EQ(ia->second.rrsets[i].rrsigs, ib->second.rrsets[i].rrsigs);
}

}  // namespace
}  // namespace ts::signer
