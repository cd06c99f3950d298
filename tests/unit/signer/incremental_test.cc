// apply_diff: on random zones and random diffs (seeded), the incrementally signed zone
// equals a full re-sign of the edited zone, RR for RR (Ed25519 is deterministic and the
// jitter derives from owner and type), and the signed diff is exactly old -> new.
#include "signer/incremental.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/signer/sign_fixture.h"

namespace ts::signer {
namespace {

Name N(const std::string& s) {
  return *Name::from_text(s);
}

struct Gen {
  std::mt19937 rng;
  explicit Gen(unsigned seed) : rng(seed) {}
  unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng); }

  std::string name() {
    static const char* labels[] = {"a", "b", "C", "d", "*", "e"};
    std::string s;
    unsigned depth = 1 + pick(3);
    for (unsigned i = 0; i < depth; ++i) {
      const char* l = labels[pick(6)];
      if (std::string(l) == "*" && i + 1 != depth) l = "f";  // '*' only leftmost
      s = std::string(l) + "." + s;
    }
    return (s.find('*') != std::string::npos && s[0] != '*') ? "g." + s + "example."
                                                             : s + "example.";
  }
  RR rr(const std::string& owner) {
    switch (pick(8)) {
      case 0:
      case 1:
        return {N(owner), rrtype::NS, 3600, name_rdata("ns" + std::to_string(pick(3)) + ".x.")};
      case 2:
        return {N(owner), rrtype::DS, 3600, {0, static_cast<uint8_t>(pick(4)), 13, 2, 1, 2, 3}};
      case 3:
        return {N(owner), rrtype::DNAME, 3600, name_rdata("t.x.")};
      case 4:
        return {N(owner), rrtype::TXT, 300, {1, static_cast<uint8_t>('a' + pick(3))}};
      default:
        return {N(owner), rrtype::A, 3600, {192, 0, 2, static_cast<uint8_t>(pick(4))}};
    }
  }
  static Bytes name_rdata(const std::string& n) {
    auto w = N(n).wire();
    return Bytes(w.begin(), w.end());
  }
};

Zone base_zone(Gen& g, int records) {
  Zone z(N("example."));
  testing::add_rr(z, "example. 3600 IN SOA ns.example. h.example. 1 7200 3600 1209600 600");
  testing::add_rr(z, "example. 3600 IN NS ns.example.");
  testing::add_rr(z, "ns.example. 3600 IN A 192.0.2.53");
  for (int i = 0; i < records; ++i) {
    RR rr = g.rr(g.name());
    z.add(rr.owner, rr.type, rr.ttl, rr.rdata);
  }
  z.classify();
  return z;
}

Diff random_diff(Gen& g, const Zone& z) {
  Diff d;
  std::vector<RR> all = zone_rrs(z);
  for (const auto& rr : all)
    if (rr.type != rrtype::SOA && !(rr.owner == z.origin()) && !(rr.owner == N("ns.example.")) &&
        g.pick(6) == 0)
      d.removes.push_back(rr);
  unsigned adds = 1 + g.pick(4);
  for (unsigned i = 0; i < adds; ++i) {
    // Mostly next to existing names, sometimes fresh ones.
    std::string owner =
        (g.pick(2) && !all.empty()) ? all[g.pick(all.size())].owner.to_text() : g.name();
    if (owner == "example.") owner = g.name();
    d.adds.push_back(g.rr(owner));
  }
  if (g.pick(3) == 0) {  // an SOA change in the diff (same TTLs: stays incremental)
    const RR* soa = nullptr;
    for (const auto& rr : all)
      if (rr.type == rrtype::SOA) soa = &rr;
    RR next = *soa;
    next.rdata[next.rdata.size() - 20] ^= 0x40;  // low byte of the serial... a change
    d.removes.push_back(*soa);
    d.adds.push_back(next);
  }
  return d;
}

void sort_all(std::vector<RR>& v) {
  std::sort(v.begin(), v.end(), [](const RR& a, const RR& b) {
    return std::tie(a.owner, a.type, a.rdata, a.ttl) < std::tie(b.owner, b.type, b.rdata, b.ttl);
  });
}

struct Fixture {
  PrivateKey ksk = std::move(PrivateKey::generate(Algorithm::ED25519, 0).value());
  PrivateKey zsk = std::move(PrivateKey::generate(Algorithm::ED25519, 0).value());
  SignOptions options(Denial denial, bool opt_out) const {
    SignOptions o;
    o.keys = {{&ksk, 257, testing::key_tag(testing::dnskey_rdata(257, ksk)), true, false},
              {&zsk, 256, testing::key_tag(testing::dnskey_rdata(256, zsk)), false, true}};
    o.inception = 1767225600;
    o.expiration = o.inception + 14 * 86400;
    o.jitter_seconds = 86400;
    o.denial = denial;
    o.nsec3.opt_out = opt_out;
    o.nsec3.salt = {0xab, 0xcd};
    o.nsec3.iterations = 1;
    o.threads = 1;
    return o;
  }
};

