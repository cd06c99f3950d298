// The agent's policy as plain values: what agent/config produces from the TOML file and what
// the daemon, the rollover logic and parent sync consume. No TOML types appear here; every
// field has the built-in default used when neither [defaults] nor the zone sets it. Times
// are Durations (whole seconds). TOML spellings are given next to each field.
//
//   auto cfg = load_config("/etc/trustsync/trustsync.toml");      // agent/config.h
//   for (const ZonePolicy& z : cfg->zones)
//     if (auto due = z.policy.zsk.lifetime.rollover_due(active_since)) schedule(*due);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/cron.h"
#include "agent/duration.h"
#include "common/clock.h"
#include "signer/crypto.h"

namespace ts::agent {

/// How long a key is used before it is rolled. TOML `rollover`: a five-field cron expression
/// ("0 2 1 2,8 *"), a duration ("90d"), or "never" (only `trustsync rollover` rolls it).
struct KeyLifetime {
  std::variant<std::monostate, Duration, CronSchedule> schedule;

  bool never() const { return std::holds_alternative<std::monostate>(schedule); }
  /// When the rollover of a key active since `active_since` is due: active_since + duration,
  /// or the first cron firing strictly after active_since; nullopt for "never".
  std::optional<UnixTime> rollover_due(UnixTime active_since) const {
    if (auto* d = std::get_if<Duration>(&schedule)) return active_since + d->seconds;
    if (auto* c = std::get_if<CronSchedule>(&schedule)) return c->next_after(active_since);
    return std::nullopt;
  }
  /// As written in the policy: "never", "90d" or the cron expression.
  std::string text() const {
    if (auto* d = std::get_if<Duration>(&schedule)) return format_duration(*d);
    if (auto* c = std::get_if<CronSchedule>(&schedule)) return c->text();
    return "never";
  }
};

/// One key role's policy: TOML tables `ksk`, `zsk`, `csk`.
struct KeyPolicy {
  signer::Algorithm algorithm = signer::Algorithm::ECDSAP256SHA256;  // `algorithm`
  unsigned bits = 0;     // `bits`; 0 = the algorithm's default size (fixed for EC/EdDSA)
  KeyLifetime lifetime;  // `rollover`
  /// RRSIG validity (`signature-lifetime`) for what this key signs (KSK: DNSKEY/CDS/CDNSKEY,
  /// ZSK: everything else; CSK: all).
  Duration signature_lifetime = Duration::days(14);
  /// Re-sign when less than this validity is left (`refresh`).
  Duration refresh = Duration::days(5);
  /// Re-signing happens at a random point in [expiry - refresh - jitter, expiry - refresh]
  /// so that many zones are staggered (`jitter`).
  Duration jitter = Duration::hours(12);
  // Note: there is no per-role TTL: all DNSKEYs form one RRset, see TimingPolicy::dnskey_ttl.
};

enum class DenialType { Nsec, Nsec3 };

/// Authenticated denial of existence: TOML table `denial`.
struct DenialPolicy {
  DenialType type = DenialType::Nsec;  // `type` = "nsec" | "nsec3"
  // The following apply to NSEC3 only (a zone switching to "nsec" ignores inherited values).
  bool opt_out = false;       // `opt-out`
  uint16_t iterations = 0;    // `iterations` (RFC 9276: 0)
  std::vector<uint8_t> salt;  // `salt`, hex; "" or "-" = none (RFC 9276: none)
};

/// The RFC 7583 terms the rollover timing is computed from: TOML table `timing`.
struct TimingPolicy {
  /// `dnskey-ttl`: TTL of the DNSKEY, CDS and CDNSKEY RRsets (TTLkey).
  Duration dnskey_ttl = Duration::hours(1);
  /// `ds-ttl`: the parent's DS TTL (TTLds).
  Duration ds_ttl = Duration::days(1);
  /// `parent-propagation-delay`: until every parent server serves a change (DprpP).
  Duration parent_propagation_delay = Duration::hours(1);
  /// `zone-propagation-delay`: until every server of the zone serves a change (Dprp).
  Duration zone_propagation_delay = Duration::minutes(5);
  /// `publish-safety` / `retire-safety`: margins added to Ipub and Iret.
  Duration publish_safety = Duration::hours(1);
  Duration retire_safety = Duration::hours(1);
  /// `max-zone-ttl`: largest TTL in the zone (TTLsig); unset = derived from the zone when
  /// loaded (config checks then assume dnskey_ttl).
  std::optional<Duration> max_zone_ttl;
};

/// KSK/CSK rollover method (RFC 6781 4.1.2): `ksk-rollover-method`.
enum class KskRolloverMethod { DoubleKsk, DoubleDs };  // "double-ksk" | "double-ds"

/// How the agent gets DS changes to the parent (issue 5): TOML table `parent`.
enum class ParentMethod {
  None,     // "none": an operator confirms with `trustsync ds-seen ZONE TAG`
  Managed,  // "managed": the parent zone is another zone of this agent
  Update,   // "update": RFC 2136 UPDATE with TSIG to the parent's primary
  Cds,      // "cds": publish CDS/CDNSKEY and wait for the parent (RFC 7344, RFC 8078)
  Command,  // "command": run a registrar hook with a JSON document on stdin
  // ---- branch parent: daemon parent sync
  Manual,  // "manual": like "none", said explicitly: the operator confirms with ds-seen
  // ---- tarwire ----
  Tar,  // "tar": unsigned parent; the trust anchor goes to the `trust-anchors` targets (issue 7)
};

// ---- tarwire ----
/// Trust-anchor publication settings (issue 7), the table form of `trust-anchors`.
struct TrustAnchorPolicy {
  std::string ca_file;     // `ca`: CA bundle to verify https:// targets; "" = system
  std::string token_file;  // `token-file`: bearer token for https:// targets, mode 0600
  /// `add-hold-down` / `remove-hold-down`: RFC 5011 timers (30 days by default).
  Duration add_hold_down = Duration::days(30);
  Duration remove_hold_down = Duration::days(30);
  /// `probe-interval`: how often validators re-query the DNSKEY RRset (RFC 5011 2.3 active
  /// refresh), added with the DNSKEY TTL to both hold-downs; RFC 5011's minimum (1h) by default.
  Duration probe_interval = Duration::hours(1);
  /// `dlv-tsig`: BIND key file (`key "name" { algorithm ...; secret "..."; };`, 0600) that
  /// signs the UPDATEs of `dlv:ZONE@ADDR[#PORT]` targets.
  std::string dlv_tsig_file;
  /// `http-method`: "put" (default) or "post" for https:// targets.
  std::string http_method = "put";
  /// `client-cert` / `client-key`: PEM client certificate and key for https:// targets
  /// (TLS client authentication, instead of or besides the bearer token).
  std::string client_cert, client_key;
};
// ---- end tarwire ----

struct ParentPolicy {
  ParentMethod method = ParentMethod::None;  // `method`
  /// `primary`: "address" or "address#port" for `update`; empty = the parent SOA MNAME.
  std::string primary;
  std::string tsig_key_name;                    // `tsig-key` (empty = no TSIG)
  std::string tsig_algorithm = "hmac-sha256";   // `tsig-algorithm`
  std::string tsig_secret_file;                 // `tsig-secret-file`: base64 secret, 0600
  std::string command;                          // `command`: absolute path, for `command`
  Duration timeout = Duration::secs(30);        // `timeout`: per UPDATE / hook run
  Duration poll_interval = Duration::hours(1);  // `poll-interval`: how often DS is observed
  Duration alert_after = Duration::days(2);     // `alert-after`: parent not following -> alert
  // ---- branch parent: daemon parent sync (fields added at the end)
  /// `tsig`: a BIND/nsupdate key file (`key "name" { algorithm ...; secret "..."; };`, 0600),
  /// instead of tsig-key + tsig-algorithm + tsig-secret-file.
  std::string tsig_key_file;
  /// `remove-rogue`: remove DS matching no key of ours (update and managed only).
  bool remove_rogue = false;
  /// `trust-anchor`: root trust anchor file (DS/DNSKEY lines) for the validating resolver
  /// that observes the parent; "" = the IANA root anchors.
  std::string trust_anchor_file;
  /// `root-hints`: root hints file for that resolver; "" = the real root servers.
  std::string root_hints;
};

/// `children`: the parent side of CDS/CDNSKEY for a zone signed here: its delegations to
/// children not managed by this agent are scanned (parentsync/child_scan.h) and accepted DS
/// sets go into the zone (branch childscan).
struct ChildrenPolicy {
  bool scan = false;                            // `scan`
  Duration poll_interval = Duration::hours(1);  // `poll-interval`: between scans
  bool bootstrap = true;  // `bootstrap`: RFC 9615 authenticated bootstrapping of new DS
  /// `accept-after-delay`: RFC 8078 3.3, unauthenticated CDS of a child without DS taken
  /// once unchanged this long; 0 = never (default).
  Duration accept_after_delay = Duration::secs(0);
};

/// Zone serial numbers written on each signing: `serial`.
enum class SerialPolicy { Increment, UnixTime, DateCounter, Keep };
// "increment" | "unixtime" | "date" (YYYYMMDDnn) | "keep" (as in the input file)

/// The self-check of a signed zone before it is written (agent/daemon_sign.h): `verify` =
/// "per-key" (structure of every RRSIG, the denial chain, crypto on the DNSKEY RRset's
/// signatures and on each key's first signature) | "full" (crypto on every RRSIG as well).
enum class VerifyMode { PerKey, Full };

enum class LogFormat { Text, Json };

/// The effective policy of one zone: built-in defaults, then [defaults], then the zone's
/// own keys (inline tables are merged key by key).
struct Policy {
  /// `automate`: false = signatures are kept fresh, but no rollover starts and nothing is
  /// submitted to the parent unless an operator asks (`trustsync rollover`).
  bool automate = true;
  /// `notify`: "mailto:addr", "https://url" or "exec:/absolute/path" alert targets.
  std::vector<std::string> notify;
  bool use_csk = false;  // `use-csk`: one combined key (csk) instead of ksk + zsk
  /// `ksk`, `zsk`, `csk`. Built-in rollover: ksk and csk "never", zsk "30d". Only csk is
  /// used when use_csk, only ksk and zsk otherwise (and then with the same algorithm).
  KeyPolicy ksk;
  KeyPolicy zsk{.lifetime = {Duration::days(30)}};
  KeyPolicy csk;
  /// `ksk-rollover-method`: how KSK and CSK rollovers swap the DS.
  KskRolloverMethod ksk_rollover_method = KskRolloverMethod::DoubleKsk;
  DenialPolicy denial;  // `denial`
  TimingPolicy timing;  // `timing`
  ParentPolicy parent;  // `parent`
  /// `trust-anchors`: trust-anchor repository targets ("file:/dir", "https://host/path"):
  /// the daemon publishes the zone's anchor document there (agent/daemon_tar.h).
  std::vector<std::string> trust_anchors;
  /// `reload`: command run after the signed file is written (e.g. "nsd-control reload").
  std::string reload_command;
  SerialPolicy serial = SerialPolicy::Increment;  // `serial`
  /// `allow-deprecated`: permit RSASHA1 / NSEC3RSASHA1 (RFC 8624: MUST NOT sign).
  bool allow_deprecated = false;
  VerifyMode verify = VerifyMode::PerKey;  // `verify`
  // ---- tarwire ----
  /// `trust-anchors = { targets = [...], ca, token-file, add-hold-down, remove-hold-down }`;
  /// the targets themselves are `trust_anchors` above (a plain array is still accepted).
  TrustAnchorPolicy tar;
  ChildrenPolicy children;  // `children` (branch childscan)
};

/// One `[[zone]]`: its name and its effective policy.
struct ZonePolicy {
  std::string name;         // `name`: absolute, lower case, e.g. "example.test."
  std::string input_file;   // `file`: the unsigned zone file (relative to the config file)
  std::string output_file;  // `output`: the signed zone file; default: input_file + ".signed"
  Policy policy;
  std::string origin;  // where the zone was defined, "FILE:LINE:COLUMN" (for messages)
};

/// STARTTLS on SMTP submission: `smtp-starttls` = "off" | "try" | "require".
enum class SmtpStartTls { Off, Try, Require };

/// How alerts reach their targets: TOML table `[agent.alerts]` (agent/alert_options.h).
struct AlertSettings {
  std::string smtp_server = "smtp://127.0.0.1:25";  // `smtp-server`: smtp:// or smtps:// URL
  std::string smtp_from = "trustsync@localhost";    // `smtp-from`: envelope and From address
  SmtpStartTls smtp_starttls = SmtpStartTls::Try;   // `smtp-starttls`
  std::string smtp_user;                            // `smtp-user`: "" = no authentication
  std::string smtp_password_file;                   // `smtp-password-file`: mode 0600
  std::string ca_file;              // `ca-file`: CA bundle for SMTP and webhook TLS; "" = system
  std::string webhook_secret_file;  // `webhook-secret-file`: HMAC key, mode 0600
  Duration timeout = Duration::secs(30);  // `timeout`: per delivery (SMTP, HTTPS, exec)
  int64_t rate_burst = 10;                // `rate-burst`: notifications a target gets at once
  /// `rate-interval`: a target earns one more notification per interval (token bucket).
  Duration rate_interval = Duration::minutes(6);
};

// ---- alertwire: the daemon's chain watch (agent/daemon_watch.h) ----
/// Each zone's chain of trust walked on a schedule, as `trustsync chain` does (fresh
/// validator, every parent server asked): TOML table `[agent.chain-watch]`.
struct ChainWatchSettings {
  Duration interval = Duration::secs(0);   // `interval`: how often; 0 = off (the default)
  std::vector<std::string> trust_anchors;  // `trust-anchors`: DS/DNSKEY files; [] = IANA root
  std::string root_hints;                  // `root-hints`: "" = the real root servers
  Duration timeout = Duration::secs(3);    // `timeout`: per query
  /// `confirm`: observations in a row that must find the chain broken before chain-broken
  /// fires (a name server reloading can answer inconsistently for a moment); 1 = at once.
  int confirm = 2;
};
// ---- end alertwire ----

/// Process-wide settings: TOML table `[agent]`.
struct GlobalSettings {
  std::string state_dir = "/var/lib/trustsync";  // `state-dir`
  /// `database`: the SQLite state; default state_dir + "/trustsync.db".
  std::string database;
  /// `key-dir`: the file key store; default state_dir + "/keys".
  std::string key_dir;
  std::string control_socket = "/run/trustsync/control.sock";  // `control-socket`
  LogFormat log_format = LogFormat::Text;                      // `log-format` = "text" | "json"
  /// `metrics-listen`: "127.0.0.1:9153"; empty = off (the default).
  std::string metrics_listen;
  AlertSettings alerts;  // `[agent.alerts]`
  // ---- alertwire ----
  /// `audit-log`: the hash-chained audit trail; default state_dir + "/audit.jsonl".
  std::string audit_log;
  ChainWatchSettings chain_watch;  // `[agent.chain-watch]`
  // ---- end alertwire ----
};

struct Config {
  std::string path;  // the file it was read from
  GlobalSettings global;
  std::vector<ZonePolicy> zones;
  /// Non-fatal findings (RFC 9276 NSEC3 parameters, RSA < 2048 ...), each
  /// "FILE:LINE:COLUMN: warning: KEY: text".
  std::vector<std::string> warnings;
};

inline const char* to_string(DenialType t) {
  return t == DenialType::Nsec ? "nsec" : "nsec3";
}
inline const char* to_string(VerifyMode m) {
  return m == VerifyMode::PerKey ? "per-key" : "full";
}
inline const char* to_string(KskRolloverMethod m) {
  return m == KskRolloverMethod::DoubleKsk ? "double-ksk" : "double-ds";
}
inline const char* to_string(ParentMethod m) {
  switch (m) {
    case ParentMethod::None:
      return "none";
    case ParentMethod::Managed:
      return "managed";
    case ParentMethod::Update:
      return "update";
    case ParentMethod::Cds:
      return "cds";
    case ParentMethod::Command:
      return "command";
    case ParentMethod::Manual:
      return "manual";
    case ParentMethod::Tar:  // ---- tarwire ----
      return "tar";
  }
  return "?";
}
inline const char* to_string(SerialPolicy s) {
  switch (s) {
    case SerialPolicy::Increment:
      return "increment";
    case SerialPolicy::UnixTime:
      return "unixtime";
    case SerialPolicy::DateCounter:
      return "date";
    case SerialPolicy::Keep:
      return "keep";
  }
  return "?";
}
inline const char* to_string(LogFormat f) {
  return f == LogFormat::Text ? "text" : "json";
}

}  // namespace ts::agent
