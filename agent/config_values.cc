// Typed readers of TOML values for agent/config: each reports a wrong type or value with
// file, line, column and key path; plus "did you mean" suggestions for unknown keys.
#include <algorithm>
#include <cctype>
#include <sstream>

#include "agent/config_internal.h"
#include "signer/crypto.h"

namespace ts::agent::config_internal {
namespace {

std::string type_name(const toml::node& n) {
  std::ostringstream s;
  s << n.type();
  return s.str();
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The algorithms a policy may name, in the order the error message lists them; names and
// numbers are parsed by signer::algorithm_from_name, the signer's own table.
constexpr signer::Algorithm kAlgorithms[] = {
    signer::Algorithm::RSASHA1,         signer::Algorithm::NSEC3RSASHA1,
    signer::Algorithm::RSASHA256,       signer::Algorithm::RSASHA512,
    signer::Algorithm::ECDSAP256SHA256, signer::Algorithm::ECDSAP384SHA384,
    signer::Algorithm::ED25519,         signer::Algorithm::ED448,
};

}  // namespace

std::string Ctx::at(const toml::source_region& r) const {
  return file + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

void Ctx::error(const std::string& loc, const std::string& path, const std::string& msg) {
  std::string line = loc + ": error: " + path + ": " + msg;
  if (seen.insert(line).second) errors.push_back(line);
}

void Ctx::warn(const std::string& loc, const std::string& path, const std::string& msg) {
  std::string line = loc + ": warning: " + path + ": " + msg;
  if (seen.insert(line).second) warnings.push_back(line);
}

std::string Ctx::resolve(const std::string& p) const {
  if (p.empty() || p[0] == '/' || base_dir.empty()) return p;
  return base_dir + "/" + p;
}

std::string suggestion(std::string_view key, const std::vector<std::string_view>& known) {
  std::string_view best;
  size_t best_d = 3;
  for (auto k : known) {
    size_t d = edit_distance(lower(key), k);
    if (d < best_d) best_d = d, best = k;
  }
  if (best.empty()) return "";
  return "did you mean '" + std::string(best) + "'?";
}

void for_each_key(const toml::table& t, const std::string& prefix,
                  const std::vector<KeyHandler>& handlers, Ctx& ctx) {
  for (auto&& [k, v] : t) {
    std::string path = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    auto h = std::find_if(handlers.begin(), handlers.end(),
                          [&](const KeyHandler& kh) { return kh.name == k.str(); });
    if (h != handlers.end()) {
      h->apply(v, path);
      continue;
    }
    std::vector<std::string_view> known;
    for (const auto& kh : handlers) known.push_back(kh.name);
    std::string hint = suggestion(k.str(), known);
    std::string msg = "unknown key";
    if (!hint.empty()) msg += " (" + hint + ")";
    ctx.error(ctx.at(k.source()), path, msg);
  }
}

std::optional<std::string> read_string(const toml::node& n, const std::string& path, Ctx& c) {
  if (auto s = n.value<std::string>(); s && n.is_string()) return *s;
  c.error(n, path, "expected a string, got " + type_name(n));
  return std::nullopt;
}

std::optional<bool> read_bool(const toml::node& n, const std::string& path, Ctx& c) {
  if (n.is_boolean()) return n.value<bool>();
  c.error(n, path, "expected true or false, got " + type_name(n));
  return std::nullopt;
}

std::optional<int64_t> read_int(const toml::node& n, const std::string& path, int64_t lo,
                                int64_t hi, Ctx& c) {
  if (!n.is_integer()) {
    c.error(n, path, "expected an integer, got " + type_name(n));
    return std::nullopt;
  }
  int64_t v = *n.value<int64_t>();
  if (v < lo || v > hi) {
    c.error(
        n, path,
        std::to_string(v) + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    return std::nullopt;
  }
  return v;
}

std::optional<Duration> read_duration(const toml::node& n, const std::string& path, Ctx& c) {
  if (n.is_integer()) {
    auto v = read_int(n, path, 0, int64_t{100} * 366 * 86400, c);
    if (!v) return std::nullopt;
    return Duration{*v};
  }
  if (!n.is_string()) {
    c.error(n, path, "expected a duration such as \"7d\" or seconds, got " + type_name(n));
    return std::nullopt;
  }
  auto d = parse_duration(*n.value<std::string>());
  if (!d) {
    c.error(n, path, d.error().message);
    return std::nullopt;
  }
  return *d;
}

std::optional<KeyLifetime> read_lifetime(const toml::node& n, const std::string& path, Ctx& c) {
  if (n.is_string()) {
    std::string s = *n.value<std::string>();
    if (s == "never") return KeyLifetime{};
    if (s.find_first_of(" \t") != std::string::npos) {
      auto cron = CronSchedule::parse(s);
      if (!cron) {
        c.error(n, path, cron.error().message);
        return std::nullopt;
      }
      return KeyLifetime{*cron};
    }
  }
  auto d = read_duration(n, path, c);
  if (!d) return std::nullopt;
  if (d->seconds == 0) {
    c.error(n, path, "a key lifetime of 0 is not possible; write \"never\" for no rollover");
    return std::nullopt;
  }
  return KeyLifetime{*d};
}

std::optional<signer::Algorithm> read_algorithm(const toml::node& n, const std::string& path,
                                                Ctx& c) {
  std::string names;
  for (auto a : kAlgorithms) names += (names.empty() ? "" : ", ") + signer::algorithm_name(a);
  if (n.is_integer()) {
    int64_t v = *n.value<int64_t>();
    for (auto a : kAlgorithms)
      if (static_cast<int64_t>(a) == v) return a;
    c.error(n, path, "unsupported algorithm number " + std::to_string(v) + " (use " + names + ")");
    return std::nullopt;
  }
  auto s = read_string(n, path, c);
  if (!s) return std::nullopt;
  if (auto alg = signer::algorithm_from_name(*s)) return *alg;
  c.error(n, path, "unknown algorithm '" + *s + "' (use " + names + ")");
  return std::nullopt;
}

std::optional<std::vector<std::string>> read_string_array(const toml::node& n,
                                                          const std::string& path, Ctx& c) {
  const toml::array* arr = n.as_array();
  if (!arr) {
    c.error(n, path, "expected an array of strings, got " + type_name(n));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < arr->size(); ++i) {
    auto s = read_string((*arr)[i], path + "[" + std::to_string(i) + "]", c);
    if (s) out.push_back(*s);
    ok = ok && s.has_value();
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> read_choice(const toml::node& n, const std::string& path,
                                       const std::vector<std::string_view>& choices, Ctx& c) {
  auto s = read_string(n, path, c);
  if (!s) return std::nullopt;
  for (auto ch : choices)
    if (*s == ch) return *s;
  std::string list;
  for (auto ch : choices)
    list += std::string(list.empty() ? "" : ", ") + "\"" + std::string(ch) + "\"";
  std::string hint = suggestion(*s, choices);
  c.error(n, path,
          "unknown value \"" + *s + "\" (expected one of " + list + ")" +
              (hint.empty() ? "" : "; " + hint));
  return std::nullopt;
}

bool valid_notify_target(const std::string& t, std::string& why) {
  if (t.rfind("mailto:", 0) == 0) {
    std::string addr = t.substr(7);
    size_t at = addr.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= addr.size() ||
        addr.find_first_of(" \t<>,") != std::string::npos) {
      why = "'" + t + "' is not a mail address (mailto:user@host)";
      return false;
    }
    return true;
  }
  if (t.rfind("https://", 0) == 0) {
    if (t.size() <= 8 || t[8] == '/' || t.find_first_of(" \t") != std::string::npos) {
      why = "'" + t + "' has no host (https://host/path)";
      return false;
    }
    return true;
  }
  if (t.rfind("exec:", 0) == 0) {
    if (t.size() <= 5 || t[5] != '/') {
      why = "'" + t + "' must name an absolute path (exec:/usr/local/bin/hook)";
      return false;
    }
    return true;
  }
  why = "'" + t + "' must start with mailto:, https:// or exec:";
  return false;
}

}  // namespace ts::agent::config_internal
