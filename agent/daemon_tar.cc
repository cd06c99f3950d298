// Anchor documents to trust-anchor repositories after each signed output (see daemon_tar.h).
#include "agent/daemon_tar.h"

#include <vector>

#include "agent/daemon_tar_targets.h"
#include "agent/key_timing.h"
#include "signer/keystore.h"
#include "tar/anchor_document.h"
#include "tar/publisher.h"

namespace ts::agent {

void DaemonTar::publish(const ZoneSpec& spec, const ZoneKeyState& keys,
                        const signer::KeyStore& store, UnixTime now) {
  if (spec.trust_anchor_targets.empty()) return;
  auto origin = Name::from_text(spec.name);
  if (!origin) return report(spec, "(all)", origin.error().message);
  auto list = store.list(*origin);
  if (!list) return report(spec, "(all)", "key store: " + list.error().message);
  std::vector<tar::AnchorKey> anchors;
  for (const KeyRecord& k : keys.keys) {
    if (!k.has_ksk_duty() || !in_dnskey_rrset(k, now)) continue;
    for (const auto& m : *list) {
      if (m.id != k.id) continue;
      auto dnskey = signer::parse_dnskey_rdata(signer::dnskey_rdata(m));
      if (!dnskey) return report(spec, "(all)", "key " + k.id + ": " + dnskey.error().message);
      anchors.push_back({*dnskey, k.published.value_or(now), std::nullopt});
    }
  }
  if (anchors.empty()) return;
  auto doc = tar::make_document(*origin, anchors, signer::DigestType::SHA256, "trustsync");
  if (!doc) return report(spec, "(all)", "anchor document: " + doc.error().message);
  std::string name = spec.name.size() > 1 ? spec.name.substr(0, spec.name.size() - 1) : "root";
  tar::Publication pub{name, *doc, now, static_cast<uint32_t>(spec.dnskey_ttl)};
  std::string xml = tar::to_xml(*doc);
  auto targets = make_tar_targets(
      {spec.trust_anchor_targets, spec.trust_anchor_ca, spec.trust_anchor_token, 10});
  if (!targets) return report(spec, "(all)", targets.error().message);
  for (size_t i = 0; i < targets->size(); ++i) {
    const std::string& t = spec.trust_anchor_targets[i];
    auto& target = (*targets)[i];
    std::string key = spec.name + " " + t;
    bool changed;
    {
      std::lock_guard lock(mu_);
      changed = published_[key] != xml || failing_.count(key) > 0;
    }
    if (changed) {
      if (Status s = target->publish(pub); !s) {
        report(spec, t, "publish: " + s.error().message);
        continue;
      }
      log_.info(spec.name, "trust anchor published", {{"target", t}});
      std::lock_guard lock(mu_);
      published_[key] = xml;
    }
    auto problems = target->confirm(pub);
    if (!problems) {
      report(spec, t, "read back: " + problems.error().message);
      continue;
    }
    if (!problems->empty()) {
      report(spec, t, "serves another document: " + tar::describe_problems(*problems));
      continue;
    }
    bool was_failing;
    {
      std::lock_guard lock(mu_);
      was_failing = failing_.erase(key) > 0;
    }
    if (was_failing && alert_) {
      AlertEvent e;
      e.kind = AlertKind::PublicationFailing;
      e.zone = spec.name;
      e.subject = "trust anchors " + t;
      e.targets = spec.notify;
      alert_(e, false);
    }
  }
}

void DaemonTar::report(const ZoneSpec& spec, const std::string& target,
                       const std::string& problem) {
  log_.warn(spec.name, "trust anchor publication failing",
            {{"target", target}, {"error", problem}});
  {
    std::lock_guard lock(mu_);
    failing_.insert(spec.name + " " + target);
  }
  if (!alert_) return;
  AlertEvent e;
  e.kind = AlertKind::PublicationFailing;
  e.zone = spec.name;
  e.subject = "trust anchors " + target;
  e.summary = "the trust-anchor repository does not serve the zone's current anchors";
  e.evidence.push_back({target, problem});
  e.targets = spec.notify;
  alert_(e, true);
}

}  // namespace ts::agent
