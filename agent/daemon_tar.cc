// Anchor documents to trust-anchor repositories, per zone (see daemon_tar.h).
#include "agent/daemon_tar.h"

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "agent/daemon_tar_targets.h"
#include "agent/daemon_tar_zone.h"
#include "agent/key_timing.h"
#include "signer/crypto.h"
#include "signer/keystore.h"
#include "tar/anchor_document.h"

namespace ts::agent {
namespace {

/// The document's keys: in the DNSKEY RRset now, or revoked and removed (history).
bool in_document(const KeyRecord& k, UnixTime now) {
  if (!k.has_ksk_duty()) return false;
  return in_dnskey_rrset(k, now) || (k.revoked && k.removed && k.retired);
}

/// After a round: per target, the fingerprint it serves (since when); and, when every
/// target serves the document, which keys it lists as current / ended.
bool record_round(ZoneRecord& rec, const TarZonePublisher& pub,
                  const std::vector<std::pair<DsId, bool>>& keys, const std::string& targets_id,
                  UnixTime now) {
  ZoneRecord before = rec;
  if (rec.anchor_for != targets_id) {  // confirmations by another target list count for nothing
    rec.anchor_current.clear();
    rec.anchor_ended.clear();
    rec.anchor_for = targets_id;
  }
  auto confirmed = pub.confirmed();
  for (auto it = rec.anchor_targets.begin(); it != rec.anchor_targets.end();)
    it = confirmed.count(it->first) ? std::next(it) : rec.anchor_targets.erase(it);
  for (const auto& [target, fp] : confirmed) {
    auto& entry = rec.anchor_targets[target];
    if (entry.first != fp) entry = {fp, now};
  }
  if (!pub.served()) {
    rec.anchor_current.clear();  // the gates close until every target serves it again
    rec.anchor_ended.clear();
  } else {
    std::map<DsId, UnixTime> current, ended;
    for (const auto& [id, has_ended] : keys) {
      auto& from = has_ended ? rec.anchor_ended : rec.anchor_current;
      auto it = from.find(id);
      (has_ended ? ended : current)[id] = it == from.end() ? now : it->second;
    }
    rec.anchor_current = std::move(current);
    rec.anchor_ended = std::move(ended);
  }
  return !(rec == before);
}

}  // namespace

std::string anchor_targets_id(const ZoneSpec& spec) {
  std::string all;
  for (const auto& t : spec.trust_anchor_targets) all += t + "\n";
  auto d = signer::digest(signer::DigestType::SHA256,
                          std::span(reinterpret_cast<const uint8_t*>(all.data()), all.size()));
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  for (uint8_t c : d) hex += kDigits[c >> 4], hex += kDigits[c & 15];
  return hex;
}

DaemonTar::DaemonTar(Logger& log) : log_(log) {}
DaemonTar::~DaemonTar() = default;

TarPass DaemonTar::publish(const ZoneSpec& spec, ZoneRecord& rec, const signer::KeyStore& store,
                           UnixTime now) {
  TarPass out;
  if (spec.trust_anchor_targets.empty()) return out;
  Zone* zp;
  {
    // Only the map is shared: passes of one zone never overlap (the daemon's zone lock), and
    // map nodes stay put, so a slow repository of one zone never holds up another.
    std::lock_guard lock(mu_);
    zp = &zones_[spec.name];
  }
  Zone& z = *zp;
  std::string settings = spec.trust_anchor_ca + "\n" + spec.trust_anchor_token + "\n" +
                         spec.trust_anchor_http_method + "\n" + spec.trust_anchor_dlv_tsig + "\n" +
                         std::to_string(spec.tar_probe) + "\n" + spec.trust_anchor_client_cert +
                         "\n" + spec.trust_anchor_client_key;
  for (const auto& t : spec.trust_anchor_targets) settings += "\n" + t;
  if (!z.publisher || z.settings != settings) {
    auto targets =
        make_tar_targets({spec.trust_anchor_targets, spec.trust_anchor_ca, spec.trust_anchor_token,
                          10, spec.trust_anchor_http_method, spec.trust_anchor_dlv_tsig,
                          spec.trust_anchor_client_cert, spec.trust_anchor_client_key});
    if (!targets) return report(spec, targets.error().message), out;
    // Served documents are re-read every probe interval (at most hourly); failed rounds are
    // retried from min(probe interval, 30 s) on, doubling.
    int64_t recheck = std::clamp<int64_t>(spec.tar_probe, 1, 3600);
    z.publisher =
        std::make_unique<TarZonePublisher>(spec.name, std::move(*targets), alert_, spec.notify,
                                           recheck, std::clamp<int64_t>(spec.tar_probe, 1, 30));
    std::map<std::string, std::string> restored;
    for (const auto& [target, c] : rec.anchor_targets) restored[target] = c.first;
    z.publisher->restore(restored);
    z.settings = std::move(settings);
  }

  auto origin = Name::from_text(spec.name);
  if (!origin) return report(spec, origin.error().message), out;
  auto list = store.list(*origin);
  if (!list) return report(spec, "key store: " + list.error().message), out;
  std::vector<tar::AnchorKey> anchors;
  std::vector<std::pair<DsId, bool>> listed;  // key, validity ended
  for (const KeyRecord& k : rec.keys.keys) {
    if (!in_document(k, now)) continue;
    for (const auto& m : *list) {
      if (m.id != k.id) continue;
      auto dnskey = signer::parse_dnskey_rdata(signer::dnskey_rdata(m));
      if (!dnskey) return report(spec, "key " + k.id + ": " + dnskey.error().message), out;
      std::optional<UnixTime> until;
      // The anchor ends when the key retires or (an island's algorithm rollover, where an
      // old CSK keeps signing the zone to the end) when its "DS" is withdrawn.
      std::optional<UnixTime> end = k.retired;
      if (k.ds_withdrawn && (!end || *k.ds_withdrawn < *end)) end = k.ds_withdrawn;
      if (end && *end > k.published.value_or(now)) until = *end;
      anchors.push_back({*dnskey, k.published.value_or(now), until});
      listed.push_back({{k.algorithm, k.tag}, until.has_value()});
    }
  }
  if (anchors.empty()) return out;
  auto doc = tar::make_document(*origin, anchors, signer::DigestType::SHA256, "trustsync");
  if (!doc) return report(spec, "anchor document: " + doc.error().message), out;
  std::string name = spec.name.size() > 1 ? spec.name.substr(0, spec.name.size() - 1) : "root";
  z.publisher->set_publication({name, *doc, now, static_cast<uint32_t>(spec.dnskey_ttl)});
  bool was_served = z.publisher->served();
  unsigned failures = z.publisher->failures();
  unsigned rounds = z.publisher->rounds();
  unsigned uploads = z.publisher->uploads();
  out.next = z.publisher->tick(now);
  out.uploads = z.publisher->uploads() - uploads;
  if (z.publisher->rounds() != rounds) {
    auto cur = rec.anchor_current, ended = rec.anchor_ended;
    auto was_for = rec.anchor_for;
    out.record_changed = record_round(rec, *z.publisher, listed, anchor_targets_id(spec), now);
    out.anchors_changed =
        cur != rec.anchor_current || ended != rec.anchor_ended || was_for != rec.anchor_for;
  }
  if (z.publisher->served() && !was_served)
    log_.info(spec.name, "trust anchor served by every target",
              {{"document", z.publisher->fingerprint().substr(0, 16)},
               {"uploads", std::to_string(out.uploads)}});
  if (z.publisher->failures() > failures)  // a round ran and failed
    log_.warn(spec.name, "trust anchor publication failing",
              {{"targets", z.publisher->last_round().summary()}});
  {
    std::lock_guard lock(mu_);
    if (z.publisher->served()) {
      z.status = "  trust anchors: every target serves the current document (" +
                 std::to_string(spec.trust_anchor_targets.size()) + " targets)\n";
    } else {
      z.status.clear();
      for (const auto& o : z.publisher->last_round().outcomes)
        if (!o.served)
          z.status += "  trust anchors: waiting for " + o.target +
                      " to serve the document: " + o.why + "\n";
    }
  }
  return out;
}

std::string DaemonTar::status_text(const std::string& zone) {
  std::lock_guard lock(mu_);
  auto it = zones_.find(zone);
  return it == zones_.end() ? "" : it->second.status;
}

void DaemonTar::report(const ZoneSpec& spec, const std::string& problem) {
  log_.warn(spec.name, "trust anchor publication failing", {{"error", problem}});
  if (!alert_) return;
  AlertEvent e;
  e.kind = AlertKind::PublicationFailing;
  e.zone = spec.name;
  e.subject = "trust-anchors";
  e.summary = "the zone's trust-anchor document could not be made";
  e.evidence.push_back({"trustsync", problem});
  e.targets = spec.notify;
  alert_(e, true);
}

}  // namespace ts::agent
