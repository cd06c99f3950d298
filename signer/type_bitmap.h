// Type bit maps of NSEC and NSEC3 records (RFC 4034 4.1.2, RFC 5155 3.2.1): window
// blocks of up to 32 octets, types in ascending order. Pure encoding, no allocation
// beyond the output.
//
//   Bytes bm = encode_type_bitmap({rrtype::A, rrtype::RRSIG, rrtype::NSEC});
#pragma once

#include <cstdint>
#include <vector>

#include "signer/zone.h"

namespace ts::signer {

/// Appends the type bit map of `types` (any order, duplicates allowed) to `out`.
void append_type_bitmap(std::vector<uint16_t> types, Bytes& out);

inline Bytes encode_type_bitmap(std::vector<uint16_t> types) {
  Bytes out;
  append_type_bitmap(std::move(types), out);
  return out;
}

/// Decodes a type bit map; false if malformed.
bool decode_type_bitmap(const uint8_t* data, size_t len, std::vector<uint16_t>& types);

}  // namespace ts::signer
