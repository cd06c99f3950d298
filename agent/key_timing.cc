// Key timing: state derived from a key's timestamps (RFC 7583 section 3.1).
#include "agent/key_timing.h"

namespace ts::agent {

KeyState state_at(const KeyRecord& key, UnixTime now) {
  if (reached(key.removed, now)) return KeyState::Removed;
  if (reached(key.retired, now)) return KeyState::Retired;
  if (reached(key.active, now) && reached(key.published, now)) return KeyState::Active;
  if (reached(key.ready, now)) return KeyState::Ready;
  if (reached(key.published, now)) return KeyState::Published;
  return KeyState::Generated;
}

DsState ds_state_at(const KeyRecord& key, UnixTime now) {
  if (reached(key.ds_gone, now)) return DsState::Gone;
  if (reached(key.ds_withdrawn, now)) return DsState::Withdrawn;
  if (reached(key.ds_seen, now)) return DsState::Seen;
  if (reached(key.ds_submitted, now)) return DsState::Submitted;
  return DsState::Hidden;
}

bool in_dnskey_rrset(const KeyRecord& key, UnixTime now) {
  return reached(key.published, now) && !reached(key.removed, now);
}

bool signs_dnskey_rrset(const KeyRecord& key, UnixTime now) {
  return key.has_ksk_duty() && reached(key.active, now) && !reached(key.removed, now);
}

bool signs_zone_data(const KeyRecord& key, UnixTime now, int64_t resign_lag) {
  if (!key.has_zsk_duty() || !key.active || *key.active + resign_lag > now) return false;
  return !(key.retired && *key.retired + resign_lag <= now);
}

bool ds_wanted(const KeyRecord& key) {
  return key.ds_submitted.has_value() && !key.ds_withdrawn.has_value();
}

std::string_view to_string(KeyRole role) {
  switch (role) {
    case KeyRole::KSK:
      return "KSK";
    case KeyRole::ZSK:
      return "ZSK";
    case KeyRole::CSK:
      return "CSK";
  }
  return "?";
}

std::string_view to_string(KeyState state) {
  switch (state) {
    case KeyState::Generated:
      return "generated";
    case KeyState::Published:
      return "published";
    case KeyState::Ready:
      return "ready";
    case KeyState::Active:
      return "active";
    case KeyState::Retired:
      return "retired";
    case KeyState::Removed:
      return "removed";
  }
  return "?";
}

std::string_view to_string(DsState state) {
  switch (state) {
    case DsState::Hidden:
      return "hidden";
    case DsState::Submitted:
      return "submitted";
    case DsState::Seen:
      return "seen";
    case DsState::Withdrawn:
      return "withdrawn";
    case DsState::Gone:
      return "gone";
  }
  return "?";
}

std::optional<KeyRole> key_role_from_string(std::string_view text) {
  if (text == "KSK") return KeyRole::KSK;
  if (text == "ZSK") return KeyRole::ZSK;
  if (text == "CSK") return KeyRole::CSK;
  return std::nullopt;
}

}  // namespace ts::agent
