// What the daemon reports to the rest of the agent while it works: zone records saved (for
// the audit log), signing passes (metrics), each maintenance pass's outcome (metrics and the
// signatures-expiring alert), configuration loads, and the two entry points other daemon
// components use: alert(event, firing) to raise or resolve an alert, parent_observed() for
// the "seconds since the last parent observation" gauge, ds_state() for the DS state gauge,
// audit() for their own audit records.
// The base class does nothing: a Daemon without a watch (unit tests) runs unchanged. The
// real implementation is DaemonWatch (agent/daemon_watch.h). Calls come from the scheduler's
// workers, the control thread and the signal loop; implementations must be thread-safe and
// must never block on the network (signing goes on whatever an alert target does).
//
//   daemon.set_events(watch.get());
//   parent_sync.set_alert_callback(daemon.alert_callback());   // one line to merge (late-bound)
//   daemon.events().parent_observed("example.test.", now);
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "agent/alert_event.h"
#include "common/clock.h"

namespace ts::agent {

struct ZoneSpec;
struct ZoneRecord;
struct DaemonConfig;
struct AuditRecord;  // agent/audit_log.h

/// How components raise (firing = true) and resolve (false) alerts.
using AlertCallback = std::function<void(const AlertEvent&, bool firing)>;

class DaemonEvents {
 public:
  virtual ~DaemonEvents() = default;

  /// A zone's record changed and was saved durably: `how` says by what ("planner",
  /// "imported", "rollover command", "ds-seen command"). The actor is current_actor().
  virtual void zone_saved(const ZoneSpec& /*spec*/, const ZoneRecord& /*before*/,
                          const ZoneRecord& /*after*/, UnixTime /*now*/,
                          const std::string& /*how*/) {}
  /// A signed output was written: `rrsigs` signatures made in `seconds`.
  virtual void zone_signed(const ZoneSpec& /*spec*/, const ZoneRecord& /*rec*/, size_t /*rrsigs*/,
                           double /*seconds*/) {}
  /// A maintenance pass ended; `error` is empty on success.
  virtual void zone_result(const ZoneSpec& /*spec*/, const ZoneRecord& /*rec*/, UnixTime /*now*/,
                           const std::string& /*error*/) {}
  /// The configuration was loaded ("start") or reloaded ("reload").
  virtual void config_loaded(const DaemonConfig& /*cfg*/, const std::string& /*how*/) {}
  /// A zone left the configuration.
  virtual void zone_dropped(const std::string& /*zone*/) {}

  // ---- for other daemon components ----
  /// Raises (firing) or resolves an alert; never blocks.
  virtual void alert(const AlertEvent& /*e*/, bool /*firing*/) {}
  /// The parent of `zone` was observed successfully at `when` (metrics).
  virtual void parent_observed(const std::string& /*zone*/, UnixTime /*when*/) {}
  /// The zone's DS state at the parent ("ok", "missing", "rogue", "stale", "inconsistent",
  /// "unsigned-parent", "unknown": kDsStates of agent/metrics_trustsync.h) for metrics.
  virtual void ds_state(const std::string& /*zone*/, const std::string& /*state*/) {}
  /// Writes one audit record (actor filled in by the caller).
  virtual void audit(const AuditRecord& /*r*/) {}

  /// alert() as a callback.
  AlertCallback alert_callback() {
    return [this](const AlertEvent& e, bool firing) { alert(e, firing); };
  }
};

}  // namespace ts::agent
