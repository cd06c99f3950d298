// OpenSSL helpers shared by the signer's crypto files (crypto.cc; ecdsa_held_verify.cc has
// its own few): owners of OpenSSL objects, error text without key material, the algorithm
// tables (family, digest, curve, fixed key sizes), and the DNSKEY public-key encodings
// (RFC 3110, 6605, 8080) to and from EVP_PKEY. Internal to signer/: it includes OpenSSL.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/result.h"
#include "signer/crypto.h"

namespace ts::signer::ossl {

// ---- RAII wrappers ------------------------------------------------------------------

/// unique_ptr deleter calling an OpenSSL free function.
template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;

/// The last OpenSSL error as text (never contains key material), and clears the queue.
std::string ossl_error(const char* what);

enum class Family { RSA, EC, ED };
Family family(Algorithm alg);

/// "SHA1", "SHA256", "SHA384" or "SHA512", fetched once (implicit fetching per call is slow
/// in OpenSSL 3); nullptr for other names.
const EVP_MD* fetched_md(const char* name);
/// Hash used by the signature algorithm (fetched once); nullptr for EdDSA.
const EVP_MD* signature_md(Algorithm alg);
/// Size of one ECDSA coordinate / signature half.
size_t ec_half(Algorithm alg);
/// Key size of the fixed-size algorithms (what bits() reports); 0 for RSA.
unsigned fixed_bits(Algorithm alg);
const char* ec_group_name(Algorithm alg);
/// An EVP_PKEY with only the curve's domain parameters, made once per curve and shared
/// (read-only) by all threads; never freed.
EVP_PKEY* ec_params_template(Algorithm alg);
const char* ed_name(Algorithm alg);

/// The DNSKEY public key field of `pkey`.
Result<Bytes> encode_public_key(Algorithm alg, EVP_PKEY* pkey);
/// Builds an EVP_PKEY from OSSL_PARAMs ("RSA" / "EC") for a public or private key.
Result<PkeyPtr> pkey_fromdata(const char* type, OSSL_PARAM_BLD* bld, int selection);
/// An EVP_PKEY from a DNSKEY public key field.
Result<PkeyPtr> decode_public_key(Algorithm alg, std::span<const uint8_t> pub);
/// True if `pkey` is of the type and curve `alg` needs.
bool pkey_fits(Algorithm alg, EVP_PKEY* pkey);

}  // namespace ts::signer::ossl