void check_equals_full_resign(const Fixture& f, Denial denial, bool opt_out, unsigned seed) {
  Gen g(seed);
  SignOptions o = f.options(denial, opt_out);
  Zone unsigned_zone = base_zone(g, 25 + static_cast<int>(g.pick(40)));
  Zone inc = unsigned_zone;
  ASSERT_TRUE(sign_zone(inc, o));
  for (int round = 0; round < 3; ++round) {
    Diff d = random_diff(g, unsigned_zone);
    std::vector<RR> old_rrs = zone_rrs(inc);
    auto sd = apply_diff(inc, d, o);
    ASSERT_TRUE(sd) << sd.error().message;

    for (const auto& rr : d.removes) unsigned_zone.remove(rr.owner, rr.type, rr.rdata);
    for (const auto& rr : d.adds) unsigned_zone.add(rr.owner, rr.type, rr.ttl, rr.rdata);
    unsigned_zone.classify();
    Zone full = unsigned_zone;
    ASSERT_TRUE(sign_zone(full, o));

    std::vector<RR> a = zone_rrs(inc), b = zone_rrs(full);
    sort_all(a);
    sort_all(b);
    ASSERT_EQ(a.size(), b.size()) << "seed " << seed << " round " << round;
    for (size_t i = 0; i < a.size(); ++i)
      ASSERT_TRUE(a[i] == b[i]) << "seed " << seed << " round " << round << ": "
                                << a[i].owner.to_text() << " type " << a[i].type << " vs "
                                << b[i].owner.to_text() << " type " << b[i].type;
    // The signed diff is exactly the difference old -> new.
    sort_all(old_rrs);
    std::vector<RR> removed, added;
    auto less = [](const RR& x, const RR& y) {
      return std::tie(x.owner, x.type, x.rdata, x.ttl) < std::tie(y.owner, y.type, y.rdata, y.ttl);
    };
    std::set_difference(old_rrs.begin(), old_rrs.end(), a.begin(), a.end(),
                        std::back_inserter(removed), less);
    std::set_difference(a.begin(), a.end(), old_rrs.begin(), old_rrs.end(),
                        std::back_inserter(added), less);
    sort_all(sd->removed);
    sort_all(sd->added);
    EXPECT_EQ(sd->removed.size(), removed.size()) << "seed " << seed;
    EXPECT_EQ(sd->added.size(), added.size()) << "seed " << seed;
    EXPECT_TRUE(sd->removed == removed && sd->added == added) << "seed " << seed;
  }
}

TEST(Incremental, EqualsFullResignNsec) {
  Fixture f;
  for (unsigned seed = 1; seed <= 60; ++seed)
    check_equals_full_resign(f, Denial::Nsec, false, seed);
}

TEST(Incremental, EqualsFullResignNsec3) {
  Fixture f;
  for (unsigned seed = 1; seed <= 60; ++seed)
    check_equals_full_resign(f, Denial::Nsec3, false, seed);
}

TEST(Incremental, EqualsFullResignNsec3OptOut) {
  Fixture f;
  for (unsigned seed = 1; seed <= 60; ++seed)
    check_equals_full_resign(f, Denial::Nsec3, true, seed);
}

TEST(Incremental, SmallChangeReSignsLittleAndBumpsSerial) {
  Fixture f;
  Gen g(7);
  Zone z = base_zone(g, 200);
  SignOptions o = f.options(Denial::Nsec, false);
  auto full = sign_zone(z, o);
  ASSERT_TRUE(full);
  o.serial = SerialPolicy::Increment;
  Diff d;
  d.adds.push_back({N("zzz.example."), rrtype::A, 3600, {192, 0, 2, 9}});
  auto sd = apply_diff(z, d, o);
  ASSERT_TRUE(sd) << sd.error().message;
  EXPECT_EQ(sd->new_serial, sd->old_serial + 1);
  // New A + its NSEC, the predecessor's NSEC, the SOA: a handful of signatures.
  EXPECT_LE(sd->rrsigs_made, 8u);
  EXPECT_GT(full->rrsigs, 4 * sd->rrsigs_made);
  bool soa_sig = false;
  for (const auto& rr : sd->added)
    soa_sig |= rr.type == rrtype::RRSIG && rr.rdata[0] == 0 && rr.rdata[1] == rrtype::SOA;
  EXPECT_TRUE(soa_sig);
}

TEST(Incremental, RejectsDnssecRecordsAndOutOfZoneNames) {
  Fixture f;
  Gen g(3);
  Zone z = base_zone(g, 10);
  SignOptions o = f.options(Denial::Nsec, false);
  ASSERT_TRUE(sign_zone(z, o));
  Diff d;
  d.adds.push_back({N("a.example."), rrtype::NSEC, 3600, {0}});
  EXPECT_FALSE(apply_diff(z, d, o));
  d.adds = {{N("a.other."), rrtype::A, 3600, {1, 2, 3, 4}}};
  EXPECT_FALSE(apply_diff(z, d, o));
}

}  // namespace
}  // namespace ts::signer
