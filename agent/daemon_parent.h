// The daemon's parent sync (issue 5): per zone whose parent method is observed (update, cds,
// command, managed), on a schedule (`poll`) and when the rollover planner changes the DS it
// wants, it observes the parent through parentsync (every parent server directly, each
// answer checked against the parent's validated DNSKEYs, plus the validated view of a fresh
// libunbound context, plus the child's own DNSKEY through the resolver), turns that into the
// planner's DS-seen / DS-gone "since" maps (ZoneRecord::ds_seen / ds_gone, durable), submits
// the DS set through the configured publisher (update, command; managed: a re-signing of the
// parent zone, agent/daemon_managed.h) when it differs (idempotent,
// capped backoff between failed rounds), removes rogue DS where allowed, re-submits a
// missing one, and raises alerts through a callback (logged when none is set). It never
// confirms or sends anything while a parent server does not answer or does not validate.
// Methods none/manual leave everything to `trustsync ds-seen`.
//
//   DaemonParent parent(clock, log);  parent.attach(keystore);
//   parent.set_alert_callback([&](const AlertEvent& e, bool firing) { ... });
//   parent.observe(spec, rec, now);     // before the planner step (rec's maps change)
//   ... step, save, sign ...
//   parent.publish(spec, rec, now);     // after the zone is written
//   sched.schedule(parent.next_event(spec.name), ...);
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "agent/alert_event.h"
#include "agent/daemon_parent_logic.h"
#include "agent/daemon_policy.h"
#include "agent/daemon_store.h"
#include "agent/log.h"
#include "common/clock.h"
#include "parentsync/publisher.h"

namespace ts::signer {
class KeyStore;
}
namespace ts::resolver {
class Resolver;
}

namespace ts::agent {

class ManagedZones;  // agent/daemon_managed.h

/// Called when an alert condition starts (firing = true) or ends (false). Each (kind, zone,
/// subject) fires once until it is resolved.
using ParentAlertCallback = std::function<void(const AlertEvent&, bool firing)>;

class DaemonParent {
 public:
  DaemonParent(const Clock& clock, Logger& log);
  ~DaemonParent();

  /// The key store the DNSKEYs come from (the daemon attaches it in start()).
  void attach(signer::KeyStore& keys) { keys_ = &keys; }

  void set_alert_callback(ParentAlertCallback cb);
  /// Parent method `managed`: the parent zones this daemon signs (set before start()).
  void set_managed(ManagedZones* managed) { managed_ = managed; }
  /// Observe `zone` at its next maintenance, whatever the poll schedule says.
  void request_poll(const std::string& zone);

  /// Before the planner step: observes the parent when due and updates rec.ds_seen /
  /// rec.ds_gone. No-op for methods none/manual. Never fails the zone: problems are status,
  /// log and alerts.
  void observe(const ZoneSpec& spec, ZoneRecord& rec, UnixTime now);
  /// After the zone was signed and written: sends the DS set when it differs from what the
  /// parent serves (update, command). No-op when nothing changed.
  void publish(const ZoneSpec& spec, const ZoneRecord& rec, UnixTime now);

  /// When the zone next needs the parent (poll or publication retry); kNever for none/manual.
  UnixTime next_event(const std::string& zone) const;
  /// When the parent of `zone` was last observed successfully (0 = never).
  UnixTime observed_at(const std::string& zone) const;
  /// "  parent:  ..." lines for `trustsync status` ("" for none/manual).
  std::string status_text(const std::string& zone) const;
  /// A JSON object for `trustsync status --json` ("null" for none/manual).
  std::string status_json(const std::string& zone) const;

 private:
  struct ZoneState;
  ZoneState& state(const std::string& zone);  // mu_ held
  void emit(ZoneState& z, const std::string& zone, const std::vector<AlertEvent>& holding,
            const std::set<AlertKind>& kinds);
  std::map<std::string, ps::Bytes> dnskeys(ZoneState& z, const ZoneSpec& spec,
                                           const ZoneRecord& rec);
  Result<std::unique_ptr<ps::ParentPublisher>> make_publisher(const ZoneSpec& spec);

  const Clock& clock_;
  Logger& log_;
  signer::KeyStore* keys_ = nullptr;
  ManagedZones* managed_ = nullptr;
  mutable std::mutex mu_;  // zones_ and the callback (zone work itself is under the zone lock)
  std::map<std::string, std::unique_ptr<ZoneState>> zones_;
  ParentAlertCallback alert_;
  std::unique_ptr<ps::RandomSource> random_;
  std::unique_ptr<ps::Sleeper> sleeper_;
};

}  // namespace ts::agent
