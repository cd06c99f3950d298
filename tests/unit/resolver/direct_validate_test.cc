// direct_validate: a directly fetched RRset against a trusted DNSKEY set, with the precise
// reason for each failure (no RRSIG, unknown key, bad signature, expired, not yet valid,
// unknown algorithm).
#include "resolver/direct_validate.h"

#include <gtest/gtest.h>

#include "tests/unit/resolver/test_keys.h"

namespace ts::resolver {
namespace {

using testing::N;
using testing::R;
using testing::TestKey;

constexpr UnixTime kNow = 1800000000;

class DirectValidate : public ::testing::Test {
 protected:
  TestKey zsk{N("test."), false};
  TestKey other{N("test."), false};
  std::vector<Record> ds = {
      R("example.test. 60 IN DS 12345 13 2 "
        "3490A6806D47F17A34C29E2CE80E8A999FFBE4BE3490A6806D47F17A34C29E2C")};
  std::vector<Record> keys() { return {zsk.dnskey()}; }
};

TEST_F(DirectValidate, ValidSignatureInsideWindow) {
  auto sigs = zsk.sign(ds, kNow - 3600, kNow + 86400);
  ASSERT_EQ(sigs.size(), 1u);
  RrsetCheck c = validate_rrset(ds, sigs, keys(), kNow);
  EXPECT_TRUE(c.valid) << c.reason;
  ASSERT_EQ(c.sigs.size(), 1u);
  EXPECT_EQ(c.sigs[0].key_tag, zsk.tag());
  EXPECT_EQ(c.sigs[0].expiration, kNow + 86400);
  EXPECT_EQ(c.sigs[0].signer, N("test."));
}

TEST_F(DirectValidate, NoRrsig) {
  RrsetCheck c = validate_rrset(ds, {}, keys(), kNow);
  EXPECT_FALSE(c.valid);
  EXPECT_EQ(c.problem, SigProblem::NoRrsig);
  EXPECT_NE(c.reason.find("example.test. DS"), std::string::npos) << c.reason;
}

TEST_F(DirectValidate, RrsigOverAnotherTypeDoesNotCount) {
  auto soa = std::vector<Record>{R("example.test. 60 IN A 127.0.0.1")};
  auto sigs = zsk.sign(soa, kNow - 3600, kNow + 86400);
  RrsetCheck c = validate_rrset(ds, sigs, keys(), kNow);
  EXPECT_EQ(c.problem, SigProblem::NoRrsig);
}

TEST_F(DirectValidate, ExpiredSignature) {
  auto sigs = zsk.sign(ds, kNow - 86400 * 10, kNow - 86400);
  RrsetCheck c = validate_rrset(ds, sigs, keys(), kNow);
  EXPECT_FALSE(c.valid);
  EXPECT_EQ(c.problem, SigProblem::Expired);
  EXPECT_NE(c.reason.find("expired"), std::string::npos) << c.reason;
  // The same signature is fine at a time inside its window.
  EXPECT_TRUE(validate_rrset(ds, sigs, keys(), kNow - 86400 * 2).valid);
}

TEST_F(DirectValidate, NotYetValidSignature) {
  auto sigs = zsk.sign(ds, kNow + 3600, kNow + 86400);
  RrsetCheck c = validate_rrset(ds, sigs, keys(), kNow);
  EXPECT_EQ(c.problem, SigProblem::NotYetValid);
}

TEST_F(DirectValidate, SignatureByAKeyOutsideTheSet) {
  auto sigs = other.sign(ds, kNow - 3600, kNow + 86400);
  RrsetCheck c = validate_rrset(ds, sigs, keys(), kNow);
  EXPECT_EQ(c.problem, SigProblem::NoMatchingKey);
  EXPECT_TRUE(validate_rrset(ds, sigs, {other.dnskey()}, kNow).valid);
}

TEST_F(DirectValidate, TamperedRrsetIsBadSignature) {
  auto sigs = zsk.sign(ds, kNow - 3600, kNow + 86400);
  auto tampered = ds;
  tampered[0].rdata.back() ^= 1;
  RrsetCheck c = validate_rrset(tampered, sigs, keys(), kNow);
  EXPECT_EQ(c.problem, SigProblem::BadSignature);
}

TEST_F(DirectValidate, UnknownAlgorithm) {
  auto sigs = zsk.sign(ds, kNow - 3600, kNow + 86400);
  sigs[0].rdata[2] = static_cast<char>(200);  // RRSIG algorithm field
  RrsetCheck c = validate_rrset(ds, sigs, keys(), kNow);
  EXPECT_EQ(c.problem, SigProblem::UnknownAlgorithm);
}

TEST_F(DirectValidate, OneGoodSignatureIsEnough) {
  auto bad = other.sign(ds, kNow - 3600, kNow + 86400);
  auto good = zsk.sign(ds, kNow - 3600, kNow + 86400);
  bad.insert(bad.end(), good.begin(), good.end());
  RrsetCheck c = validate_rrset(ds, bad, keys(), kNow);
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.sigs.size(), 2u);
}

// A NODATA answer for plain.test. DS from the test. zone: the NSEC at plain.test. (a
// delegation: NS but no DS) proves it.
class DenialOfDs : public DirectValidate {
 protected:
  std::vector<Record> nsec(const char* bitmap) {
    return {R(std::string("plain.test. 60 IN NSEC zzz.test. ") + bitmap)};
  }
  std::vector<Record> authority(const std::vector<Record>& proof, const TestKey& key) {
    std::vector<Record> a = {R("test. 60 IN SOA ns1.test. h.test. 1 10 5 100 5")};
    a.insert(a.end(), proof.begin(), proof.end());
    for (const auto& s : key.sign(proof, kNow - 3600, kNow + 86400)) a.push_back(s);
    return a;
  }
};

TEST_F(DenialOfDs, SignedNsecWithoutDsBitProvesAbsence) {
  RrsetCheck c = validate_denial(N("plain.test."), kTypeDS, false,
                                 authority(nsec("NS RRSIG NSEC"), zsk), keys(), kNow);
  EXPECT_TRUE(c.valid) << c.reason;
  EXPECT_EQ(c.sigs.size(), 1u);
}

TEST_F(DenialOfDs, NsecListingDsProvesNothing) {
  RrsetCheck c = validate_denial(N("plain.test."), kTypeDS, false,
                                 authority(nsec("NS DS RRSIG NSEC"), zsk), keys(), kNow);
  EXPECT_FALSE(c.valid);
  EXPECT_EQ(c.problem, SigProblem::DenialFails) << c.reason;
}

TEST_F(DenialOfDs, UnsignedOrForeignNsecIsNotAProof) {
  std::vector<Record> unsigned_proof = {R("test. 60 IN SOA ns1.test. h.test. 1 10 5 100 5")};
  auto n = nsec("NS RRSIG NSEC");
  unsigned_proof.insert(unsigned_proof.end(), n.begin(), n.end());
  EXPECT_EQ(validate_denial(N("plain.test."), kTypeDS, false, unsigned_proof, keys(), kNow).problem,
            SigProblem::NoRrsig);
  EXPECT_EQ(
      validate_denial(N("plain.test."), kTypeDS, false, authority(n, other), keys(), kNow).problem,
      SigProblem::NoMatchingKey);
}

TEST_F(DenialOfDs, NoNsecAtAll) {
  std::vector<Record> soa_only = {R("test. 60 IN SOA ns1.test. h.test. 1 10 5 100 5")};
  EXPECT_EQ(validate_denial(N("plain.test."), kTypeDS, false, soa_only, keys(), kNow).problem,
            SigProblem::NoDenialProof);
}

TEST(Records, RrsigTimeUsesSerialArithmetic) {
  // RFC 4034 3.1.5: 32-bit fields wrap; the value nearest to now is meant.
  EXPECT_EQ(rrsig_time(static_cast<uint32_t>(kNow + 10), kNow), kNow + 10);
  UnixTime after_2106 = (int64_t{1} << 32) + 100;
  EXPECT_EQ(rrsig_time(100, after_2106 - 50), after_2106);
}

TEST(Records, DsForDnskeyMatchesRfc4034Example) {
  // RFC 4034 section 5.4.
  Record key =
      R("dskey.example.com. 86400 IN DNSKEY 256 3 5 ( AQOeiiR0GOMYkDshWoSKz9Xz"
        "fwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvx"
        "egXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/r"
        "ljwvFw== )");
  EXPECT_EQ(dnskey_key_tag(key.rdata), 60485);
  auto ds = ds_for_dnskey(key.owner, key.rdata, 1);
  ASSERT_TRUE(ds.ok());
  auto f = parse_ds(*ds);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->key_tag, 60485);
  EXPECT_EQ(to_hex(f->digest), "2BB183AF5F22588179A53B0A98631FAD1A292118");
}

}  // namespace
}  // namespace ts::resolver
