// Trust-anchor documents: the XML format of RFC 9718 (which obsoletes RFC 7958), generated
// from a zone's KSKs with a validity window per key, parsed back with libxml2, checked for
// internal consistency (digest vs. public key), and compared against the document we expect
// so that a tampered or stale copy (digest mismatch, missing key, extra key, changed
// validity) is detected. Also the DS and DNSKEY presentation files of the keys valid at a
// given time (for validators seeded from files, e.g. Unbound's auto-trust-anchor-file).
//
//   std::vector<AnchorKey> keys = {{ksk_dnskey, published_at, std::nullopt}};
//   auto doc = make_document(zone, keys, DigestType::SHA256, "https://tar.example/zone.xml");
//   std::string xml = to_xml(*doc);
//   auto back = parse_xml(xml);                       // Result<AnchorDocument>
//   auto problems = compare_documents(*doc, *back);    // empty: same trust anchors
//
// Semantics used by the rollover (RFC 9718 section 2.2): a KeyDigest is a trust anchor at
// time t when validFrom <= t and (no validUntil or t < validUntil). Entries of retired keys
// stay in the document with their validUntil (as IANA keeps KSK-2010's), so relying parties
// can see the history.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/name.h"
#include "common/result.h"
#include "signer/dnssec_records.h"

namespace ts::tar {

using signer::Bytes;

/// One <KeyDigest> element.
struct KeyDigest {
  std::string id;
  UnixTime valid_from = 0;
  std::optional<UnixTime> valid_until;
  uint16_t key_tag = 0;
  uint8_t algorithm = 0;
  uint8_t digest_type = 0;
  Bytes digest;
  std::optional<Bytes> public_key;  // RFC 9718 addition: the DNSKEY public key field
  std::optional<uint16_t> flags;    // RFC 9718 addition: the DNSKEY flags (257)

  /// validFrom <= t < validUntil (no validUntil: open-ended).
  bool valid_at(UnixTime t) const;
  friend bool operator==(const KeyDigest&, const KeyDigest&) = default;
};

/// One <TrustAnchor> document.
struct AnchorDocument {
  std::string id;
  std::string source;
  Name zone;
  std::vector<KeyDigest> keys;
};

/// A KSK to put into a document. `dnskey.flags` may carry the REVOKE bit: the document
/// always describes the key as it was before revocation (flags 257, tag of that form).
struct AnchorKey {
  signer::Dnskey dnskey;
  UnixTime valid_from = 0;
  std::optional<UnixTime> valid_until;
};

/// Builds the document for `zone`: one KeyDigest per key, with PublicKey and Flags.
Result<AnchorDocument> make_document(const Name& zone, std::span<const AnchorKey> keys,
                                     signer::DigestType digest_type, std::string source);

/// RFC 9718 XML text (UTF-8, escaped). Times are written as "YYYY-MM-DDTHH:MM:SS+00:00".
std::string to_xml(const AnchorDocument& doc);
/// Parses RFC 9718 (and RFC 7958) XML with libxml2 (no network, no entity expansion).
/// Unknown elements are errors; missing required ones too.
Result<AnchorDocument> parse_xml(std::string_view xml);

/// xsd:dateTime <-> UNIX time (offsets and fractional seconds accepted on input).
std::string format_datetime(UnixTime t);
Result<UnixTime> parse_datetime(std::string_view text);

/// What differs between the expected document and another copy of it.
struct DocumentProblem {
  enum class Kind { ZoneMismatch, MissingKey, ExtraKey, DigestMismatch, ValidityMismatch };
  Kind kind;
  std::string detail;
};
const char* problem_kind_name(DocumentProblem::Kind kind);

/// Internal consistency: each digest that comes with a public key must be that key's DS
/// digest, and its key tag must match. Problems are DigestMismatch.
std::vector<DocumentProblem> check_document(const AnchorDocument& doc);
/// `actual` against `expected`, keys matched by (tag, algorithm, digest type); also runs
/// check_document on `actual`. Empty when they carry the same trust anchors.
std::vector<DocumentProblem> compare_documents(const AnchorDocument& expected,
                                               const AnchorDocument& actual);
std::string describe_problems(const std::vector<DocumentProblem>& problems);

/// DS presentation lines (one per line, "\n"-terminated) of the KeyDigests valid at `t`.
Result<std::string> ds_presentation(const AnchorDocument& doc, UnixTime t, uint32_t ttl);
/// DNSKEY presentation lines of the KeyDigests valid at `t` that carry a public key.
Result<std::string> dnskey_presentation(const AnchorDocument& doc, UnixTime t, uint32_t ttl);

}  // namespace ts::tar
