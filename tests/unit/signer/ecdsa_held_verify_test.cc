// Tests for the held-key ECDSA verification (signer/ecdsa_held_verify, PrivateKey::verify):
// it must give exactly the answers of a standard verification with the DNSKEY public key,
// for valid signatures, every kind of damaged one, and a loaded key whose file carries a
// public key that is not its private key's.
#include "signer/crypto.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ts::signer {
namespace {

Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

/// Both verifications must agree; returns their common answer.
bool verified(const PrivateKey& key, const Bytes& msg, const Bytes& sig) {
  auto held = key.verify(msg, sig);
  auto standard = verify_signature(key.algorithm(), key.public_key(), msg, sig);
  EXPECT_TRUE(standard) << standard.error().message;
  EXPECT_TRUE(held) << held.error().message;
  bool h = held && *held;
  EXPECT_EQ(h, standard && *standard) << "held-key and standard verification disagree";
  return h;
}

/// The curve order n as big-endian octets of the signature's half size.
Bytes order_of(Algorithm alg) {
  static const char* p256 = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
  static const char* p384 =
      "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc5"
      "2973";
  std::string hex = alg == Algorithm::ECDSAP256SHA256 ? p256 : p384;
  Bytes out;
  for (size_t i = 0; i < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

class HeldEcdsaTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(HeldEcdsaTest, AgreesWithStandardVerification) {
  auto key = PrivateKey::generate(GetParam(), 0);
  ASSERT_TRUE(key) << key.error().message;
  for (int i = 0; i < 50; ++i) {
    Bytes msg = bytes_of("RRSIG input " + std::to_string(i));
    auto sig = key->sign(msg);
    ASSERT_TRUE(sig) << sig.error().message;
    EXPECT_TRUE(verified(*key, msg, *sig));
    Bytes other = msg;
    other.back() ^= 1;
    EXPECT_FALSE(verified(*key, other, *sig));
    // Any single flipped bit of r or s is caught.
    Bytes bad = *sig;
    bad[static_cast<size_t>(i) % bad.size()] ^= static_cast<uint8_t>(1u << (i % 8));
    EXPECT_FALSE(verified(*key, msg, bad));
  }
}

TEST_P(HeldEcdsaTest, RejectsOutOfRangeAndSwappedValues) {
  auto key = PrivateKey::generate(GetParam(), 0);
  ASSERT_TRUE(key);
  Bytes msg = bytes_of("input");
  auto sig = key->sign(msg);
  ASSERT_TRUE(sig);
  const size_t half = sig->size() / 2;
  Bytes n = order_of(GetParam());
  ASSERT_EQ(n.size(), half);
  auto with = [&](const Bytes& r, const Bytes& s) {
    Bytes out = r;
    out.insert(out.end(), s.begin(), s.end());
    return out;
  };
  Bytes r(sig->begin(), sig->begin() + half), s(sig->begin() + half, sig->end());
  Bytes zero(half, 0), ones(half, 0xff);
  EXPECT_FALSE(verified(*key, msg, with(zero, s)));
  EXPECT_FALSE(verified(*key, msg, with(r, zero)));
  EXPECT_FALSE(verified(*key, msg, with(n, s)));
  EXPECT_FALSE(verified(*key, msg, with(r, n)));
  EXPECT_FALSE(verified(*key, msg, with(ones, ones)));
  EXPECT_FALSE(verified(*key, msg, with(s, r)));
  // s and n - s are both valid in ECDSA (the verification equation only uses R's x).
  Bytes neg_s(half);
  int borrow = 0;
  for (size_t i = half; i-- > 0;) {
    int v = n[i] - s[i] - borrow;
    borrow = v < 0;
    neg_s[i] = static_cast<uint8_t>(v + (borrow ? 256 : 0));
  }
  EXPECT_TRUE(verified(*key, msg, with(r, neg_s)));
  // Signatures by another key fail.
  auto other = PrivateKey::generate(GetParam(), 0);
  ASSERT_TRUE(other);
  EXPECT_FALSE(verified(*key, msg, *other->sign(msg)));
}

TEST_P(HeldEcdsaTest, LoadedKeyAgreesToo) {
  auto key = PrivateKey::generate(GetParam(), 0);
  ASSERT_TRUE(key);
  auto pem = key->to_pkcs8_pem();
  ASSERT_TRUE(pem);
  auto loaded = PrivateKey::from_pkcs8_pem(pem->str(), GetParam());
  ASSERT_TRUE(loaded) << loaded.error().message;
  Bytes msg = bytes_of("loaded");
  auto sig = loaded->sign(msg);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(verified(*loaded, msg, *sig));
  Bytes bad = *sig;
  bad[0] ^= 0x80;
  EXPECT_FALSE(verified(*loaded, msg, bad));
}

// A PKCS#8 file whose embedded public key belongs to another key: the key signs with its own
// scalar, publishes the other public key, and the self-check must say the signatures do not
// validate (the scalar shortcut would say they do; PrivateKey::verify checks the pair first).
TEST_P(HeldEcdsaTest, PublicKeyThatIsNotThePrivateKeysIsCaught) {
  auto a = PrivateKey::generate(GetParam(), 0);
  auto b = PrivateKey::generate(GetParam(), 0);
  ASSERT_TRUE(a && b);
  auto pem = a->to_pkcs8_pem();
  ASSERT_TRUE(pem);
  // Splice B's public point into A's PKCS#8 DER (the point follows 0x04 in the BIT STRING).
  std::string text = pem->str();
  const std::string begin = "-----BEGIN PRIVATE KEY-----", end = "-----END PRIVATE KEY-----";
  size_t from = text.find(begin), to = text.find(end);
  ASSERT_NE(from, std::string::npos);
  std::string body;
  for (char c : text.substr(from + begin.size(), to - from - begin.size()))
    if (c != '\n' && c != '\r') body += c;
  auto der = base64_decode(body);
  ASSERT_TRUE(der);
  Bytes pub_a = a->public_key(), pub_b = b->public_key();
  auto at = std::search(der->begin(), der->end(), pub_a.begin(), pub_a.end());
  ASSERT_NE(at, der->end()) << "public key not embedded in the PKCS#8 file";
  std::copy(pub_b.begin(), pub_b.end(), at);
  std::string b64 = base64_encode(*der), spliced = begin + "\n";
  for (size_t i = 0; i < b64.size(); i += 64) spliced += b64.substr(i, 64) + "\n";
  spliced += end + "\n";
  auto mixed = PrivateKey::from_pkcs8_pem(spliced, GetParam());
  ASSERT_TRUE(mixed) << "OpenSSL rejected the mismatched file: " << mixed.error().message;
  ASSERT_EQ(mixed->public_key(), pub_b);
  Bytes msg = bytes_of("mismatch");
  auto sig = mixed->sign(msg);
  ASSERT_TRUE(sig);
  EXPECT_FALSE(verified(*mixed, msg, *sig));
}

INSTANTIATE_TEST_SUITE_P(Curves, HeldEcdsaTest,
                         ::testing::Values(Algorithm::ECDSAP256SHA256, Algorithm::ECDSAP384SHA384),
                         [](const auto& info) { return algorithm_name(info.param); });

}  // namespace
}  // namespace ts::signer
