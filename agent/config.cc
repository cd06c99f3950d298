// Loads the TOML policy file: [agent], [defaults] and [[zone]] tables into a Config, then
// checks each zone's effective policy (see config.h). All errors are reported at once.
#include "agent/config.h"

#include <fstream>
#include <sstream>
#include <unordered_map>

#include "agent/config_internal.h"
#include "common/name.h"

namespace ts::agent {
namespace {

using namespace config_internal;

void read_alerts_table(const toml::node& n, const std::string& path, AlertSettings& a, Ctx& ctx) {
  const toml::table* t = n.as_table();
  if (!t) {
    ctx.error(n, path, "expected a table [agent.alerts]");
    return;
  }
  auto str = [&](std::string_view name, std::string& field, bool is_path) {
    return KeyHandler{name, [&, is_path](const toml::node& v, const std::string& p) {
                        if (auto s = read_string(v, p, ctx)) field = is_path ? ctx.resolve(*s) : *s;
                      }};
  };
  std::vector<KeyHandler> h = {
      {"smtp-server",
       [&](const toml::node& v, const std::string& p) {
         auto s = read_string(v, p, ctx);
         if (s && !s->starts_with("smtp://") && !s->starts_with("smtps://"))
           ctx.error(v, p, "expected an smtp:// or smtps:// URL");
         else if (s)
           a.smtp_server = *s;
       }},
      str("smtp-from", a.smtp_from, false),
      {"smtp-starttls",
       [&](const toml::node& v, const std::string& p) {
         if (auto s = read_choice(v, p, {"off", "try", "require"}, ctx))
           a.smtp_starttls = *s == "off"   ? SmtpStartTls::Off
                             : *s == "try" ? SmtpStartTls::Try
                                           : SmtpStartTls::Require;
       }},
      str("smtp-user", a.smtp_user, false),
      str("smtp-password-file", a.smtp_password_file, true),
      str("ca-file", a.ca_file, true),
      str("webhook-secret-file", a.webhook_secret_file, true),
      {"timeout",
       [&](const toml::node& v, const std::string& p) {
         if (auto d = read_duration(v, p, ctx)) a.timeout = *d;
       }},
      {"rate-burst",
       [&](const toml::node& v, const std::string& p) {
         if (auto i = read_int(v, p, 1, 10000, ctx)) a.rate_burst = *i;
       }},
      {"rate-interval",
       [&](const toml::node& v, const std::string& p) {
         if (auto d = read_duration(v, p, ctx)) a.rate_interval = *d;
       }},
  };
  for_each_key(*t, path, h, ctx);
  if (!a.smtp_user.empty() && a.smtp_password_file.empty())
    ctx.error(n, path + ".smtp-user", "needs smtp-password-file (the password is never inline)");
}

// ---- alertwire: [agent.chain-watch] ----
void read_chain_watch_table(const toml::node& n, const std::string& path, ChainWatchSettings& w,
                            Ctx& ctx) {
  const toml::table* t = n.as_table();
  if (!t) {
    ctx.error(n, path, "expected a table [agent.chain-watch]");
    return;
  }
  std::vector<KeyHandler> h = {
      {"interval",
       [&](const toml::node& v, const std::string& p) {
         if (auto d = read_duration(v, p, ctx)) w.interval = *d;
       }},
      {"trust-anchors",
       [&](const toml::node& v, const std::string& p) {
         if (auto l = read_string_array(v, p, ctx)) {
           w.trust_anchors.clear();
           for (const auto& f : *l) w.trust_anchors.push_back(ctx.resolve(f));
         }
       }},
      {"root-hints",
       [&](const toml::node& v, const std::string& p) {
         if (auto s = read_string(v, p, ctx)) w.root_hints = s->empty() ? "" : ctx.resolve(*s);
       }},
      {"timeout",
       [&](const toml::node& v, const std::string& p) {
         auto d = read_duration(v, p, ctx);
         if (d && d->seconds == 0)
           ctx.error(v, p, "must be at least 1s");
         else if (d)
           w.timeout = *d;
       }},
      {"confirm",
       [&](const toml::node& v, const std::string& p) {
         if (auto i = read_int(v, p, 1, 10, ctx)) w.confirm = static_cast<int>(*i);
       }},
  };
  for_each_key(*t, path, h, ctx);
}
// ---- end alertwire ----

void read_agent_table(const toml::node& n, GlobalSettings& g, Ctx& ctx) {
  const toml::table* t = n.as_table();
  if (!t) {
    ctx.error(n, "agent", "expected a table [agent]");
    return;
  }
  auto path_key = [&](std::string_view name, std::string& field) {
    return KeyHandler{name, [&](const toml::node& v, const std::string& p) {
                        if (auto s = read_string(v, p, ctx)) field = ctx.resolve(*s);
                      }};
  };
  std::vector<KeyHandler> h = {
      path_key("state-dir", g.state_dir),
      path_key("database", g.database),
      path_key("key-dir", g.key_dir),
      path_key("control-socket", g.control_socket),
      {"log-format",
       [&](const toml::node& v, const std::string& p) {
         if (auto s = read_choice(v, p, {"text", "json"}, ctx))
           g.log_format = *s == "json" ? LogFormat::Json : LogFormat::Text;
       }},
      {"metrics-listen",
       [&](const toml::node& v, const std::string& p) {
         auto s = read_string(v, p, ctx);
         if (!s) return;
         size_t colon = s->rfind(':');
         if (!s->empty() && (colon == std::string::npos || colon + 1 == s->size()))
           ctx.error(v, p, "expected \"address:port\" (e.g. \"127.0.0.1:9153\") or \"\" for off");
         else
           g.metrics_listen = *s;
       }},
      {"alerts",
       [&](const toml::node& v, const std::string& p) { read_alerts_table(v, p, g.alerts, ctx); }},
      // ---- alertwire ----
      path_key("audit-log", g.audit_log),
      {"chain-watch",
       [&](const toml::node& v, const std::string& p) {
         read_chain_watch_table(v, p, g.chain_watch, ctx);
       }},
      // ---- end alertwire ----
  };
  for_each_key(*t, "agent", h, ctx);
}

// Reads one [[zone]] entry over a copy of the defaults.
void read_zone(const toml::node& n, size_t index, const Policy& defaults,
               const Origins& default_origins, Config& cfg, Ctx& ctx,
               std::unordered_map<std::string, std::string>& first_defined) {
  std::string label = "zone[" + std::to_string(index) + "]";
  const toml::table* t = n.as_table();
  if (!t) {
    ctx.error(n, label, "expected a [[zone]] table");
    return;
  }
  ZonePolicy z;
  z.policy = defaults;
  z.origin = ctx.at(n.source());
  // Name first, so that every other message can name the zone.
  if (const toml::node* name = t->get("name")) {
    if (auto s = read_string(*name, label + ".name", ctx)) {
      std::string text = *s;
      if (!text.empty() && text.back() != '.') text += '.';
      auto parsed = Name::from_text(text);
      if (!parsed || s->empty())
        ctx.error(*name, label + ".name", "'" + *s + "' is not a valid domain name");
      else
        z.name = parsed->lowered().to_text();
    }
  } else {
    ctx.error(n, label, "missing required key 'name'");
  }
  if (!z.name.empty()) label = "zone[" + z.name + "]";

  Origins origins = default_origins;
  bool has_file = false;
  std::vector<KeyHandler> extra = {
      {"name", [](const toml::node&, const std::string&) {}},
      {"file",
       [&](const toml::node& v, const std::string& p) {
         if (auto s = read_string(v, p, ctx)) z.input_file = ctx.resolve(*s);
         has_file = true;
       }},
      {"output",
       [&](const toml::node& v, const std::string& p) {
         if (auto s = read_string(v, p, ctx)) z.output_file = ctx.resolve(*s);
       }},
  };
  apply_policy_table(*t, label, true, z.policy, origins, ctx, extra);
  if (!has_file) ctx.error(n, label, "missing required key 'file' (the unsigned zone file)");
  if (z.output_file.empty() && !z.input_file.empty()) z.output_file = z.input_file + ".signed";
  if (!z.input_file.empty() && z.output_file == z.input_file)
    ctx.error(*t->get("output"), label + ".output", "must differ from the input file");

  if (!z.name.empty()) {  // a map, not a scan of the zones so far: 100,000 zones load in O(n)
    auto [first, fresh] = first_defined.emplace(z.name, z.origin);
    if (!fresh)
      ctx.error(*t->get("name"), label + ".name",
                "duplicate zone '" + z.name + "' (first defined at " + first->second + ")");
  }
  check_policy(z.policy, origins, label, z.origin, ctx);
  cfg.zones.push_back(std::move(z));
}

// A zone whose parent method is `managed` needs its parent zone in this configuration.
void check_managed_parents(const Config& cfg, Ctx& ctx) {
  for (const ZonePolicy& z : cfg.zones) {
    if (z.policy.parent.method != ParentMethod::Managed) continue;
    auto name = Name::from_text(z.name);
    if (!name) continue;
    bool found = false;
    for (Name p = name->parent(); !found; p = p.parent()) {
      for (const ZonePolicy& o : cfg.zones) found = found || o.name == p.lowered().to_text();
      if (p.is_root()) break;
    }
    if (!found)
      ctx.error(z.origin, "zone[" + z.name + "].parent.method",
                "\"managed\" needs the parent zone of '" + z.name +
                    "' to be a [[zone]] of this configuration");
  }
}

}  // namespace

Result<Config> load_config_string(std::string_view text, const std::string& path) {
  Ctx ctx;
  ctx.file = path;
  if (size_t slash = path.rfind('/'); slash != std::string::npos)
    ctx.base_dir = path.substr(0, slash == 0 ? 1 : slash);
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return fail(ctx.at(e.source()) + ": error: " + std::string(e.description()));
  }

