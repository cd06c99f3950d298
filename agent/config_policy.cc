// Applies the policy keys of one TOML table ([defaults] or a [[zone]]) over a Policy value,
// key by key and inside sub-tables, recording where each value came from (see config.h).
#include <cctype>

#include "agent/config_internal.h"

namespace ts::agent::config_internal {
namespace {

// Shared state of one apply_policy_table() call.
struct Apply {
  const std::string& prefix;
  bool zone_level;
  Origins& origins;
  Ctx& ctx;

  void note(const std::string& rel, const toml::node& n) {
    origins[rel] = Origin{ctx.at(n.source()), prefix + "." + rel, zone_level};
  }
  const toml::table* table(const toml::node& n, const std::string& path) {
    if (const toml::table* t = n.as_table()) return t;
    ctx.error(n, path, "expected a table such as { key = value, ... }");
    return nullptr;
  }
  // A handler that reads a duration into `field`.
  KeyHandler duration(std::string_view name, std::string rel, Duration& field) {
    return {name, [this, rel, &field](const toml::node& n, const std::string& path) {
              if (auto d = read_duration(n, path, ctx)) field = *d, note(rel, n);
            }};
  }
  KeyHandler string(std::string_view name, std::string rel, std::string& field,
                    bool is_path = false) {
    return {name, [this, rel, &field, is_path](const toml::node& n, const std::string& path) {
              if (auto s = read_string(n, path, ctx)) {
                field = is_path ? ctx.resolve(*s) : *s;
                note(rel, n);
              }
            }};
  }
  KeyHandler boolean(std::string_view name, std::string rel, bool& field) {
    return {name, [this, rel, &field](const toml::node& n, const std::string& path) {
              if (auto b = read_bool(n, path, ctx)) field = *b, note(rel, n);
            }};
  }

  void key_table(const toml::node& n, const std::string& path, const std::string& role,
                 KeyPolicy& k) {
    const toml::table* t = table(n, path);
    if (!t) return;
    note(role, n);
    std::vector<KeyHandler> h = {
        {"algorithm",
         [&](const toml::node& v, const std::string& p) {
           if (auto a = read_algorithm(v, p, ctx)) k.algorithm = *a, note(role + ".algorithm", v);
         }},
        {"bits",
         [&](const toml::node& v, const std::string& p) {
           if (auto b = read_int(v, p, 0, 16384, ctx))
             k.bits = static_cast<unsigned>(*b), note(role + ".bits", v);
         }},
        {"rollover",
         [&](const toml::node& v, const std::string& p) {
           if (auto l = read_lifetime(v, p, ctx)) k.lifetime = *l, note(role + ".rollover", v);
         }},
        duration("signature-lifetime", role + ".signature-lifetime", k.signature_lifetime),
        duration("refresh", role + ".refresh", k.refresh),
        duration("jitter", role + ".jitter", k.jitter),
    };
    for_each_key(*t, path, h, ctx);
  }

  void denial_table(const toml::node& n, const std::string& path, DenialPolicy& d) {
    const toml::table* t = table(n, path);
    if (!t) return;
    std::vector<KeyHandler> h = {
        {"type",
         [&](const toml::node& v, const std::string& p) {
           if (auto s = read_choice(v, p, {"nsec", "nsec3"}, ctx)) {
             d.type = *s == "nsec" ? DenialType::Nsec : DenialType::Nsec3;
             note("denial.type", v);
             if (d.type == DenialType::Nsec)
               for (const char* k : {"opt-out", "iterations", "salt"})
                 if (const toml::node* o = t->get(k))
                   ctx.error(*o, path + "." + k,
                             "applies to type = \"nsec3\" only, but this table sets "
                             "type = \"nsec\"");
           }
         }},
        boolean("opt-out", "denial.opt-out", d.opt_out),
        {"iterations",
         [&](const toml::node& v, const std::string& p) {
           if (auto i = read_int(v, p, 0, 65535, ctx))
             d.iterations = static_cast<uint16_t>(*i), note("denial.iterations", v);
         }},
        {"salt",
         [&](const toml::node& v, const std::string& p) {
           auto s = read_string(v, p, ctx);
           if (!s) return;
           std::string hex = *s == "-" ? "" : *s;
           bool ok = hex.size() % 2 == 0 && hex.size() <= 510;
           for (char c : hex) ok = ok && std::isxdigit(static_cast<unsigned char>(c));
           if (!ok) {
             ctx.error(v, p, "expected \"\" or an even number of hex digits (at most 255 bytes)");
             return;
           }
           d.salt.clear();
           for (size_t i = 0; i < hex.size(); i += 2)
             d.salt.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
           note("denial.salt", v);
         }},
    };
    for_each_key(*t, path, h, ctx);
  }

