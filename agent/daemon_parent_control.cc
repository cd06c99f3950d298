// Daemon control for parent sync: `trustsync parent ZONE --config FILE` (control request
// "parent-poll ZONE") observes the zone's parent now instead of at the next poll.
#include "agent/daemon.h"
#include "agent/daemon_parent.h"

namespace ts::agent {

Status Daemon::parent_poll(const std::string& zone) {
  auto z = find(zone);
  if (!z) return fail("no zone " + zone);
  {
    std::lock_guard lock(z->mu);
    if (!z->spec.parent.observed())
      return fail("zone " + zone + ": parent method \"" + z->spec.parent.method +
                  "\" is not observed (use update, cds, command or managed)");
  }
  parent_->request_poll(zone);
  sched_->schedule(clock_.now(), zone, EventKind::Maintain);
  return {};
}

}  // namespace ts::agent