  Config cfg;
  cfg.path = path;
  Policy defaults;
  Origins default_origins;
  std::vector<KeyHandler> top = {
      {"agent",
       [&](const toml::node& v, const std::string&) { read_agent_table(v, cfg.global, ctx); }},
      {"defaults",
       [&](const toml::node& v, const std::string& p) {
         const toml::table* t = v.as_table();
         if (!t) return ctx.error(v, p, "expected a table [defaults]");
         apply_policy_table(*t, "defaults", false, defaults, default_origins, ctx, {});
         check_policy(defaults, default_origins, "defaults", ctx.at(v.source()), ctx);
       }},
      {"zone", [](const toml::node&, const std::string&) {}},  // after [defaults], below
  };
  for_each_key(root, "", top, ctx);
  if (const toml::node* zones = root.get("zone")) {
    if (const toml::array* arr = zones->as_array()) {
      std::unordered_map<std::string, std::string> first_defined;
      first_defined.reserve(arr->size());
      cfg.zones.reserve(cfg.zones.size() + arr->size());  // 100,000 zones: no regrowth copies
      for (size_t i = 0; i < arr->size(); ++i)
        read_zone(*arr->get(i), i, defaults, default_origins, cfg, ctx, first_defined);
    } else {
      ctx.error(*zones, "zone", "expected [[zone]] tables");
    }
  }
  check_managed_parents(cfg, ctx);

  if (cfg.global.database.empty()) cfg.global.database = cfg.global.state_dir + "/trustsync.db";
  if (cfg.global.key_dir.empty()) cfg.global.key_dir = cfg.global.state_dir + "/keys";
  if (!ctx.errors.empty()) {
    std::string all;
    for (const auto& e : ctx.errors) all += (all.empty() ? "" : "\n") + e;
    for (const auto& w : ctx.warnings) all += "\n" + w;  // errors first, then warnings
    return fail(all);
  }
  cfg.warnings = std::move(ctx.warnings);
  return cfg;
}

Result<Config> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open the configuration file");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return fail(path + ": read error");
  return load_config_string(s.str(), path);
}

}  // namespace ts::agent
