// plan_correction: expected DS added, stale removed, rogue removed if allowed.
#include "parentsync/correction.h"

#include <algorithm>

namespace ts::parentsync {

Correction plan_correction(const Name& child, const std::vector<OurKey>& keys,
                           const ParentObservation& obs, const ParentView& view,
                           const CorrectionPolicy& policy) {
  Correction c;
  if (view.parent_insecure || !view.unreachable.empty() || !view.bogus.empty() ||
      obs.servers.empty())
    return c;
  // What the parent serves now: the union over the servers (they may disagree).
  std::vector<DsRecord> served;
  for (const auto& s : obs.servers) served.insert(served.end(), s.ds.begin(), s.ds.end());
  served = canonical_set(std::move(served));

  auto is_in = [](const std::vector<DsFinding>& list, const DsRecord& ds) {
    return std::any_of(list.begin(), list.end(), [&](const DsFinding& f) { return f.ds == ds; });
  };
  for (const DsRecord& ds : served) {
    if (is_in(view.stale, ds) && policy.remove_stale) {
      c.reasons.push_back("remove stale " + ds.to_text(child, 0));
      continue;
    }
    if (is_in(view.rogue, ds)) {
      if (policy.remove_rogue) {
        c.reasons.push_back("remove rogue " + ds.to_text(child, 0));
        continue;
      }
      c.reasons.push_back("keep rogue " + ds.to_text(child, 0) +
                          " (policy does not allow removing it: alert the operator)");
    }
    c.desired.push_back(ds);
  }
  for (const OurKey& k : keys) {
    if (!k.ds_expected()) continue;
    bool present = std::any_of(c.desired.begin(), c.desired.end(), [&](const DsRecord& ds) {
      return ds_matches_dnskey(ds, child, k.dnskey_rdata);
    });
    if (present) continue;
    auto ds = make_ds(child, k.dnskey_rdata, policy.digest_type);
    if (!ds) {
      c.reasons.push_back("cannot compute the DS of key " + std::to_string(k.tag) + ": " +
                          ds.error().message);
      continue;
    }
    c.desired.push_back(*ds);
    c.reasons.push_back("add DS of key " + std::to_string(k.tag) + " (" +
                        std::string(to_string(k.state)) + ")");
  }
  c.desired = canonical_set(std::move(c.desired));
  // Needed when any server's set differs from the desired one (this also re-pushes a DS that
  // only some servers lack: the UPDATE makes the primary's copy, the lagging secondary
  // follows; for disagreement alone the publisher sees "no change" at the primary).
  for (const auto& s : obs.servers)
    if (canonical_set(s.ds) != c.desired) c.needed = true;
  return c;
}

}  // namespace ts::parentsync
