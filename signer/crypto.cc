// OpenSSL-backed key generation, signing, verification, digests and codecs (PrivateKey and
// the free functions of crypto.h). Key import/export formats (PKCS#8, BIND private-key
// files) live here too because they need PrivateKey's OpenSSL objects. The shared OpenSSL
// helpers (owners, algorithm tables, DNSKEY public-key encodings) are in ossl_util.cc, the
// held-key ECDSA verification in ecdsa_held_verify.cc; SecretString and random_bytes, which
// need no EVP, are in secret_memory.cc.
//
// Signing speed: ECDSA and RSA sign a precomputed digest with EVP_PKEY_sign on an
// EVP_PKEY_CTX taken from a small lock-free per-key pool (a context is initialised once and
// reused, which avoids OpenSSL 3's per-call provider fetches); EdDSA (no pre-hash form)
// reuses pooled EVP_MD_CTXs initialised for EVP_DigestSign the same way.
#include "signer/crypto.h"

#include "signer/bind_private.h"
#include "signer/ecdsa_held_verify.h"
#include "signer/ecdsa_sig.h"
#include "signer/ossl_util.h"
#include "signer/pkcs8_p256.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

namespace ts::signer {

using namespace ossl;  // NOLINT: the helpers of ossl_util.h, used throughout this file

namespace {

constexpr size_t kPoolSlots = 64;  // contexts kept per key: one per signing thread

/// This thread's key-generation context for an EC or EdDSA algorithm, initialised once and
/// reused (a new context per key cost ~7% of a P-256 key generation's instructions,
/// callgrind); empty until first use or after a failure. RSA keys take a fresh context (their
/// generation dwarfs it).
PkeyCtxPtr& keygen_ctx(Algorithm alg) {
  thread_local PkeyCtxPtr p256, p384, ed25519, ed448;
  switch (alg) {
    case Algorithm::ECDSAP384SHA384:
      return p384;
    case Algorithm::ED25519:
      return ed25519;
    case Algorithm::ED448:
      return ed448;
    default:
      return p256;
  }
}

}  // namespace

// ---- PrivateKey ---------------------------------------------------------------------

/// A small lock-free pool of initialised OpenSSL contexts, reused across sign() calls: a
/// slot is taken with exchange(nullptr) and given back with compare_exchange, so no two
/// threads ever hold the same context. Contexts beyond the pool's size are freed.
template <typename T, void (*Free)(T*)>
class CtxPool {
 public:
  CtxPool() = default;
  CtxPool(const CtxPool&) = delete;
  CtxPool& operator=(const CtxPool&) = delete;
  ~CtxPool() {
    for (auto& slot : slots_) Free(slot.exchange(nullptr));
  }
  /// A pooled context, or nullptr if none is free.
  T* take() {
    for (auto& slot : slots_) {
      if (slot.load(std::memory_order_relaxed) == nullptr) continue;
      if (T* c = slot.exchange(nullptr, std::memory_order_acquire)) return c;
    }
    return nullptr;
  }
  void put(T* c) {
    for (auto& slot : slots_) {
      T* expected = nullptr;
      if (slot.compare_exchange_strong(expected, c, std::memory_order_release)) return;
    }
    Free(c);
  }

 private:
  std::array<std::atomic<T*>, kPoolSlots> slots_{};
};

struct PrivateKey::Impl {
  PkeyPtr pkey;
  Bytes public_key;
  const EVP_MD* md = nullptr;  // nullptr for EdDSA
  /// Generated here: its public key is d*G by construction (a loaded file may carry
  /// another public key; verify() checks the pair once before it uses the scalar).
  bool generated = false;
  /// The EC private scalar for verify(), read once (secure heap, cleared); stays nullptr when
  /// the key pair does not match or cannot be read (verify() then decides the standard way).
  mutable std::once_flag scalar_once;
  mutable BIGNUM* scalar = nullptr;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { BN_clear_free(scalar); }
  // Declared after pkey: destroyed first, while the key they reference still exists.
  CtxPool<EVP_PKEY_CTX, EVP_PKEY_CTX_free> sign_ctxs;     // ECDSA / RSA: EVP_PKEY_sign
  CtxPool<EVP_MD_CTX, EVP_MD_CTX_free> digest_sign_ctxs;  // EdDSA: EVP_DigestSign

