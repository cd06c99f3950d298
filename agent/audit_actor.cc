// Thread-local actor for audit records (see audit_actor.h).
#include "agent/audit_actor.h"

#include <optional>

#include "agent/audit_log.h"

namespace ts::agent {
namespace {
thread_local std::optional<std::string> t_actor;
}

std::string current_actor() {
  return t_actor ? *t_actor : kAuditActorAgent;
}

ActorScope::ActorScope(std::string actor) : had_previous_(t_actor.has_value()) {
  if (had_previous_) previous_ = *t_actor;
  t_actor = std::move(actor);
}

ActorScope::~ActorScope() {
  if (had_previous_)
    t_actor = previous_;
  else
    t_actor.reset();
}

}  // namespace ts::agent
