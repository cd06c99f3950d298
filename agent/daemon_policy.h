// The daemon's view of the configuration: plain per-zone values (ZoneSpec) taken from
// agent/config's Policy (the config's KeyPolicy) flattened for the rollover planner's
// RolloverPolicy; daemon_policy.cc reads the config, the daemon files use the planner.
// Zones added at run time (`trustsync zone add`) are appended to the config text as
// [[zone]] entries, so they get [defaults] exactly like zones of the file.
//
//   auto cfg = load_daemon_config("/etc/trustsync.toml", {{"new.", "new.zone", ""}});
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/daemon_parent_spec.h"
#include "agent/daemon_watch_settings.h"  // alertwire
#include "agent/policy.h"
#include "common/clock.h"
#include "common/result.h"

namespace ts::agent {

/// `children`: scanning the CDS/CDNSKEY of non-managed children (agent/daemon_childscan.h).
struct ChildScanSpec {
  bool scan = false;
  int64_t poll = 3600;  ///< seconds between scans
  bool bootstrap = true;
  int64_t accept_after_delay = 0;  ///< seconds; 0 = never (RFC 8078 3.3)
  bool operator==(const ChildScanSpec&) const = default;
};

struct ZoneSpec {
  std::string name;  ///< absolute, lower case
  std::string input_file, output_file, reload_command;
  bool dynamic = false;  ///< added with `trustsync zone add`
  // keys
  uint8_t algorithm = 13;
  unsigned bits = 0;
  bool use_csk = false;
  bool double_ds = false;
  bool automate = true;
  /// Next rollover given the active time of the current key; empty = never.
  std::function<UnixTime(UnixTime)> ksk_next, zsk_next, csk_next;
  // signatures
  int64_t sig_lifetime = 14 * 86400;  ///< smallest of the roles in use
  int64_t refresh = 5 * 86400;
  int64_t jitter = 12 * 3600;
  // timing (RFC 7583 terms)
  int64_t dnskey_ttl = 3600, ds_ttl = 86400, zone_prop = 300, parent_prop = 3600;
  int64_t publish_safety = 3600, retire_safety = 3600;
  std::optional<int64_t> max_zone_ttl;
  // denial
  bool nsec3 = false, opt_out = false;
  uint16_t iterations = 0;
  std::vector<uint8_t> salt;
  /// 0 keep, 1 increment, 2 unixtime, 3 date.
  int serial = 1;
  std::string parent_method = "none";
  VerifyMode verify = VerifyMode::PerKey;  ///< the self-check before writing (`verify`)
  // ---- alertwire ----
  std::vector<std::string> notify;  ///< alert targets (`notify`)
  // ---- end alertwire ----
  // ---- branch parent: daemon parent sync (agent/daemon_parent.h)
  ParentSpec parent;
  /// `trust-anchors`: "file:/dir" or "https://host/path" repositories (agent/daemon_tar.h).
  std::vector<std::string> trust_anchor_targets;
  std::string trust_anchor_ca, trust_anchor_token;  ///< `trust-anchors` ca / token-file
  std::string trust_anchor_dlv_tsig;                ///< `trust-anchors` dlv-tsig (key file)
  std::string trust_anchor_http_method = "put";     ///< `trust-anchors` http-method
  std::string trust_anchor_client_cert, trust_anchor_client_key;  ///< client-cert / -key
  /// `trust-anchors` add-hold-down / remove-hold-down / probe-interval, in seconds: the island
  /// (RFC 5011) rollover of parent method "tar" (agent/daemon_tar_rollover.cc).
  int64_t tar_add_holddown = 30 * 86400, tar_remove_holddown = 30 * 86400, tar_probe = 3600;
  ChildScanSpec children;  ///< `children` (branch childscan)
};

struct DaemonSettings {
  std::string state_dir, database, key_dir, control_socket;
  bool json_logs = false;
};

struct DynamicZone {
  std::string name, file, output;
};

struct DaemonConfig {
  std::string path;
  DaemonSettings settings;
  std::vector<ZoneSpec> zones;
  std::vector<std::string> warnings;
  // ---- alertwire ----
  DaemonWatchSettings watch;  ///< audit log, metrics, alerts, chain watch
  // ---- end alertwire ----
};

/// Loads `path` plus `extra` zones (as if appended as [[zone]] entries).
Result<DaemonConfig> load_daemon_config(const std::string& path,
                                        const std::vector<DynamicZone>& extra);

}  // namespace ts::agent
