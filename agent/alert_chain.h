// From an observation of the chain of trust (resolver::ChainReport, what `trustsync chain`
// shows) to alert conditions: chain-broken (the validator says bogus at any level, also a
// parent the agent does not manage), ds-inconsistent (a parent's servers serve different DS
// RRsets) and rogue-ds (a DS that matches no DNSKEY while the chain still validates). Each
// condition carries the evidence: what every parent server serves, which DS matches which
// key, and the validator's verdict with its reason. Pure: the caller feeds them to an
// AlertSink with set(event, active), so a cleared condition sends the recovery notice.
//
//   auto report = resolver::walk_chain(resolver, direct, zone, options);
//   for (const AlertCondition& c : chain_alert_conditions(*report, policy.notify))
//     alerts.set(c.event, c.active);
#pragma once

#include <string>
#include <vector>

#include "agent/alert_event.h"
#include "resolver/chain.h"

namespace ts::agent {

struct AlertCondition {
  AlertEvent event;
  bool active = false;
};

/// The chain-broken condition of the report's zone (active or not, always present), one
/// ds-inconsistent condition per level (subject = that level's zone), and one active
/// rogue-ds condition per unmatched DS at a level that is not bogus (subject = the DS).
std::vector<AlertCondition> chain_alert_conditions(const resolver::ChainReport& report,
                                                   const std::vector<std::string>& targets);

/// False for a walk that could not check the chain (verdict Indeterminate: no answer,
/// timeouts, SERVFAIL): such a walk neither raises chain-broken nor clears it, so a
/// resolver outage does not send a "resolved" notice for a chain that is still broken.
bool chain_walk_conclusive(const resolver::ChainReport& report);

/// The chain watch's confirmation of a break. `streak` (the caller's, per zone) counts the
/// walks in a row that found the chain broken. True: act on this walk's chain-broken
/// condition (a good walk always, a broken one from the `confirm`-th in a row on); false:
/// hold it and look again soon.
bool chain_break_confirmed(bool broken, int confirm, int& streak);

/// "DS 4711 13 2 0BADD5..." for one DS record.
std::string ds_text(const resolver::DsFields& ds);

}  // namespace ts::agent
