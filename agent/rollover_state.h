// Rollover state: the inputs and outputs of the rollover planner (agent/rollover_planner.h).
// `Timing` holds the RFC 7583 terms every wait is computed from; `RolloverPolicy` says which keys
// a zone should have and when they roll; `ZoneKeyState` is everything durable about a zone's
// keys (saved by agent/state_store.h); `ParentView` is what the parent was observed to serve;
// `Plan` is what the agent must do next and when to call the planner again.
//
//   Timing t{.dnskey_ttl = 3600, .max_zone_ttl = 86400, .ds_ttl = 86400,
//            .zone_propagation_delay = 300, .parent_propagation_delay = 3600};
//   RolloverPolicy p{.algorithm = 13, .zsk_lifetime = Schedule::every(30 * 86400)};
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/key_timing.h"
#include "common/clock.h"

namespace ts::agent {

inline constexpr UnixTime kNever = std::numeric_limits<UnixTime>::max();

/// RFC 7583 section 3 terms, in seconds. Pass the TTLs actually in the zone; the planner
/// remembers lowered TTLs itself (TtlMemory) until caches holding the old TTL have expired.
/// Signature validity enters through `sign_delay` (a gradual re-signing spread over the
/// refresh window leaves old signatures in the zone that long); validators cap cached TTLs
/// at RRSIG expiry, which only ever shortens a cache's life, so it never lengthens a wait.
struct Timing {
  int64_t dnskey_ttl = 3600;                ///< TTLkey: TTL of the DNSKEY RRset
  int64_t max_zone_ttl = 86400;             ///< TTLsig: largest TTL of any signed RRset
  int64_t ds_ttl = 86400;                   ///< TTLds: the parent's DS TTL
  int64_t zone_propagation_delay = 300;     ///< Dprp: zone change reaches every server
  int64_t parent_propagation_delay = 3600;  ///< Dprpp: parent change reaches every server
  int64_t sign_delay = 0;         ///< Dsgn: time to replace all signatures after a key change
  int64_t publish_safety = 3600;  ///< added to every "new data reached the caches" wait
  int64_t retire_safety = 3600;   ///< added to every "old data left the caches" wait
};

/// Remembers a TTL that was lowered, so waits keep using the larger value until every
/// cache that could hold the old TTL has expired it (RFC 7583 section 3.2 note on TTLs).
struct TtlMemory {
  int64_t current = -1;  ///< -1: never observed
  int64_t previous = 0;  ///< the larger TTL in effect before the last lowering
  UnixTime lowered_at = 0;

  /// Records the TTL now in the zone; `propagation` is the delay for it to reach servers.
  void observe(int64_t ttl, UnixTime now, int64_t propagation);
  /// The TTL to plan with at `now`.
  int64_t effective(UnixTime now, int64_t propagation) const;
  bool operator==(const TtlMemory&) const = default;
};

/// When a key of some role should next roll, given when the current key became active.
struct Schedule {
  std::function<UnixTime(UnixTime)> next;  ///< empty: never roll automatically

