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

/// The DNSKEY RDATAs at `origin` in the zone file `path`. Reading stops at the first record
/// after the apex's records: at once for the outputs of signers, whose canonical order puts
/// the apex first. nullopt: there is no such file.
Result<std::optional<std::vector<signer::Bytes>>> served_dnskeys(const std::string& path,
                                                                 const Name& origin);

/// True when `key`'s DNSKEY is among `served` (algorithm and public key: the flags aside, so
/// that a revoked key is still the same key).
bool key_is_served(const signer::KeyMeta& key, const std::vector<signer::Bytes>& served);

/// Of `found` (the zone's keys in the key store), those to adopt: the ones spec's output
/// publishes, or all of them when there is no output file. Keys left out, and an output
/// that cannot be read (then all are adopted, as before), are logged with the reason.
std::vector<signer::KeyMeta> keys_for_adoption(const ZoneSpec& spec,
                                               std::vector<signer::KeyMeta> found, Logger& log);

/// keys_for_adoption() as active key records (created at their metadata's time, not after
/// `now`; a KSK's DS assumed at the parent), each logged as an `imported -> active`
/// transition.
std::vector<KeyRecord> adopt_keys(const ZoneSpec& spec, std::vector<signer::KeyMeta> found,
                                  UnixTime now, Logger& log);

}  // namespace ts::agent
