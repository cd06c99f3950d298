// Fast presentation format of names, type mnemonics and the hot rdata types (see header).
#include "signer/rdata_text.h"

#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <memory>
#include <unordered_map>

#include "signer/crypto.h"

// After the C++ headers: ldns/common.h may define `bool`, which breaks <optional>.
#include <ldns/ldns.h>

namespace ts::signer {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_uint(std::string& out, uint32_t v) {
  char buf[10];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

uint16_t u16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// The length of the uncompressed name at rd[pos..], or 0 if it is not a valid one.
size_t name_length(std::span<const uint8_t> rd, size_t pos) {
  size_t start = pos;
  while (pos < rd.size()) {
    uint8_t len = rd[pos];
    if (len == 0) return pos + 1 - start > 255 ? 0 : pos + 1 - start;
    if (len > 63) return 0;
    pos += 1 + len;
  }
  return 0;
}

// Type names as ldns prints them: `descriptor_names` as inside rdata (RRSIG, NSEC bitmaps),
// else as ldns_rr_type2str names the type of a record.
std::string type_name(uint16_t type, bool descriptor_names) {
  if (descriptor_names) {
    const ldns_rr_descriptor* d = ldns_rr_descript(type);
    return d && d->_name ? d->_name : "TYPE" + std::to_string(type);
  }
  char* s = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
  std::string out = s ? s : "TYPE" + std::to_string(type);
  free(s);
  return out;
}

// Names of the types below 1024 in a table (built once; short strings need no heap); the
// rare higher ones in a per-thread cache.
constexpr size_t kTableTypes = 1024;
using TypeTable = std::array<std::string, kTableTypes>;

std::unique_ptr<TypeTable> make_type_table(bool descriptor_names) {
  auto t = std::make_unique<TypeTable>();
  for (size_t i = 0; i < t->size(); ++i)
    (*t)[i] = type_name(static_cast<uint16_t>(i), descriptor_names);
  return t;
}

const std::string& cached_type_name(uint16_t type, bool descriptor_names) {
  thread_local std::unordered_map<uint32_t, std::string> cache;
  uint32_t key = type | (descriptor_names ? 0x10000u : 0u);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, type_name(type, descriptor_names)).first;
  return it->second;
}

const std::string& rdata_type_mnemonic(uint16_t type) {
  static const auto table = make_type_table(true);
  return type < kTableTypes ? (*table)[type] : cached_type_name(type, true);
}

// ldns prints an RRSIG time by serial arithmetic around the present (RFC 4034 3.2); read as
// plain seconds since 1970 it is the same for 2004..2072 while the clock is in that span.
// Other times are left to ldns (the signer may not read the clock).
bool plain_time(uint32_t t) {
  return t >= 0x40000000u && t <= 0xC0000000u;
}

// RFC 4034 3.2 time as YYYYMMDDHHmmSS (UTC), from days since 1970 (Hinnant's algorithm).
void append_time(std::string& out, uint32_t t) {
  int64_t z = t / 86400 + 719468;
  uint32_t secs = t % 86400;
  int64_t era = z / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[14];
  unsigned fields[6] = {
      static_cast<unsigned>(y % 10000), m, d, secs / 3600, secs / 60 % 60, secs % 60};
  for (int i = 3; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + fields[0] % 10);
    fields[0] /= 10;
  }
  for (int f = 1; f < 6; ++f) {
    buf[2 + 2 * f] = static_cast<char>('0' + fields[f] / 10);
    buf[3 + 2 * f] = static_cast<char>('0' + fields[f] % 10);
  }
  out.append(buf, sizeof buf);
}

// NSEC type bitmap (RFC 4034 4.1.2) as ldns prints it, or false if malformed.
bool append_bitmap(std::string& out, std::span<const uint8_t> bm) {
  if (bm.empty()) return false;
  size_t pos = 0;
  int last_window = -1;
  bool first = true;
  while (pos < bm.size()) {
    if (pos + 2 > bm.size()) return false;
    int window = bm[pos];
    size_t len = bm[pos + 1];
    if (window <= last_window || len == 0 || len > 32 || pos + 2 + len > bm.size()) return false;
    last_window = window;
    for (size_t i = 0; i < len; ++i) {
      uint8_t byte = bm[pos + 2 + i];
      for (int bit = 0; bit < 8; ++bit) {
        if (!(byte & (0x80 >> bit))) continue;
        if (!first) out += ' ';
        first = false;
        out += rdata_type_mnemonic(static_cast<uint16_t>(window * 256 + i * 8 + bit));
      }
    }
    pos += 2 + len;
  }
  return true;
}