  /// An EVP_PKEY_sign context set up for `alg` (pooled or new); nullptr on failure.
  EVP_PKEY_CTX* take_sign_ctx(Algorithm alg) {
    if (EVP_PKEY_CTX* c = sign_ctxs.take()) return c;
    PkeyCtxPtr c(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!c || EVP_PKEY_sign_init(c.get()) <= 0) return nullptr;
    if (family(alg) == Family::RSA && EVP_PKEY_CTX_set_rsa_padding(c.get(), RSA_PKCS1_PADDING) <= 0)
      return nullptr;
    if (EVP_PKEY_CTX_set_signature_md(c.get(), md) <= 0) return nullptr;
    return c.release();
  }

  /// Initialises (or re-initialises) an EdDSA EVP_DigestSign context.
  bool init_digest_sign(EVP_MD_CTX* c) {
    return EVP_DigestSignInit_ex(c, nullptr, nullptr, nullptr, nullptr, pkey.get(), nullptr) > 0;
  }

  /// Checks `pkey` against `alg` and wraps it (Impl may use PrivateKey's private ctor).
  static Result<PrivateKey> wrap(Algorithm alg, PkeyPtr pkey) {
    if (!pkey_fits(alg, pkey.get()))
      return fail("key does not match algorithm " + algorithm_name(alg));
    auto impl = std::make_unique<Impl>();
    auto pub = encode_public_key(alg, pkey.get());
    if (!pub) return pub.error();
    impl->public_key = std::move(*pub);
    impl->md = signature_md(alg);
    if (family(alg) != Family::ED && impl->md == nullptr)
      return fail("digest for " + algorithm_name(alg) + " is unavailable");
    impl->pkey = std::move(pkey);
    return PrivateKey(alg, std::move(impl));
  }
};

PrivateKey::PrivateKey(Algorithm alg, std::unique_ptr<Impl> impl)
    : alg_(alg), impl_(std::move(impl)) {}
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

Result<PrivateKey> PrivateKey::generate(Algorithm alg, unsigned bits) {
  if (family(alg) == Family::RSA && bits == 0) bits = default_key_bits(alg);
  if (family(alg) != Family::RSA && bits == fixed_bits(alg)) bits = 0;  // given explicitly
  if (auto s = check_key_bits(alg, bits); !s) return s.error();
  EVP_PKEY* raw = nullptr;
  switch (family(alg)) {
    case Family::RSA: {
      PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
          EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) <= 0 ||
          EVP_PKEY_generate(ctx.get(), &raw) <= 0)
        return fail(ossl_error("RSA key generation failed"));
      break;
    }
    case Family::EC: {
      if (EVP_PKEY* tmpl = ec_params_template(alg)) {
        PkeyCtxPtr& ctx = keygen_ctx(alg);
        if (!ctx) {
          ctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, tmpl, nullptr));
          if (ctx && EVP_PKEY_keygen_init(ctx.get()) <= 0) ctx.reset();
        }
        if (!ctx || EVP_PKEY_generate(ctx.get(), &raw) <= 0) {
          ctx.reset();  // not reused in an unknown state
          return fail(ossl_error("EC key generation failed"));
        }
        break;
      }
      PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
          EVP_PKEY_CTX_set_group_name(ctx.get(), ec_group_name(alg)) <= 0 ||
          EVP_PKEY_generate(ctx.get(), &raw) <= 0)
        return fail(ossl_error("EC key generation failed"));
      break;
    }
    case Family::ED: {
      PkeyCtxPtr& ctx = keygen_ctx(alg);
      if (!ctx) {
        ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, ed_name(alg), nullptr));
        if (ctx && EVP_PKEY_keygen_init(ctx.get()) <= 0) ctx.reset();
      }
      if (!ctx || EVP_PKEY_generate(ctx.get(), &raw) <= 0) {
        ctx.reset();
        return fail(ossl_error("EdDSA key generation failed"));
      }
      break;
    }
  }
  auto key = Impl::wrap(alg, PkeyPtr(raw));
  if (key) key->impl_->generated = true;  // OpenSSL computed Q = d*G itself
  return key;
}

Result<PrivateKey> PrivateKey::from_pkcs8_pem(std::string_view pem, Algorithm alg) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(ossl_error("out of memory"));
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!raw) return fail(ossl_error("not a PKCS#8 PEM private key"));
  PkeyPtr pkey(raw);
  if (!pkey_fits(alg, pkey.get()))
    return fail("private key does not match algorithm " + algorithm_name(alg));
  if (family(alg) == Family::RSA) {
    if (auto s = check_key_bits(alg, static_cast<unsigned>(EVP_PKEY_get_bits(pkey.get()))); !s)
      return s.error();
  }
  return Impl::wrap(alg, std::move(pkey));
}

