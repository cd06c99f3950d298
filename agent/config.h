// Reading the agent's TOML policy file (the only TOML reader of the project) into the plain
// structs of agent/policy.h, with every mistake reported as "FILE:LINE:COLUMN: error: KEY:
// what is wrong" (all errors of the file, one per line) and RFC advice as warnings.
//
// Layout: an optional [agent] table (GlobalSettings), a [defaults] policy and [[zone]]
// entries. A zone's policy is built-in defaults <- [defaults] <- the zone's own keys, merged
// key by key, also inside tables: with defaults `denial = { type = "nsec3", opt-out = true }`,
// a zone's `denial = { type = "nsec" }` changes only the type, and the NSEC3-only values it
// inherits (opt-out, iterations, salt) are then ignored. Writing an NSEC3-only key in the
// same table as `type = "nsec"` is an error. Arrays (notify, trust-anchors) are replaced, not
// appended to. [defaults] must be a valid policy on its own.
// The failure message lists all errors, then the warnings. Relative paths are taken from the
// directory of the config file. conf/trustsync.toml documents every key.
//
//   auto cfg = load_config("/etc/trustsync/trustsync.toml");
//   if (!cfg) { std::cerr << cfg.error().message << "\n"; return 1; }
//   for (auto& w : cfg->warnings) std::cerr << w << "\n";
#pragma once

#include <string>
#include <string_view>

#include "agent/policy.h"
#include "common/result.h"

namespace ts::agent {

/// Reads and validates `path`.
Result<Config> load_config(const std::string& path);

/// Validates `text` as if it had been read from `path` (used in messages and to resolve
/// relative paths).
Result<Config> load_config_string(std::string_view text, const std::string& path);

/// `cfg` as TOML with each zone's effective policy written out in full (no [defaults]);
/// loading it again gives the same values. For `trustsync run --check --print`.
std::string config_to_toml(const Config& cfg);

/// The least time (RFC 7583 terms, safety margins included) from the start of a ZSK
/// pre-publication rollover to the removal of the old key:
///   zone-propagation-delay + dnskey-ttl + publish-safety            (new key known)
/// + zone-propagation-delay + max-zone-ttl + retire-safety           (old signatures gone)
/// max-zone-ttl falls back to dnskey-ttl when not configured.
Duration min_zsk_rollover_time(const Policy& p);

/// The same for a KSK (double-KSK or double-DS; both need the same total) or a CSK:
///   zone-propagation-delay + dnskey-ttl + publish-safety            (new DNSKEY known)
/// + parent-propagation-delay + ds-ttl + retire-safety               (DS swapped at parent)
/// and for a CSK also + zone-propagation-delay + max-zone-ttl (old signatures gone).
Duration min_ksk_rollover_time(const Policy& p, bool csk);

}  // namespace ts::agent
