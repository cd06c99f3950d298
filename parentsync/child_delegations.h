// The delegations of a parent zone as its own zone data states them, for the child scan
// (child_scan.h): every zone cut below the apex with its NS names, the glue addresses held
// in the zone for NS names below the cut's parent (A and AAAA), and the DS RRset at the
// cut. Pure: reads a loaded, classified signer::Zone.
//
//   auto zone = signer::load_zone_file(spec.input_file, {.origin = apex});
//   for (ChildDelegation& d : delegations_of(*zone)) ... scan_child(src, d, now, opts);
#pragma once

#include <vector>

#include "parentsync/child_scan.h"
#include "signer/zone.h"

namespace ts::parentsync {

/// Every delegation (NodeKind::Delegation) of `zone`, in canonical order.
std::vector<ChildDelegation> delegations_of(const signer::Zone& zone);

}  // namespace ts::parentsync
