// The P-256 PKCS#8 PEM template (signer/pkcs8_p256.h) against OpenSSL's own encoder: the
// same bytes for a few hundred generated keys, and the keys load back and sign.
#include "signer/pkcs8_p256.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <memory>
#include <string>

#include "signer/crypto.h"

namespace ts::signer {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::string openssl_pem(EVP_PKEY* pkey) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

TEST(Pkcs8P256Test, TemplateMatchesOpenSslEncoderOnGeneratedKeys) {
  for (int i = 0; i < 300; ++i) {
    std::unique_ptr<EVP_PKEY, PkeyFree> pkey(EVP_EC_gen("P-256"));
    ASSERT_TRUE(pkey);
    std::string want = openssl_pem(pkey.get());

    // The template fed directly with the key's scalar and public point.
    BIGNUM* d = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
    std::array<uint8_t, kP256ScalarSize> scalar{};
    ASSERT_EQ(BN_bn2binpad(d, scalar.data(), 32), 32);
    BN_clear_free(d);
    std::array<uint8_t, 65> point{};
    size_t len = 0;
    ASSERT_EQ(EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                              point.data(), point.size(), &len),
              1);
    ASSERT_EQ(len, 65u);
    SecretString direct =
        p256_pkcs8_pem(scalar, std::span<const uint8_t, kP256PublicKeySize>(point.data() + 1, 64));
    ASSERT_EQ(direct.str(), want) << "key " << i;

    // Through PrivateKey: read OpenSSL's PEM, write it back with the template.
    auto key = PrivateKey::from_pkcs8_pem(want, Algorithm::ECDSAP256SHA256);
    ASSERT_TRUE(key) << key.error().message;
    auto again = key->to_pkcs8_pem();
    ASSERT_TRUE(again) << again.error().message;
    ASSERT_EQ(again->str(), want) << "key " << i;
  }
}

TEST(Pkcs8P256Test, GeneratedKeysRoundTripAndSign) {
  for (int i = 0; i < 200; ++i) {
    auto key = PrivateKey::generate(Algorithm::ECDSAP256SHA256, 0);
    ASSERT_TRUE(key) << key.error().message;
    auto pem = key->to_pkcs8_pem();
    ASSERT_TRUE(pem) << pem.error().message;
    ASSERT_EQ(pem->str().rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
    auto back = PrivateKey::from_pkcs8_pem(pem->str(), Algorithm::ECDSAP256SHA256);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->public_key(), key->public_key());
    // A signature by the reloaded key verifies with the original public key.
    const std::string msg = "signing input " + std::to_string(i);
    std::span<const uint8_t> m(reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
    auto sig = back->sign(m);
    ASSERT_TRUE(sig);
    auto ok = verify_signature(Algorithm::ECDSAP256SHA256, key->public_key(), m, *sig);
    ASSERT_TRUE(ok && *ok);
    // The same key through OpenSSL's decoder + encoder gives the same text: checked above;
    // here a second write is stable.
    auto twice = back->to_pkcs8_pem();
    ASSERT_TRUE(twice);
    EXPECT_EQ(twice->str(), pem->str());
  }
}

}  // namespace
}  // namespace ts::signer
