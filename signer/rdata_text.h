// Fast presentation format for the writer: owner and rdata names escaped per RFC 1035 5.1
// (also '"', '@' and '$', which ldns 1.8 leaves bare and BIND/Knot then misread), type
// mnemonics from a table, and direct formatting of the record types that dominate a signed
// zone (A, AAAA, NS, DS, RRSIG, NSEC). Each fast form is byte-identical to what ldns prints
// for the same rdata (tests/unit/signer/rdata_text_test.cc); all other types go through ldns
// in zone_writer.cc.
//
//   std::string s;
//   append_name_text(s, name.wire());                       // "quote\"d.example."
//   if (!append_rdata_fast(s, rrtype::RRSIG, rdata)) ...    // fall back to ldns
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct ldns_struct_buffer;

namespace ts::signer {

/// Appends the presentation form of an uncompressed wire name (must be valid).
void append_name_text(std::string& out, std::string_view wire);

/// The type mnemonic as ldns prints it ("A", "RRSIG", "TYPE65280"); thread-safe.
const std::string& type_mnemonic(uint16_t type);

/// Appends the rdata fields of `type` separated by spaces, for A, AAAA, NS, DS, RRSIG and
/// NSEC. Returns false (and leaves `out` unchanged) for other types or malformed rdata.
bool append_rdata_fast(std::string& out, uint16_t type, std::span<const uint8_t> rdata);

/// The general path: rdata of any type as ldns_rdf2buffer_str prints its fields (names by
/// append_name_text), or the RFC 3597 generic form when ldns cannot parse it. Reuses its
/// buffers: one per thread.
class LdnsRdataText {
 public:
  LdnsRdataText();
  ~LdnsRdataText();
  LdnsRdataText(const LdnsRdataText&) = delete;
  LdnsRdataText& operator=(const LdnsRdataText&) = delete;
  void append(std::string& out, uint16_t type, std::span<const uint8_t> rdata);

 private:
  static void generic(std::string& out, std::span<const uint8_t> rdata);
  ldns_struct_buffer* buf_;
  std::vector<uint8_t> wire_;
  std::string name_;
};

}  // namespace ts::signer
