// DNSSEC key records as pure functions: key tag (RFC 4034 appendix B), DNSKEY / CDNSKEY
// rdata, DS / CDS rdata and digests (RFC 4034 section 5, RFC 4509, RFC 6605), the RFC 8078
// delete forms, and presentation-format text through ldns. No OpenSSL here: digests come
// from crypto.h.
//
//   Bytes rdata = dnskey_rdata({kFlagsKsk, key.algorithm(), key.public_key()});
//   uint16_t tag = key_tag(rdata);
//   auto ds = make_ds(origin, rdata, DigestType::SHA256);      // Result<Ds>
//   std::string line = rr_to_text(origin, 3600, kTypeDs, ds_rdata(*ds));
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/name.h"
#include "common/result.h"
#include "signer/crypto.h"

namespace ts::signer {

// RR type numbers used here.
constexpr uint16_t kTypeDs = 43;
constexpr uint16_t kTypeRrsig = 46;
constexpr uint16_t kTypeDnskey = 48;
constexpr uint16_t kTypeCds = 59;
constexpr uint16_t kTypeCdnskey = 60;

// DNSKEY flags (RFC 4034 section 2.1.1, RFC 5011 section 3).
constexpr uint16_t kFlagZone = 0x0100;                // 256
constexpr uint16_t kFlagRevoke = 0x0080;              // 128
constexpr uint16_t kFlagSep = 0x0001;                 // 1
constexpr uint16_t kFlagsZsk = kFlagZone;             // 256
constexpr uint16_t kFlagsKsk = kFlagZone | kFlagSep;  // 257

/// DNSKEY (and CDNSKEY) RDATA fields.
struct Dnskey {
  uint16_t flags = kFlagsZsk;
  Algorithm algorithm = Algorithm::ECDSAP256SHA256;  // may hold any number read from wire
  Bytes public_key;
  uint8_t protocol = 3;

  bool is_sep() const { return (flags & kFlagSep) != 0; }
  bool is_revoked() const { return (flags & kFlagRevoke) != 0; }
  friend bool operator==(const Dnskey&, const Dnskey&) = default;
};

/// DS (and CDS) RDATA fields.
struct Ds {
  uint16_t key_tag = 0;
  Algorithm algorithm = Algorithm::ECDSAP256SHA256;
  uint8_t digest_type = 2;  // DigestType values; 0 in the RFC 8078 delete form
  Bytes digest;
  friend bool operator==(const Ds&, const Ds&) = default;
};

/// DNSKEY RDATA in wire form: flags, protocol, algorithm, public key.
Bytes dnskey_rdata(const Dnskey& key);
/// Parses DNSKEY / CDNSKEY RDATA; fails if shorter than 4 octets.
Result<Dnskey> parse_dnskey_rdata(std::span<const uint8_t> rdata);

/// The key tag of a DNSKEY RDATA (RFC 4034 appendix B, with the algorithm 1 rule).
uint16_t key_tag(std::span<const uint8_t> dnskey_rdata);

/// DS for a DNSKEY at `owner`: digest over canonical owner name || DNSKEY RDATA
/// (RFC 4034 section 5.1.4). SHA-1 only when asked for explicitly.
Result<Ds> make_ds(const Name& owner, std::span<const uint8_t> dnskey_rdata, DigestType type);
Bytes ds_rdata(const Ds& ds);
/// The digest length of DS digest type `type` (SHA-1 20, SHA-256 32, SHA-384 48); 0 for a type
/// this project does not know.
size_t digest_length(uint8_t type);
/// Parses DS / CDS RDATA; fails if short or if a known digest type's digest has the wrong length.
Result<Ds> parse_ds_rdata(std::span<const uint8_t> rdata);
/// True if `ds` matches the DNSKEY at `owner` (tag, algorithm and digest).
bool ds_matches(const Ds& ds, const Name& owner, std::span<const uint8_t> dnskey_rdata);

/// RFC 8078 section 4 "delete" forms: CDS `0 0 0 00` and CDNSKEY `0 3 0 AA==`.
Bytes cds_delete_rdata();
Bytes cdnskey_delete_rdata();
bool is_cds_delete(std::span<const uint8_t> rdata);
bool is_cdnskey_delete(std::span<const uint8_t> rdata);

/// One RR in presentation format via ldns, without comments or trailing newline:
/// "example.com.\t3600\tIN\tDS\t60485 5 1 2bb1...".
Result<std::string> rr_to_text(const Name& owner, uint32_t ttl, uint16_t type,
                               std::span<const uint8_t> rdata);
/// The RDATA alone in presentation format ("257 3 13 base64...").
Result<std::string> rdata_to_text(uint16_t type, std::span<const uint8_t> rdata);

/// One RR parsed from presentation format via ldns (for tests, imports, trust anchors).
struct TextRr {
  Name owner;
  uint32_t ttl = 0;
  uint16_t type = 0;
  Bytes rdata;
};
Result<TextRr> rr_from_text(std::string_view line, const Name* origin = nullptr);

}  // namespace ts::signer
