// Tests for signer/crypto: key generation, DNSSEC signature format, sign/verify round
// trips per algorithm, PKCS#8 and BIND import, digests and base64.
#include "signer/crypto.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace ts::signer {
namespace {

Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

struct AlgCase {
  Algorithm alg;
  unsigned bits;
  size_t pub_len;  // 0: RSA (depends on modulus)
  size_t sig_len;
};

class CryptoAlgTest : public ::testing::TestWithParam<AlgCase> {};

TEST_P(CryptoAlgTest, SignVerifyRoundTrip) {
  const AlgCase& c = GetParam();
  auto key = PrivateKey::generate(c.alg, c.bits);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->algorithm(), c.alg);
  Bytes pub = key->public_key();
  if (c.pub_len) {
    EXPECT_EQ(pub.size(), c.pub_len);
  } else {
    // RFC 3110: 1-byte exponent length 3, exponent 65537, then the modulus.
    ASSERT_GT(pub.size(), 4u);
    EXPECT_EQ(pub[0], 3);
    EXPECT_EQ(pub[1], 0x01);
    EXPECT_EQ(pub[2], 0x00);
    EXPECT_EQ(pub[3], 0x01);
    EXPECT_EQ(pub.size(), 4 + c.bits / 8);
    EXPECT_EQ(key->bits(), c.bits);
  }
  Bytes msg = bytes_of("the RRSIG signing input");
  auto sig = key->sign(msg);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_EQ(sig->size(), c.sig_len);
  auto ok = verify_signature(c.alg, pub, msg, *sig);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(*ok);

  Bytes other = msg;
  other[0] ^= 1;
  EXPECT_FALSE(*verify_signature(c.alg, pub, other, *sig));
  Bytes bad = *sig;
  bad[bad.size() / 2] ^= 0x40;
  EXPECT_FALSE(*verify_signature(c.alg, pub, msg, bad));
  // The key's own verify() gives the same answers (the daemon's self-check of held keys).
  auto own = key->verify(msg, *sig);
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_TRUE(*own);
  EXPECT_FALSE(*key->verify(other, *sig));
  EXPECT_FALSE(*key->verify(msg, bad));
  Bytes short_sig(sig->begin(), sig->end() - 1);
  auto cut = key->verify(msg, short_sig);
  EXPECT_FALSE(cut && *cut);

  // PKCS#8 PEM round trip keeps the key.
  auto pem = key->to_pkcs8_pem();
  ASSERT_TRUE(pem) << pem.error().message;
  EXPECT_NE(pem->str().find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto again = PrivateKey::from_pkcs8_pem(pem->str(), c.alg);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->public_key(), pub);
  auto sig2 = again->sign(msg);
  ASSERT_TRUE(sig2);
  EXPECT_TRUE(*verify_signature(c.alg, pub, msg, *sig2));
}

