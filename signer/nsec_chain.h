// The NSEC chain (RFC 4034 4, RFC 4035 2.3): one NSEC per authoritative name and per
// delegation point, in canonical order, the last pointing back to the apex. Names below a
// zone cut or DNAME (glue, occluded data) and empty non-terminals get none. At a
// delegation the bit map lists only NS, DS, NSEC and RRSIG. TTL is min(SOA MINIMUM,
// SOA TTL) (RFC 9077). Also holds the denial helpers shared with the NSEC3 chain.
//
//   auto ttl = denial_ttl(zone);            // Result<uint32_t>
//   build_nsec_chain(zone, *ttl);           // replaces all NSEC RRsets (unsigned)
#pragma once

#include <cstdint>
#include <vector>

#include "signer/zone.h"

namespace ts::signer {

/// min(SOA MINIMUM, SOA TTL) of the apex SOA (RFC 9077); fails without an SOA.
Result<uint32_t> denial_ttl(const Zone& zone);

/// Inserts or replaces the RRset of rrset.type in `node`, keeping type order.
void put_rrset(Node& node, RRset rrset);
/// Removes the RRset of `type` from `node`; false if absent.
bool drop_rrset(Node& node, uint16_t type);

/// True if the node is signed data (authoritative with RRsets, or a delegation point).
bool is_signed_owner(const Node& node);

/// The types an NSEC at `node` lists (NSEC and RRSIG included), ascending.
std::vector<uint16_t> nsec_types(const Node& node);

/// NSEC rdata: `next` lowered, then the bit map of `node`.
Bytes nsec_rdata(const Name& next, const Node& node);

/// The next owner after `it` that carries an NSEC, wrapping to the apex.
Zone::NodeMap::const_iterator next_nsec_owner(const Zone& zone, Zone::NodeMap::const_iterator it);

/// Removes every NSEC and builds the chain (signatures empty). Needs classify() done.
Status build_nsec_chain(Zone& zone, uint32_t ttl);

/// Removes every NSEC RRset.
void remove_nsec_chain(Zone& zone);

}  // namespace ts::signer