  void timing_table(const toml::node& n, const std::string& path, TimingPolicy& tp) {
    const toml::table* t = table(n, path);
    if (!t) return;
    std::vector<KeyHandler> h = {
        duration("dnskey-ttl", "timing.dnskey-ttl", tp.dnskey_ttl),
        duration("ds-ttl", "timing.ds-ttl", tp.ds_ttl),
        duration("parent-propagation-delay", "timing.parent-propagation-delay",
                 tp.parent_propagation_delay),
        duration("zone-propagation-delay", "timing.zone-propagation-delay",
                 tp.zone_propagation_delay),
        duration("publish-safety", "timing.publish-safety", tp.publish_safety),
        duration("retire-safety", "timing.retire-safety", tp.retire_safety),
        {"max-zone-ttl",
         [&](const toml::node& v, const std::string& p) {
           if (auto d = read_duration(v, p, ctx))
             tp.max_zone_ttl = *d, note("timing.max-zone-ttl", v);
         }},
    };
    for_each_key(*t, path, h, ctx);
  }

  // ---- tarwire ----
  // The trust-anchor targets: "https://...", "file:/absolute/dir/" or "dlv:ZONE@ADDR[#PORT]".
  std::optional<std::vector<std::string>> tar_targets(const toml::node& v,
                                                      const std::string& path) {
    auto list = read_string_array(v, path, ctx);
    if (!list) return std::nullopt;
    bool ok = true;
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string& t = (*list)[i];
      auto at = t.find('@');
      if (t.rfind("https://", 0) == 0 || t.rfind("file:/", 0) == 0 ||
          (t.rfind("dlv:", 0) == 0 && at != std::string::npos && at > 4 && at + 1 < t.size()))
        continue;
      ctx.error(*v.as_array()->get(i), path + "[" + std::to_string(i) + "]",
                "expected \"https://HOST/PATH/\", \"file:/ABSOLUTE/DIR/\" or "
                "\"dlv:DLV-ZONE@ADDRESS[#PORT]\"");
      ok = false;
    }
    if (!ok) return std::nullopt;
    return list;
  }
  void tar_table(const toml::node& n, const std::string& path, std::vector<std::string>& targets,
                 TrustAnchorPolicy& tp) {
    const toml::table* t = table(n, path);
    if (!t) return;
    note("trust-anchors", n);
    std::vector<KeyHandler> h = {
        {"targets",
         [&](const toml::node& v, const std::string& p) {
           if (auto list = tar_targets(v, p)) targets = *list, note("trust-anchors.targets", v);
         }},
        string("ca", "trust-anchors.ca", tp.ca_file, true),
        string("token-file", "trust-anchors.token-file", tp.token_file, true),
        duration("add-hold-down", "trust-anchors.add-hold-down", tp.add_hold_down),
        duration("remove-hold-down", "trust-anchors.remove-hold-down", tp.remove_hold_down),
        duration("probe-interval", "trust-anchors.probe-interval", tp.probe_interval),
        string("dlv-tsig", "trust-anchors.dlv-tsig", tp.dlv_tsig_file, true),
        string("client-cert", "trust-anchors.client-cert", tp.client_cert, true),
        string("client-key", "trust-anchors.client-key", tp.client_key, true),
        {"http-method",
         [&](const toml::node& v, const std::string& p) {
           auto m = read_string(v, p, ctx);
           if (!m) return;
           if (*m != "put" && *m != "post") {
             ctx.error(v, p, "expected \"put\" or \"post\"");
             return;
           }
           tp.http_method = *m;
           note("trust-anchors.http-method", v);
         }},
    };
    for_each_key(*t, path, h, ctx);
  }
  // ---- end tarwire ----

  // ---- childscan: `children = { scan, poll-interval, bootstrap }`
  void children_table(const toml::node& n, const std::string& path, ChildrenPolicy& cp) {
    const toml::table* t = table(n, path);
    if (!t) return;
    std::vector<KeyHandler> h = {
        boolean("scan", "children.scan", cp.scan),
        duration("poll-interval", "children.poll-interval", cp.poll_interval),
        boolean("bootstrap", "children.bootstrap", cp.bootstrap),
        duration("accept-after-delay", "children.accept-after-delay", cp.accept_after_delay),
    };
    for_each_key(*t, path, h, ctx);
  }

