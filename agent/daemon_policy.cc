// Config -> ZoneSpec: the one daemon file that includes agent/config.h.
#include "agent/daemon_policy.h"

#include <algorithm>
#include <memory>

#include "agent/config.h"
#include "common/atomic_file.h"

namespace ts::agent {
namespace {

std::function<UnixTime(UnixTime)> next_fn(const KeyLifetime& l) {
  if (l.never()) return {};
  auto copy = std::make_shared<KeyLifetime>(l);
  return [copy](UnixTime active) { return copy->rollover_due(active).value_or(active); };
}

ZoneSpec to_spec(const ZonePolicy& z) {
  const Policy& p = z.policy;
  ZoneSpec s;
  s.name = z.name;
  s.input_file = z.input_file;
  s.output_file = z.output_file.empty() ? z.input_file + ".signed" : z.output_file;
  s.reload_command = p.reload_command;
  s.use_csk = p.use_csk;
  const KeyPolicy& main = p.use_csk ? p.csk : p.zsk;
  s.algorithm = static_cast<uint8_t>(main.algorithm);
  s.bits = main.bits;
  s.double_ds = p.ksk_rollover_method == KskRolloverMethod::DoubleDs;
  s.automate = p.automate;
  if (p.automate) {
    s.ksk_next = next_fn(p.ksk.lifetime);
    s.zsk_next = next_fn(p.zsk.lifetime);
    s.csk_next = next_fn(p.csk.lifetime);
  }
  if (p.use_csk) {
    s.sig_lifetime = p.csk.signature_lifetime.seconds;
    s.refresh = p.csk.refresh.seconds;
    s.jitter = p.csk.jitter.seconds;
  } else {
    s.sig_lifetime = std::min(p.ksk.signature_lifetime.seconds, p.zsk.signature_lifetime.seconds);
    s.refresh = std::max(p.ksk.refresh.seconds, p.zsk.refresh.seconds);
    s.jitter = std::max(p.ksk.jitter.seconds, p.zsk.jitter.seconds);
  }
  const TimingPolicy& t = p.timing;
  s.dnskey_ttl = t.dnskey_ttl.seconds;
  s.ds_ttl = t.ds_ttl.seconds;
  s.zone_prop = t.zone_propagation_delay.seconds;
  s.parent_prop = t.parent_propagation_delay.seconds;
  s.publish_safety = t.publish_safety.seconds;
  s.retire_safety = t.retire_safety.seconds;
  if (t.max_zone_ttl) s.max_zone_ttl = t.max_zone_ttl->seconds;
  s.nsec3 = p.denial.type == DenialType::Nsec3;
  s.opt_out = p.denial.opt_out;
  s.iterations = p.denial.iterations;
  s.salt = p.denial.salt;
  s.verify = p.verify;
  switch (p.serial) {
    case SerialPolicy::Keep:
      s.serial = 0;
      break;
    case SerialPolicy::Increment:
      s.serial = 1;
      break;
    case SerialPolicy::UnixTime:
      s.serial = 2;
      break;
    case SerialPolicy::DateCounter:
      s.serial = 3;
      break;
  }
  s.parent_method = to_string(p.parent.method);
  s.parent = parent_spec(p.parent);  // branch parent
  s.trust_anchor_targets = p.trust_anchors;
  s.trust_anchor_ca = p.tar.ca_file;
  s.trust_anchor_token = p.tar.token_file;
  s.trust_anchor_dlv_tsig = p.tar.dlv_tsig_file;
  s.trust_anchor_http_method = p.tar.http_method;
  s.trust_anchor_client_cert = p.tar.client_cert;
  s.trust_anchor_client_key = p.tar.client_key;
  s.tar_add_holddown = p.tar.add_hold_down.seconds;
  s.tar_remove_holddown = p.tar.remove_hold_down.seconds;
  s.tar_probe = p.tar.probe_interval.seconds;
  s.children = {p.children.scan, p.children.poll_interval.seconds, p.children.bootstrap,
                p.children.accept_after_delay.seconds};
  return s;
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Result<DaemonConfig> load_daemon_config(const std::string& path,
                                        const std::vector<DynamicZone>& extra) {
  auto text = read_file(path);
  if (!text) return text.error();
  std::string all = *text;
  for (const auto& z : extra) {
    all += "\n[[zone]]\nname = " + toml_string(z.name) + "\nfile = " + toml_string(z.file) + "\n";
    if (!z.output.empty()) all += "output = " + toml_string(z.output) + "\n";
  }
  auto cfg = load_config_string(all, path);
  if (!cfg) return cfg.error();
  DaemonConfig out;
  out.path = path;
  const GlobalSettings& g = cfg->global;
  out.settings.state_dir = g.state_dir;
  out.settings.database = g.database.empty() ? g.state_dir + "/trustsync.db" : g.database;
  out.settings.key_dir = g.key_dir.empty() ? g.state_dir + "/keys" : g.key_dir;
  // The built-in socket path lives in /run; with a state-dir of its own, a config that does
  // not name a socket gets <state-dir>/control.sock (tests, several agents on one machine).
  out.settings.control_socket = g.control_socket;
  if (g.control_socket == GlobalSettings{}.control_socket &&
      g.state_dir != GlobalSettings{}.state_dir)
    out.settings.control_socket = g.state_dir + "/control.sock";
  out.settings.json_logs = g.log_format == LogFormat::Json;
  out.zones.reserve(cfg->zones.size());
  for (const auto& z : cfg->zones) {
    out.zones.push_back(to_spec(z));
    for (const auto& d : extra)
      if (d.name == z.name) out.zones.back().dynamic = true;
  }
  out.warnings = cfg->warnings;
  fill_watch_settings(*cfg, out);  // alertwire
  return out;
}

}  // namespace ts::agent
