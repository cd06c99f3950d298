// A DNSKEY public key decoded once for many signature checks. verify_signature() (crypto.h)
// decodes the key on every call, which for ECDSA means OpenSSL building the curve group each
// time (about a third of a P-256 verification); a zone's self-check verifies every RRSIG
// with the same one or two keys, so it decodes each key once here. ECDSA keys are held
// decoded; other algorithms go through verify_signature() unchanged. Thread-safe for verify().
//
//   auto v = DnskeyVerifier::create(Algorithm::ECDSAP256SHA256, dnskey_public_key_field);
//   Result<bool> ok = v->verify(signing_input, rrsig_signature_field);
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "common/result.h"
#include "signer/crypto.h"

namespace ts::signer {

class DnskeyVerifier {
 public:
  /// Fails for a malformed key; an algorithm it cannot verify fails in verify().
  static Result<DnskeyVerifier> create(Algorithm alg, std::span<const uint8_t> public_key);
  DnskeyVerifier(DnskeyVerifier&&) noexcept;
  DnskeyVerifier& operator=(DnskeyVerifier&&) noexcept;
  ~DnskeyVerifier();

  /// Same answer as verify_signature(alg, public_key, message, sig).
  Result<bool> verify(std::span<const uint8_t> message, std::span<const uint8_t> sig) const;

 private:
  struct Impl;
  explicit DnskeyVerifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ts::signer
