// Checks that a signed zone's authenticated-denial chain is closed and matches the zone's
// names, independently of how it was built: NSEC (RFC 4034 4) or NSEC3 (RFC 5155), chosen
// by the apex NSEC3PARAM. Used by the daemon's self-check before an output is written
// (agent/daemon_sign.h); no crypto here, and no change to the zone.
//
//   if (Status s = check_denial_chain(zone); !s) return s.error();  // names the first gap
#pragma once

#include "common/result.h"
#include "signer/zone.h"

namespace ts::signer {

/// NSEC: every signed owner (authoritative data or delegation point) has exactly one NSEC,
/// each points to the next signed owner in canonical order and the last to the apex, its
/// bit map lists the node's types, and no other name has one. NSEC3: NSEC3PARAM at the apex,
/// no NSEC anywhere, every name that needs an NSEC3 (opt-out read from the records) has the
/// one of its hash with the node's bit map and the NSEC3PARAM's parameters, no other NSEC3
/// exists, and the next-hash fields form one cycle in hash order.
Status check_denial_chain(const Zone& zone);

}  // namespace ts::signer
