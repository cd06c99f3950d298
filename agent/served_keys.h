// Which of a zone's keys in the key store the daemon adopts when it meets the zone without
// state: those its served (signed) output publishes. Without that filter a lost state
// database beside a key directory, which keeps every retired key's files, brought back
// every key the zone ever had as active (all in the DNSKEY RRset, all signing). With no
// output file yet (keys imported for a first start) every key of the zone is adopted.
//
//   rec.keys.keys = adopt_keys(spec, found_in_key_store, now, log);   // active KeyRecords
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/daemon_policy.h"
#include "agent/key_timing.h"
#include "agent/log.h"
#include "common/name.h"
#include "common/result.h"
#include "signer/keystore.h"

namespace ts::agent {

/// The DNSKEY RDATAs at `origin` in the zone file `path`, read from the file's first
/// kServedPrefix bytes and no further than the apex's records: the outputs of signers put
/// the apex first (canonical order). nullopt: no such file, or no DNSKEY at its apex (an
/// unsigned or foreign file, which says nothing about the keys). An error when the apex has
/// not ended within the prefix.
Result<std::optional<std::vector<signer::Bytes>>> served_dnskeys(const std::string& path,
                                                                 const Name& origin);
inline constexpr size_t kServedPrefix = 1 << 20;

/// The DNSKEY RDATA among `served` that is `key`'s (same algorithm and public key, whatever
/// the flags: a revoked key is still the same key); nullptr when there is none.
const signer::Bytes* served_dnskey(const signer::KeyMeta& key,
                                   const std::vector<signer::Bytes>& served);
inline bool key_is_served(const signer::KeyMeta& key, const std::vector<signer::Bytes>& served) {
  return served_dnskey(key, served) != nullptr;
}

/// Of `found` (the zone's keys in the key store), those to adopt: the ones spec's output
/// publishes without the REVOKE bit (a key in RFC 5011 revocation is on its way out), or all
/// of them when served_dnskeys() says nothing (no output, no DNSKEY in it). Keys left out,
/// and an output that cannot be read (then all are adopted, as before), are logged.
std::vector<signer::KeyMeta> keys_for_adoption(const ZoneSpec& spec,
                                               std::vector<signer::KeyMeta> found, Logger& log);

/// keys_for_adoption() as active key records (created at their metadata's time, not after
/// `now`; a KSK's DS assumed at the parent), each logged as an `imported -> active`
/// transition.
std::vector<KeyRecord> adopt_keys(const ZoneSpec& spec, std::vector<signer::KeyMeta> found,
                                  UnixTime now, Logger& log);

}  // namespace ts::agent
