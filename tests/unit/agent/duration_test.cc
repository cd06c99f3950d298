// Policy durations: parsing, canonical printing and rejection of malformed input.
#include "agent/duration.h"

#include <gtest/gtest.h>

namespace ts::agent {
namespace {

int64_t secs(const char* text) {
  auto d = parse_duration(text);
  EXPECT_TRUE(d.ok()) << text << ": " << (d ? "" : d.error().message);
  return d ? d->seconds : -1;
}

TEST(Duration, ParsesUnitsAndCombinations) {
  EXPECT_EQ(secs("7d"), 7 * 86400);
  EXPECT_EQ(secs("12h"), 12 * 3600);
  EXPECT_EQ(secs("90m"), 5400);
  EXPECT_EQ(secs("30s"), 30);
  EXPECT_EQ(secs("1w"), 604800);
  EXPECT_EQ(secs("1d12h"), 129600);
  EXPECT_EQ(secs("1w2d3h4m5s"), 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
  EXPECT_EQ(secs("3600"), 3600);
  EXPECT_EQ(secs("0"), 0);
  EXPECT_EQ(secs("2H"), 7200);  // unit letters are case-insensitive
}

TEST(Duration, RejectsMalformedInput) {
  for (const char* bad : {"", "d", "-1d", "1.5h", "7 d", "7y", "1h1d", "1d1d", "12h30", "1d ",
                          "99999999999999999999s", "6000w"}) {
    auto d = parse_duration(bad);
    EXPECT_FALSE(d.ok()) << "'" << bad << "' was accepted as " << (d ? d->seconds : 0);
  }
  auto d = parse_duration("7x");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("unknown unit 'x'"), std::string::npos) << d.error().message;
  d = parse_duration("1h1d");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("order"), std::string::npos) << d.error().message;
}

TEST(Duration, FormatsCanonically) {
  EXPECT_EQ(format_duration(Duration{0}), "0s");
  EXPECT_EQ(format_duration(Duration{129600}), "1d12h");
  EXPECT_EQ(format_duration(Duration{604800}), "1w");
  EXPECT_EQ(format_duration(Duration{14 * 86400}), "2w");
  EXPECT_EQ(format_duration(Duration{10 * 86400 + 61}), "10d1m1s");
  EXPECT_EQ(format_duration(Duration{60 * 86400}), "60d");
  EXPECT_EQ(format_duration(Duration{5400}), "1h30m");
}

TEST(Duration, FormatThenParseRoundTrips) {
  for (int64_t s : {int64_t{1}, int64_t{59}, int64_t{3601}, int64_t{86399}, int64_t{31536000},
                    int64_t{694861}}) {
    auto back = parse_duration(format_duration(Duration{s}));
    ASSERT_TRUE(back.ok()) << s;
    EXPECT_EQ(back->seconds, s);
  }
}

}  // namespace
}  // namespace ts::agent
