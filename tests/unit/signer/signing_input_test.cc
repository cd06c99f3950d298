// Signing input and RRSIG assembly: a hand-built vector and Ed25519 signatures that must
// equal BIND 9.18 dnssec-signzone's byte for byte (Ed25519 is deterministic, RFC 8032).
#include "signer/signing_input.h"

#include <gtest/gtest.h>

#include "signer/crypto.h"

namespace ts::signer {
namespace {

Name N(const char* s) {
  return *Name::from_text(s);
}

TEST(SigningInput, HandBuiltVector) {
  RrsigFields f{rrtype::A, 13, 2, 300, 0x01020304, 0x0a0b0c0d, 0xbeef, N("Ex.")};
  Bytes out;
  build_signing_input(f, N("A.Ex."), 1, std::vector<Bytes>{{10, 0, 0, 2}, {10, 0, 0, 1}}, out);
  const Bytes rr_owner = {1, 'a', 2, 'e', 'x', 0};
  Bytes want = {0, 1, 13, 2, 0, 0, 1, 44, 1, 2, 3, 4, 10, 11, 12, 13, 0xbe, 0xef, 2, 'e', 'x', 0};
  for (uint8_t last : {1, 2}) {  // sorted canonically
    want.insert(want.end(), rr_owner.begin(), rr_owner.end());
    Bytes rest = {0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 10, 0, 0, last};
    want.insert(want.end(), rest.begin(), rest.end());
  }
  EXPECT_EQ(out, want);
}

TEST(SigningInput, WildcardExpansionUsesStarOwner) {
  RrsigFields f{rrtype::TXT, 15, 2, 60, 2, 1, 7, N("ex.")};
  Bytes expanded, literal;
  build_signing_input(f, N("a.B.ex."), 1, std::vector<Bytes>{{1, 'x'}}, expanded);
  build_signing_input(f, N("*.b.ex."), 1, std::vector<Bytes>{{1, 'x'}}, literal);
  EXPECT_EQ(expanded, literal);
  EXPECT_EQ(rrsig_labels(N("*.b.ex.")), 2);
  EXPECT_EQ(rrsig_labels(N("a.b.ex.")), 3);
}

TEST(SigningInput, AssembleAndParse) {
  RrsigFields f{rrtype::NS, 8, 1, 3600, 100, 50, 4242, N("Example.")};
  Bytes sig = {9, 9, 9};
  Bytes r = assemble_rrsig(f, sig);
  RrsigFields g;
  ASSERT_TRUE(parse_rrsig_fields(r, g));
  EXPECT_EQ(g.type_covered, rrtype::NS);
  EXPECT_EQ(g.key_tag, 4242);
  EXPECT_EQ(g.signer.wire(), N("example.").wire());  // lowered
  EXPECT_EQ(r.size(), 18 + 9 + 3u);
}

// Key and signatures from `dnssec-signzone -s 20260101000000 -e 20260201000000` (BIND 9.18)
// over example.com with a throwaway Ed25519 ZSK, tag 60889.
constexpr const char* kBindKey =
    "Private-key-format: v1.3\nAlgorithm: 15 (ED25519)\n"
    "PrivateKey: 4gh54WbJgXM209i5WBwJcb5WWYCX9aVkAMcEWk0NVSs=\n";

TEST(SigningInput, Ed25519MatchesBindByteForByte) {
  auto key = PrivateKey::from_bind_private(kBindKey);
  ASSERT_TRUE(key) << key.error().message;
  struct Case {
    const char* owner;
    uint16_t type;
    Bytes rdata;
    const char* sig_b64;
  } cases[] = {
      {"WWW.example.com.",
       rrtype::A,
       {192, 0, 2, 2},
       "Rlt2qxRC/7tukSTgXuHO17lDGRc7fZFuVrP5UCrSt1kQLhNZLwBa6LmHzVpI1T8CGpJElOB2v012HF1e44jJBw=="},
      {"*.wild.example.com.",
       rrtype::TXT,
       {5, 'h', 'e', 'l', 'l', 'o'},
       "tuuYqvYRVL/DPWDs+5QL7X8mXUeW7SlMQBdE2uPO1pEfJ5Lpa7267aXtFnzpu5dpzzdRRnoN09LLwyviJ/hrAw=="},
  };
  for (const auto& c : cases) {
    Name owner = N(c.owner);
    RrsigFields f{c.type,     15,    rrsig_labels(owner), 3600, 1769904000,
                  1767225600, 60889, N("example.com.")};
    Bytes input;
    build_signing_input(f, owner, 1, std::vector<Bytes>{c.rdata}, input);
    auto sig = key->sign(input);
    ASSERT_TRUE(sig);
    EXPECT_EQ(base64_encode(*sig), c.sig_b64) << c.owner;
  }
}

// RFC 8080 section 6.1 (Ed25519, as corrected by verified erratum 4935: labels 2).
TEST(SigningInput, Rfc8080Ed25519Example) {
  auto key = PrivateKey::from_bind_private(
      "Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\n"
      "PrivateKey: ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=\n");
  ASSERT_TRUE(key) << key.error().message;
  Name owner = N("example.com.");
  RrsigFields f{rrtype::MX, 15, rrsig_labels(owner), 3600, 1440021600, 1438207200, 3613, owner};
  Bytes mx = {0, 10};
  Name mail = N("mail.example.com.");
  mx.insert(mx.end(), mail.wire().begin(), mail.wire().end());
  Bytes input;
  build_signing_input(f, owner, 1, std::vector<Bytes>{mx}, input);
  auto sig = key->sign(input);
  ASSERT_TRUE(sig);
  EXPECT_EQ(
      base64_encode(*sig),
      "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==");
  Bytes rdata = assemble_rrsig(f, *sig);
  EXPECT_EQ(rdata.size(), 18 + owner.wire().size() + 64);
}

}  // namespace
}  // namespace ts::signer