bool format(std::string& out, uint16_t type, std::span<const uint8_t> rd) {
  const uint8_t* p = rd.data();
  switch (type) {
    case 1: {  // A
      if (rd.size() != 4) return false;
      for (int i = 0; i < 4; ++i) {
        if (i) out += '.';
        append_uint(out, p[i]);
      }
      return true;
    }
    case 28: {  // AAAA
      if (rd.size() != 16) return false;
      char buf[INET6_ADDRSTRLEN];
      if (!inet_ntop(AF_INET6, p, buf, sizeof buf)) return false;
      out += buf;
      return true;
    }
    case 2: {  // NS
      size_t n = name_length(rd, 0);
      if (n == 0 || n != rd.size()) return false;
      append_name_text(out, std::string_view(reinterpret_cast<const char*>(p), n));
      return true;
    }
    case 43: {  // DS: key tag, algorithm, digest type, digest (hex)
      if (rd.size() < 5) return false;
      append_uint(out, u16(p));
      out += ' ';
      append_uint(out, p[2]);
      out += ' ';
      append_uint(out, p[3]);
      out += ' ';
      for (size_t i = 4; i < rd.size(); ++i) {
        out += kHex[p[i] >> 4];
        out += kHex[p[i] & 15];
      }
      return true;
    }
    case 46: {  // RRSIG
      if (rd.size() < 19 || !plain_time(u32(p + 8)) || !plain_time(u32(p + 12))) return false;
      size_t n = name_length(rd, 18);
      if (n == 0 || 18 + n >= rd.size()) return false;
      out += rdata_type_mnemonic(u16(p));
      out += ' ';
      append_uint(out, p[2]);
      out += ' ';
      append_uint(out, p[3]);
      out += ' ';
      append_uint(out, u32(p + 4));
      out += ' ';
      append_time(out, u32(p + 8));
      out += ' ';
      append_time(out, u32(p + 12));
      out += ' ';
      append_uint(out, u16(p + 16));
      out += ' ';
      append_name_text(out, std::string_view(reinterpret_cast<const char*>(p + 18), n));
      out += ' ';
      base64_append(rd.subspan(18 + n), out);
      return true;
    }
    case 47: {  // NSEC
      size_t n = name_length(rd, 0);
      if (n == 0 || n >= rd.size()) return false;
      append_name_text(out, std::string_view(reinterpret_cast<const char*>(p), n));
      out += ' ';
      return append_bitmap(out, rd.subspan(n));
    }
    default:
      return false;
  }
}

}  // namespace

void append_name_text(std::string& out, std::string_view wire) {
  // Characters that print as themselves: graphic ASCII but the RFC 1035 5.1 specials.
  static constexpr auto plain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x21; c < 0x7f; ++c) t[c] = true;
    for (char c : std::string_view(".;()\\\"@$")) t[static_cast<unsigned char>(c)] = false;
    return t;
  }();
  size_t pos = 0;
  if (wire.empty() || wire[0] == 0) {
    out += '.';
    return;
  }
  while (pos < wire.size()) {
    size_t len = static_cast<uint8_t>(wire[pos]);
    if (len == 0) break;
    size_t end = std::min(pos + 1 + len, wire.size());
    size_t i = pos + 1;
    while (i < end && plain[static_cast<unsigned char>(wire[i])]) ++i;
    out.append(wire.data() + pos + 1, i - pos - 1);  // the plain prefix in one piece
    for (; i < end; ++i) {
      unsigned char c = static_cast<unsigned char>(wire[i]);
      if (plain[c]) {
        out += static_cast<char>(c);
      } else if (c > 0x20 && c < 0x7f) {
        out += '\\';
        out += static_cast<char>(c);
      } else {
        out += '\\';
        out += static_cast<char>('0' + c / 100);
        out += static_cast<char>('0' + c / 10 % 10);
        out += static_cast<char>('0' + c % 10);
      }
    }
    out += '.';
    pos += 1 + len;
  }
}

const std::string& type_mnemonic(uint16_t type) {
  static const auto table = make_type_table(false);
  return type < kTableTypes ? (*table)[type] : cached_type_name(type, false);
}

bool append_rdata_fast(std::string& out, uint16_t type, std::span<const uint8_t> rdata) {
  size_t at = out.size();
  if (format(out, type, rdata)) return true;
  out.resize(at);
  return false;
}

LdnsRdataText::LdnsRdataText() : buf_(ldns_buffer_new(1024)) {}
LdnsRdataText::~LdnsRdataText() {
  ldns_buffer_free(buf_);
}

// The rdata fields as ldns prints them (names escaped by append_name_text), separated by
// spaces; RFC 3597 generic form when ldns cannot parse the rdata as its type.
void LdnsRdataText::append(std::string& out, uint16_t type, std::span<const uint8_t> rdata) {
  wire_.assign({0, static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1, 0, 0, 0, 0,
                static_cast<uint8_t>(rdata.size() >> 8), static_cast<uint8_t>(rdata.size())});
  wire_.insert(wire_.end(), rdata.begin(), rdata.end());
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  bool ok = rdata.size() <= 0xffff && ldns_wire2rr(&rr, wire_.data(), wire_.size(), &pos,
                                                   LDNS_SECTION_ANSWER) == LDNS_STATUS_OK;
  if (ok && ldns_rr_rd_count(rr) > 0) {
    ldns_buffer_clear(buf_);
    for (size_t i = 0; ok && i < ldns_rr_rd_count(rr); ++i) {
      if (i > 0) ldns_buffer_write_u8(buf_, ' ');
      const ldns_rdf* f = ldns_rr_rdf(rr, i);
      if (ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME) {
        name_.clear();
        append_name_text(name_, std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(f)),
                                                 ldns_rdf_size(f)));
        ldns_buffer_write(buf_, name_.data(), name_.size());
      } else {
        ok = ldns_rdf2buffer_str(buf_, f) == LDNS_STATUS_OK;
      }
    }
    ok = ok && ldns_buffer_status_ok(buf_);
    if (ok) {
      // ldns ends some fields (type bitmaps, an empty salt) with a space: drop it.
      const char* text = reinterpret_cast<const char*>(ldns_buffer_begin(buf_));
      size_t len = ldns_buffer_position(buf_);
      while (len > 0 && text[len - 1] == ' ') --len;
      out.append(text, len);
    }
  } else {
    ok = false;
  }
  if (rr) ldns_rr_free(rr);
  if (!ok) generic(out, rdata);
}

void LdnsRdataText::generic(std::string& out, std::span<const uint8_t> rdata) {
  static const char* hex = "0123456789abcdef";
  out += "\\# " + std::to_string(rdata.size());
  if (!rdata.empty()) out += ' ';
  for (uint8_t b : rdata) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
}

}  // namespace ts::signer
