// Cron expression parsing and next-match search in UTC (see cron.h).
#include "agent/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <vector>

namespace ts::agent {
namespace {

using namespace std::chrono;

struct FieldSpec {
  const char* name;
  int lo;
  int hi;
  const std::array<const char*, 12>* names;  // names[i] is value (lo + i), or nullptr
};

constexpr std::array<const char*, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                     "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 12> kDayNames = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr, nullptr, nullptr, nullptr, nullptr};

const FieldSpec kFields[5] = {{"minute", 0, 59, nullptr},
                              {"hour", 0, 23, nullptr},
                              {"day-of-month", 1, 31, nullptr},
                              {"month", 1, 12, &kMonthNames},
                              // 7 is accepted as Sunday and folded onto 0 afterwards
                              {"day-of-week", 0, 7, &kDayNames}};

std::optional<int> parse_value(std::string_view s, const FieldSpec& f) {
  if (s.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    int v = 0;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || v > 1000) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  }
  if (f.names && s.size() == 3) {
    std::string lower;
    for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (size_t i = 0; i < f.names->size(); ++i)
      if ((*f.names)[i] && lower == (*f.names)[i]) return f.lo + static_cast<int>(i);
  }
  return std::nullopt;
}

// Parses one field into `bits` (indexed by value); returns an error text or "".
std::string parse_field(std::string_view field, const FieldSpec& f, std::vector<bool>& bits) {
  bits.assign(f.hi + 1, false);
  size_t start = 0;
  while (true) {
    size_t comma = field.find(',', start);
    std::string_view item =
        field.substr(start, comma == std::string_view::npos ? field.npos : comma - start);
    if (item.empty()) return "empty list element";
    int step = 1;
    if (size_t slash = item.find('/'); slash != item.npos) {
      auto s = parse_value(item.substr(slash + 1), FieldSpec{f.name, 0, 0, nullptr});
      if (!s || *s == 0) return "bad step '" + std::string(item.substr(slash + 1)) + "'";
      if (*s > f.hi) return "step " + std::to_string(*s) + " is larger than the field";
      step = *s;
      item = item.substr(0, slash);
    }
    int lo, hi;
    if (item == "*") {
      lo = f.lo;
      hi = f.hi == 7 ? 6 : f.hi;
    } else {
      size_t dash = item.find('-');
      auto a = parse_value(item.substr(0, dash), f);
      if (!a) return "bad value '" + std::string(item.substr(0, dash)) + "'";
      lo = hi = *a;
      if (dash != item.npos) {
        auto b = parse_value(item.substr(dash + 1), f);
        if (!b) return "bad value '" + std::string(item.substr(dash + 1)) + "'";
        hi = *b;
        if (f.hi == 7 && hi == 0 && lo > 0) hi = 7;  // "fri-sun": Sunday as 7 ends a range
      } else if (step != 1) {
        hi = f.hi;  // "5/15" means 5-max/15, as in Vixie cron
      }
      if (lo < f.lo || lo > f.hi || hi < f.lo || hi > f.hi)
        return "value out of range " + std::to_string(f.lo) + "-" + std::to_string(f.hi);
      if (hi < lo) return "range " + std::to_string(lo) + "-" + std::to_string(hi) + " is reversed";
    }
    for (int v = lo; v <= hi; v += step) bits[v] = true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return "";
}

// Days in `month` for a leap year (the most any year allows).
constexpr int kMaxDays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5)
    return fail("invalid cron expression '" + std::string(text) + "': expected 5 fields " +
                "(minute hour day-of-month month day-of-week), got " +
                std::to_string(fields.size()));
  CronSchedule c;
  for (size_t i = 0; i < 5; ++i) {
    std::vector<bool> bits;
    std::string err = parse_field(fields[i], kFields[i], bits);
    if (!err.empty())
      return fail("invalid cron expression '" + std::string(text) + "': " + kFields[i].name +
                  " field '" + fields[i] + "': " + err);
    for (int v = kFields[i].lo; v <= kFields[i].hi; ++v) {
      if (!bits[v]) continue;
      switch (i) {
        case 0:
          c.minute_.set(v);
          break;
        case 1:
          c.hour_.set(v);
          break;
        case 2:
          c.mday_.set(v);
          break;
        case 3:
          c.month_.set(v);
          break;
        case 4:
          c.wday_.set(v % 7);
          break;
      }
    }
    if (!c.text_.empty()) c.text_ += ' ';
    c.text_ += fields[i];
  }
  c.mday_star_ = fields[2][0] == '*';
  c.wday_star_ = fields[4][0] == '*';
  if (c.wday_star_) {
    // Day-of-month decides alone (day-of-week is a wildcard): some selected month must have
    // some selected day. With both restricted either matches, so some day always does.
    bool possible = false;
    for (int m = 1; m <= 12 && !possible; ++m)
      for (int d = 1; d <= kMaxDays[m] && !possible; ++d) possible = c.month_[m] && c.mday_[d];
    if (!possible)
      return fail("invalid cron expression '" + std::string(text) + "': day-of-month field '" +
                  fields[2] + "' never occurs in month field '" + fields[3] + "'");
  }
  return c;
}

bool CronSchedule::day_matches(int mday, int wday) const {
  bool dom = mday_[mday];
  bool dow = wday_[wday];
  if (!mday_star_ && !wday_star_) return dom || dow;
  return dom && dow;
}

UnixTime CronSchedule::next_after(UnixTime t) const {
  // Walk forward field by field: month, then day, then hour, then minute. parse() rejects
  // schedules that never fire, and every remaining one fires within 28 years (a leap day
  // on a given weekday); the bound only guards against a logic error.
  sys_seconds cur{seconds{t - (((t % 60) + 60) % 60) + 60}};
  const sys_seconds limit = cur + days{366 * 30};
  while (cur < limit) {
    sys_days day = floor<days>(cur);
    year_month_day ymd{day};
    unsigned month = static_cast<unsigned>(ymd.month());
    if (!month_[month]) {
      year_month next = year_month{ymd.year(), ymd.month()} + months{1};
      cur = sys_days{next / 1};
      continue;
    }
    int wday = static_cast<int>(weekday{day}.c_encoding());
    if (!day_matches(static_cast<int>(static_cast<unsigned>(ymd.day())), wday)) {
      cur = day + days{1};
      continue;
    }
    hh_mm_ss hms{cur - day};
    int h = static_cast<int>(hms.hours().count());
    if (!hour_[h]) {
      cur = day + hours{h + 1};
      continue;
    }
    int m = static_cast<int>(hms.minutes().count());
    if (!minute_[m]) {
      cur = day + hours{h} + minutes{m + 1};
      continue;
    }
    return cur.time_since_epoch().count();
  }
  return limit.time_since_epoch().count();
}

int64_t CronSchedule::min_interval(UnixTime from) const {
  const UnixTime end = from + int64_t{4} * 366 * 86400;
  UnixTime prev = next_after(from);
  int64_t best = INT64_MAX;
  for (int i = 0; i < 5000 && prev < end; ++i) {
    UnixTime next = next_after(prev);
    best = std::min(best, next - prev);
    if (best <= 60) break;
    prev = next;
  }
  return best;
}

}  // namespace ts::agent
