// Parent sync decisions, pure (no I/O, no clock): our KSK/CSK keys as parentsync sees them,
// and what one observation of the parent means for the zone: the ParentView (missing, rogue,
// stale, agreement), the DS-seen / DS-gone "since" maps the rollover planner consumes (a DS
// counts as seen only when EVERY parent server serves it validly signed, it is in the
// validated view, and the child's DNSKEY RRset validates through the resolver, with the key
// itself when it is published), the alert conditions that hold now, and what the zone waits
// for, in words. agent/daemon_parent.cc does the I/O around it.
//
//   auto ours = parent_keys(rec.keys, dnskey_rdata_by_id, now);
//   ParentRound r = assess_round(in, ours, obs, chain);
//   rec.ds_seen = r.present_since;  rec.ds_gone = r.absent_since;
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/alert_event.h"
#include "agent/daemon_parent_spec.h"
#include "agent/rollover_state.h"
#include "parentsync/correction.h"
#include "parentsync/ds_assessment.h"

namespace ts::agent {

namespace ps = ts::parentsync;

/// Our keys with KSK duty (history included), mapped to parentsync's view: DS wanted ->
/// Active/Published with ds_submitted; withdrawn, retired or removed -> Retired (its DS is
/// stale); otherwise Published/Planned (its DS is neither expected nor stale). Keys whose
/// DNSKEY rdata is not in `rdata` (by key id) are left out.
std::vector<ps::OurKey> parent_keys(const ZoneKeyState& zone,
                                    const std::map<std::string, ps::Bytes>& rdata, UnixTime now);

/// The child's own DNSKEY RRset as the validating resolver sees it.
struct ChainCheck {
  bool secure = false;
  std::vector<ps::Bytes> dnskeys;  ///< validated DNSKEY rdata
  std::string why;                 ///< when not secure
};

struct RoundInput {
  std::string zone;
  const ParentSpec* spec = nullptr;
  const ZoneKeyState* keys = nullptr;
  std::map<DsId, UnixTime> present_since, absent_since;  ///< as stored
  UnixTime now = 0;
  int64_t disagree_for = 0;          ///< seconds the servers have disagreed / been unreachable
  int64_t parent_prop = 3600;        ///< the policy's parent propagation delay
  std::vector<std::string> targets;  ///< alert targets (policy notify), may be empty
};

struct ParentRound {
  ps::ParentView view;
  ps::Correction correction;
  std::map<DsId, UnixTime> present_since, absent_since;  ///< updated
  std::vector<AlertEvent> alerts;                        ///< every alert condition that holds now
  std::string waiting;                                   ///< "" = nothing to wait for at the parent
};

/// What an observation (`obs`, with `chain`) means. `ours` from parent_keys().
ParentRound assess_round(const RoundInput& in, const std::vector<ps::OurKey>& ours,
                         const ps::ParentObservation& obs, const ChainCheck& chain);

/// The round when the parent could not be observed at all: nothing new is confirmed
/// (unconfirmed entries are dropped from the maps), the zone waits, and, for a zone with a
/// DS change pending longer than alert-after, RolloverWaiting holds.
ParentRound unobservable_round(const RoundInput& in, const std::string& error);

/// The DS set to send when the planner changed what it wants (ours after the step) against
/// the last observation; `needed` false when it is already served everywhere.
ps::Correction desired_ds(const std::string& zone, const ParentSpec& spec,
                          const std::vector<ps::OurKey>& ours, const ps::ParentObservation& obs);

}  // namespace ts::agent
