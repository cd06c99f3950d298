// Incremental signing: applies a diff (RRs removed and added, as from IXFR or UPDATE) to an
// already signed zone, re-signs only the RRsets whose content changed, repairs only the
// NSEC/NSEC3 records around the changed names (ENTs appearing or vanishing, delegations
// turning secure/insecure, opt-out, zone cuts that occlude a subtree), and returns the
// signed diff for an IXFR. The result equals a full re-sign of the edited zone with the
// same options. Cost: O(changes * log n), plus the subtree below a name whose zone cut or
// DNAME appears or vanishes. A change of the denial TTL (SOA TTL/MINIMUM) re-signs fully.
//
//   Diff d;
//   d.adds.push_back({*Name::from_text("new.example."), rrtype::A, 300, {192, 0, 2, 1}});
//   auto sd = apply_diff(zone, d, options);   // Result<SignedDiff>
//   for (const auto& rr : sd->removed) ...   // then sd->added
#pragma once

#include <cstdint>
#include <vector>

#include "signer/zone.h"
#include "signer/zone_signer.h"

namespace ts::signer {

/// One resource record; for RRSIG the TTL is that of the covered RRset.
struct RR {
  Name owner;
  uint16_t type = 0;
  uint32_t ttl = 0;
  Bytes rdata;
  friend bool operator==(const RR&, const RR&) = default;
};

/// Unsigned changes: removes are applied first, then adds (IXFR order). No RRSIG, NSEC,
/// NSEC3 or NSEC3PARAM: those are the signer's to make.
struct Diff {
  std::vector<RR> removes;
  std::vector<RR> adds;
};

struct SignedDiff {
  uint32_t old_serial = 0;
  uint32_t new_serial = 0;
  std::vector<RR> removed;  ///< every RR (incl. RRSIG/NSEC/NSEC3) that went away
  std::vector<RR> added;    ///< every RR that is new
  size_t rrsigs_made = 0;   ///< signatures computed (the rest were kept)
};

/// Applies `diff` to the signed `zone`; see the file comment. The zone must have been
/// signed by sign_zone with the same keys and denial parameters (a key, NSEC3 salt or
/// denial change needs sign_zone). The SOA serial follows o.serial unless the diff itself
/// changes the SOA. Removing an absent RR or adding a present one is ignored.
Result<SignedDiff> apply_diff(Zone& zone, const Diff& diff, const SignOptions& o);

/// All RRs of a node (data, RRSIGs, NSEC), owner `name`.
void node_rrs(const Name& name, const Node& node, std::vector<RR>& out);
/// All RRs of the zone, NSEC3 and their RRSIGs included (for tests and full diffs).
std::vector<RR> zone_rrs(const Zone& zone);

}  // namespace ts::signer
