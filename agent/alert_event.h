// What an alert is: its kind, zone, subject (what within the zone: a parent level, a DS, a
// key tag), a one-line summary, the evidence (which server answered what), what the operator
// should do, and the targets it goes to; plus a Notification (firing or resolved, since when)
// rendered as mail text or as the JSON document that webhooks and exec hooks receive.
// No I/O here.
//
//   AlertEvent e{.kind = AlertKind::ChainBroken, .zone = "example.test.",
//                .subject = "example.test.", .summary = "DS at the parent matches no DNSKEY",
//                .evidence = {{"ns1.test. 127.53.1.1", "DS 4711 13 2 AB12..."}},
//                .targets = policy.notify};
//   sink.raise(e);  ...  sink.resolve(e);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace ts::agent {

enum class AlertKind {
  ChainBroken,         // bogus at a level the agent watches (also parents it does not manage)
  RogueDs,             // a DS at the parent that matches no key held or planned
  DsMissing,           // an expected DS absent on some or all parent servers
  DsInconsistent,      // parent servers disagree about the DS RRset
  RolloverWaiting,     // a rollover waits on the parent longer than the threshold
  SignaturesExpiring,  // signatures near expiry while signing fails
  KeyPoolLow,          // too few pre-generated keys left
  PublicationFailing,  // publication to a parent or repository fails
  ChildCdsRejected,    // a child's CDS/CDNSKEY is not accepted by its parent signed here
};

/// "chain-broken", "rogue-ds", "ds-missing", "ds-inconsistent", "rollover-waiting",
/// "signatures-expiring", "key-pool-low", "publication-failing".
const char* to_string(AlertKind k);
/// Parses to_string() output; false if unknown.
bool alert_kind_from_string(std::string_view s, AlertKind& out);
/// All kinds, for metrics with a zero for each.
const std::vector<AlertKind>& all_alert_kinds();

/// What the operator should do, by default, for each kind.
const char* default_action(AlertKind k);

/// One piece of evidence: who said what ("ns1.test. 127.53.1.1" -> "DS 4711 13 2 AB12...").
struct Evidence {
  std::string source;
  std::string observation;
};

struct AlertEvent {
  AlertKind kind = AlertKind::ChainBroken;
  std::string zone;
  /// What within the zone the alert is about (parent level, DS, key tag, target); with kind
  /// and zone it is the deduplication key.
  std::string subject;
  std::string summary;  // what is wrong, one line
  std::vector<Evidence> evidence;
  std::string action;                // what to do; "" = default_action(kind)
  std::vector<std::string> targets;  // "mailto:..", "https://..", "exec:/path"
};

/// kind, zone and subject joined: equal keys are one alert.
std::string dedup_key(const AlertEvent& e);

/// One message to one target.
struct Notification {
  AlertEvent event;
  bool resolved = false;
  UnixTime since = 0;       // when the alert was first raised
  UnixTime at = 0;          // when this notification was made (raise or resolve time)
  uint64_t suppressed = 0;  // notifications to this target dropped by rate limiting before
};

/// "[TrustSync] FIRING chain-broken example.test.: summary" (one line, ASCII, no CR/LF).
std::string render_subject(const Notification& n);
/// The mail body: what, zone, since, evidence, what to do (lines end in "\n").
std::string render_text(const Notification& n);
/// The JSON document for webhooks and exec hooks (see alert_event.cc for the fields).
std::string render_json(const Notification& n);

}  // namespace ts::agent
