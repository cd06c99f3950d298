// One signing pass of the daemon: keys (from the KeyStore, chosen by their timestamps at
// `now`), zone file, policy -> signed zone, verified, written atomically. The self-check
// before writing means a broken zone is never published: the old output stays and the pass
// fails.
//
// The self-check has two modes (policy key `verify`, agent/policy.h):
// - "full": every RRSIG is verified cryptographically with the zone's DNSKEYs.
// - "per-key" (the default): every RRSIG is checked *structurally* (it covers the RRset it
//   sits on, the signer is the zone, the key tag and algorithm are those of a DNSKEY in the
//   zone's apex RRset (a SEP key for the DNSKEY RRset), the labels field and original TTL are
//   right, now lies in [inception, expiration)); every RRset that must be signed is, and no
//   other one (a delegation's NS, glue) carries an RRSIG (both modes); the
//   NSEC or NSEC3 chain is closed and matches the zone's names (signer/denial_check.h); and
//   cryptographically only every signature over the DNSKEY RRset plus the first signature
//   made by each key. Why that is enough: every signature of a pass is made by the same
//   code path (signer/zone_signer.cc: one signing input builder, one PrivateKey::sign per
//   key), so the faults a self-check exists for are per key or per zone, not per RRset: a
//   private key that does not match its DNSKEY (wrong file, wrong key id, a key store mix-up),
//   a broken signing or encoding path, a wrong tag or algorithm, a validity window off, a
//   missing or stale signature, a broken denial chain. The first check of each key catches
//   the first kind, the structural checks the rest. What it does not catch is a fault that
//   corrupts one signature among many made correctly by the same key (a memory error in one
//   buffer); "full" does, at about 3x the cost of signing (a P-256 verification costs about
//   three signatures: it was 39% of the daemon's CPU in bench/README.md's profile).
//   Every output also passes external verifiers in the tests.
////
//   auto r = sign_and_write(spec, state, keystore, now, last_serial);   // Result<SignOutcome>
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "agent/daemon_managed.h"
#include "agent/daemon_policy.h"
#include "agent/rollover_state.h"
#include "common/result.h"
#include "signer/crypto.h"

namespace ts::signer {
class FileKeyStore;
class PrivateKey;
class Zone;
}  // namespace ts::signer

namespace ts::agent {

struct SignOutcome {
  uint32_t serial = 0;
  size_t rrsigs = 0;
  size_t verified = 0;
  UnixTime expires = 0;  ///< earliest RRSIG expiration written
  std::string temp;      ///< sign_to_temp(): the unsynced file to rename over the output
  /// A parent of managed children (agent/daemon_managed.h): the DS sets written, warnings.
  std::optional<ChildDsNotes> child_ds;
};

/// Private keys the caller already holds (made in this pass), by key id.
using HeldKeys = std::map<std::string, const signer::PrivateKey*>;

/// Loads spec.input_file (DNSSEC records in it are dropped), signs it with the keys of
/// `keys` as they stand at `now`, verifies and writes spec.output_file.
Result<SignOutcome> sign_and_write(const ZoneSpec& spec, const ZoneKeyState& keys,
                                   const signer::FileKeyStore& store, UnixTime now,
                                   uint32_t last_serial);

/// Like sign_and_write, but writes the verified output to a new temporary next to
/// spec.output_file (O_EXCL, 0644, NOT synced) and returns its name in `temp`: the daemon makes
/// a batch of them durable with one sync round, commits, then renames (agent/key_files.h).
/// Keys in `held` are used as given; the others are loaded from the key store. When the zone
/// is the parent of children in `managed`, their DS sets replace the input's DS at their
/// delegations (apply_child_ds) and `child_ds` in the outcome says what was written.
Result<SignOutcome> sign_to_temp(const ZoneSpec& spec, const ZoneKeyState& keys,
                                 const signer::FileKeyStore& store, const HeldKeys& held,
                                 UnixTime now, uint32_t last_serial,
                                 const ManagedChildren* managed = nullptr);

/// The self-check (see the top of this file): the number of RRSIGs verified
/// cryptographically, or the first problem found. A DNSKEY whose public key is that of one of
/// `held` is checked with that key object (no second decoding of the same public key).
Result<size_t> verify_signed_zone(const signer::Zone& zone, UnixTime now,
                                  VerifyMode mode = VerifyMode::Full,
                                  std::span<const signer::PrivateKey* const> held = {});

/// Runs `command` with /bin/sh -c; fails on a non-zero exit.
Status run_command(const std::string& command);

/// Loads `file` as the zone `name` with its DNSSEC records stripped (the DNSKEY RRset too).
Result<signer::Zone> load_zone_stripped(const std::string& file, const std::string& name);

}  // namespace ts::agent
