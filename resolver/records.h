// DNSSEC record fields and conversions used by the resolver module: DS, DNSKEY and RRSIG
// rdata decoded into fields, key tags, DS-from-DNSKEY digests, presentation text, and
// conversion between Record and ldns (which does all wire/presentation parsing).
//
//   auto ds = parse_ds(rec.rdata);        // Result<DsFields>
//   uint16_t tag = dnskey_key_tag(key.rdata);
//   auto recs = records_from_text(". 3600 IN DS 20326 8 2 E06D...");
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "resolver/resolver.h"

struct ldns_struct_rr;
struct ldns_struct_rr_list;

namespace ts::resolver {

struct DsFields {
  uint16_t key_tag = 0;
  uint8_t algorithm = 0;
  uint8_t digest_type = 0;
  std::string digest;  // raw bytes
};
struct DnskeyFields {
  uint16_t flags = 0;
  uint8_t protocol = 0;
  uint8_t algorithm = 0;
  std::string public_key;
  bool zone_key() const { return flags & 0x0100; }
  bool sep() const { return flags & 0x0001; }
  bool revoked() const { return flags & 0x0080; }
};
struct RrsigFields {
  uint16_t type_covered = 0;
  uint8_t algorithm = 0;
  uint8_t labels = 0;
  uint32_t original_ttl = 0;
  uint32_t expiration = 0;
  uint32_t inception = 0;
  uint16_t key_tag = 0;
  Name signer;
};

Result<DsFields> parse_ds(const std::string& rdata);
Result<DnskeyFields> parse_dnskey(const std::string& rdata);
Result<RrsigFields> parse_rrsig(const std::string& rdata);

/// RFC 4034 appendix B key tag of a DNSKEY rdata.
uint16_t dnskey_key_tag(const std::string& rdata);
/// The DS rdata for a DNSKEY at `owner` with the given digest type; fails if unsupported.
Result<std::string> ds_for_dnskey(const Name& owner, const std::string& dnskey_rdata,
                                  uint8_t digest_type);
/// True for the DNSSEC algorithms a validator is expected to support (RFC 8624).
bool algorithm_supported(uint8_t algorithm);
/// True for the DS digest types supported here (SHA-1, SHA-256, SHA-384).
bool digest_type_supported(uint8_t digest_type);

/// Maps an RRSIG time field (RFC 1982 serial arithmetic, RFC 4034 3.1.5) to the UNIX time
/// closest to `now`.
UnixTime rrsig_time(uint32_t field, UnixTime now);

/// "example.test. 3600 IN DS 12345 13 2 ABCD..." (ldns presentation format).
std::string record_to_text(const Record& r);
/// Parses presentation-format records (one per line; ';' comments, blank lines skipped).
/// Lines that are not DS or DNSKEY may be rejected by callers; here any type parses.
Result<std::vector<Record>> records_from_text(const std::string& text);
/// Reads a file of presentation-format records.
Result<std::vector<Record>> records_from_file(const std::string& path);
/// Upper-case hex of raw bytes.
std::string to_hex(const std::string& bytes);
/// "YYYYMMDDHHMMSS" UTC of a UNIX time.
std::string format_time(UnixTime t);

/// ldns conversions (caller frees with ldns_rr_free / ldns_rr_list_deep_free).
ldns_struct_rr* record_to_ldns(const Record& r);
Result<Record> record_from_ldns(const ldns_struct_rr* rr);
ldns_struct_rr_list* records_to_ldns(const std::vector<Record>& rs);

}  // namespace ts::resolver
