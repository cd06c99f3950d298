// Cron schedules: field syntax, UTC next-match search (month boundaries, leap days, the
// Vixie day-of-month/day-of-week rule) and errors that name the bad field.
#include "agent/cron.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

namespace ts::agent {
namespace {

UnixTime utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  using namespace std::chrono;
  sys_seconds t = sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi};
  return t.time_since_epoch().count();
}

CronSchedule cron(const char* text) {
  auto c = CronSchedule::parse(text);
  EXPECT_TRUE(c.ok()) << text << ": " << (c ? "" : c.error().message);
  return *c;
}

TEST(Cron, IssueExampleFiresOnFirstOfFebruaryAndAugust) {
  CronSchedule c = cron("0 2 1 2,8 *");
  // Independently computed (python calendar.timegm) to cross-check the civil-date code.
  EXPECT_EQ(utc(2025, 2, 1, 2), 1738375200);
  UnixTime t = c.next_after(utc(2025, 1, 15, 12));
  EXPECT_EQ(t, 1738375200);
  t = c.next_after(t);  // strictly after: the next one is in August
  EXPECT_EQ(t, 1754013600);
  EXPECT_EQ(c.next_after(t), utc(2026, 2, 1, 2));
  EXPECT_EQ(c.next_after(utc(2025, 2, 1, 1, 59)), utc(2025, 2, 1, 2));
  EXPECT_EQ(c.next_after(utc(2025, 2, 1, 1, 59) + 59), utc(2025, 2, 1, 2));
  EXPECT_EQ(c.next_after(utc(2025, 2, 1, 2) + 1), utc(2025, 8, 1, 2));
}

TEST(Cron, LeapDay) {
  CronSchedule c = cron("30 12 29 feb *");
  EXPECT_EQ(c.next_after(utc(2025, 3, 1)), utc(2028, 2, 29, 12, 30));
  EXPECT_EQ(c.next_after(utc(2024, 2, 29, 12, 30)), utc(2028, 2, 29, 12, 30));
  EXPECT_EQ(c.next_after(utc(2024, 1, 1)), utc(2024, 2, 29, 12, 30));
  // 2100 is not a leap year: from 2097 the next 29 February is in 2104.
  EXPECT_EQ(c.next_after(utc(2097, 1, 1)), utc(2104, 2, 29, 12, 30));
}

TEST(Cron, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // 2025-06-13 is a Friday, 2025-06-10 a Tuesday, 2025-06-16 a Monday.
  CronSchedule c = cron("0 0 13 * mon");
  EXPECT_EQ(c.next_after(utc(2025, 6, 10)), utc(2025, 6, 13));  // day-of-month alone
  EXPECT_EQ(c.next_after(utc(2025, 6, 13)), utc(2025, 6, 16));  // day-of-week alone
}

TEST(Cron, BothMustMatchWhenOneStartsWithStar) {
  CronSchedule c = cron("0 0 */2 * mon");  // odd days that are Mondays (Vixie: '*' = AND)
  EXPECT_EQ(c.next_after(utc(2025, 6, 1)), utc(2025, 6, 9));
  CronSchedule mondays = cron("0 0 * * 1");
  EXPECT_EQ(mondays.next_after(utc(2025, 6, 10)), utc(2025, 6, 16));
}

TEST(Cron, SundayIsZeroOrSeven) {
  // 2025-06-01 is a Sunday.
  EXPECT_EQ(cron("0 0 * * 7").next_after(utc(2025, 6, 1)), utc(2025, 6, 8));
  EXPECT_EQ(cron("0 0 * * 0").next_after(utc(2025, 6, 1)), utc(2025, 6, 8));
  EXPECT_EQ(cron("0 0 * * SUN").next_after(utc(2025, 5, 31)), utc(2025, 6, 1));
  EXPECT_EQ(cron("0 0 * * fri-sun").next_after(utc(2025, 6, 2)), utc(2025, 6, 6));
}

TEST(Cron, ListsRangesStepsAndNames) {
  CronSchedule c = cron("1-10/3 * * * *");
  UnixTime t = utc(2025, 1, 1);
  std::vector<int> got;
  for (int i = 0; i < 5; ++i) got.push_back(static_cast<int>(((t = c.next_after(t)) / 60) % 60));
  EXPECT_EQ(got, (std::vector<int>{1, 4, 7, 10, 1}));
  CronSchedule from5 = cron("5/20 * * * *");
  EXPECT_EQ(from5.next_after(utc(2025, 1, 1, 0, 6)), utc(2025, 1, 1, 0, 25));
  EXPECT_EQ(cron("*/15 * * * *").next_after(utc(2025, 1, 1, 0, 50)), utc(2025, 1, 1, 1, 0));
  EXPECT_EQ(cron("0 0 1 jan,JUL *").next_after(utc(2025, 1, 2)), utc(2025, 7, 1));
  EXPECT_EQ(cron("59 23 31 dec *").next_after(utc(2025, 1, 1)), utc(2025, 12, 31, 23, 59));
  EXPECT_EQ(cron("0 0 31 * *").next_after(utc(2025, 4, 1)), utc(2025, 5, 31));  // skips April
  EXPECT_EQ(cron("  0   2 1   2,8 * ").text(), "0 2 1 2,8 *");
}

