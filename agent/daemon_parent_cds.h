// Parent method "cds" (RFC 7344, RFC 8078) in the signer pass: the CDS and CDNSKEY RRsets the
// parent should act on, put at the apex of the zone before it is signed: one CDS (SHA-256)
// and one CDNSKEY per KSK/CSK whose DS the rollover planner wants at the parent (submitted,
// not withdrawn). CDS/CDNSKEY from the input file are replaced. No key wanting a DS -> no
// CDS at all (the RFC 8078 delete form is never written automatically). Other methods: no-op.
//
//   if (Status s = add_parent_records(spec, state, keystore, zone); !s) return s.error();
#pragma once

#include "agent/daemon_policy.h"
#include "agent/rollover_state.h"
#include "common/result.h"

namespace ts::signer {
class KeyStore;
class Zone;
}  // namespace ts::signer

namespace ts::agent {

Status add_parent_records(const ZoneSpec& spec, const ZoneKeyState& keys,
                          const signer::KeyStore& store, signer::Zone& zone);

}  // namespace ts::agent
