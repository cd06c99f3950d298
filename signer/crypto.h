// All cryptography of the project, behind one interface; crypto.cc is the one file that
// includes OpenSSL's EVP headers. A PrivateKey is move-only, lives in an EVP_PKEY that
// OpenSSL cleanses on free, and signs in DNSSEC wire form (RFC 3110 / 5702 RSA,
// RFC 6605 ECDSA r||s, RFC 8080 EdDSA). sign() is thread-safe: many threads may sign
// with one key at once.
//
//   auto key = PrivateKey::generate(Algorithm::ECDSAP256SHA256, 0);
//   Bytes dnskey_pub = key->public_key();            // DNSKEY public key field
//   auto sig = key->sign(signing_input);             // Result<Bytes>
//   auto pem = key->to_pkcs8_pem();                  // SecretString, cleansed on destroy
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ts::signer {

using Bytes = std::vector<uint8_t>;

/// DNSSEC algorithm numbers (IANA registry).
enum class Algorithm : uint8_t {
  RSASHA1 = 5,
  NSEC3RSASHA1 = 7,
  RSASHA256 = 8,
  RSASHA512 = 10,
  ECDSAP256SHA256 = 13,
  ECDSAP384SHA384 = 14,
  ED25519 = 15,
  ED448 = 16,
};

/// "ECDSAP256SHA256" / "13" -> Algorithm; case-insensitive.
Result<Algorithm> algorithm_from_name(std::string_view name);
std::string algorithm_name(Algorithm alg);
/// True for RSASHA1 / NSEC3RSASHA1, which RFC 8624 says MUST NOT be used for signing.
bool algorithm_is_deprecated(Algorithm alg);
/// Default and allowed key sizes (bits) per algorithm; 0 where the size is fixed.
unsigned default_key_bits(Algorithm alg);
Status check_key_bits(Algorithm alg, unsigned bits);

/// A string whose memory is cleansed (OPENSSL_cleanse) when it is destroyed.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string s) : s_(std::move(s)) {}
  SecretString(SecretString&& o) noexcept;
  SecretString& operator=(SecretString&& o) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString();
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

class PrivateKey {
 public:
  static Result<PrivateKey> generate(Algorithm alg, unsigned bits);
  /// Reads a PKCS#8 PEM private key and checks it fits `alg`.
  static Result<PrivateKey> from_pkcs8_pem(std::string_view pem, Algorithm alg);
  /// Reads a BIND "Private-key-format: v1.x" file body (as written by dnssec-keygen).
  static Result<PrivateKey> from_bind_private(std::string_view text);

  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  Algorithm algorithm() const { return alg_; }
  /// Key size in bits (RSA modulus, curve size).
  unsigned bits() const;
  /// The DNSKEY public key field (RFC 3110 / 6605 / 8080 encoding).
  Bytes public_key() const;
  Result<SecretString> to_pkcs8_pem() const;
  /// Signs `message` (the RRSIG signing input) and returns the DNSSEC-format signature.
  Result<Bytes> sign(std::span<const uint8_t> message) const;
  /// Verifies a DNSSEC-format signature with this key's public part: the same answer as
  /// verify_signature(algorithm(), public_key(), ...) without decoding the public key again
  /// (the daemon's self-check of keys it holds). ECDSA uses the private scalar, about three
  /// times cheaper (ecdsa_held_verify.h), once the key pair is known to match.
  Result<bool> verify(std::span<const uint8_t> message, std::span<const uint8_t> sig) const;

 private:
  struct Impl;
  PrivateKey(Algorithm alg, std::unique_ptr<Impl> impl);
  Algorithm alg_;
  std::unique_ptr<Impl> impl_;
};

/// Verifies a DNSSEC-format signature with a DNSKEY public key field.
Result<bool> verify_signature(Algorithm alg, std::span<const uint8_t> public_key,
                              std::span<const uint8_t> message, std::span<const uint8_t> sig);

enum class DigestType : uint8_t { SHA1 = 1, SHA256 = 2, SHA384 = 4 };
Bytes digest(DigestType type, std::span<const uint8_t> data);

/// Cryptographically strong random bytes (salts, jitter seeds, secrets).
Bytes random_bytes(size_t n);

/// Base64 / base32hex through OpenSSL / ldns (never our own codec).
std::string base64_encode(std::span<const uint8_t> data);
/// Appends the base64 of `data` (no line breaks) to `out`, without a temporary string.
void base64_append(std::span<const uint8_t> data, std::string& out);
Result<Bytes> base64_decode(std::string_view text);

}  // namespace ts::signer
