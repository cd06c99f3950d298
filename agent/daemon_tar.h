// Trust anchors for zones under an unsigned parent (issue 7): on every pass of a zone with
// `trust-anchors` targets, the RFC 9718 anchor document of its KSKs/CSKs is handed to the
// zone's TarZonePublisher (agent/daemon_tar_zone.h), which publishes a changed document to
// every target that does not serve it yet ("file:/dir", "https://host/path", "dlv:ZONE@ADDR",
// agent/daemon_tar_targets.h), reads every target back, raises and resolves
// publication-failing, backs off, and re-reads served documents to catch tampering. What
// the targets were confirmed to serve goes into the zone's durable record (ZoneRecord::
// anchor_targets / anchor_current / anchor_ended): the island (RFC 5011) rollover of the
// planner is gated on it (agent/daemon_tar_rollover.cc), and a restart only reads back
// what was confirmed before instead of publishing it again.
//
// Document per key (KSK/CSK): validFrom = published; validUntil = retired (an island
// rollover retires the old key at its switch); a revoked key stays in the document as
// history after its removal, with its validUntil, like IANA's KSK-2010.
//
//   DaemonTar tar(log);  tar.set_alert_callback(daemon.alert_callback());
//   TarPass p = tar.publish(spec, rec, keystore, now);   // rec's anchor maps may change
//   if (p.record_changed) save(rec);  if (p.next) schedule(p.next);
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/daemon_events.h"
#include "agent/daemon_policy.h"
#include "agent/daemon_store.h"
#include "agent/log.h"
#include "agent/rollover_state.h"

namespace ts::signer {
class KeyStore;
}

namespace ts::agent {

class TarZonePublisher;

/// Identifies the zone's `trust-anchors` target list (SHA-256 hex of the targets): the
/// confirmations in ZoneRecord::anchor_current / anchor_ended hold for this list only.
std::string anchor_targets_id(const ZoneSpec& spec);

struct TarPass {
  UnixTime next = 0;             ///< when to call again (0 = no targets / nothing due)
  bool record_changed = false;   ///< rec's anchor maps changed: save the record
  bool anchors_changed = false;  ///< what every target serves changed: run the planner again
  unsigned uploads = 0;          ///< uploads made in this pass (over all targets)
};

class DaemonTar {
 public:
  explicit DaemonTar(Logger& log);
  ~DaemonTar();
  void set_alert_callback(AlertCallback cb) { alert_ = std::move(cb); }

  /// Brings the zone's repositories up to date when due and records in `rec` what every
  /// target was confirmed to serve.
  TarPass publish(const ZoneSpec& spec, ZoneRecord& rec, const signer::KeyStore& store,
                  UnixTime now);
  /// "  trust anchors: ..." lines for `trustsync status` ("" for zones without targets).
  std::string status_text(const std::string& zone);

 private:
  struct Zone {
    std::string settings;  // targets, CA, token, method and DLV key the publisher was made with
    std::unique_ptr<TarZonePublisher> publisher;
    std::string status;
  };
  void report(const ZoneSpec& spec, const std::string& problem);

  Logger& log_;
  AlertCallback alert_;
  std::mutex mu_;
  std::map<std::string, Zone> zones_;
};

}  // namespace ts::agent
