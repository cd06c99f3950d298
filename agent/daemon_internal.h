// Shared by the daemon's own files (daemon.cc, daemon_keys.cc, daemon_control.cc): the
// planner's view of a zone's policy, and a key just given to a zone.
#pragma once

#include <memory>
#include <optional>

#include "agent/daemon.h"
#include "agent/key_pool.h"
#include "agent/rollover_planner.h"
#include "signer/crypto.h"

namespace ts::agent {

/// The rollover planner's policy and timing terms for a zone.
RolloverPolicy planner_policy(const ZoneSpec& s);
Timing planner_timing(const ZoneSpec& s);

/// A key the daemon just gave a zone: its planner record, and either the pooled key it
/// came from or the private key generated on the spot.
struct Daemon::NewKey {
  KeyRecord rec;
  std::optional<PooledKey> pooled;            // taken from the pool
  std::unique_ptr<signer::PrivateKey> fresh;  // generated now
};

}  // namespace ts::agent
