// Who the current thread acts for, for the audit log: "agent" unless an ActorScope is open
// (the control socket opens one per request with the peer's uid from SO_PEERCRED; the signal
// loop opens one for SIGHUP with the sender's uid). Thread-local, nestable.
//
//   { ActorScope who(audit_actor_uid(peer.uid)); daemon.rollover(...); }  // audited as uid:N
//   current_actor();  // "agent" again
#pragma once

#include <string>

namespace ts::agent {

/// The innermost open ActorScope's actor on this thread, or "agent".
std::string current_actor();

class ActorScope {
 public:
  explicit ActorScope(std::string actor);
  ~ActorScope();
  ActorScope(const ActorScope&) = delete;
  ActorScope& operator=(const ActorScope&) = delete;

 private:
  std::string previous_;
  bool had_previous_;
};

}  // namespace ts::agent
