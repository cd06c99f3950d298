// Zone record -> metrics (see daemon_metrics.h).
#include "agent/daemon_metrics.h"

#include <cctype>
#include <map>
#include <set>
#include <utility>

namespace ts::agent {

const char* rollover_metric_kind(RolloverKind k) {
  switch (k) {
    case RolloverKind::Zsk:
      return "zsk";
    case RolloverKind::KskDoubleKsk:
    case RolloverKind::KskDoubleDs:
    case RolloverKind::KskRfc5011:
      return "ksk";
    case RolloverKind::Csk:
    case RolloverKind::CskRfc5011:
      return "csk";
    case RolloverKind::Algorithm:
      return "algorithm";
    case RolloverKind::Initial:
      return "initial";
  }
  return "unknown";
}

void update_zone_metrics(MetricsRegistry& reg, TrustSyncMetrics& m, const std::string& zone,
                         const ZoneRecord& rec, UnixTime now, ZoneMetricsShown& shown) {
  static const char* kKeys = "trustsync_keys";
  static const char* kRollover = "trustsync_rollover_in_progress";
  auto lower = [](std::string_view v) {
    std::string s(v);
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  // Keys: only (role, state) pairs holding a key are series (absent = 0); a pair that empties
  // is removed by its exact labels. A zone has 2-4 series instead of 18: 100,000 zones fit.
  std::map<std::pair<std::string, std::string>, int64_t> count;
  for (const auto& k : rec.keys.keys)
    ++count[{lower(to_string(k.role)), lower(to_string(state_at(k, now)))}];
  for (const auto& pair : shown.keys)
    if (!count.count(pair))
      reg.remove(kKeys, {{"zone", zone}, {"role", pair.first}, {"state", pair.second}});
  shown.keys.clear();
  for (const auto& [pair, n] : count) {
    m.set_keys(zone, pair.first, pair.second, n);
    shown.keys.insert(pair);
  }
  if (rec.expires > 0) m.set_signature_expiry(zone, rec.expires);
  // Rollovers: TrustSyncMetrics::set_rollover would scan the family; set and remove exactly.
  std::map<std::string, std::string> rollovers;
  for (const auto& r : rec.keys.rollovers)
    rollovers[rollover_metric_kind(r.kind)] = std::string(to_string(r.phase));
  for (const auto& [kind, phase] : shown.rollovers) {
    auto it = rollovers.find(kind);
    if (it == rollovers.end() || it->second != phase)
      reg.remove(kRollover, {{"zone", zone}, {"kind", kind}, {"phase", phase}});
  }
  for (const auto& [kind, phase] : rollovers)
    reg.set(kRollover, {{"zone", zone}, {"kind", kind}, {"phase", phase}}, 1);
  shown.rollovers = std::move(rollovers);
}

}  // namespace ts::agent