// Key generation reuses one context per thread and algorithm: every key must still be new
// (distinct public keys) and sign on its own, also after keys of other algorithms.
TEST_P(CryptoAlgTest, SuccessiveKeysAreDistinct) {
  const AlgCase& c = GetParam();
  std::vector<PrivateKey> keys;
  for (int i = 0; i < 4; ++i) {
    auto k = PrivateKey::generate(c.alg, c.bits);
    ASSERT_TRUE(k) << k.error().message;
    auto other = PrivateKey::generate(
        c.alg == Algorithm::ED25519 ? Algorithm::ECDSAP256SHA256 : Algorithm::ED25519, 0);
    ASSERT_TRUE(other) << other.error().message;
    keys.push_back(std::move(*k));
  }
  Bytes msg = bytes_of("signing input");
  for (size_t i = 0; i < keys.size(); ++i) {
    for (size_t j = 0; j < i; ++j) EXPECT_NE(keys[i].public_key(), keys[j].public_key());
    auto sig = keys[i].sign(msg);
    ASSERT_TRUE(sig) << sig.error().message;
    EXPECT_TRUE(*verify_signature(c.alg, keys[i].public_key(), msg, *sig));
    if (i > 0) {
      EXPECT_FALSE(*verify_signature(c.alg, keys[i - 1].public_key(), msg, *sig));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, CryptoAlgTest,
                         ::testing::Values(AlgCase{Algorithm::RSASHA1, 1024, 0, 128},
                                           AlgCase{Algorithm::NSEC3RSASHA1, 1024, 0, 128},
                                           AlgCase{Algorithm::RSASHA256, 2048, 0, 256},
                                           AlgCase{Algorithm::RSASHA512, 1024, 0, 128},
                                           AlgCase{Algorithm::ECDSAP256SHA256, 0, 64, 64},
                                           AlgCase{Algorithm::ECDSAP384SHA384, 0, 96, 96},
                                           AlgCase{Algorithm::ED25519, 0, 32, 64},
                                           AlgCase{Algorithm::ED448, 0, 57, 114}),
                         [](const auto& info) { return algorithm_name(info.param.alg); });

TEST(Crypto, SignsFromManyThreadsAtOnce) {
  // Pooled contexts must never be shared: every signature from 4 threads verifies (and the
  // deterministic ones equal a single-threaded signature of the same message).
  for (auto [alg, bits] :
       {std::pair{Algorithm::ECDSAP256SHA256, 0u}, std::pair{Algorithm::ED25519, 0u},
        std::pair{Algorithm::ED448, 0u}, std::pair{Algorithm::RSASHA256, 1024u}}) {
    auto key = PrivateKey::generate(alg, bits);
    ASSERT_TRUE(key);
    Bytes pub = key->public_key();
    constexpr int kThreads = 4, kPerThread = 100;
    std::vector<std::vector<Bytes>> sigs(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          auto s = key->sign(bytes_of("msg " + std::to_string(t * 1000 + i)));
          sigs[t].push_back(s ? *s : Bytes{});
        }
      });
    }
    for (auto& th : threads) th.join();
    // For ECDSA, 400 signatures cover r/s values with leading zero bytes and with the high
    // bit set (DER padding), which the r||s conversion must handle.
    for (int t = 0; t < kThreads; ++t)
      for (int i = 0; i < kPerThread; ++i) {
        Bytes msg = bytes_of("msg " + std::to_string(t * 1000 + i));
        ASSERT_FALSE(sigs[t][i].empty()) << algorithm_name(alg);
        EXPECT_TRUE(*verify_signature(alg, pub, msg, sigs[t][i])) << algorithm_name(alg);
        if (alg != Algorithm::ECDSAP256SHA256 && i % 10 == 0) {
          EXPECT_EQ(*key->sign(msg), sigs[t][i]) << algorithm_name(alg);
        }
      }
  }
}

TEST(Crypto, Ed25519IsDeterministic) {
  auto key = PrivateKey::generate(Algorithm::ED25519, 0);
  ASSERT_TRUE(key);
  EXPECT_EQ(*key->sign(bytes_of("x")), *key->sign(bytes_of("x")));
}

TEST(Crypto, KeySizeChecks) {
  EXPECT_FALSE(PrivateKey::generate(Algorithm::RSASHA256, 512));
  EXPECT_FALSE(PrivateKey::generate(Algorithm::RSASHA256, 8192));
  EXPECT_FALSE(PrivateKey::generate(Algorithm::ECDSAP256SHA256, 521));
  EXPECT_TRUE(PrivateKey::generate(Algorithm::ECDSAP256SHA256, 256));
  EXPECT_EQ(default_key_bits(Algorithm::RSASHA256), 2048u);
  EXPECT_EQ(default_key_bits(Algorithm::ED25519), 0u);
}

TEST(Crypto, PemOfOtherAlgorithmIsRejected) {
  auto key = PrivateKey::generate(Algorithm::ECDSAP256SHA256, 0);
  ASSERT_TRUE(key);
  auto pem = key->to_pkcs8_pem();
  ASSERT_TRUE(pem);
  EXPECT_FALSE(PrivateKey::from_pkcs8_pem(pem->str(), Algorithm::ECDSAP384SHA384));
  EXPECT_FALSE(PrivateKey::from_pkcs8_pem(pem->str(), Algorithm::ED25519));
  EXPECT_FALSE(PrivateKey::from_pkcs8_pem(pem->str(), Algorithm::RSASHA256));
  EXPECT_TRUE(PrivateKey::from_pkcs8_pem(pem->str(), Algorithm::ECDSAP256SHA256));
  EXPECT_FALSE(PrivateKey::from_pkcs8_pem("garbage", Algorithm::ECDSAP256SHA256));
}

