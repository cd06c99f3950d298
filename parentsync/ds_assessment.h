// The DS assessment: a pure function from (our keys, what every parent server serves, what the
// validated view says) to a ParentView: which of our DS are missing where, which DS are rogue
// (match no key we hold or plan) or stale (a retired key's), whether the parent servers agree,
// and `seen_everywhere(tag)`, the gate the KSK rollover planner uses: a rollover may move past
// "DS submitted" only when the new DS is on EVERY parent server (each answer itself validated
// against the parent's DNSKEYs) AND in the validated view. An unsigned parent is a state, not
// an error: `parent_insecure` tells the caller to use trust anchors instead (issue 7).
//
//   ParentObservation obs = observer.observe(child);          // or built by a test
//   ParentView v = assess_ds(child, our_keys, obs);
//   if (v.seen_everywhere(new_ksk_tag)) planner.ds_seen(new_ksk_tag);
//   for (const DsFinding& f : v.rogue) alert(f.describe());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/name.h"
#include "parentsync/ds_record.h"

namespace ts::parentsync {

/// Validation status of an answer (mirrors resolver::Security until branch resolver lands).
enum class Validation { Secure, Insecure, Bogus, Indeterminate };
const char* to_string(Validation v);

/// Life-cycle state of one of our keys as far as the parent's DS is concerned.
enum class KeyState { Planned, Published, Active, Retiring, Retired };
const char* to_string(KeyState s);

/// One of our KSKs/CSKs.
struct OurKey {
  uint16_t tag = 0;
  uint8_t algorithm = 0;
  Bytes dnskey_rdata;  // wire rdata (flags, protocol, algorithm, public key)
  KeyState state = KeyState::Planned;
  /// The DS of this key has been submitted and must be at the parent even though the key is
  /// not Active yet (double-DS pre-publication, or the new KSK of a double-KSK rollover).
  bool ds_submitted = false;

  /// DS expected at the parent: Active keys and submitted ones.
  bool ds_expected() const { return state == KeyState::Active || ds_submitted; }
};

/// What one parent server (one address) served for CHILD/DS, queried directly (RD=0, DO).
struct ServerDsAnswer {
  std::string server;     // "ns1.test./127.53.6.2" or just the address
  bool answered = false;  // false: timeout, refused, lame ... (see `error`)
  std::string error;
  /// The RRset's own validation against the parent's validated DNSKEYs (Secure = RRSIG ok;
  /// Insecure = the parent is unsigned; Bogus = bad/missing signature, see `error`).
  Validation validation = Validation::Indeterminate;
  std::vector<DsRecord> ds;  // empty = NODATA
};

/// The DS RRset as a validating resolver sees it.
struct ValidatedDs {
  Validation validation = Validation::Indeterminate;
  std::string reason;  // why bogus / indeterminate
  std::vector<DsRecord> ds;
};

/// Everything the assessment needs to know about the parent right now.
struct ParentObservation {
  Name parent;  // the parent zone's apex
  std::vector<ServerDsAnswer> servers;
  ValidatedDs validated;
};

/// A DS found at the parent that we did not expect.
struct DsFinding {
  DsRecord ds;
  std::vector<std::string> servers;  // where it is served
  bool in_validated_view = false;
  std::string reason;
  std::string describe(const Name& child) const;
};

/// One of our expected DS that is not everywhere it should be.
struct MissingDs {
  uint16_t tag = 0;
  std::vector<std::string> absent_from;  // servers that answered without it
  bool absent_everywhere = false;        // no server serves it
  bool in_validated_view = false;
  std::string describe(const Name& child) const;
};

/// The assessment the agent and the rollover planner consume.
struct ParentView {
  Name child;
  /// The parent zone is unsigned (validated view Insecure): no DS can authenticate the
  /// child; use trust anchors instead (issue 7). Not an error.
  bool parent_insecure = false;
  /// Every server answered, validated Secure, and served the same DS set.
  bool servers_agree = false;
  std::vector<MissingDs> missing;
  std::vector<DsFinding> rogue;          // match no key we hold or plan
  std::vector<DsFinding> stale;          // belong to a Retired key
  std::vector<std::string> unreachable;  // servers that did not answer ("server: error")
  std::vector<std::string> bogus;        // servers whose DS RRset did not validate
  /// Per key of ours: where a DS matching it is served.
  struct KeyPresence {
    uint16_t tag = 0;
    uint8_t algorithm = 0;
    std::vector<std::string> secure_servers;  // answers that validated Secure
    std::vector<std::string> any_servers;     // any answer, whatever its validation
    bool in_validated_view = false;           // in the view, and the view is Secure
    bool in_view = false;                     // in the view, whatever its status
  };
  std::vector<KeyPresence> keys;
  size_t server_count = 0;
  Validation validated = Validation::Indeterminate;
  std::string validated_reason;

  /// The DS of our key `tag` is served, validly signed, by every parent server and is in
  /// the Secure validated view. False for an insecure parent.
  bool seen_everywhere(uint16_t tag) const;
  /// Same, for the key of this algorithm and tag (the rollover planner's DsId).
  bool seen_everywhere(uint8_t algorithm, uint16_t tag) const;
  /// No server and not the validated view still serves a DS of our key `tag` (for the
  /// withdrawal of an old DS); false while any server is unreachable or bogus.
  bool gone_everywhere(uint16_t tag) const;
  bool gone_everywhere(uint8_t algorithm, uint16_t tag) const;
  /// Nothing to fix: servers agree, no missing, rogue or stale DS.
  bool healthy() const;
  /// Multi-line human-readable report.
  std::string summary() const;
};

/// Derives the ParentView of `child` from our keys and an observation. Pure.
ParentView assess_ds(const Name& child, const std::vector<OurKey>& keys,
                     const ParentObservation& observation);

}  // namespace ts::parentsync
