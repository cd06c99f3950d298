// Zone record -> metrics (see daemon_metrics.h).
#include "agent/daemon_metrics.h"

#include <cctype>
#include <map>
#include <set>

namespace ts::agent {

const char* rollover_metric_kind(RolloverKind k) {
  switch (k) {
    case RolloverKind::Zsk:
      return "zsk";
    case RolloverKind::KskDoubleKsk:
    case RolloverKind::KskDoubleDs:
      return "ksk";
    case RolloverKind::Csk:
      return "csk";
    case RolloverKind::Algorithm:
      return "algorithm";
    case RolloverKind::Initial:
      return "initial";
  }
  return "unknown";
}

void update_zone_metrics(TrustSyncMetrics& m, const std::string& zone, const ZoneRecord& rec,
                         UnixTime now) {
  // Every (role, state) pair seen so far stays as a series (0 when no key is in it), so a key
  // moving on shows as a drop rather than as a vanished series.
  static constexpr KeyRole kRoles[] = {KeyRole::KSK, KeyRole::ZSK, KeyRole::CSK};
  static constexpr KeyState kStates[] = {KeyState::Generated, KeyState::Published,
                                         KeyState::Ready,     KeyState::Active,
                                         KeyState::Retired,   KeyState::Removed};
  std::map<std::pair<KeyRole, KeyState>, int64_t> count;
  std::set<KeyRole> roles;
  for (const auto& k : rec.keys.keys) {
    ++count[{k.role, state_at(k, now)}];
    roles.insert(k.role);
  }
  auto lower = [](std::string_view v) {
    std::string s(v);
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (KeyRole r : kRoles) {
    if (!roles.count(r)) continue;
    for (KeyState st : kStates) {
      auto it = count.find({r, st});
      m.set_keys(zone, lower(to_string(r)), lower(to_string(st)),
                 it == count.end() ? 0 : it->second);
    }
  }
  if (rec.expires > 0) m.set_signature_expiry(zone, rec.expires);
  std::set<std::string> running;
  for (const auto& r : rec.keys.rollovers) {
    const char* kind = rollover_metric_kind(r.kind);
    running.insert(kind);
    m.set_rollover(zone, kind, std::string(to_string(r.phase)));
  }
  for (const char* kind : {"zsk", "ksk", "csk", "algorithm", "initial"})
    if (!running.count(kind)) m.clear_rollover(zone, kind);
}

}  // namespace ts::agent
