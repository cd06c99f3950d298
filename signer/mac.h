// Message authentication codes: HMAC-SHA256 for signing alert webhooks (the receiver checks
// X-TrustSync-Signature with the shared secret). Kept beside crypto.h in its style; mac.cc
// is the second file that includes OpenSSL's EVP headers (EVP_MAC), a deliberate exception
// so that crypto.h, a frozen interface, stays unchanged.
//
//   Bytes tag = hmac_sha256(secret, body);
//   std::string header = "sha256=" + hex_lower(tag);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "signer/crypto.h"

namespace ts::signer {

/// HMAC-SHA256 (RFC 2104, FIPS 198-1) of `data` under `key`; 32 bytes.
Bytes hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> data);
Bytes hmac_sha256(std::string_view key, std::string_view data);

/// Lower-case hex of `data`.
std::string hex_lower(std::span<const uint8_t> data);

/// Compares two byte strings in time independent of where they differ.
bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace ts::signer
