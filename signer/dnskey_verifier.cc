// DnskeyVerifier: ECDSA public keys decoded once (the second file that includes EVP headers,
// for verification only; key formats and signing stay in crypto.cc).
#include "signer/dnskey_verifier.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "signer/ecdsa_sig.h"

namespace ts::signer {

struct DnskeyVerifier::Impl {
  Algorithm alg;
  Bytes public_key;
  EVP_PKEY* pkey = nullptr;  // ECDSA only
  ~Impl() { EVP_PKEY_free(pkey); }
};

DnskeyVerifier::DnskeyVerifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DnskeyVerifier::DnskeyVerifier(DnskeyVerifier&&) noexcept = default;
DnskeyVerifier& DnskeyVerifier::operator=(DnskeyVerifier&&) noexcept = default;
DnskeyVerifier::~DnskeyVerifier() = default;

namespace {

size_t ec_half(Algorithm alg) {
  return alg == Algorithm::ECDSAP256SHA256 ? 32 : alg == Algorithm::ECDSAP384SHA384 ? 48 : 0;
}

/// An EVP_PKEY with only the curve's domain parameters, made once per curve (never freed):
/// a public key copied from it and set from the point takes about a quarter of the time of
/// EVP_PKEY_fromdata with the group name (which builds the curve group every time).
EVP_PKEY* curve_template(size_t half) {
  auto make = [](const char* group) -> EVP_PKEY* {
    EVP_PKEY* p = nullptr;
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    if (!c || EVP_PKEY_paramgen_init(c) <= 0 || EVP_PKEY_CTX_set_group_name(c, group) <= 0 ||
        EVP_PKEY_paramgen(c, &p) <= 0)
      ERR_clear_error();
    EVP_PKEY_CTX_free(c);
    return p;
  };
  static EVP_PKEY* const p256 = make("prime256v1");
  static EVP_PKEY* const p384 = make("secp384r1");
  return half == 32 ? p256 : p384;
}

}  // namespace

Result<DnskeyVerifier> DnskeyVerifier::create(Algorithm alg, std::span<const uint8_t> pub) {
  auto impl = std::make_unique<Impl>();
  impl->alg = alg;
  impl->public_key.assign(pub.begin(), pub.end());
  size_t half = ec_half(alg);
  if (half == 0) return DnskeyVerifier(std::move(impl));
  if (pub.size() != 2 * half) return fail("ECDSA public key of the wrong size");
  Bytes point;
  point.reserve(pub.size() + 1);
  point.push_back(0x04);  // uncompressed point
  point.insert(point.end(), pub.begin(), pub.end());
  if (EVP_PKEY* tmpl = curve_template(half)) {
    impl->pkey = EVP_PKEY_new();
    bool ok = impl->pkey && EVP_PKEY_copy_parameters(impl->pkey, tmpl) > 0 &&
              EVP_PKEY_set1_encoded_public_key(impl->pkey, point.data(), point.size()) > 0;
    ERR_clear_error();
    if (!ok) return fail("malformed ECDSA public key");
    return DnskeyVerifier(std::move(impl));
  }
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  const char* group = half == 32 ? "prime256v1" : "secp384r1";
  OSSL_PARAM* params = nullptr;
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
    params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = params ? EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr) : nullptr;
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
            EVP_PKEY_fromdata(ctx, &impl->pkey, EVP_PKEY_PUBLIC_KEY, params) > 0;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  ERR_clear_error();
  if (!ok) return fail("malformed ECDSA public key");
  return DnskeyVerifier(std::move(impl));
}

Result<bool> DnskeyVerifier::verify(std::span<const uint8_t> message,
                                    std::span<const uint8_t> sig) const {
  if (!impl_->pkey) return verify_signature(impl_->alg, impl_->public_key, message, sig);
  size_t half = ec_half(impl_->alg);
  if (sig.size() != 2 * half) return false;
  Bytes der = ecdsa_raw_to_der(sig);
  const EVP_MD* md = half == 32 ? EVP_sha256() : EVP_sha384();
  uint8_t dgst[EVP_MAX_MD_SIZE];
  unsigned dlen = 0;
  if (!EVP_Digest(message.data(), message.size(), dgst, &dlen, md, nullptr))
    return fail("digest failed");
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->pkey, nullptr);
  if (!ctx || EVP_PKEY_verify_init(ctx) <= 0) {
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return fail("cannot set up verification");
  }
  int rc = EVP_PKEY_verify(ctx, der.data(), der.size(), dgst, dlen);
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error();
  return rc == 1;
}

}  // namespace ts::signer
