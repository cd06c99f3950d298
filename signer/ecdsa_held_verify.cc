// ECDSA verification through the private scalar: see ecdsa_held_verify.h. The private scalar
// d and k = u1 + u2*d (the signature's nonce) are secret; they are combined only with
// OpenSSL's fixed-width Montgomery multiplication and fixed-width modular addition
// (BN_mod_add_quick: both terms are below n), kept in secure-heap BIGNUMs flagged
// constant-time, cleared afterwards, and multiplied into the generator through the same
// constant-time path that signing uses. d is read from the key once (ecdsa_private_scalar).
#include "signer/ecdsa_held_verify.h"

#include "signer/ossl_util.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <memory>

namespace ts::signer {
namespace {

/// One curve's group and its order's Montgomery context: built once, read-only afterwards
/// (shared by all threads), kept for the life of the process.
struct Curve {
  EC_GROUP* group = nullptr;
  /// The order n without the group's BN_FLG_CONSTTIME: for arithmetic on public values only
  /// (OpenSSL's constant-time inversion took half of the whole verification).
  BIGNUM* order = nullptr;
  BN_MONT_CTX* order_mont = nullptr;
  size_t half = 0;  // octets of r, s and of the digest
};

Curve make_curve(int nid, size_t half) {
  Curve c;
  c.half = half;
  c.group = EC_GROUP_new_by_curve_name(nid);
  BN_CTX* ctx = BN_CTX_new();
  c.order_mont = BN_MONT_CTX_new();
  c.order = c.group ? BN_dup(EC_GROUP_get0_order(c.group)) : nullptr;  // flags not copied
  if (!c.group || !ctx || !c.order_mont || !c.order ||
      !BN_MONT_CTX_set(c.order_mont, c.order, ctx)) {
    EC_GROUP_free(c.group);
    BN_free(c.order);
    BN_MONT_CTX_free(c.order_mont);
    c = Curve{};
  }
  BN_CTX_free(ctx);
  return c;
}

const Curve* curve_of(Algorithm alg) {
  static const Curve p256 = make_curve(NID_X9_62_prime256v1, 32);
  static const Curve p384 = make_curve(NID_secp384r1, 48);
  const Curve* c = alg == Algorithm::ECDSAP256SHA256   ? &p256
                   : alg == Algorithm::ECDSAP384SHA384 ? &p384
                                                       : nullptr;
  return c && c->group ? c : nullptr;
}

struct CtxDeleter {
  void operator()(BN_CTX* c) const {
    BN_CTX_end(c);
    BN_CTX_free(c);
  }
};

}  // namespace

BIGNUM* ecdsa_private_scalar(EVP_PKEY* pkey) {
  // Into a secure-heap BIGNUM given to OpenSSL (with nullptr it would allocate a plain one).
  BIGNUM* d = BN_secure_new();
  if (!d) return nullptr;
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) <= 0) {
    BN_clear_free(d);
    return nullptr;
  }
  BN_set_flags(d, BN_FLG_CONSTTIME);
  return d;
}

Result<bool> ecdsa_verify_held(Algorithm alg, const BIGNUM* d, std::span<const uint8_t> digest,
                               std::span<const uint8_t> sig) {
  const Curve* curve = curve_of(alg);
  if (!curve) return fail("held-key ECDSA verification: no curve for this algorithm");
  const size_t half = curve->half;
  if (sig.size() != 2 * half) return false;
  if (digest.size() != half) return fail("held-key ECDSA verification: wrong digest length");

  std::unique_ptr<BN_CTX, CtxDeleter> ctx(BN_CTX_secure_new());
  if (!ctx) return fail("held-key ECDSA verification: out of memory");
  BN_CTX_start(ctx.get());
  BIGNUM* r = BN_CTX_get(ctx.get());
  BIGNUM* s = BN_CTX_get(ctx.get());
  BIGNUM* e = BN_CTX_get(ctx.get());
  BIGNUM* w = BN_CTX_get(ctx.get());
  BIGNUM* u1 = BN_CTX_get(ctx.get());
  BIGNUM* u2 = BN_CTX_get(ctx.get());
  BIGNUM* k = BN_CTX_get(ctx.get());
  BIGNUM* x = BN_CTX_get(ctx.get());
  if (!x) return fail("held-key ECDSA verification: out of memory");
  const BIGNUM* n = curve->order;

  // r and s must lie in [1, n-1] (FIPS 186-4 6.4.2 step 1).
  if (!BN_bin2bn(sig.data(), static_cast<int>(half), r) ||
      !BN_bin2bn(sig.data() + half, static_cast<int>(half), s) ||
      !BN_bin2bn(digest.data(), static_cast<int>(half), e))
    return fail("held-key ECDSA verification: out of memory");
  if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, n) >= 0 || BN_cmp(s, n) >= 0) return false;

  // u1 = e/s, u2 = r/s (public values). The digest has the order's length: no truncation.
  if (!BN_mod_inverse(w, s, n, ctx.get()) || !BN_mod_mul(u1, e, w, n, ctx.get()) ||
      !BN_mod_mul(u2, r, w, n, ctx.get()))
    return fail("held-key ECDSA verification: arithmetic failed");

  if (!d) return fail("held-key ECDSA verification: no private scalar");
  BN_set_flags(k, BN_FLG_CONSTTIME);

  // k = u1 + u2*d mod n. u2 enters Montgomery form, so that one Montgomery product with d
  // gives u2*d mod n directly.
  if (!BN_to_montgomery(w, u2, curve->order_mont, ctx.get()) ||
      !BN_mod_mul_montgomery(k, w, d, curve->order_mont, ctx.get()) ||
      !BN_mod_add_quick(k, k, u1, n))
    return fail("held-key ECDSA verification: arithmetic failed");
  if (BN_is_zero(k)) return false;  // R would be the point at infinity

  ossl::EcPointPtr point(EC_POINT_new(curve->group));
  if (!point || !EC_POINT_mul(curve->group, point.get(), k, nullptr, nullptr, ctx.get()) ||
      !EC_POINT_get_affine_coordinates(curve->group, point.get(), x, nullptr, ctx.get()))
    return fail("held-key ECDSA verification: point multiplication failed");
  if (!BN_nnmod(x, x, n, ctx.get())) return fail("held-key ECDSA verification: arithmetic failed");
  BN_clear(k);
  return BN_cmp(x, r) == 0;
}

}  // namespace ts::signer
