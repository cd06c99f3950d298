// The daemon's per-zone parent settings (TOML table `parent`, agent/policy.h ParentPolicy)
// as plain values for the parent-sync component (agent/daemon_parent.h): which method gets
// the DS to the parent, how to reach it, how often to look, and what the agent may remove.
//
//   ParentSpec p = parent_spec(policy.parent);
//   if (p.observed()) ...   // DS-seen / DS-gone come from observation, not `ds-seen`
#pragma once

#include <cstdint>
#include <string>

namespace ts::agent {

struct ParentPolicy;

struct ParentSpec {
  /// "none" | "manual" (operator confirms with ds-seen), "update", "cds", "command", "managed".
  std::string method = "none";
  std::string primary;  ///< update: "addr" / "addr#port"; "" = the parent SOA MNAME
  std::string tsig_name, tsig_algorithm = "hmac-sha256", tsig_secret_file;
  std::string tsig_key_file;        ///< BIND key file, instead of the three above
  std::string command;              ///< command: the hook
  int64_t timeout = 30;             ///< seconds per UPDATE / hook run
  int64_t poll = 3600;              ///< seconds between observations of the parent
  int64_t alert_after = 2 * 86400;  ///< parent not following for this long -> alert
  bool remove_rogue = false;
  std::string trust_anchor_file, root_hints;  ///< of the validating resolver

  /// The parent is observed: every parent server + the validated view confirm DS changes.
  bool observed() const {
    return method == "update" || method == "cds" || method == "command" || method == "managed";
  }
  /// The agent itself sends the DS set to the parent (managed: re-signs the parent zone).
  bool publishes() const {
    return method == "update" || method == "command" || method == "managed";
  }
  bool operator==(const ParentSpec&) const = default;
};

ParentSpec parent_spec(const ParentPolicy& p);

}  // namespace ts::agent
