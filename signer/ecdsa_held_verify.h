// ECDSA verification for a key whose private scalar is in memory (the daemon's self-check of
// what it has just signed). The verification equation R = u1*G + u2*Q, with Q = d*G, is
// R = (u1 + u2*d)*G: one multiplication of the fixed generator (OpenSSL's precomputed,
// constant-time table, as in signing) instead of a generator and a variable-point
// multiplication, about three times cheaper than EVP_PKEY_verify. The answer is that of a
// standard verification with Q only when Q really is d*G: PrivateKey::verify checks that once
// per key (EVP_PKEY_pairwise_check) for keys it did not generate itself.
//
//   BIGNUM* d = ecdsa_private_scalar(pkey);   // once per key; BN_clear_free(d) with the key
//   bool ok = *ecdsa_verify_held(Algorithm::ECDSAP256SHA256, d, digest, rs);
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>

#include <cstdint>
#include <span>

#include "common/result.h"
#include "signer/crypto.h"

namespace ts::signer {

/// The private scalar d of the EC key `pkey`, in a secure-heap BIGNUM flagged constant-time
/// (free it with BN_clear_free); nullptr on failure. Read once per key and kept beside it.
BIGNUM* ecdsa_private_scalar(EVP_PKEY* pkey);

/// Whether `sig` (r||s, RFC 6605) is a valid ECDSA signature of `digest` (the message's
/// SHA-256 / SHA-384) under the public key d*G, `d` from ecdsa_private_scalar(), of `alg`
/// (ECDSAP256SHA256 or ECDSAP384SHA384). Errors only when OpenSSL fails.
Result<bool> ecdsa_verify_held(Algorithm alg, const BIGNUM* d, std::span<const uint8_t> digest,
                               std::span<const uint8_t> sig);

}  // namespace ts::signer
