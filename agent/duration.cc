// Parsing and printing of policy durations (see duration.h).
#include "agent/duration.h"

#include <cctype>

namespace ts::agent {
namespace {

constexpr int64_t kMaxSeconds = int64_t{100} * 366 * 86400;  // 100 years

struct Unit {
  char letter;
  int64_t seconds;
};
constexpr Unit kUnits[] = {{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

Error bad(std::string_view text, const std::string& why) {
  return fail("invalid duration '" + std::string(text) + "': " + why +
              " (expected e.g. \"7d\", \"12h\", \"1d12h\", \"90m\", \"30s\" or seconds)");
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  if (text.empty()) return bad(text, "empty");
  int64_t total = 0;
  size_t i = 0;
  size_t next_unit = 0;  // units must appear in kUnits order, each at most once
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])))
      return bad(text, std::string("unexpected '") + text[i] + "'");
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > kMaxSeconds) return bad(text, "too large");
      ++i;
    }
    if (i == text.size()) {  // a bare number: seconds, only allowed as the whole text
      if (next_unit != 0) return bad(text, "missing unit after the last number");
      total = n;
      break;
    }
    if (!std::isalpha(static_cast<unsigned char>(text[i])))
      return bad(text, std::string("unexpected '") + text[i] + "' after a number");
    char u = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    size_t k = next_unit;
    while (k < std::size(kUnits) && kUnits[k].letter != u) ++k;
    if (k == std::size(kUnits)) {
      for (const auto& unit : kUnits)
        if (unit.letter == u) return bad(text, "units repeated or out of order (use w d h m s)");
      return bad(text, std::string("unknown unit '") + text[i] + "'");
    }
    total += n * kUnits[k].seconds;
    if (total > kMaxSeconds) return bad(text, "too large");
    next_unit = k + 1;
    ++i;
  }
  return Duration{total};
}

std::string format_duration(Duration d) {
  if (d.seconds <= 0) return d.seconds == 0 ? "0s" : "-" + format_duration({-d.seconds});
  if (d.seconds % 604800 == 0) return std::to_string(d.seconds / 604800) + "w";
  std::string out;
  int64_t rest = d.seconds;
  for (const auto& unit : kUnits) {
    if (unit.letter == 'w') continue;  // "60d" reads better than "8w4d"
    if (rest >= unit.seconds) {
      out += std::to_string(rest / unit.seconds);
      out += unit.letter;
      rest %= unit.seconds;
    }
  }
  return out;
}

}  // namespace ts::agent
