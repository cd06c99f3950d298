// The bytes a DNSSEC signature covers, as pure functions: the RRSIG signing input of
// RFC 4034 3.1.8.1 (RRSIG rdata without the signature, then the RRset in canonical form,
// RFC 4034 6.2/6.3) and the RRSIG rdata assembled around a signature. No crypto here.
//
//   RrsigFields f{.type_covered = rrtype::A, .algorithm = 13, .labels = rrsig_labels(owner),
//                 .original_ttl = 3600, .expiration = exp, .inception = inc, .key_tag = tag,
//                 .signer = origin};
//   Bytes input;                                   // reused across calls
//   build_signing_input(f, owner, 1, rrset.rdatas, input);
//   Bytes rdata = assemble_rrsig(f, key.sign(input).value());
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/name.h"
#include "signer/zone.h"

namespace ts::signer {

/// The RRSIG rdata fields that precede the signature (RFC 4034 3.1).
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

/// The RRSIG Labels field for `owner`: its label count, not counting a leading "*" label
/// (RFC 4034 3.1.3).
uint8_t rrsig_labels(const Name& owner);

/// Appends the RRSIG rdata up to (not including) the signature; the signer name is written
/// in canonical (lower-case) form.
void append_rrsig_prefix(const RrsigFields& f, Bytes& out);

/// Writes into `out` (cleared first, capacity kept) the signing input for the RRset of
/// `owner`, class `klass`, with rdatas `rdatas` (RFC 4034 3.1.8.1). The owner is lowered;
/// if `f.labels` is less than the owner's label count (a wildcard expansion), the owner
/// is replaced by "*." plus its last `f.labels` labels (RFC 4035 5.3.2). Every RR carries
/// `f.original_ttl`. `rdatas` must already be in canonical form (zone.h); they are
/// ordered canonically here if they are not sorted, and duplicates are dropped.
void build_signing_input(const RrsigFields& f, const Name& owner, uint16_t klass,
                         std::span<const Bytes> rdatas, Bytes& out);

/// The full RRSIG rdata: the fields, then the signature.
Bytes assemble_rrsig(const RrsigFields& f, std::span<const uint8_t> signature);

/// Parses the fixed fields of an RRSIG rdata (type covered, key tag, ...); false if short.
bool parse_rrsig_fields(const Bytes& rrsig_rdata, RrsigFields& f);

/// True if a < b in canonical RR order of rdata (RFC 4034 6.3: left-justified octets).
bool canonical_rdata_less(const Bytes& a, const Bytes& b);

}  // namespace ts::signer