namespace {

BIGNUM* secure_bn(const Bytes& b) {
  BIGNUM* bn = BN_secure_new();
  if (bn && !BN_bin2bn(b.data(), static_cast<int>(b.size()), bn)) {
    BN_clear_free(bn);
    return nullptr;
  }
  return bn;
}

Result<PkeyPtr> bind_rsa(const BindPrivateKey& f) {
  static const std::pair<const char*, const char*> kMap[] = {
      {"Modulus", OSSL_PKEY_PARAM_RSA_N},
      {"PublicExponent", OSSL_PKEY_PARAM_RSA_E},
      {"PrivateExponent", OSSL_PKEY_PARAM_RSA_D},
      {"Prime1", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"Prime2", OSSL_PKEY_PARAM_RSA_FACTOR2},
      {"Exponent1", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"Exponent2", OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {"Coefficient", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
  };
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) return fail(ossl_error("out of memory"));
  std::vector<BnPtr> bns;  // must outlive the builder's params
  for (const auto& [field, param] : kMap) {
    const Bytes* v = f.get(field);
    if (!v || v->empty()) return fail(std::string("RSA private key lacks ") + field);
    BnPtr bn(secure_bn(*v));
    if (!bn || !OSSL_PARAM_BLD_push_BN(bld.get(), param, bn.get()))
      return fail(ossl_error("cannot build RSA private key"));
    bns.push_back(std::move(bn));
  }
  return pkey_fromdata("RSA", bld.get(), EVP_PKEY_KEYPAIR);
}

Result<PkeyPtr> bind_ec(Algorithm alg, const Bytes& priv) {
  // BIND writes the scalar without leading zero octets (31 octets in 1 of 256 P-256 keys).
  if (priv.empty() || priv.size() > ec_half(alg))
    return fail("EC private key has the wrong length");
  int nid = alg == Algorithm::ECDSAP384SHA384 ? NID_secp384r1 : NID_X9_62_prime256v1;
  EcGroupPtr group(EC_GROUP_new_by_curve_name(nid));
  BnCtxPtr bnctx(BN_CTX_secure_new());
  BnPtr d(secure_bn(priv));
  if (!group || !bnctx || !d) return fail(ossl_error("cannot build EC private key"));
  EcPointPtr pub(EC_POINT_new(group.get()));
  uint8_t point[1 + 2 * 48];
  size_t point_len = 0;
  if (!pub || !EC_POINT_mul(group.get(), pub.get(), d.get(), nullptr, nullptr, bnctx.get()) ||
      (point_len = EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point,
                                      sizeof point, bnctx.get())) == 0)
    return fail(ossl_error("cannot derive EC public key"));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, ec_group_name(alg),
                                       0) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point, point_len))
    return fail(ossl_error("cannot build EC private key"));
  return pkey_fromdata("EC", bld.get(), EVP_PKEY_KEYPAIR);
}

}  // namespace

Result<PrivateKey> PrivateKey::from_bind_private(std::string_view text) {
  auto parsed = parse_bind_private(text);
  if (!parsed) return parsed.error();
  const BindPrivateKey& f = *parsed;
  const Algorithm alg = f.algorithm;
  Result<PkeyPtr> pkey = fail("unreachable");
  switch (family(alg)) {
    case Family::RSA:
      pkey = bind_rsa(f);
      break;
    case Family::EC: {
      const Bytes* priv = f.get("PrivateKey");
      if (!priv) return fail("EC private key lacks PrivateKey");
      pkey = bind_ec(alg, *priv);
      break;
    }
    case Family::ED: {
      const Bytes* priv = f.get("PrivateKey");
      if (!priv) return fail("EdDSA private key lacks PrivateKey");
      int id = alg == Algorithm::ED448 ? EVP_PKEY_ED448 : EVP_PKEY_ED25519;
      EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(id, nullptr, priv->data(), priv->size());
      if (!raw) return fail(ossl_error("malformed EdDSA private key"));
      pkey = PkeyPtr(raw);
      break;
    }
  }
  if (!pkey) return pkey.error();
  if (family(alg) == Family::RSA) {
    PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey->get(), nullptr));
    if (!check || EVP_PKEY_pairwise_check(check.get()) <= 0)
      return fail(ossl_error("RSA private key is inconsistent"));
  }
  return Impl::wrap(alg, std::move(*pkey));
}

