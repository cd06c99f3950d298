// Private to agent/config*.cc: the error/warning collector, where each policy value came
// from, and the typed readers of TOML values. Nothing outside agent/config*.cc includes it.
#pragma once

#include <toml++/toml.h>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/policy.h"

namespace ts::agent::config_internal {

/// Collects all findings of one file; identical messages are reported once.
struct Ctx {
  std::string file;
  std::string base_dir;  // directory of `file`, "" if none
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::set<std::string> seen;

  std::string at(const toml::source_region& r) const;  // "FILE:LINE:COLUMN"
  void error(const std::string& loc, const std::string& path, const std::string& msg);
  void warn(const std::string& loc, const std::string& path, const std::string& msg);
  void error(const toml::node& n, const std::string& path, const std::string& msg) {
    error(at(n.source()), path, msg);
  }
  /// Relative paths are taken from the config file's directory.
  std::string resolve(const std::string& p) const;
};

/// Where an effective policy value was set: its location and full key path
/// ("defaults.zsk.refresh", "zone[example.test.].zsk.refresh").
struct Origin {
  std::string loc;
  std::string path;
  bool zone_level = false;
};
/// Keyed by the path inside a policy, e.g. "zsk.refresh".
using Origins = std::map<std::string, Origin>;

/// One known key of a table and what to do with its value (`path` is the full key path).
struct KeyHandler {
  std::string_view name;
  std::function<void(const toml::node& value, const std::string& path)> apply;
};

/// Runs the handler of each key of `t`; unknown keys are errors with a suggestion.
void for_each_key(const toml::table& t, const std::string& prefix,
                  const std::vector<KeyHandler>& handlers, Ctx& ctx);

/// "did you mean 'denial'?" for a name within edit distance 2 of a known one, else "".
std::string suggestion(std::string_view key, const std::vector<std::string_view>& known);

// Typed readers: report a type or value error and return nullopt on failure.
std::optional<std::string> read_string(const toml::node& n, const std::string& path, Ctx& c);
std::optional<bool> read_bool(const toml::node& n, const std::string& path, Ctx& c);
std::optional<int64_t> read_int(const toml::node& n, const std::string& path, int64_t lo,
                                int64_t hi, Ctx& c);
/// A duration string ("7d") or an integer number of seconds.
std::optional<Duration> read_duration(const toml::node& n, const std::string& path, Ctx& c);
/// "never", a cron expression (contains spaces) or a duration.
std::optional<KeyLifetime> read_lifetime(const toml::node& n, const std::string& path, Ctx& c);
std::optional<signer::Algorithm> read_algorithm(const toml::node& n, const std::string& path,
                                                Ctx& c);
std::optional<std::vector<std::string>> read_string_array(const toml::node& n,
                                                          const std::string& path, Ctx& c);
/// One of `choices` (exact, lower case); the error lists them.
std::optional<std::string> read_choice(const toml::node& n, const std::string& path,
                                       const std::vector<std::string_view>& choices, Ctx& c);
/// Checks a notify target: "mailto:a@b", "https://host/...", "exec:/absolute/path".
bool valid_notify_target(const std::string& t, std::string& why);

/// Applies the policy keys of `t` (a [defaults] table or a [[zone]] entry) over `p`.
/// `prefix` is "defaults" or "zone[NAME]"; `extra` are keys the caller handles itself.
void apply_policy_table(const toml::table& t, const std::string& prefix, bool zone_level, Policy& p,
                        Origins& origins, Ctx& ctx, const std::vector<KeyHandler>& extra);

/// Semantic checks of an effective policy (timings, algorithms, RFC advice).
/// `fallback` is the location used for values that were never set in the file.
void check_policy(const Policy& p, const Origins& origins, const std::string& prefix,
                  const std::string& fallback, Ctx& ctx);

}  // namespace ts::agent::config_internal
