// Writes a Config back as TOML with every zone's effective policy spelled out (no
// [defaults]): what `trustsync run --check --print` shows, and what load_config reads back
// to the same values.
#include <toml++/toml.h>
#include <iomanip>
#include <sstream>

#include "agent/config.h"
#include "signer/crypto.h"

namespace ts::agent {
namespace {

std::string dur(Duration d) {
  return format_duration(d);
}

toml::table inline_table(toml::table t) {
  t.is_inline(true);
  return t;
}

toml::array strings(const std::vector<std::string>& v) {
  toml::array a;
  for (const auto& s : v) a.push_back(s);
  return a;
}

toml::table key_table(const KeyPolicy& k) {
  return inline_table(toml::table{
      {"algorithm", signer::algorithm_name(k.algorithm)},
      {"bits", static_cast<int64_t>(k.bits)},
      {"rollover", k.lifetime.text()},
      {"signature-lifetime", dur(k.signature_lifetime)},
      {"refresh", dur(k.refresh)},
      {"jitter", dur(k.jitter)},
  });
}

toml::table zone_table(const ZonePolicy& z) {
  const Policy& p = z.policy;
  toml::table denial{{"type", to_string(p.denial.type)}};
  if (p.denial.type == DenialType::Nsec3) {
    std::ostringstream salt;
    for (uint8_t b : p.denial.salt) salt << std::hex << std::setw(2) << std::setfill('0') << +b;
    denial.insert("opt-out", p.denial.opt_out);
    denial.insert("iterations", static_cast<int64_t>(p.denial.iterations));
    denial.insert("salt", salt.str());
  }
  const TimingPolicy& t = p.timing;
  toml::table timing{
      {"dnskey-ttl", dur(t.dnskey_ttl)},
      {"ds-ttl", dur(t.ds_ttl)},
      {"parent-propagation-delay", dur(t.parent_propagation_delay)},
      {"zone-propagation-delay", dur(t.zone_propagation_delay)},
      {"publish-safety", dur(t.publish_safety)},
      {"retire-safety", dur(t.retire_safety)},
  };
  if (t.max_zone_ttl) timing.insert("max-zone-ttl", dur(*t.max_zone_ttl));
  const ParentPolicy& pp = p.parent;
  toml::table parent{
      {"method", to_string(pp.method)},
      {"primary", pp.primary},
      {"tsig-key", pp.tsig_key_name},
      {"tsig-algorithm", pp.tsig_algorithm},
      {"tsig-secret-file", pp.tsig_secret_file},
      {"command", pp.command},
      {"timeout", dur(pp.timeout)},
      {"poll-interval", dur(pp.poll_interval)},
      {"alert-after", dur(pp.alert_after)},
      // ---- branch parent
      {"tsig", pp.tsig_key_file},
      {"remove-rogue", pp.remove_rogue},
      {"trust-anchor", pp.trust_anchor_file},
      {"root-hints", pp.root_hints},
  };
  toml::table out{
      {"name", z.name},
      {"file", z.input_file},
      {"output", z.output_file},
      {"automate", p.automate},
      {"notify", strings(p.notify)},
      {"use-csk", p.use_csk},
      {"ksk-rollover-method", to_string(p.ksk_rollover_method)},
      {"denial", inline_table(std::move(denial))},
      {"timing", inline_table(std::move(timing))},
      {"parent", inline_table(std::move(parent))},
      {"trust-anchors",  // ---- tarwire ----: the table form
       inline_table(toml::table{{"targets", strings(p.trust_anchors)},
                                {"ca", p.tar.ca_file},
                                {"token-file", p.tar.token_file},
                                {"add-hold-down", dur(p.tar.add_hold_down)},
                                {"remove-hold-down", dur(p.tar.remove_hold_down)},
                                {"probe-interval", dur(p.tar.probe_interval)},
                                {"dlv-tsig", p.tar.dlv_tsig_file},
                                {"http-method", p.tar.http_method},
                                {"client-cert", p.tar.client_cert},
                                {"client-key", p.tar.client_key}})},
      {"reload", p.reload_command},
      {"serial", to_string(p.serial)},
      {"allow-deprecated", p.allow_deprecated},
      {"verify", to_string(p.verify)},
      {"children",
       inline_table(toml::table{{"scan", p.children.scan},  // childscan
                                {"poll-interval", dur(p.children.poll_interval)},
                                {"bootstrap", p.children.bootstrap},
                                {"accept-after-delay", dur(p.children.accept_after_delay)}})},
  };
  if (p.use_csk) {
    out.insert("csk", key_table(p.csk));
  } else {
    out.insert("ksk", key_table(p.ksk));
    out.insert("zsk", key_table(p.zsk));
  }
  return out;
}

}  // namespace

std::string config_to_toml(const Config& cfg) {
  const GlobalSettings& g = cfg.global;
  toml::table agent{
      {"state-dir", g.state_dir},
      {"database", g.database},
      {"key-dir", g.key_dir},
      {"control-socket", g.control_socket},
      {"log-format", to_string(g.log_format)},
      {"metrics-listen", g.metrics_listen},
  };
  const AlertSettings& a = g.alerts;
  const char* starttls = a.smtp_starttls == SmtpStartTls::Off   ? "off"
                         : a.smtp_starttls == SmtpStartTls::Try ? "try"
                                                                : "require";
  agent.insert("alerts", toml::table{
                             {"smtp-server", a.smtp_server},
                             {"smtp-from", a.smtp_from},
                             {"smtp-starttls", starttls},
                             {"smtp-user", a.smtp_user},
                             {"smtp-password-file", a.smtp_password_file},
                             {"ca-file", a.ca_file},
                             {"webhook-secret-file", a.webhook_secret_file},
                             {"timeout", format_duration(a.timeout)},
                             {"rate-burst", a.rate_burst},
                             {"rate-interval", format_duration(a.rate_interval)},
                         });
  // ---- alertwire ----
  agent.insert("audit-log", g.audit_log);
  toml::array anchors;
  for (const auto& f : g.chain_watch.trust_anchors) anchors.push_back(f);
  agent.insert("chain-watch", toml::table{
                                  {"interval", format_duration(g.chain_watch.interval)},
                                  {"trust-anchors", std::move(anchors)},
                                  {"root-hints", g.chain_watch.root_hints},
                                  {"timeout", format_duration(g.chain_watch.timeout)},
                                  {"confirm", g.chain_watch.confirm},
                              });
  // ---- end alertwire ----
  toml::array zones;
  for (const ZonePolicy& z : cfg.zones) zones.push_back(zone_table(z));
  toml::table root{{"agent", std::move(agent)}};
  if (!zones.empty()) root.insert("zone", std::move(zones));
  std::ostringstream s;
  s << "# Effective configuration of " << cfg.path << " (every zone fully expanded)\n";
  s << toml::toml_formatter{root} << "\n";
  return s.str();
}

}  // namespace ts::agent