unsigned PrivateKey::bits() const {
  if (unsigned fixed = fixed_bits(alg_)) return fixed;
  return static_cast<unsigned>(EVP_PKEY_get_bits(impl_->pkey.get()));
}

Bytes PrivateKey::public_key() const {
  return impl_->public_key;
}

Result<SecretString> PrivateKey::to_pkcs8_pem() const {
  if (alg_ == Algorithm::ECDSAP256SHA256 && impl_->public_key.size() == kP256PublicKeySize) {
    // From the fixed DER template (pkcs8_p256.h): OpenSSL's encoder setup costs more than
    // making the key. Same bytes as PEM_write_bio_PrivateKey below.
    BIGNUM* d = nullptr;
    std::array<uint8_t, kP256ScalarSize> scalar;
    bool ok = EVP_PKEY_get_bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) &&
              BN_bn2binpad(d, scalar.data(), static_cast<int>(scalar.size())) ==
                  static_cast<int>(scalar.size());
    BN_clear_free(d);
    if (ok) {
      SecretString pem = p256_pkcs8_pem(scalar, std::span<const uint8_t, kP256PublicKeySize>(
                                                    impl_->public_key.data(), kP256PublicKeySize));
      OPENSSL_cleanse(scalar.data(), scalar.size());
      return pem;
    }
    OPENSSL_cleanse(scalar.data(), scalar.size());
    ERR_clear_error();  // fall back to the encoder
  }
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || !PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                        nullptr))
    return fail(ossl_error("cannot write PKCS#8 PEM"));
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0) return fail("cannot write PKCS#8 PEM");
  return SecretString(std::string(data, static_cast<size_t>(len)));
}

Result<Bytes> PrivateKey::sign(std::span<const uint8_t> message) const {
  Impl& impl = *impl_;
  if (family(alg_) == Family::ED) {
    // OpenSSL 3.0 allows EVP_DigestSign again on an EdDSA context (as `openssl speed`
    // does); should a version refuse, the context is initialised afresh and used once more.
    MdCtxPtr ctx(impl.digest_sign_ctxs.take());
    bool fresh = !ctx;
    if (fresh) ctx.reset(EVP_MD_CTX_new());
    if (!ctx || (fresh && !impl.init_digest_sign(ctx.get())))
      return fail(ossl_error("cannot set up EdDSA signing"));
    Bytes sig(alg_ == Algorithm::ED448 ? 114 : 64);
    size_t len = sig.size();
    bool ok = EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) > 0;
    if (!ok && !fresh) {
      ERR_clear_error();
      len = sig.size();
      ok = impl.init_digest_sign(ctx.get()) &&
           EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) > 0;
    }
    if (!ok) return fail(ossl_error("EdDSA signing failed"));
    impl.digest_sign_ctxs.put(ctx.release());
    sig.resize(len);
    return sig;
  }
  uint8_t dgst[EVP_MAX_MD_SIZE];
  unsigned dlen = 0;
  if (!EVP_Digest(message.data(), message.size(), dgst, &dlen, impl.md, nullptr))
    return fail(ossl_error("digest failed"));
  EVP_PKEY_CTX* ctx = impl.take_sign_ctx(alg_);
  if (!ctx) return fail(ossl_error("cannot set up signing"));
  Bytes sig;
  bool ok;
  if (family(alg_) == Family::EC) {
    uint8_t der[160];
    size_t der_len = sizeof der;
    ok = EVP_PKEY_sign(ctx, der, &der_len, dgst, dlen) > 0;
    if (ok) {
      size_t half = ec_half(alg_);
      sig.resize(2 * half);
      ok = ecdsa_der_to_raw(std::span<const uint8_t>(der, der_len), half, sig.data());
    }
  } else {
    size_t len = static_cast<size_t>(EVP_PKEY_get_size(impl.pkey.get()));
    sig.resize(len);
    ok = EVP_PKEY_sign(ctx, sig.data(), &len, dgst, dlen) > 0;
    sig.resize(len);
  }
  if (!ok) {
    EVP_PKEY_CTX_free(ctx);  // do not pool a context in an unknown state
    return fail(ossl_error("signing failed"));
  }
  impl.sign_ctxs.put(ctx);
  return sig;
}

