// Durations in policy files: "7d", "12h", "90m", "30s", "1w", "1d12h" or plain seconds
// ("3600"), parsed to whole seconds and printed back in the same compact form.
//
//   auto d = parse_duration("1d12h");   // Result<Duration>, d->seconds == 129600
//   format_duration(*d);                // "1d12h"
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ts::agent {

/// A non-negative span of time in whole seconds. The factories are static members so that
/// they never clash with std::chrono::days and friends: Duration::days(14).
struct Duration {
  int64_t seconds = 0;
  auto operator<=>(const Duration&) const = default;

  static constexpr Duration secs(int64_t s) { return Duration{s}; }
  static constexpr Duration minutes(int64_t m) { return Duration{m * 60}; }
  static constexpr Duration hours(int64_t h) { return Duration{h * 3600}; }
  static constexpr Duration days(int64_t d) { return Duration{d * 86400}; }
};

/// Parses a sequence of <number><unit> groups (units w, d, h, m, s; each at most once, in
/// that order) or a plain number of seconds. Rejects empty input, signs, unknown units,
/// repeated or out-of-order units, and values above 100 years.
Result<Duration> parse_duration(std::string_view text);

/// Canonical spelling: 129600 -> "1d12h", 0 -> "0s", 1209600 -> "2w" (weeks only when
/// exact), 5184000 -> "60d".
std::string format_duration(Duration d);

}  // namespace ts::agent
