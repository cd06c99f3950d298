// ECDSA signature encodings: the DER ECDSA-Sig-Value {r, s} that OpenSSL produces and
// accepts, and the fixed-size r||s of DNSSEC (RFC 6605 section 4). Pure byte handling.
//
//   uint8_t rs[64];
//   if (ecdsa_der_to_raw(der, 32, rs)) ...;     Bytes der = ecdsa_raw_to_der(rs);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "signer/crypto.h"

namespace ts::signer {

/// DER SEQUENCE{INTEGER r, INTEGER s} -> r||s, each left-padded to `half` octets, into
/// `out` (2 * half octets). False if the DER is malformed or a value is too large.
bool ecdsa_der_to_raw(std::span<const uint8_t> der, size_t half, uint8_t* out);

/// r||s (even length) -> DER SEQUENCE{INTEGER r, INTEGER s}, minimal INTEGER encodings.
Bytes ecdsa_raw_to_der(std::span<const uint8_t> raw);

}  // namespace ts::signer