namespace {

/// Verifies a DNSSEC-format signature with a decoded public (or private) key of `alg`.
Result<bool> verify_with(Algorithm alg, EVP_PKEY* pkey, std::span<const uint8_t> message,
                         std::span<const uint8_t> sig) {
  if (family(alg) == Family::ED) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx ||
        EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey, nullptr) <= 0)
      return fail(ossl_error("cannot set up verification"));
    int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size());
    ERR_clear_error();
    return rc == 1;
  }
  Bytes der;
  if (family(alg) == Family::EC) {
    if (sig.size() != 2 * ec_half(alg)) return false;
    der = ecdsa_raw_to_der(sig);
    sig = der;
  }
  const EVP_MD* md = signature_md(alg);
  uint8_t dgst[EVP_MAX_MD_SIZE];
  unsigned dlen = 0;
  if (!md || !EVP_Digest(message.data(), message.size(), dgst, &dlen, md, nullptr))
    return fail(ossl_error("digest failed"));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) <= 0 ||
      (family(alg) == Family::RSA &&
       EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0) ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), md) <= 0)
    return fail(ossl_error("cannot set up verification"));
  int rc = EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), dgst, dlen);
  ERR_clear_error();
  return rc == 1;
}

}  // namespace

Result<bool> PrivateKey::verify(std::span<const uint8_t> message,
                                std::span<const uint8_t> sig) const {
  Impl& impl = *impl_;
  if (family(alg_) == Family::EC) {  // R = (u1 + u2*d)*G: a third of EVP_PKEY_verify's work
    std::call_once(impl.scalar_once, [&] {
      PkeyCtxPtr ctx(
          impl.generated ? nullptr : EVP_PKEY_CTX_new_from_pkey(nullptr, impl.pkey.get(), nullptr));
      if (impl.generated || (ctx && EVP_PKEY_pairwise_check(ctx.get()) == 1))
        impl.scalar = ecdsa_private_scalar(impl.pkey.get());
      ERR_clear_error();
    });
    uint8_t dgst[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    if (impl.scalar && EVP_Digest(message.data(), message.size(), dgst, &dlen, impl.md, nullptr)) {
      auto held = ecdsa_verify_held(alg_, impl.scalar, std::span<const uint8_t>(dgst, dlen), sig);
      if (held) return held;
    }
    ERR_clear_error();  // no scalar or an OpenSSL failure: the standard verification decides
  }
  return verify_with(alg_, impl.pkey.get(), message, sig);
}

Result<bool> verify_signature(Algorithm alg, std::span<const uint8_t> public_key,
                              std::span<const uint8_t> message, std::span<const uint8_t> sig) {
  auto pkey = decode_public_key(alg, public_key);
  if (!pkey) return pkey.error();
  return verify_with(alg, pkey->get(), message, sig);
}

// ---- digests, base64 ----------------------------------------------------

Bytes digest(DigestType type, std::span<const uint8_t> data) {
  const char* name = type == DigestType::SHA1     ? "SHA1"
                     : type == DigestType::SHA384 ? "SHA384"
                                                  : "SHA256";
  uint8_t out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &len, fetched_md(name), nullptr))
    throw std::runtime_error("OpenSSL digest failed");  // broken invariant: no provider
  return Bytes(out, out + len);
}

std::string base64_encode(std::span<const uint8_t> data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                            static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(len));
  return out;
}

void base64_append(std::span<const uint8_t> data, std::string& out) {
  size_t at = out.size();
  out.resize(at + 4 * ((data.size() + 2) / 3) + 1);
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at), data.data(),
                            static_cast<int>(data.size()));
  out.resize(at + static_cast<size_t>(len));
}

Result<Bytes> base64_decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
  if (clean.size() % 4 != 0) return fail("base64 text length is not a multiple of 4");
  size_t pad = 0;
  while (pad < 2 && pad < clean.size() && clean[clean.size() - 1 - pad] == '=') ++pad;
  if (clean.find('=') < clean.size() - pad) return fail("misplaced '=' in base64 text");
  Bytes out(clean.size() / 4 * 3);
  int len = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                            static_cast<int>(clean.size()));
  OPENSSL_cleanse(clean.data(), clean.size());  // may have been key material
  if (len < 0) {
    OPENSSL_cleanse(out.data(), out.size());
    return fail("invalid base64 text");
  }
  out.resize(static_cast<size_t>(len) - pad);
  return out;
}

}  // namespace ts::signer
