// `children = { scan, poll-interval, bootstrap }` (branch childscan): read, checked,
// merged from [defaults], carried to the daemon's ZoneSpec, and written by --print.
#include <gtest/gtest.h>

#include "agent/config.h"
#include "agent/daemon_policy.h"

namespace ts::agent {
namespace {

TEST(ConfigChildren, ReadMergedAndPrinted) {
  auto c = load_config_string(
      "[defaults]\nchildren = { poll-interval = \"10m\" }\n"
      "[[zone]]\nname = \"test.\"\nfile = \"t\"\nchildren = { scan = true, bootstrap = false }\n"
      "[[zone]]\nname = \"other.\"\nfile = \"o\"\n",
      "/etc/ts/t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  const ChildrenPolicy& p = c->zones[0].policy.children;
  EXPECT_TRUE(p.scan);
  EXPECT_FALSE(p.bootstrap);
  EXPECT_EQ(p.poll_interval.seconds, 600);
  EXPECT_FALSE(c->zones[1].policy.children.scan);  // off unless asked
  EXPECT_TRUE(c->zones[1].policy.children.bootstrap);
  auto again = load_config_string(config_to_toml(*c), "/etc/ts/t.toml");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->zones[0].policy.children.scan);
  EXPECT_EQ(again->zones[0].policy.children.poll_interval.seconds, 600);
}

TEST(ConfigChildren, MistakesAreNamed) {
  auto bad = load_config_string("[defaults]\nchildren = { scan = \"yes\" }\n", "t.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("children.scan"), std::string::npos) << bad.error().message;
  auto zero = load_config_string("[defaults]\nchildren = { poll-interval = \"0s\" }\n", "t.toml");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("children.poll-interval"), std::string::npos)
      << zero.error().message;
  auto typo = load_config_string("[defaults]\nchildren = { scan-children = true }\n", "t.toml");
  EXPECT_FALSE(typo.ok());
}

}  // namespace
}  // namespace ts::agent
