// The alert conditions the daemon itself watches: signatures close to expiry while signing
// fails (from each maintenance pass), and each zone's chain of trust (ChainObserver: the
// validator's walk from the trust anchor down, as `trustsync chain` does, with a fresh
// libunbound context per observation so a repaired chain shows at once). DaemonWatch feeds
// the conditions to its AlertManager; nothing here sends anything.
//
//   auto c = signatures_expiring_condition(spec, rec, now, error);
//   if (c) alerts.set(c->event, c->active);
//   auto obs = ChainObserver::create(settings.chain_watch);
//   auto report = (*obs)->observe("example.test.", now);   // Result<resolver::ChainReport>
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "agent/alert_chain.h"
#include "agent/daemon_store.h"
#include "agent/policy.h"
#include "resolver/chain.h"
#include "resolver/resolver.h"

namespace ts::agent {

/// After a maintenance pass of `spec`: an active signatures-expiring condition when the pass
/// failed (`error` not empty) and the zone is past its re-sign point or has less validity
/// left than the refresh margin; an inactive one (recovery) when the pass succeeded; nullopt
/// when it failed with time to spare (an alert raised earlier stays).
std::optional<AlertCondition> signatures_expiring_condition(const ZoneSpec& spec,
                                                            const ZoneRecord& rec, UnixTime now,
                                                            const std::string& error);

class ChainObserver {
 public:
  /// Reads the trust anchors (IANA root anchors when none are configured) and root hints.
  static Result<std::unique_ptr<ChainObserver>> create(const ChainWatchSettings& settings);
  /// One walk of `zone`'s chain with a fresh validator. Fails when nothing could be asked.
  Result<resolver::ChainReport> observe(const std::string& zone, UnixTime now);

 private:
  resolver::ResolverOptions resolver_options_;
  resolver::ChainOptions chain_options_;
  int timeout_ms_ = 3000;
};

}  // namespace ts::agent
