// Alert kinds, default operator actions and the text/JSON renderings of a notification.
//
// JSON document (webhook body, exec stdin):
//   {"version":1,"status":"firing"|"resolved","kind":"chain-broken","zone":"example.test.",
//    "subject":"...","summary":"...","since":"2026-..Z","at":"2026-..Z",
//    "resolved_at":null|"...","evidence":[{"source":"...","observation":"..."}],
//    "action":"...","suppressed_before":0}
#include "agent/alert_event.h"

#include "agent/json_writer.h"

namespace ts::agent {
namespace {

struct KindInfo {
  AlertKind kind;
  const char* name;
  const char* action;
};

constexpr KindInfo kKinds[] = {
    {AlertKind::ChainBroken, "chain-broken",
     "Validating resolvers cannot resolve this zone. Compare the parent's DS with the zone's "
     "DNSKEYs and check signature validity at the level named in the evidence "
     "('trustsync chain ZONE'); fix the DS at the parent or restore the key it points to."},
    {AlertKind::RogueDs, "rogue-ds",
     "A DS at the parent matches no key of this zone. If nobody planned it, have it removed at "
     "the parent or registrar now; the agent removes it itself only where it has authority "
     "(managed, update) and the policy allows."},
    {AlertKind::DsMissing, "ds-missing",
     "The DS of an active key is absent on the parent servers listed. The agent re-submits it; "
     "if this persists, check the submission method's errors and contact the parent operator."},
    {AlertKind::DsInconsistent, "ds-inconsistent",
     "The parent's servers serve different DS RRsets. Wait one parent propagation delay; if it "
     "persists, tell the parent operator which servers lag (see the evidence)."},
    {AlertKind::RolloverWaiting, "rollover-waiting",
     "A rollover is waiting for the parent longer than expected. Check 'trustsync status ZONE'; "
     "submit the DS at the parent if needed and confirm with 'trustsync ds-seen ZONE TAG'. The "
     "agent keeps waiting and never proceeds unsafely."},
    {AlertKind::SignaturesExpiring, "signatures-expiring",
     "Signatures expire soon and re-signing fails. Fix the signing error (key store readable? "
     "disk full? zone input valid?) before the expiry time, or the zone turns bogus."},
    {AlertKind::KeyPoolLow, "key-pool-low",
     "Few pre-generated keys remain. Check key generation errors and the key store's space; "
     "rollovers and new zones will wait for keys."},
    {AlertKind::PublicationFailing, "publication-failing",
     "Publishing to the parent or a repository fails. Check the error in the evidence, the "
     "credentials (TSIG key, registrar hook) and whether the target is reachable."},
    {AlertKind::ChildCdsRejected, "child-cds-rejected",
     "A child of a zone signed here publishes CDS/CDNSKEY that fails the acceptance rules "
     "(RFC 7344 4.1, RFC 9615); its DS stays as it is. Tell the child's operator what the "
     "evidence says (which server, what is wrong); nothing changes until it is fixed."},
};

const KindInfo& info(AlertKind k) {
  for (const auto& i : kKinds)
    if (i.kind == k) return i;
  return kKinds[0];
}

// Replaces CR, LF, other controls and non-ASCII bytes so a header stays one safe line.
std::string header_safe(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += (c < 0x20 || c >= 0x7F) ? '?' : static_cast<char>(c);
  return out;
}

std::string duration_words(int64_t s) {
  if (s < 0) s = 0;
  std::string out;
  if (s >= 86400) out += std::to_string(s / 86400) + "d";
  if (s % 86400 >= 3600) out += std::to_string(s % 86400 / 3600) + "h";
  if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
  if (out.empty() || s % 60) out += std::to_string(s % 60) + "s";
  return out;
}

}  // namespace

const char* to_string(AlertKind k) {
  return info(k).name;
}

bool alert_kind_from_string(std::string_view s, AlertKind& out) {
  for (const auto& i : kKinds)
    if (s == i.name) {
      out = i.kind;
      return true;
    }
  return false;
}

const std::vector<AlertKind>& all_alert_kinds() {
  static const std::vector<AlertKind> v = [] {
    std::vector<AlertKind> r;
    for (const auto& i : kKinds) r.push_back(i.kind);
    return r;
  }();
  return v;
}

const char* default_action(AlertKind k) {
  return info(k).action;
}

std::string dedup_key(const AlertEvent& e) {
  return std::string(to_string(e.kind)) + '\x1f' + e.zone + '\x1f' + e.subject;
}

std::string render_subject(const Notification& n) {
  std::string s = "[TrustSync] ";
  s += n.resolved ? "RESOLVED " : "FIRING ";
  s += to_string(n.event.kind);
  s += " " + n.event.zone;
  if (!n.event.summary.empty()) s += ": " + n.event.summary;
  s = header_safe(s);
  if (s.size() > 200) s = s.substr(0, 197) + "...";
  return s;
}

std::string render_text(const Notification& n) {
  const AlertEvent& e = n.event;
  std::string t;
  t += n.resolved ? "RESOLVED: " : "ALERT: ";
  t += e.summary.empty() ? to_string(e.kind) : e.summary;
  t += "\n\n";
  t += "Kind:     " + std::string(to_string(e.kind)) + "\n";
  t += "Zone:     " + e.zone + "\n";
  if (!e.subject.empty()) t += "Subject:  " + e.subject + "\n";
  t += "Since:    " + iso8601_utc(n.since) + "\n";
  if (n.resolved)
    t += "Resolved: " + iso8601_utc(n.at) + " (after " + duration_words(n.at - n.since) + ")\n";
  t += "\nEvidence (which server answered what):\n";
  if (e.evidence.empty()) t += "  (none recorded)\n";
  for (const auto& ev : e.evidence) t += "  - " + ev.source + ": " + ev.observation + "\n";
  if (!n.resolved) {
    t += "\nWhat to do:\n  ";
    t += e.action.empty() ? default_action(e.kind) : e.action;
    t += "\n";
  } else {
    t += "\nNo action needed: the condition has cleared.\n";
  }
  if (n.suppressed)
    t += "\n(" + std::to_string(n.suppressed) +
         " earlier notification(s) to this target were suppressed by rate limiting.)\n";
  return t;
}

std::string render_json(const Notification& n) {
  const AlertEvent& e = n.event;
  JsonWriter w;
  w.begin_object()
      .key("version")
      .value(1)
      .key("status")
      .value(n.resolved ? "resolved" : "firing")
      .key("kind")
      .value(to_string(e.kind))
      .key("zone")
      .value(e.zone)
      .key("subject")
      .value(e.subject)
      .key("summary")
      .value(e.summary)
      .key("since")
      .value(iso8601_utc(n.since))
      .key("at")
      .value(iso8601_utc(n.at))
      .key("resolved_at");
  if (n.resolved)
    w.value(iso8601_utc(n.at));
  else
    w.null();
  w.key("evidence").begin_array();
  for (const auto& ev : e.evidence)
    w.begin_object()
        .key("source")
        .value(ev.source)
        .key("observation")
        .value(ev.observation)
        .end_object();
  w.end_array();
  w.key("action").value(e.action.empty() ? std::string(default_action(e.kind)) : e.action);
  w.key("suppressed_before").value(static_cast<int64_t>(n.suppressed));
  w.end_object();
  return w.str();
}

}  // namespace ts::agent
