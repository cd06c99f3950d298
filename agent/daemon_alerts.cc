// Signatures-expiring condition and the chain observer (see daemon_alerts.h).
#include "agent/daemon_alerts.h"

#include "agent/log.h"
#include "resolver/direct_query.h"
#include "resolver/records.h"

namespace ts::agent {

std::optional<AlertCondition> signatures_expiring_condition(const ZoneSpec& spec,
                                                            const ZoneRecord& rec, UnixTime now,
                                                            const std::string& error) {
  AlertCondition c;
  c.event.kind = AlertKind::SignaturesExpiring;
  c.event.zone = spec.name;
  c.event.subject = spec.name;
  c.event.targets = spec.notify;
  if (error.empty()) {
    c.event.summary = "signing works again";
    c.event.evidence = {{"signer", "maintenance pass succeeded"}};
    if (rec.expires > 0)
      c.event.evidence.push_back(
          {"signed output " + spec.output_file, "earliest RRSIG expiry " + iso_time(rec.expires)});
    return c;
  }
  if (rec.expires <= 0) return std::nullopt;  // never signed: no signatures to expire
  bool close = now >= rec.resign_at || rec.expires - now <= spec.refresh;
  if (!close) return std::nullopt;
  c.active = true;
  int64_t left = rec.expires - now;
  c.event.summary =
      left > 0
          ? "signatures expire in " + format_duration(left) + " and signing fails: " + error
          : "signatures EXPIRED " + format_duration(-left) + " ago and signing fails: " + error;
  c.event.evidence = {
      {"signer", error},
      {"signed output " + spec.output_file, "earliest RRSIG expiry " + iso_time(rec.expires)},
      {"policy", "re-sign was due at " + iso_time(rec.resign_at) + " (refresh margin " +
                     format_duration(spec.refresh) + ")"}};
  c.event.action =
      "Fix the signing error above (zone file, key store, disk) before the signatures expire; "
      "validating resolvers treat the zone as bogus after that.";
  return c;
}

Result<std::unique_ptr<ChainObserver>> ChainObserver::create(const ChainWatchSettings& s) {
  using namespace ts::resolver;
  auto obs = std::unique_ptr<ChainObserver>(new ChainObserver());
  obs->timeout_ms_ = static_cast<int>(std::min<int64_t>(s.timeout.seconds, 60) * 1000);
  ResolverOptions& ro = obs->resolver_options_;
  ro.trust_anchor_files = s.trust_anchors;
  if (s.trust_anchors.empty()) ro.trust_anchors = iana_root_anchors();
  ro.root_hints = s.root_hints;
  ro.fresh_context_per_query = true;  // no cached verdicts between observations
  ro.query_timeout_ms = obs->timeout_ms_;
  ChainOptions& co = obs->chain_options_;
  if (s.trust_anchors.empty()) {
    std::string text;
    for (const auto& a : iana_root_anchors()) text += a + "\n";
    auto recs = records_from_text(text);
    if (!recs) return recs.error();
    co.anchors = *recs;
  }
  for (const auto& f : s.trust_anchors) {
    auto recs = records_from_file(f);
    if (!recs) return fail("chain-watch trust anchor " + f + ": " + recs.error().message);
    co.anchors.insert(co.anchors.end(), recs->begin(), recs->end());
  }
  if (!s.root_hints.empty()) {
    auto hints = records_from_file(s.root_hints);
    if (!hints)
      return fail("chain-watch root hints " + s.root_hints + ": " + hints.error().message);
    for (const auto& r : *hints)
      if (r.type == kTypeA && r.rdata.size() == 4) {
        const auto* b = reinterpret_cast<const unsigned char*>(r.rdata.data());
        co.known_addresses[r.owner.lowered().to_text()].push_back(
            std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
            std::to_string(b[3]));
      }
  }
  // Fail early on unusable options (bad anchor file) rather than at every observation.
  if (auto r = make_unbound_resolver(ro); !r) return r.error();
  return obs;
}

Result<resolver::ChainReport> ChainObserver::observe(const std::string& zone_text, UnixTime now) {
  using namespace ts::resolver;
  auto zone = Name::from_text(zone_text);
  if (!zone) return zone.error();
  auto resolver = make_unbound_resolver(resolver_options_);
  if (!resolver) return resolver.error();
  DirectQueryOptions dqo;
  dqo.timeout_ms = std::min(timeout_ms_, 1500);
  NetworkDirectQuerier direct(dqo);
  ChainOptions co = chain_options_;
  co.now = now;
  return walk_chain(**resolver, direct, *zone, co);
}

}  // namespace ts::agent
