// PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") of an ECDSA P-256 key built from a fixed DER
// template instead of OpenSSL's encoder: setting up an OSSL_ENCODER context per key costs
// more than generating the key (it was ~6% of the daemon's CPU when a 100,000-zone start
// makes 200,000 keys). The DER is the 138 bytes OpenSSL 3 writes for a named-curve P-256 key
// (PrivateKeyInfo v0, id-ecPublicKey + prime256v1, ECPrivateKey v1 with the 32-byte scalar and
// the uncompressed public point, no inner parameters), so the PEM is byte for byte what
// PEM_write_bio_PrivateKey gives (tests/unit/signer/pkcs8_p256_test.cc checks that on
// generated keys). The caller supplies the scalar; temporaries are cleansed.
//
//   std::array<uint8_t, 32> d = ...;  Bytes pub = key.public_key();   // 64 bytes X || Y
//   SecretString pem = p256_pkcs8_pem(d, pub);
#pragma once

#include <cstdint>
#include <span>

#include "signer/crypto.h"

namespace ts::signer {

inline constexpr size_t kP256ScalarSize = 32;
inline constexpr size_t kP256PublicKeySize = 64;  ///< the DNSKEY field: X || Y
inline constexpr size_t kP256Pkcs8DerSize = 138;

/// The PEM text (64-character base64 lines, trailing newline) of the PKCS#8 DER of a P-256
/// key with private scalar `d` (big-endian, left-padded to 32 bytes) and public point X || Y.
SecretString p256_pkcs8_pem(std::span<const uint8_t, kP256ScalarSize> d,
                            std::span<const uint8_t, kP256PublicKeySize> public_key);

}  // namespace ts::signer
