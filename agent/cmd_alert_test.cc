// `trustsync alert-test`: a hidden, test-only driver of the alert, metrics and audit modules
// without the daemon (integration tests use it; not listed in `trustsync --help`):
//   --config FILE --event KIND --zone Z [--subject S] [--summary TEXT]
//       [--evidence "SOURCE=OBSERVATION;SOURCE=OBSERVATION"] [--recover] [--attempts N]
//       [--recover-when FILE] [--wait SECONDS]
//     raises one alert to the zone's `notify` targets (agent.alerts settings from FILE), waits
//     for delivery, then with --recover resolves it and waits again; prints per-target
//     results; exit 0 when every notification was delivered, 1 otherwise.
//   --metrics-listen ADDR [--port-file F] [--serve-seconds N]
//     serves sample metrics (system clock; signatures expiring in 7 days) for N seconds.
//   --config FILE --watch-chain ZONE --trust-anchor F [--root-hints F] [--wait SECONDS]
//     observes ZONE's chain of trust (resolver::walk_chain, fresh validator each time) every
//     half second and feeds chain_alert_conditions() to an AlertManager; exits 0 once a
//     break was seen, cleared again, and both notifications were delivered.
//   --audit LOG [--entries N]
//     appends N sample entries to an audit log.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "agent/alert_chain.h"
#include "agent/alert_delivery.h"
#include "agent/alert_manager.h"
#include "agent/audit_log.h"
#include "agent/cli_util.h"
#include "agent/commands.h"
#include "agent/config.h"
#include "agent/metrics_server.h"
#include "agent/metrics_trustsync.h"
#include "resolver/chain.h"
#include "resolver/direct_query.h"
#include "resolver/records.h"
#include "resolver/resolver.h"

