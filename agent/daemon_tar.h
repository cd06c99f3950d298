// Trust anchors for zones under an unsigned parent (issue 7, first step in the daemon): after
// each signed output, the RFC 9718 anchor document and the DS/DNSKEY presentation files of
// the zone's KSKs/CSKs in its DNSKEY RRset go to every `trust-anchors` target of the zone's
// policy ("file:/dir" = a local directory written atomically for a web server, or
// "https://host/path" = an HTTPS repository, PUT, TLS verified against the policy's `ca`
// or the system CAs, bearer token from `token-file`; agent/daemon_tar_targets.h).
// Each target is then read back and compared: a target that fails or serves another
// document raises publication-failing (and is written again); it is resolved once the target
// serves the document. Never fails the zone's pass. Not yet: the KSK rollover does not wait
// for the repositories, and RFC 5011 revocation is not driven from here (tar/rfc5011_rollover).
//
//   DaemonTar tar(log);  tar.set_alert_callback(daemon.alert_callback());
//   tar.publish(spec, rec.keys, keystore, now);   // after the output is in place
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "agent/daemon_events.h"
#include "agent/daemon_policy.h"
#include "agent/log.h"
#include "agent/rollover_state.h"

namespace ts::signer {
class KeyStore;
}

namespace ts::agent {

class DaemonTar {
 public:
  explicit DaemonTar(Logger& log) : log_(log) {}
  void set_alert_callback(AlertCallback cb) { alert_ = std::move(cb); }

  void publish(const ZoneSpec& spec, const ZoneKeyState& keys, const signer::KeyStore& store,
               UnixTime now);

 private:
  void report(const ZoneSpec& spec, const std::string& target, const std::string& problem);

  Logger& log_;
  AlertCallback alert_;
  std::mutex mu_;
  std::map<std::string, std::string> published_;  // zone + " " + target -> XML last written
  std::set<std::string> failing_;                 // zone + " " + target
};

}  // namespace ts::agent
