// Anchor documents to trust-anchor repositories, per zone (see daemon_tar.h).
#include "agent/daemon_tar.h"

#include <vector>

#include "agent/daemon_tar_targets.h"
#include "agent/daemon_tar_zone.h"
#include "agent/key_timing.h"
#include "signer/keystore.h"
#include "tar/anchor_document.h"

namespace ts::agent {

DaemonTar::DaemonTar(Logger& log) : log_(log) {}
DaemonTar::~DaemonTar() = default;

UnixTime DaemonTar::publish(const ZoneSpec& spec, const ZoneKeyState& keys,
                            const signer::KeyStore& store, UnixTime now) {
  if (spec.trust_anchor_targets.empty()) return 0;
  Zone* zp;
  {
    // Only the map is shared: passes of one zone never overlap (the daemon's zone lock), and
    // map nodes stay put, so a slow repository of one zone never holds up another.
    std::lock_guard lock(mu_);
    zp = &zones_[spec.name];
  }
  Zone& z = *zp;
  std::string settings = spec.trust_anchor_ca + "\n" + spec.trust_anchor_token;
  for (const auto& t : spec.trust_anchor_targets) settings += "\n" + t;
  if (!z.publisher || z.settings != settings) {
    auto targets = make_tar_targets(
        {spec.trust_anchor_targets, spec.trust_anchor_ca, spec.trust_anchor_token, 10});
    if (!targets) return report(spec, targets.error().message), 0;
    z.publisher =
        std::make_unique<TarZonePublisher>(spec.name, std::move(*targets), alert_, spec.notify);
    z.settings = std::move(settings);
  }

  auto origin = Name::from_text(spec.name);
  if (!origin) return report(spec, origin.error().message), 0;
  auto list = store.list(*origin);
  if (!list) return report(spec, "key store: " + list.error().message), 0;
  std::vector<tar::AnchorKey> anchors;
  for (const KeyRecord& k : keys.keys) {
    if (!k.has_ksk_duty() || !in_dnskey_rrset(k, now)) continue;
    for (const auto& m : *list) {
      if (m.id != k.id) continue;
      auto dnskey = signer::parse_dnskey_rdata(signer::dnskey_rdata(m));
      if (!dnskey) return report(spec, "key " + k.id + ": " + dnskey.error().message), 0;
      anchors.push_back({*dnskey, k.published.value_or(now), std::nullopt});
    }
  }
  if (anchors.empty()) return 0;
  auto doc = tar::make_document(*origin, anchors, signer::DigestType::SHA256, "trustsync");
  if (!doc) return report(spec, "anchor document: " + doc.error().message), 0;
  std::string name = spec.name.size() > 1 ? spec.name.substr(0, spec.name.size() - 1) : "root";
  z.publisher->set_publication({name, *doc, now, static_cast<uint32_t>(spec.dnskey_ttl)});
  bool was_served = z.publisher->served();
  unsigned failures = z.publisher->failures();
  UnixTime next = z.publisher->tick(now);
  if (z.publisher->served() && !was_served)
    log_.info(spec.name, "trust anchor served by every target");
  if (z.publisher->failures() > failures)  // a round ran and failed
    log_.warn(spec.name, "trust anchor publication failing",
              {{"targets", z.publisher->last_round().summary()}});
  return next;
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
