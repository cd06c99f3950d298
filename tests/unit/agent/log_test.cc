// Logger: the lines it formats and writes, one at a time or a zone's batch at once.
#include "agent/log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "common/clock.h"

namespace ts::agent {
namespace {

std::string read_all(FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(Logger, BatchOfTransitionsIsWrittenAsTheSameLines) {
  SimulatedClock clock(1764400000);
  FILE* one = std::tmpfile();
  FILE* batch = std::tmpfile();
  ASSERT_TRUE(one && batch);
  Logger a(LogStyle::Json, one, clock), b(LogStyle::Json, batch, clock);
  a.transition("example.", "KSK 1", "none", "generated", "key K1 \"new\"");
  a.transition("example.", "ZSK 2", "generated", "published", "initial signing");
  b.write_lines(
      b.format_transition("example.", "KSK 1", "none", "generated", "key K1 \"new\"") +
      b.format_transition("example.", "ZSK 2", "generated", "published", "initial signing"));
  b.write_lines("");  // nothing to write: no empty line
  std::string lines = read_all(one);
  EXPECT_EQ(lines, read_all(batch));
  EXPECT_EQ(lines.find("{\"ts\":\"2025-11-29T07:06:40Z\",\"level\":\"info\",\"zone\":\"example.\","
                       "\"msg\":\"KSK 1: none -> generated (key K1 \\\"new\\\")\""),
            0u);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);
  std::fclose(one);
  std::fclose(batch);
}

TEST(Logger, TextStyleQuotesValuesWithSpaces) {
  SimulatedClock clock(0);
  FILE* f = std::tmpfile();
  ASSERT_TRUE(f);
  Logger log(LogStyle::Text, f, clock);
  log.info("example.", "signed", {{"serial", "7"}, {"why", "two words"}});
  EXPECT_EQ(read_all(f),
            "1970-01-01T00:00:00Z info zone=example. signed serial=7 why=\"two words\"\n");
  std::fclose(f);
}

}  // namespace
}  // namespace ts::agent
