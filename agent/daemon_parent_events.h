// What parent sync's findings mean for people and monitoring beyond the alert itself: an
// audit record for every rogue DS found and for its disappearance (removed by the agent or
// by the parent's operator), and the per-zone DS-state gauge (rogue > missing >
// inconsistent > ok). The bridge sits between DaemonParent's alert callback and the
// daemon's events, and passes every alert on unchanged.
//
//   ParentEventBridge bridge([this]() -> DaemonEvents& { return *events_; });
//   parent->set_alert_callback([&](const AlertEvent& e, bool f) { bridge.alert(e, f); });
//   bridge.observed("sub.example.test.", now);   // after each successful observation
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "agent/alert_event.h"
#include "agent/daemon_events.h"

namespace ts::agent {

class ParentEventBridge {
 public:
  explicit ParentEventBridge(std::function<DaemonEvents&()> events) : events_(std::move(events)) {}

  /// An alert from parent sync: audited if it is about a rogue DS, then passed on.
  void alert(const AlertEvent& e, bool firing);
  /// A successful observation of the zone's parent at `when`.
  void observed(const std::string& zone, UnixTime when);

  /// "rogue", "missing", "inconsistent" or "ok" for the zone's active parent alerts.
  std::string ds_state(const std::string& zone) const;

 private:
  std::function<DaemonEvents&()> events_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, AlertKind>> active_;  // zone -> dedup key -> kind
};

}  // namespace ts::agent
