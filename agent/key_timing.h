// Key timing: one DNSSEC key's life as a set of timestamps (RFC 7583 section 3.1), and the
// state at any instant computed from them. Nothing here is stored as "the state": the
// planner (agent/rollover_planner.h) only ever sets timestamps, and every reader derives
// what a key is doing at `now` with state_at()/in_dnskey_rrset()/signs_*().
//
//   KeyRecord k{.id = "k1", .role = KeyRole::ZSK, .algorithm = 13, .tag = 4711};
//   k.published = t0;  k.active = t0 + 3900;
//   state_at(k, t0 + 60) == KeyState::Published
//
// Timestamps are only ever set to the instant the event happened (never in the future), so
// the whole history of a zone's published DNSKEY set and signatures is a pure function of
// its key records: the validator model in the tests relies on that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace ts::agent {

enum class KeyRole { KSK, ZSK, CSK };

/// RFC 7583 key states (section 3.1), as far as the DNSKEY record goes.
enum class KeyState { Generated, Published, Ready, Active, Retired, Removed };

/// The key's DS at the parent, as far as we asked for it and saw it.
enum class DsState { Hidden, Submitted, Seen, Withdrawn, Gone };

struct KeyRecord {
  std::string id;  ///< the key's id in the KeyStore (private material never lives here)
  KeyRole role = KeyRole::ZSK;
  uint8_t algorithm = 0;
  uint16_t tag = 0;
  std::optional<UnixTime> generated;
  std::optional<UnixTime> published;  ///< DNSKEY put into the zone
  std::optional<UnixTime> ready;      ///< DNSKEY known to be in every validator's cache
  std::optional<UnixTime> active;     ///< starts signing (may precede `published`: RFC 6781 4.1.4)
  std::optional<UnixTime> retired;    ///< stops signing zone data (KSK: no longer the trust anchor)
  std::optional<UnixTime> ds_submitted;  ///< DS asked for at the parent
  std::optional<UnixTime> ds_seen;  ///< parent confirmed: DS served (omnipresent at the parent)
  std::optional<UnixTime> ds_withdrawn;  ///< DS removal asked for at the parent
  std::optional<UnixTime> ds_gone;       ///< parent confirmed: DS no longer served
  std::optional<UnixTime> revoked;  ///< RFC 5011 REVOKE bit set (island rollover): still self-signs
  std::optional<UnixTime> removed;  ///< DNSKEY taken out of the zone

  bool has_ksk_duty() const { return role != KeyRole::ZSK; }
  bool has_zsk_duty() const { return role != KeyRole::KSK; }
  bool operator==(const KeyRecord&) const = default;
};

/// True when `t` is set and not later than `now`.
inline bool reached(const std::optional<UnixTime>& t, UnixTime now) {
  return t && *t <= now;
}

/// The RFC 7583 state of the key's DNSKEY at `now` (the latest event reached wins).
KeyState state_at(const KeyRecord& key, UnixTime now);

/// The state of the key's DS at the parent at `now`.
DsState ds_state_at(const KeyRecord& key, UnixTime now);

/// The DNSKEY is in the zone's DNSKEY RRset at `now`.
bool in_dnskey_rrset(const KeyRecord& key, UnixTime now);

/// The key signs the DNSKEY RRset at `now` (KSK/CSK from `active` until `removed`).
bool signs_dnskey_rrset(const KeyRecord& key, UnixTime now);

/// The key's signatures cover zone data at `now` (ZSK/CSK from `active` until `retired`).
/// `resign_lag` shifts both ends: an RRset re-signed that many seconds after a signing-key
/// change (gradual re-signing, RFC 7583 Dsgn) still carries the old key's signature.
bool signs_zone_data(const KeyRecord& key, UnixTime now, int64_t resign_lag = 0);

/// The DS is wanted at the parent: submitted and not withdrawn.
bool ds_wanted(const KeyRecord& key);

std::string_view to_string(KeyRole role);
std::string_view to_string(KeyState state);
std::string_view to_string(DsState state);
std::optional<KeyRole> key_role_from_string(std::string_view text);

}  // namespace ts::agent
