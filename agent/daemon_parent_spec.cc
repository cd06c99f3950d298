// ParentPolicy (config) -> ParentSpec (daemon parent sync).
#include "agent/daemon_parent_spec.h"

#include "agent/policy.h"

namespace ts::agent {

ParentSpec parent_spec(const ParentPolicy& p) {
  ParentSpec s;
  s.method = to_string(p.method);
  s.primary = p.primary;
  s.tsig_name = p.tsig_key_name;
  s.tsig_algorithm = p.tsig_algorithm;
  s.tsig_secret_file = p.tsig_secret_file;
  s.tsig_key_file = p.tsig_key_file;
  s.command = p.command;
  s.timeout = p.timeout.seconds;
  s.poll = p.poll_interval.seconds;
  s.alert_after = p.alert_after.seconds;
  // Only where the agent has authority over the parent's DS set.
  s.remove_rogue =
      p.remove_rogue && (p.method == ParentMethod::Update || p.method == ParentMethod::Managed);
  s.trust_anchor_file = p.trust_anchor_file;
  s.root_hints = p.root_hints;
  return s;
}

}  // namespace ts::agent