TEST(Crypto, AlgorithmNames) {
  EXPECT_EQ(*algorithm_from_name("ecdsap256sha256"), Algorithm::ECDSAP256SHA256);
  EXPECT_EQ(*algorithm_from_name("13"), Algorithm::ECDSAP256SHA256);
  EXPECT_EQ(*algorithm_from_name("Ed448"), Algorithm::ED448);
  EXPECT_EQ(*algorithm_from_name("RSASHA1-NSEC3-SHA1"), Algorithm::NSEC3RSASHA1);
  EXPECT_FALSE(algorithm_from_name("DSA"));
  EXPECT_FALSE(algorithm_from_name("3"));
  EXPECT_EQ(algorithm_name(Algorithm::NSEC3RSASHA1), "NSEC3RSASHA1");
  EXPECT_TRUE(algorithm_is_deprecated(Algorithm::RSASHA1));
  EXPECT_FALSE(algorithm_is_deprecated(Algorithm::RSASHA256));
}

TEST(Crypto, DigestVectors) {
  // FIPS 180 "abc" test vectors.
  Bytes abc = bytes_of("abc");
  EXPECT_EQ(base64_encode(digest(DigestType::SHA1, abc)), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
  EXPECT_EQ(base64_encode(digest(DigestType::SHA256, abc)),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  EXPECT_EQ(digest(DigestType::SHA384, abc).size(), 48u);
}

TEST(Crypto, Base64Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, enc] : kVectors) {
    EXPECT_EQ(base64_encode(bytes_of(plain)), enc);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec) << enc;
    EXPECT_EQ(*dec, bytes_of(plain)) << enc;
  }
  auto spaced = base64_decode(" Zm9v\n YmE= \t");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(*spaced, bytes_of("fooba"));
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zm=v"));
  EXPECT_FALSE(base64_decode("Z!9v"));
}

TEST(Crypto, RandomBytes) {
  EXPECT_EQ(random_bytes(16).size(), 16u);
  EXPECT_NE(random_bytes(16), random_bytes(16));
}

TEST(Crypto, SecretStringMoves) {
  SecretString a(std::string(100, 'k'));
  SecretString b(std::move(a));
  EXPECT_EQ(b.str(), std::string(100, 'k'));
  EXPECT_TRUE(a.str().empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(Crypto, BindEcPrivateKeyWithoutLeadingZero) {
  // dnssec-keygen writes the P-256 scalar without its leading zero octet (31 octets here);
  // a throwaway key made by BIND 9.18 and its DNSKEY public key.
  auto key = PrivateKey::from_bind_private(
      "Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\n"
      "PrivateKey: HXGbtWPANn0n6PoUroonTDDCUPUXaBZ9TwWLQVfffw==\n");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(
      base64_encode(key->public_key()),
      "r5u8OhbpjyrhHBYPVVYKBqnqM2nQ/+L1mntKUai5ZHF/BISsXxKbXEtVzMIe+tBNMvStqEf94PQytzu0eIRDdw==");
}

TEST(Crypto, BindPrivateKeyRejectsJunk) {
  EXPECT_FALSE(
      PrivateKey::from_bind_private("Private-key-format: v1.3\nAlgorithm: 15 (ED25519)\n"
                                    "PrivateKey: ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=\n"
                                    "PrivateKey: ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=\n"));
  auto bad64 = PrivateKey::from_bind_private(
      "Private-key-format: v1.3\nAlgorithm: 15 (ED25519)\nPrivateKey: S3cr3t!!\n");
  ASSERT_FALSE(bad64);
  EXPECT_EQ(bad64.error().message.find("S3cr3t"), std::string::npos);  // never echo a key
  EXPECT_FALSE(PrivateKey::from_bind_private("hello"));
  EXPECT_FALSE(PrivateKey::from_bind_private("Private-key-format: v1.3\nAlgorithm: 13 (X)\n"));
  EXPECT_FALSE(
      PrivateKey::from_bind_private("Private-key-format: v1.3\nAlgorithm: 8 (RSA)\n"
                                    "Modulus: AQAB\n"));
}

}  // namespace
}  // namespace ts::signer
