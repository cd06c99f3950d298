// Five-field cron schedules (minute hour day-of-month month day-of-week), evaluated in UTC
// as pure functions of a given time: no system clock. Supports `*`, lists `2,8`, ranges
// `1-5`, steps `*/15` and `1-10/2`, month names jan-dec and day names sun-sat (day-of-week
// 0 and 7 are both Sunday, so "fri-sun" works). Vixie-cron rule: when both day-of-month and
// day-of-week are restricted (neither field starts with `*`), a day matches if EITHER matches;
// otherwise both must match.
//
//   auto c = CronSchedule::parse("0 2 1 2,8 *");    // 02:00 UTC on 1 Feb and 1 Aug
//   UnixTime next = c->next_after(now);              // first match strictly after now
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace ts::agent {

class CronSchedule {
 public:
  /// Parses an expression; errors name the offending field ("day-of-month field '32': ...").
  /// Rejects schedules that can never fire (e.g. "0 0 30 2 *").
  static Result<CronSchedule> parse(std::string_view text);

  /// The first whole minute strictly after `t` (UTC) that matches the schedule.
  UnixTime next_after(UnixTime t) const;

  /// The shortest gap between two consecutive firings over the next four years from `from`
  /// (for "0 1 1 * *" that is 28 days): what a key lifetime given by this schedule can be.
  int64_t min_interval(UnixTime from) const;

  /// The expression as written (whitespace normalized).
  const std::string& text() const { return text_; }

  bool operator==(const CronSchedule& o) const { return text_ == o.text_; }

 private:
  CronSchedule() = default;
  bool day_matches(int mday, int wday) const;

  std::string text_;
  std::bitset<60> minute_;
  std::bitset<24> hour_;
  std::bitset<32> mday_;   // 1..31
  std::bitset<13> month_;  // 1..12
  std::bitset<7> wday_;    // 0..6, Sunday = 0
  bool mday_star_ = true;
  bool wday_star_ = true;
};

}  // namespace ts::agent