TEST(Cron, MinimumInterval) {
  EXPECT_EQ(cron("0 1 1 * *").min_interval(utc(2024, 1, 1)), 28 * 86400);
  EXPECT_EQ(cron("*/15 * * * *").min_interval(utc(2024, 1, 1)), 900);
  EXPECT_EQ(cron("0 2 1 2,8 *").min_interval(utc(2024, 1, 1)), 181 * 86400);
}

void expect_error(const char* text, const char* needle) {
  auto c = CronSchedule::parse(text);
  ASSERT_FALSE(c.ok()) << "'" << text << "' was accepted";
  EXPECT_NE(c.error().message.find(needle), std::string::npos)
      << "'" << text << "': " << c.error().message;
}

TEST(Cron, ErrorsNameTheField) {
  expect_error("", "expected 5 fields");
  expect_error("0 2 1 2", "expected 5 fields");
  expect_error("0 0 2 1 2,8 *", "got 6");
  expect_error("60 * * * *", "minute field '60'");
  expect_error("* 24 * * *", "hour field '24'");
  expect_error("* * 0 * *", "day-of-month field '0'");
  expect_error("* * 32 * *", "day-of-month field '32'");
  expect_error("* * * 13 *", "month field '13'");
  expect_error("* * * foo *", "month field 'foo'");
  expect_error("* * * * 8", "day-of-week field '8'");
  expect_error("* * * * mon-fry", "day-of-week field 'mon-fry'");
  expect_error("*/0 * * * *", "bad step");
  expect_error("5-1 * * * *", "reversed");
  expect_error("1,,2 * * * *", "empty list element");
  expect_error("a * * * *", "minute field 'a'");
  expect_error("0 0 30 2 *", "never occurs");
  expect_error("0 0 31 apr,jun,sep,nov *", "never occurs");
}

}  // namespace
}  // namespace ts::agent

namespace ts::agent {
namespace {

// Cross-check against a naive search: step minute by minute, with libc gmtime_r for the
// calendar and hand-written predicates for the expressions.
TEST(Cron, AgreesWithMinuteByMinuteSearch) {
  struct Case {
    const char* expr;
    bool (*match)(const std::tm&);
  };
  const Case cases[] = {
      {"0 2 1 2,8 *",
       [](const std::tm& t) {
         return t.tm_min == 0 && t.tm_hour == 2 && t.tm_mday == 1 &&
                (t.tm_mon == 1 || t.tm_mon == 7);
       }},
      {"*/15 9-17 * * mon-fri",
       [](const std::tm& t) {
         return t.tm_min % 15 == 0 && t.tm_hour >= 9 && t.tm_hour <= 17 && t.tm_wday >= 1 &&
                t.tm_wday <= 5;
       }},
      {"30 4 1,15 * 5",  // Vixie: the 1st, the 15th or any Friday
       [](const std::tm& t) {
         return t.tm_min == 30 && t.tm_hour == 4 &&
                (t.tm_mday == 1 || t.tm_mday == 15 || t.tm_wday == 5);
       }},
      {"0 0 */2 * sun",  // odd days that are Sundays
       [](const std::tm& t) {
         return t.tm_min == 0 && t.tm_hour == 0 && t.tm_mday % 2 == 1 && t.tm_wday == 0;
       }},
      {"5 */6 * jan-mar *",
       [](const std::tm& t) { return t.tm_min == 5 && t.tm_hour % 6 == 0 && t.tm_mon <= 2; }},
      {"59 23 31 * *",
       [](const std::tm& t) { return t.tm_min == 59 && t.tm_hour == 23 && t.tm_mday == 31; }},
  };
  // Start points: around year ends, a leap day, mid-year, and odd seconds.
  const UnixTime starts[] = {utc(2023, 12, 31, 23, 59) + 30, utc(2024, 2, 28, 23, 0),
                             utc(2024, 7, 14, 4, 30), utc(2025, 9, 30, 17, 46) + 59};
  for (const Case& c : cases) {
    CronSchedule s = cron(c.expr);
    for (UnixTime start : starts) {
      UnixTime t = start - ((start % 60) + 60) % 60 + 60;
      for (;; t += 60) {
        std::time_t tt = t;
        std::tm tm{};
        gmtime_r(&tt, &tm);
        if (c.match(tm)) break;
      }
      EXPECT_EQ(s.next_after(start), t) << c.expr << " after " << start;
    }
  }
}

}  // namespace
}  // namespace ts::agent
