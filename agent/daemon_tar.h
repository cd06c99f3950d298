// Trust anchors for zones under an unsigned parent (issue 7, first step in the daemon): on
// every pass of a zone with `trust-anchors` targets, the RFC 9718 anchor document of its
// KSKs/CSKs in the DNSKEY RRset is handed to the zone's TarZonePublisher
// (agent/daemon_tar_zone.h), which publishes a changed document to every target ("file:/dir"
// or "https://host/path", agent/daemon_tar_targets.h), reads the targets back, raises and
// resolves publication-failing, backs off, and re-reads served documents to catch
// tampering. publish() returns when the zone wants its next pass for that. Not yet: the KSK
// rollover does not wait for the repositories, and RFC 5011 revocation is not driven from
// here (tar/rfc5011_rollover).
//
//   DaemonTar tar(log);  tar.set_alert_callback(daemon.alert_callback());
//   if (UnixTime t = tar.publish(spec, rec.keys, keystore, now)) schedule(t);
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/daemon_events.h"
#include "agent/daemon_policy.h"
#include "agent/log.h"
#include "agent/rollover_state.h"

namespace ts::signer {
class KeyStore;
}

namespace ts::agent {

class TarZonePublisher;

class DaemonTar {
 public:
  explicit DaemonTar(Logger& log);
  ~DaemonTar();
  void set_alert_callback(AlertCallback cb) { alert_ = std::move(cb); }

  /// Brings the zone's repositories up to date when due; returns when to call again
  /// (0 = the zone has no targets or nothing is due).
  UnixTime publish(const ZoneSpec& spec, const ZoneKeyState& keys, const signer::KeyStore& store,
                   UnixTime now);

 private:
  struct Zone {
    std::string settings;  // targets, CA and token the publisher was made with
    std::unique_ptr<TarZonePublisher> publisher;
  };
  void report(const ZoneSpec& spec, const std::string& problem);

  Logger& log_;
  AlertCallback alert_;
  std::mutex mu_;
  std::map<std::string, Zone> zones_;
};

}  // namespace ts::agent
