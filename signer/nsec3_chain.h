// The NSEC3 chain (RFC 5155): hashed owner names (SHA-1, salt, iterations), one NSEC3 per
// authoritative name, delegation point and empty non-terminal, sorted by hash, each
// pointing at the next; NSEC3PARAM at the apex. With opt-out (RFC 5155 6) delegations
// without DS, and empty non-terminals that only lead to such delegations, get no NSEC3
// and every NSEC3 carries the opt-out flag. RFC 9276 defaults: 0 iterations, no salt.
//
//   Nsec3Params p;                                  // iterations 0, empty salt
//   Bytes h = nsec3_hash(name, p.salt, p.iterations);
//   build_nsec3_chain(zone, p, ttl);                // fills zone.nsec3(), unsigned
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signer/zone.h"

namespace ts::signer {

struct Nsec3Params {
  uint16_t iterations = 0;
  Bytes salt;
  bool opt_out = false;
};

/// RFC 5155 5: IH(salt, owner, iterations) over the lower-cased wire name, SHA-1.
Bytes nsec3_hash(const Name& name, const Bytes& salt, uint16_t iterations);
/// Lower-case base32hex without padding (RFC 4648 7), through ldns.
std::string base32hex(const Bytes& data);
/// The NSEC3 owner name: base32hex(hash) + "." + origin.
Name nsec3_owner(const Bytes& hash, const Name& origin);

/// NSEC3PARAM rdata (algorithm 1, flags 0).
Bytes nsec3param_rdata(const Nsec3Params& p);
/// NSEC3 rdata for a name with bit map `types` (may be empty, for an ENT).
Bytes nsec3_rdata(const Nsec3Params& p, const Bytes& next_hash, const std::vector<uint16_t>& types);

/// The types the NSEC3 of `node` lists (RRSIG included when the node has signatures).
std::vector<uint16_t> nsec3_types(const Node& node);

/// True if `it`'s node needs an NSEC3: authoritative data, a delegation (with DS when
/// opt-out is on), or an ENT (with opt-out: one with such a name below it).
bool needs_nsec3(const Zone& zone, Zone::NodeMap::const_iterator it, bool opt_out);

/// Removes every NSEC3 and NSEC3PARAM.
void remove_nsec3_chain(Zone& zone);

/// Builds the whole chain and sets NSEC3PARAM at the apex (all unsigned). Needs the
/// zone classified. Fails on a hash collision.
Status build_nsec3_chain(Zone& zone, const Nsec3Params& p, uint32_t ttl);

}  // namespace ts::signer
