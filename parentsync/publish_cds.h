// The `cds` parent method (RFC 7344, RFC 8078): the child publishes CDS/CDNSKEY RRsets and
// the parent (or registry) picks them up. This file computes those RRsets for the signer to
// add to the child zone (pure), including the RFC 8078 section 4 delete form when the zone
// goes insecure, and answers "has the parent acted?" from a ParentView (observer).
//
//   auto recs = cds_records(child, {new_ksk_rdata}, {2});        // CDS + CDNSKEY rdata
//   for (auto& line : recs->zone_lines(child, 3600)) zone.add_text(line);
//   CdsWait w = parent_acted(view, {new_tag}, /*going_insecure=*/false);
//   if (!w.done) log(w.waiting_for);
#pragma once

#include <string>
#include <vector>

#include "parentsync/ds_assessment.h"

namespace ts::parentsync {

struct CdsRecords {
  std::vector<DsRecord> cds;   // CDS rdata, same format as DS
  std::vector<Bytes> cdnskey;  // CDNSKEY rdata, same format as DNSKEY
  /// Presentation lines "CHILD TTL IN CDS ..." and "CHILD TTL IN CDNSKEY ...".
  std::vector<std::string> zone_lines(const Name& child, uint32_t ttl) const;
  bool is_delete() const;
};

/// CDS (one per key and digest type) and CDNSKEY (one per key) for the keys whose DS the
/// parent should hold. Fails for an empty key list (use cds_delete()), a key that is not a
/// zone key, or a digest type we cannot compute. RFC 8624: SHA-1 (1) is refused.
Result<CdsRecords> cds_records(const Name& child, const std::vector<Bytes>& dnskeys_for_parent,
                               const std::vector<uint8_t>& digest_types = {2});

/// RFC 8078 4: "CDS 0 0 0 00" and "CDNSKEY 0 3 0 AA==": remove all DS, go insecure.
CdsRecords cds_delete();

struct CdsWait {
  bool done = false;
  std::string waiting_for;  // when not done, in words an operator can act on
};

/// Whether the parent acted on our CDS: every wanted key's DS is seen everywhere (validated)
/// and no DS of another of our keys is left; for going insecure: no DS anywhere.
CdsWait parent_acted(const ParentView& view, const std::vector<uint16_t>& wanted_tags,
                     const std::vector<uint16_t>& all_our_tags, bool going_insecure);

}  // namespace ts::parentsync