namespace ts::agent {
namespace {

constexpr const char* kCmd = "alert-test";

int write_audit(const std::string& path, unsigned long n) {
  SystemClock clock;
  auto log = AuditLog::open(path, clock);
  if (!log) return failure(kCmd, log.error().message);
  for (unsigned long i = 0; i < n; ++i) {
    AuditRecord r{AuditEvent::KeyActivated,
                  "example.test.",
                  kAuditActorAgent,
                  {{"tag", static_cast<int64_t>(1000 + i)}, {"role", "zsk"}}};
    if (Status s = (*log)->append(r); !s) return failure(kCmd, s.error().message);
  }
  std::cout << path << ": " << (*log)->entries() << " entries\n";
  return kExitOk;
}

std::vector<Evidence> parse_evidence(const std::string& text) {
  std::vector<Evidence> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    size_t eq = item.find('=');
    if (!item.empty())
      out.push_back(eq == std::string::npos ? Evidence{"", item}
                                            : Evidence{item.substr(0, eq), item.substr(eq + 1)});
    start = end + 1;
  }
  return out;
}

int raise_alert(const ParsedOptions& opts) {
  auto cfg = load_config(opts.get("config"));
  if (!cfg) return failure(kCmd, cfg.error().message);
  AlertEvent e;
  if (!alert_kind_from_string(opts.get("event"), e.kind))
    return failure(kCmd, "unknown --event '" + opts.get("event") + "'");
  e.zone = opts.get("zone");
  const ZonePolicy* zone = nullptr;
  for (const auto& z : cfg->zones)
    if (z.name == e.zone) zone = &z;
  if (!zone) return failure(kCmd, "zone '" + e.zone + "' is not in " + cfg->path);
  e.targets = zone->policy.notify;
  if (e.targets.empty()) return failure(kCmd, "zone '" + e.zone + "' has no notify targets");
  e.subject = opts.get("subject", e.zone);
  e.summary = opts.get("summary");
  e.evidence = parse_evidence(opts.get("evidence"));
  auto attempts = opts.get_unsigned("attempts", 1, 100);
  auto wait = opts.get_unsigned("wait", 1, 600);
  if (!attempts || !wait) return failure(kCmd, "bad --attempts or --wait");

  AlertOptions o = alert_options(cfg->global.alerts);
  o.max_attempts = static_cast<int>(attempts->value_or(3));
  o.backoff_base_s = 0.2;
  o.backoff_cap_s = 1;
  auto timeout = std::chrono::seconds(wait->value_or(30));
  DeliveryWorker worker(
      o, [&o](const std::string& t) { return make_transport(t, o); }, nullptr,
      [](const std::string& m) { std::cerr << "alert-test: " << m << "\n"; });
  SystemClock clock;
  AlertManager alerts(clock, worker, cfg->global.alerts);
  alerts.raise(e);
  bool done = worker.flush(timeout);
  if (opts.has("recover-when")) {
    // Wait for the test to repair the condition; the file holds the evidence of recovery.
    std::string path = opts.get("recover-when");
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (access(path.c_str(), F_OK) != 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(path);
    if (!in) return failure(kCmd, "timed out waiting for " + path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    e.evidence = parse_evidence(text);
  }
  bool recover = opts.has("recover") || opts.has("recover-when");
  if (recover) {
    alerts.resolve(e);
    done = worker.flush(timeout) && done;
  }
  bool all_sent = done;
  size_t expected = recover ? 2 : 1;
  for (const std::string& t : e.targets) {
    DeliveryStats s = worker.stats()[mask_target(t)];
    std::cout << mask_target(t) << ": sent " << s.sent << ", failed attempts " << s.failed_attempts
              << ", dropped " << s.dropped;
    if (!s.last_error.empty()) std::cout << ", last error: " << s.last_error;
    std::cout << "\n";
    all_sent = all_sent && s.sent == expected;
  }
  return all_sent ? kExitOk : kExitFailure;
}

int watch_chain(const ParsedOptions& opts) {
  using namespace ts::resolver;
  auto cfg = load_config(opts.get("config"));
  if (!cfg) return failure(kCmd, cfg.error().message);
  std::string zone_text = opts.get("watch-chain");
  const ZonePolicy* zp = nullptr;
  for (const auto& z : cfg->zones)
    if (z.name == zone_text) zp = &z;
  if (!zp) return failure(kCmd, "zone '" + zone_text + "' is not in " + cfg->path);
  auto zone = Name::from_text(zone_text);
  if (!zone) return failure(kCmd, zone.error().message);
  ResolverOptions ro;
  ro.trust_anchor_files = {opts.get("trust-anchor")};
  ro.root_hints = opts.get("root-hints");
  ro.fresh_context_per_query = true;  // no cached verdicts between observations
  ro.query_timeout_ms = 3000;
  ChainOptions co;
  auto anchors = records_from_file(opts.get("trust-anchor"));
  if (!anchors) return failure(kCmd, anchors.error().message);
  co.anchors = *anchors;
  if (!ro.root_hints.empty()) {
    auto hints = records_from_file(ro.root_hints);
    if (!hints) return failure(kCmd, hints.error().message);
    for (const auto& r : *hints)
      if (r.type == kTypeA && r.rdata.size() == 4) {
        const auto* b = reinterpret_cast<const unsigned char*>(r.rdata.data());
        co.known_addresses[r.owner.lowered().to_text()].push_back(
            std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
            std::to_string(b[3]));
      }
  }
  auto wait = opts.get_unsigned("wait", 1, 600);
  if (!wait) return failure(kCmd, wait.error().message);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait->value_or(60));

  AlertOptions o = alert_options(cfg->global.alerts);
  o.backoff_base_s = 0.2;
  o.backoff_cap_s = 1;
  DeliveryWorker worker(
      o, [&o](const std::string& t) { return make_transport(t, o); }, nullptr,
      [](const std::string& m) { std::cerr << "alert-test: " << m << "\n"; });
  SystemClock clock;
  AlertManager alerts(clock, worker, cfg->global.alerts);
  DirectQueryOptions dqo;
  dqo.timeout_ms = 1000;
  NetworkDirectQuerier direct(dqo);
  bool seen_broken = false;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto resolver = make_unbound_resolver(ro);
    if (!resolver) return failure(kCmd, resolver.error().message);
    co.now = clock.now();
    auto report = walk_chain(**resolver, direct, *zone, co);
    if (report) {
      std::string verdict = security_name(report->verdict);
      if (verdict != last) std::cout << "verdict " << verdict << std::endl;
      last = verdict;
      bool broken = false;
      for (const AlertCondition& c : chain_alert_conditions(*report, zp->policy.notify)) {
        alerts.set(c.event, c.active);
        if (c.event.kind == AlertKind::ChainBroken) broken = c.active;
      }
      seen_broken = seen_broken || broken;
      if (seen_broken && !broken) {
        bool done = worker.flush(std::chrono::seconds(30));
        for (const auto& [target, st] : worker.stats())
          std::cout << target << ": sent " << st.sent << ", failed attempts " << st.failed_attempts
                    << "\n";
        return done ? kExitOk : kExitFailure;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return failure(
      kCmd, seen_broken ? "the chain did not recover in time" : "no chain break observed in time");
}

int serve_metrics(const ParsedOptions& opts) {
  SystemClock clock;
  MetricsRegistry reg(clock);
  TrustSyncMetrics m(reg);
  UnixTime now = clock.now();
  const std::string z = "example.test.";
  m.set_keys(z, "ksk", "active", 1);
  m.set_keys(z, "zsk", "active", 1);
  m.set_keys(z, "zsk", "published", 1);
  m.set_signature_expiry(z, now + 7 * 86400);
  m.set_parent_observed(z, now);
  m.set_ds_state(z, "ok");
  m.set_rollover(z, "zsk", "pre-publish");
  m.add_signing(z, 1200, 0.25);
  AlertCounts c;
  c.active[AlertKind::ChainBroken] = 1;
  c.raised_total[AlertKind::ChainBroken] = 1;
  m.set_alert_counts(c);
  m.set_delivery_stats({{"mailto:ops@example.test", DeliveryStats{1, 0, 0, ""}}}, 0);
  auto srv = MetricsServer::start(opts.get("metrics-listen"), reg, [] { return Status{}; });
  if (!srv) return failure(kCmd, srv.error().message);
  if (opts.has("port-file")) {
    std::ofstream(opts.get("port-file") + ".tmp") << (*srv)->port() << "\n";
    std::rename((opts.get("port-file") + ".tmp").c_str(), opts.get("port-file").c_str());
  }
  std::cout << "serving on port " << (*srv)->port() << std::endl;
  auto seconds = opts.get_unsigned("serve-seconds", 1, 3600);
  std::this_thread::sleep_for(std::chrono::seconds(seconds ? seconds->value_or(30) : 30));
  return kExitOk;
}

}  // namespace

int cmd_alert_test(int argc, char** argv) {
  static const CliOption kOpts[] = {
      {"config", true, "FILE", "agent config ([agent.alerts], zones with notify)"},
      {"event", true, "KIND", "chain-broken, rogue-ds, ds-missing, ..."},
      {"zone", true, "ZONE", "zone of the alert (must be in the config)"},
      {"subject", true, "TEXT", "what in the zone (default: the zone)"},
      {"summary", true, "TEXT", "one-line description"},
      {"evidence", true, "LIST", "\"SOURCE=OBSERVATION;...\""},
      {"recover", false, nullptr, "then resolve the alert (recovery notice)"},
      {"recover-when", true, "FILE", "resolve once FILE exists; its content is the evidence"},
      {"attempts", true, "N", "delivery attempts per notification (default 3)"},
      {"wait", true, "SECONDS", "how long to wait for delivery (default 30)"},
      {"watch-chain", true, "ZONE", "observe ZONE's chain and alert on a break"},
      {"trust-anchor", true, "FILE", "trust anchor (DS/DNSKEY records) for --watch-chain"},
      {"root-hints", true, "FILE", "root hints for --watch-chain"},
      {"metrics-listen", true, "ADDR", "serve sample metrics on ADDR"},
      {"port-file", true, "FILE", "write the metrics port here"},
      {"serve-seconds", true, "N", "serve for N seconds (default 30)"},
      {"audit", true, "LOG", "append sample entries to this audit log"},
      {"entries", true, "N", "how many (default 3)"},
  };
  auto opts = parse_options(kCmd, argc, argv, kOpts);
  if (!opts) return usage_error(kCmd, opts.error().message, kOpts);
  if (opts->has("help")) {
    print_usage(std::cout, kCmd, kOpts);
    return kExitOk;
  }
  if (opts->has("audit")) {
    auto n = opts->get_unsigned("entries", 1, 1000000);
    if (!n) return usage_error(kCmd, n.error().message, kOpts);
    return write_audit(opts->get("audit"), n->value_or(3));
  }
  if (opts->has("metrics-listen")) return serve_metrics(*opts);
  if (opts->has("config") && opts->has("watch-chain")) return watch_chain(*opts);
  if (opts->has("config") && opts->has("event") && opts->has("zone")) return raise_alert(*opts);
  return usage_error(kCmd, "expected --config/--event/--zone, --metrics-listen or --audit", kOpts);
}

}  // namespace ts::agent
