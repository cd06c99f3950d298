// DS records as parentsync sees them: key tag, algorithm, digest type and digest, compared
// and ordered by value (an RRset is a set); matching a DS to one of our DNSKEYs (key tag,
// RFC 4034 Appendix B; DS digest, 5.1.4) delegates to signer/dnssec_records.h.
//
//   auto ds = make_ds(*Name::from_text("example.test."), dnskey_rdata, DigestType::SHA256);
//   ds->key_tag; ds->to_text(owner, 3600);   // "example.test. 3600 IN DS 12345 13 2 ABC..."
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/name.h"
#include "common/result.h"
#include "signer/crypto.h"

namespace ts::parentsync {

using signer::Bytes;

/// One DS (or CDS) record's rdata (RFC 4034 5.1).
struct DsRecord {
  uint16_t key_tag = 0;
  uint8_t algorithm = 0;
  uint8_t digest_type = 0;
  Bytes digest;

  /// Wire rdata.
  Bytes to_rdata() const;
  static Result<DsRecord> from_rdata(std::span<const uint8_t> rdata);
  /// "TAG ALG DTYPE HEX" (rdata only).
  std::string rdata_text() const;
  /// Full presentation line "OWNER TTL IN DS TAG ALG DTYPE HEX".
  std::string to_text(const Name& owner, uint32_t ttl, const char* type = "DS") const;
  /// From "TAG ALG DTYPE HEX" (the digest may contain spaces).
  static Result<DsRecord> from_rdata_text(const std::string& text);
  /// RFC 8078 4: the CDS "delete" form "0 0 0 00".
  bool is_delete() const {
    return key_tag == 0 && algorithm == 0 && digest_type == 0 && digest == Bytes{0};
  }
  static DsRecord delete_form() { return DsRecord{0, 0, 0, Bytes{0}}; }

  friend auto operator<=>(const DsRecord&, const DsRecord&) = default;
  friend bool operator==(const DsRecord&, const DsRecord&) = default;
};

/// RFC 4034 Appendix B key tag over DNSKEY wire rdata (signer::key_tag).
uint16_t key_tag(std::span<const uint8_t> dnskey_rdata);

/// RFC 4034 5.1.4: digest over owner (canonical, lower case) | DNSKEY rdata. Fails for a
/// digest type we cannot compute or rdata shorter than the DNSKEY fixed fields.
Result<DsRecord> make_ds(const Name& owner, std::span<const uint8_t> dnskey_rdata,
                         uint8_t digest_type);

/// True if `ds` is the DS of this DNSKEY (tag, algorithm and digest recomputed).
bool ds_matches_dnskey(const DsRecord& ds, const Name& owner,
                       std::span<const uint8_t> dnskey_rdata);

/// Sorted and without duplicates (an RRset is a set).
std::vector<DsRecord> canonical_set(std::vector<DsRecord> records);

/// Base64 text -> bytes (through ldns).
Result<Bytes> base64_to_bytes(const std::string& text);

/// Bytes -> base64 text (through ldns).
std::string bytes_to_base64(std::span<const uint8_t> data);

/// Hex, upper case, as DS digests are usually written.
std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace ts::parentsync
