// The RFC 5011 KSK rollover of an island of trust (a zone whose parent is unsigned, so
// validators hold its key as a trust anchor, learnt from a trust-anchor repository and kept
// current by RFC 5011 automated updates). A pure state machine: the caller reads `now`
// once per tick, calls one function per event, carries out the returned actions (re-sign
// the zone with the given DNSKEY set, put the document on the repositories and read it
// back) and reports their outcome as events. Every transition is reported "from -> to:
// reason".
//
//   Idle --start--> NewKeyPublished     new KSK in the DNSKEY set, self-signed (both KSKs
//                                       sign it); document adds the new key, validFrom=now
//   NewKeyPublished --tick--> Switched  after add hold-down + margin AND the repository
//                                       confirmed the document: only the new KSK signs;
//                                       document gives the old key validUntil=now
//   Switched --tick--> OldKeyRevoked    once the repository confirmed that document: the
//                                       old key gets the REVOKE bit and signs the DNSKEY
//                                       set itself (RFC 5011 2.1)
//   OldKeyRevoked --tick--> Done        after remove hold-down + margin: old key removed
//
// The rollover never leaves NewKeyPublished or Switched while the repository has not
// confirmed the current document (unreachable, or serving a tampered/stale copy): it
// waits, retries the upload, and reports an alert-worthy status.
//
//   Rollover r = make_rollover(zone, old_ksk, old_valid_from, new_ksk, RolloverOptions{});
//   Step s = start(r, clock.now());   // then for each action ...; on_tick(r, clock.now())
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/name.h"
#include "signer/dnssec_records.h"
#include "tar/anchor_document.h"

namespace ts::tar {

enum class RolloverState { Idle, NewKeyPublished, Switched, OldKeyRevoked, Done };
const char* rollover_state_name(RolloverState s);

struct RolloverOptions {
  int64_t add_holddown = 30 * 86400;     // RFC 5011 6.5 add hold-down
  int64_t remove_holddown = 30 * 86400;  // RFC 5011 6.6 remove hold-down
  /// Added to both hold-downs: one probe interval plus the DNSKEY TTL, so that a validator
  /// that saw the change late has still passed its hold-down (RFC 7583 3.3.4).
  int64_t margin = 86400;
  int64_t retry = 3600;  // wait before re-uploading an unconfirmed document
  signer::DigestType digest = signer::DigestType::SHA256;
  std::string source;  // the document's source attribute (its public URL)
};

struct Rollover {
  Name zone;
  RolloverOptions options;
  signer::Dnskey old_key;  // flags 257
  signer::Dnskey new_key;  // flags 257
  UnixTime old_valid_from = 0;
  RolloverState state = RolloverState::Idle;
  UnixTime published_at = 0, switched_at = 0, revoked_at = 0, done_at = 0;
  bool document_confirmed = false;  // the repository serves expected_document()
};

Rollover make_rollover(Name zone, signer::Dnskey old_key, UnixTime old_valid_from,
                       signer::Dnskey new_key, RolloverOptions options);

/// One KSK in the DNSKEY set to publish, with the flags to publish it with.
struct KskEntry {
  signer::Dnskey dnskey;  // REVOKE bit set for the revoked key
  bool signs_dnskey = false;
};

enum class ActionKind { SignZone, PublishDocument };
struct Action {
  ActionKind kind;
  std::vector<KskEntry> ksks;              // SignZone: the KSKs of the DNSKEY set (ZSKs unchanged)
  std::optional<AnchorDocument> document;  // PublishDocument: put, then read back and confirm
};

struct Step {
  std::vector<std::string> transitions;  // "NewKeyPublished -> Switched: ..."
  std::vector<Action> actions;
  std::optional<UnixTime> next;  // when to tick again; none when Done
  std::string status;            // what the rollover is doing or waiting for
  bool alert = false;            // status needs an operator (repository down, tampered)
};

/// The KSKs the zone must publish in the current state.
std::vector<KskEntry> ksk_set(const Rollover& r);
/// The document the repositories must serve in the current state.
AnchorDocument expected_document(const Rollover& r);

Step start(Rollover& r, UnixTime now);
Step on_tick(Rollover& r, UnixTime now);
/// The repository served `served` after an upload: compared with expected_document().
Step on_document_served(Rollover& r, UnixTime now, const AnchorDocument& served);
/// The upload or the read-back failed (repository down, HTTP error, TLS failure).
Step on_document_failed(Rollover& r, UnixTime now, const std::string& reason);

}  // namespace ts::tar