  static Schedule never() { return {}; }
  static Schedule every(int64_t seconds) {
    return {[seconds](UnixTime active) { return active + seconds; }};
  }
  /// e.g. Schedule::at([&](UnixTime t) { return cron.next_after(t); })
  static Schedule at(std::function<UnixTime(UnixTime)> next_fire) { return {std::move(next_fire)}; }
};

enum class KskMethod { DoubleKsk, DoubleDs };

/// Which keys a zone should have. A zone whose keys differ in algorithm or in KSK/ZSK vs
/// CSK layout from this policy gets an algorithm rollover (RFC 6781 4.1.4).
struct RolloverPolicy {
  uint8_t algorithm = 13;
  bool csk = false;  ///< one combined signing key instead of KSK + ZSK
  KskMethod ksk_method = KskMethod::DoubleKsk;
  Schedule ksk_lifetime;
  Schedule zsk_lifetime;
  Schedule csk_lifetime;
  /// Island of trust (parent method "tar"): KSK/CSK rollovers follow RFC 5011 (add
  /// hold-down, REVOKE, remove hold-down) gated on the trust-anchor repositories instead
  /// of the parent's DS (agent/rollover_rfc5011.cc).
  bool rfc5011 = false;
  int64_t add_holddown = 30 * 86400;     ///< RFC 5011 6.5 / section 2.4.1
  int64_t remove_holddown = 30 * 86400;  ///< RFC 5011 6.6: revoked key stays that long
  /// The validators' probe interval (RFC 5011 2.3 active refresh), added with the DNSKEY
  /// TTL and the propagation delay to both hold-downs (RFC 7583 3.3.4 margins).
  int64_t probe_interval = 3600;
};

enum class RolloverKind {
  Initial,
  Zsk,
  KskDoubleKsk,
  KskDoubleDs,
  Csk,
  Algorithm,
  KskRfc5011,  ///< island KSK rollover (RFC 5011), policy.rfc5011
  CskRfc5011,  ///< island CSK rollover (RFC 5011), policy.rfc5011
};

/// Where a rollover stands. Which phases a kind passes through is in rollover_steps.cc.
enum class Phase {
  NeedKeys,        ///< waiting for new keys from the key pool
  SignBoth,        ///< new keys sign, DNSKEY not yet published (algorithm rollover)
  PrePublish,      ///< new DNSKEY published, waiting for it to reach every cache
  DsPublish,       ///< new DS submitted, waiting for the parent and then the DS TTL
  KeySwap,         ///< DNSKEY swapped (double-DS), waiting before the old DS goes
  DsWithdraw,      ///< old DS withdrawn, waiting for the parent to drop it
  DnskeyRemoved,   ///< old DNSKEY removed, its signatures kept until caches forget it
  Retiring,        ///< old key stopped signing, waiting for its signatures to expire
  AddHoldDown,     ///< RFC 5011: new key self-signs the DNSKEY set; add hold-down + repositories
  AnchorSwitch,    ///< RFC 5011: documents end the old key's validity; waiting for repositories
  RemoveHoldDown,  ///< RFC 5011: old key revoked (flags |= REVOKE, self-signed); remove hold-down
  Done,
};

struct Rollover {
  RolloverKind kind = RolloverKind::Zsk;
  Phase phase = Phase::NeedKeys;
  uint8_t algorithm = 0;  ///< algorithm of the new keys
  UnixTime started = 0;
  UnixTime updated = 0;
  std::vector<std::string> old_keys;  ///< key ids being replaced
  std::vector<std::string> new_keys;  ///< key ids replacing them
  bool operator==(const Rollover&) const = default;
};

/// Everything durable about one zone's keys.
struct ZoneKeyState {
  std::string zone;
  std::string status = "signing";
  uint32_t serial = 0;
  std::vector<KeyRecord> keys;      ///< removed keys stay (history); purge with purge_removed()
  std::vector<Rollover> rollovers;  ///< in progress
  TtlMemory dnskey_ttl, zone_ttl, ds_ttl;
  UnixTime next_event = kNever;
  std::string waiting_for;
  /// Every change stamped before this instant is known to be live (zone published,
  /// parent told): see mark_applied() / restamp_unapplied() in rollover_planner.h.
  UnixTime applied_through = 0;
  bool operator==(const ZoneKeyState&) const = default;

  KeyRecord* find_key(const std::string& id);
  const KeyRecord* find_key(const std::string& id) const;
};

/// A DS at the parent is named by the key's algorithm and tag.
using DsId = std::pair<uint8_t, uint16_t>;

/// What the parent was observed to serve (parent polling, or `trustsync ds-seen`).
struct ParentView {
  /// True when observations cover every parent server; false (a manual confirmation) makes
  /// the planner add the parent propagation delay before trusting them.
  bool all_servers = true;
  std::map<DsId, UnixTime> present_since;  ///< DS served continuously since
  std::map<DsId, UnixTime> absent_since;   ///< DS absent everywhere since
  /// Parent method "tar": what EVERY trust-anchor repository target was confirmed to serve
  /// (read back and compared with the expected document), continuously since.
  std::map<DsId, UnixTime> anchor_since;        ///< key listed as a current trust anchor
  std::map<DsId, UnixTime> anchor_ended_since;  ///< key listed with its validity ended

  std::optional<UnixTime> seen_since(uint8_t alg, uint16_t tag) const;
  std::optional<UnixTime> gone_since(uint8_t alg, uint16_t tag) const;
  std::optional<UnixTime> anchor_served_since(uint8_t alg, uint16_t tag) const;
  std::optional<UnixTime> anchor_ended(uint8_t alg, uint16_t tag) const;
};

/// One thing the agent must do. The key timestamps are the durable truth; actions say what
/// just changed so the agent re-signs and talks to the parent without diffing state.
struct Action {
  enum class Kind {
    GenerateKey,
    Publish,
    StartSigning,
    StopSigning,
    SubmitDs,
    WithdrawDs,
    Remove,
    Revoke,  ///< RFC 5011: the key gets the REVOKE bit and self-signs the DNSKEY RRset
  };
  Kind kind;
  KeyRole role = KeyRole::ZSK;
  uint8_t algorithm = 0;
  std::string key_id;  ///< empty for GenerateKey
  uint16_t tag = 0;
  bool operator==(const Action&) const = default;
};

/// A logged state change: `subject: from -> to (reason)`.
struct Transition {
  UnixTime at = 0;
  std::string subject;  ///< "ZSK rollover", "KSK 12345", "DS 12345"
  std::string from, to, reason;
};

struct Plan {
  std::vector<Action> actions;
  std::vector<Transition> transitions;
  UnixTime next_check = kNever;  ///< call step() again no later than this
  std::string waiting_for;       ///< operator-readable: what the zone waits for
};

std::string_view to_string(RolloverKind kind);
std::string_view to_string(Phase phase);
std::string_view to_string(Action::Kind kind);
std::optional<RolloverKind> rollover_kind_from_string(std::string_view text);
std::optional<Phase> phase_from_string(std::string_view text);
/// "KSK 4711: published -> active (successor is cached)", the log line of a transition.
std::string format(const Transition& t);
/// "2h", "3d4h", "45m", "30s".
std::string format_duration(int64_t seconds);

}  // namespace ts::agent
