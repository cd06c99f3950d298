// Rollover planner: the RFC 6781 / RFC 7583 key rollovers of one zone as a pure function of
// its durable state, the timing terms, the time and what the parent serves. step() moves
// every rollover in progress as far as the clock and the parent allow, starts the rollovers
// whose time has come, and returns what the agent must do and when to call again. It never
// reads a clock, never sleeps, never generates keys (it asks for them: add_key()).
//
//   Plan p = step(zone, policy, timing, now, *store.parent_view(zone.zone));
//   for (const Action& a : p.actions)  // keys asked for come from the pool
//     if (a.kind == Action::Kind::GenerateKey)
//       add_key(zone, policy, to_key_record(*pool.take({a.algorithm, bits}), a.role, now), now);
//   // ...and step() again at once (p.next_check == now). Then:
//   store.save_step(zone, p.transitions);  // durable first,
//   resign(zone, now), sync_parent(zone);  // then act on the desired state,
//   mark_applied(zone, now), store.save_step(zone, {});  // and record that it is live;
//   scheduler.at(p.next_check);
//   // At start-up, before the first step(): restamp_unapplied(zone, now).
//
// Safety rules (asserted by tests/unit/agent/validator_model_test.cc): a KSK rollover moves
// past "DS submitted" only when the ParentView shows the new DS, no DS is withdrawn and no
// KSK removed before its successor's DS is confirmed and cached, and every wait is computed
// from Timing. Islands (policy.rfc5011, parent method "tar") roll KSK/CSK by RFC 5011 instead:
// gated on hold-downs and on ParentView::anchor_since / anchor_ended_since (every
// trust-anchor repository serves the right document), never on a DS; see
// agent/rollover_rfc5011.cc. After a restart the agent must re-derive the DNSKEY set, the signing
// keys and the wanted DS set from the key timestamps (key_timing.h) before acting: actions only say
// what changed.
#pragma once

#include <string>

#include "agent/rollover_state.h"
#include "common/result.h"

namespace ts::agent {

/// Advances `zone` to `now`. Waiting on the parent contributes no next_check (the agent
/// calls step() again when its ParentView changes).
Plan step(ZoneKeyState& zone, const RolloverPolicy& policy, const Timing& timing, UnixTime now,
          const ParentView& parent);

/// Hands a freshly generated (unpublished) key to the rollover that asked for it. Fails when
/// no rollover wants a key of that role and algorithm, or the tag collides with a live key.
Status add_key(ZoneKeyState& zone, const RolloverPolicy& policy, KeyRecord key, UnixTime now);

/// Starts a rollover of `role` now (`trustsync rollover ZONE --ksk`); the KSK method comes
/// from the policy. Fails when a conflicting rollover is in progress.
Result<Transition> request_rollover(ZoneKeyState& zone, const RolloverPolicy& policy, KeyRole role,
                                    UnixTime now);

/// Records that every change stamped up to `now` is live (signed zone written and loaded,
/// parent told).
void mark_applied(ZoneKeyState& zone, UnixTime now);

/// After a restart: changes stamped at or after `applied_through` may never have reached the
/// servers (killed between saving a step and publishing it). Their timestamps move to `now`,
/// so every wait counts from the moment the change really goes out; later is always the safe
/// side, for introductions and removals alike. Returns the logged transitions.
std::vector<Transition> restamp_unapplied(ZoneKeyState& zone, UnixTime now);

/// Drops keys removed before `before` that no rollover refers to any more.
void purge_removed(ZoneKeyState& zone, UnixTime before);

/// The DS records the parent should serve now: keys whose DS was submitted and not withdrawn.
std::vector<DsId> wanted_ds(const ZoneKeyState& zone);

}  // namespace ts::agent
