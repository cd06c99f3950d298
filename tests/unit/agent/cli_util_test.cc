// Tests for agent/cli_util: the getopt_long wrapper used by the subcommands.
#include "agent/cli_util.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ts::agent {
namespace {

constexpr CliOption kOpts[] = {
    {"origin", true, "ORIGIN", "zone"},
    {"bits", true, "N", "size"},
    {"force", false, nullptr, "flag"},
};

Result<ParsedOptions> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "cmd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse_options("cmd", static_cast<int>(args.size()), argv.data(), kOpts);
}

TEST(CliUtil, ParsesLongOptionsFlagsAndPositionals) {
  auto o = parse({"--origin", "example.com.", "--force", "--bits=2048", "zone.db"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->get("origin"), "example.com.");
  EXPECT_TRUE(o->has("force"));
  EXPECT_FALSE(o->has("help"));
  EXPECT_EQ(**o->get_unsigned("bits", 1024, 4096), 2048ul);
  ASSERT_EQ(o->positional().size(), 1u);
  EXPECT_EQ(o->positional()[0], "zone.db");
  EXPECT_EQ(o->get("missing", "dflt"), "dflt");
  EXPECT_FALSE(o->require("missing"));
}

TEST(CliUtil, ReportsErrors) {
  auto unknown = parse({"--nope"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("--nope"), std::string::npos);
  auto missing = parse({"--origin"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("needs a value"), std::string::npos);
  auto o = parse({"--bits", "99999"});
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->get_unsigned("bits", 1024, 4096));
  auto nan = parse({"--bits", "12x"});
  EXPECT_FALSE(nan->get_unsigned("bits", 0, 4096));
  EXPECT_TRUE(parse({"--help"})->has("help"));
  EXPECT_TRUE(parse({"-h"})->has("help"));
}

TEST(CliUtil, RepeatedParsingStartsAfresh) {
  ASSERT_TRUE(parse({"--origin", "a."}));
  auto o = parse({"--origin", "b."});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->get("origin"), "b.");
}

}  // namespace
}  // namespace ts::agent