  void parent_table(const toml::node& n, const std::string& path, ParentPolicy& pp) {
    const toml::table* t = table(n, path);
    if (!t) return;
    std::vector<KeyHandler> h = {
        {"method",
         [&](const toml::node& v, const std::string& p) {
           static const std::vector<std::string_view> kMethods = {
               "none", "managed", "update", "cds", "command", "manual", "tar"};  // tarwire
           if (auto s = read_choice(v, p, kMethods, ctx)) {
             for (auto m : {ParentMethod::None, ParentMethod::Managed, ParentMethod::Update,
                            ParentMethod::Cds, ParentMethod::Command, ParentMethod::Manual,
                            ParentMethod::Tar})
               if (*s == to_string(m)) pp.method = m;
             note("parent.method", v);
           }
         }},
        string("primary", "parent.primary", pp.primary),
        string("tsig-key", "parent.tsig-key", pp.tsig_key_name),
        {"tsig-algorithm",
         [&](const toml::node& v, const std::string& p) {
           static const std::vector<std::string_view> kAlgs = {
               "hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1"};
           if (auto s = read_choice(v, p, kAlgs, ctx))
             pp.tsig_algorithm = *s, note("parent.tsig-algorithm", v);
         }},
        string("tsig-secret-file", "parent.tsig-secret-file", pp.tsig_secret_file, true),
        string("command", "parent.command", pp.command),
        duration("timeout", "parent.timeout", pp.timeout),
        duration("poll-interval", "parent.poll-interval", pp.poll_interval),
        duration("alert-after", "parent.alert-after", pp.alert_after),
        // ---- branch parent: daemon parent sync
        duration("poll", "parent.poll-interval", pp.poll_interval),  // short for poll-interval
        string("tsig", "parent.tsig", pp.tsig_key_file, true),
        boolean("remove-rogue", "parent.remove-rogue", pp.remove_rogue),
        string("trust-anchor", "parent.trust-anchor", pp.trust_anchor_file, true),
        string("root-hints", "parent.root-hints", pp.root_hints, true),
    };
    for_each_key(*t, path, h, ctx);
  }
};

}  // namespace

void apply_policy_table(const toml::table& t, const std::string& prefix, bool zone_level, Policy& p,
                        Origins& origins, Ctx& ctx, const std::vector<KeyHandler>& extra) {
  Apply a{prefix, zone_level, origins, ctx};
  std::vector<KeyHandler> h = {
      a.boolean("automate", "automate", p.automate),
      {"notify",
       [&](const toml::node& v, const std::string& path) {
         auto list = read_string_array(v, path, ctx);
         if (!list) return;
         bool ok = true;
         for (size_t i = 0; i < list->size(); ++i) {
           std::string why;
           if (!valid_notify_target((*list)[i], why)) {
             const toml::node& item = *v.as_array()->get(i);
             ctx.error(item, path + "[" + std::to_string(i) + "]", why);
             ok = false;
           }
         }
         if (ok) p.notify = *list, a.note("notify", v);
       }},
      a.boolean("use-csk", "use-csk", p.use_csk),
      {"ksk",
       [&](const toml::node& v, const std::string& path) { a.key_table(v, path, "ksk", p.ksk); }},
      {"zsk",
       [&](const toml::node& v, const std::string& path) { a.key_table(v, path, "zsk", p.zsk); }},
      {"csk",
       [&](const toml::node& v, const std::string& path) { a.key_table(v, path, "csk", p.csk); }},
      {"ksk-rollover-method",
       [&](const toml::node& v, const std::string& path) {
         if (auto s = read_choice(v, path, {"double-ksk", "double-ds"}, ctx)) {
           p.ksk_rollover_method =
               *s == "double-ksk" ? KskRolloverMethod::DoubleKsk : KskRolloverMethod::DoubleDs;
           a.note("ksk-rollover-method", v);
         }
       }},
      {"denial",
       [&](const toml::node& v, const std::string& path) { a.denial_table(v, path, p.denial); }},
      {"timing",
       [&](const toml::node& v, const std::string& path) { a.timing_table(v, path, p.timing); }},
      {"parent",
       [&](const toml::node& v, const std::string& path) { a.parent_table(v, path, p.parent); }},
      {"trust-anchors",  // ---- tarwire ----: an array of targets or a table
       [&](const toml::node& v, const std::string& path) {
         if (v.is_table()) return a.tar_table(v, path, p.trust_anchors, p.tar);
         if (auto list = a.tar_targets(v, path))
           p.trust_anchors = *list, a.note("trust-anchors", v);
       }},
      a.string("reload", "reload", p.reload_command),
      {"serial",
       [&](const toml::node& v, const std::string& path) {
         if (auto s = read_choice(v, path, {"increment", "unixtime", "date", "keep"}, ctx)) {
           for (auto sp : {SerialPolicy::Increment, SerialPolicy::UnixTime,
                           SerialPolicy::DateCounter, SerialPolicy::Keep})
             if (*s == to_string(sp)) p.serial = sp;
           a.note("serial", v);
         }
       }},
      a.boolean("allow-deprecated", "allow-deprecated", p.allow_deprecated),
      {"verify",
       [&](const toml::node& v, const std::string& path) {
         if (auto s = read_choice(v, path, {"per-key", "full"}, ctx)) {
           p.verify = *s == "full" ? VerifyMode::Full : VerifyMode::PerKey;
           a.note("verify", v);
         }
       }},
      {"children",  // childscan
       [&](const toml::node& v, const std::string& path) {
         a.children_table(v, path, p.children);
       }},
  };
  h.insert(h.end(), extra.begin(), extra.end());
  for_each_key(t, prefix, h, ctx);
}

}  // namespace ts::agent::config_internal
