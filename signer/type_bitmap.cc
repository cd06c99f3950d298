// NSEC/NSEC3 type bit map encoding (RFC 4034 4.1.2).
#include "signer/type_bitmap.h"

#include <algorithm>
#include <array>

namespace ts::signer {

void append_type_bitmap(std::vector<uint16_t> types, Bytes& out) {
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  size_t i = 0;
  while (i < types.size()) {
    uint8_t window = static_cast<uint8_t>(types[i] >> 8);
    std::array<uint8_t, 32> bits{};
    size_t len = 0;
    for (; i < types.size() && (types[i] >> 8) == window; ++i) {
      uint8_t low = static_cast<uint8_t>(types[i]);
      bits[low / 8] |= static_cast<uint8_t>(0x80 >> (low % 8));
      len = low / 8 + 1;
    }
    out.push_back(window);
    out.push_back(static_cast<uint8_t>(len));
    out.insert(out.end(), bits.begin(), bits.begin() + len);
  }
}

bool decode_type_bitmap(const uint8_t* data, size_t len, std::vector<uint16_t>& types) {
  size_t i = 0;
  int last_window = -1;
  while (i < len) {
    if (i + 2 > len) return false;
    uint8_t window = data[i], n = data[i + 1];
    if (n == 0 || n > 32 || i + 2 + n > len || window <= last_window) return false;
    last_window = window;
    for (size_t b = 0; b < n; ++b)
      for (int bit = 0; bit < 8; ++bit)
        if (data[i + 2 + b] & (0x80 >> bit))
          types.push_back(static_cast<uint16_t>(window << 8 | (b * 8 + bit)));
    i += 2 + n;
  }
  return true;
}

}  // namespace ts::signer
