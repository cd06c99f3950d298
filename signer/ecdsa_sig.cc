// Conversion between DER and r||s ECDSA signatures (RFC 6605 section 4).
#include "signer/ecdsa_sig.h"

#include <cstring>

namespace ts::signer {
namespace {

/// Reads a DER length at p[i]; advances i. Returns -1 on malformed input.
long der_length(std::span<const uint8_t> p, size_t& i) {
  if (i >= p.size()) return -1;
  uint8_t b = p[i++];
  if (b < 0x80) return b;
  size_t count = b & 0x7f;
  if (count == 0 || count > 2 || i + count > p.size()) return -1;
  long len = 0;
  for (size_t k = 0; k < count; ++k) len = (len << 8) | p[i++];
  return len;
}

/// Appends a DER INTEGER of the unsigned big-endian value `v` (n >= 1 octets).
void der_put_integer(Bytes& out, const uint8_t* v, size_t n) {
  while (n > 1 && *v == 0) ++v, --n;
  bool pad = (*v & 0x80) != 0;  // a set high bit would make it negative
  out.push_back(0x02);
  out.push_back(static_cast<uint8_t>(n + (pad ? 1 : 0)));
  if (pad) out.push_back(0);
  out.insert(out.end(), v, v + n);
}

}  // namespace

bool ecdsa_der_to_raw(std::span<const uint8_t> der, size_t half, uint8_t* out) {
  size_t i = 0;
  if (der.size() < 2 || der[i++] != 0x30) return false;
  long seq = der_length(der, i);
  if (seq < 0 || i + static_cast<size_t>(seq) != der.size()) return false;
  for (size_t part = 0; part < 2; ++part) {
    if (i >= der.size() || der[i++] != 0x02) return false;
    long len = der_length(der, i);
    if (len <= 0 || i + static_cast<size_t>(len) > der.size()) return false;
    const uint8_t* v = der.data() + i;
    size_t vl = static_cast<size_t>(len);
    i += vl;
    while (vl > 0 && *v == 0) ++v, --vl;  // sign octet and leading zeros
    if (vl > half) return false;
    uint8_t* dst = out + part * half;
    std::memset(dst, 0, half - vl);
    if (vl) std::memcpy(dst + half - vl, v, vl);
  }
  return i == der.size();
}

Bytes ecdsa_raw_to_der(std::span<const uint8_t> raw) {
  size_t half = raw.size() / 2;
  if (half == 0) return Bytes{0x30, 0};
  Bytes body;
  der_put_integer(body, raw.data(), half);
  der_put_integer(body, raw.data() + half, half);
  Bytes out{0x30};
  if (body.size() >= 0x80) out.push_back(0x81);
  out.push_back(static_cast<uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace ts::signer
