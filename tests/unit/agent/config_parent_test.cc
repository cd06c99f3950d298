// The parent keys the daemon's parent sync adds to `parent = { ... }`: manual, poll, tsig (a
// key file), remove-rogue, trust-anchor, root-hints; their errors name file, line and key;
// they reach the daemon's ZoneSpec and survive --print.
#include <gtest/gtest.h>

#include "agent/config.h"
#include "agent/daemon_parent_spec.h"

namespace ts::agent {
namespace {

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

std::string load_error(const std::string& text) {
  auto c = load_config_string(text, "t.toml");
  EXPECT_FALSE(c.ok()) << "accepted:\n" << text;
  return c ? "" : c.error().message;
}

TEST(ConfigParent, DaemonKeysAreReadAndResolved) {
  auto c = load_config_string(
      "[defaults]\nparent = { method = \"update\", primary = \"127.53.11.4\", tsig = "
      "\"lab.key\", poll = \"30s\", alert-after = \"2d\", remove-rogue = true, trust-anchor = "
      "\"root.ds\", root-hints = \"/lab/root.hints\" }\n"
      "[[zone]]\nname = \"sub.example.test.\"\nfile = \"z\"\n"
      "[[zone]]\nname = \"b.test.\"\nfile = \"b\"\nparent = { method = \"manual\" }\n",
      "/etc/ts/t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  const ParentPolicy& p = c->zones[0].policy.parent;
  EXPECT_EQ(p.method, ParentMethod::Update);
  EXPECT_EQ(p.tsig_key_file, "/etc/ts/lab.key");
  EXPECT_EQ(p.poll_interval.seconds, 30);
  EXPECT_TRUE(p.remove_rogue);
  EXPECT_EQ(p.trust_anchor_file, "/etc/ts/root.ds");
  EXPECT_EQ(p.root_hints, "/lab/root.hints");
  ParentSpec s = parent_spec(p);
  EXPECT_TRUE(s.observed());
  EXPECT_TRUE(s.publishes());
  EXPECT_EQ(s.poll, 30);
  // The zone's own table is merged key by key: method manual, the rest inherited.
  EXPECT_EQ(c->zones[1].policy.parent.method, ParentMethod::Manual);
  EXPECT_FALSE(parent_spec(c->zones[1].policy.parent).observed());
  EXPECT_FALSE(parent_spec(c->zones[1].policy.parent).remove_rogue);  // no authority
  // --print writes the new keys, and reading that back gives the same values.
  auto again = load_config_string(config_to_toml(*c), "/etc/ts/t.toml");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->zones[0].policy.parent.tsig_key_file, "/etc/ts/lab.key");
  EXPECT_TRUE(again->zones[0].policy.parent.remove_rogue);
}

TEST(ConfigParent, MistakesNameFileLineAndKey) {
  EXPECT_CONTAINS(load_error("[defaults]\nparent = { tsig = \"k\", tsig-key = \"k.\", "
                             "tsig-secret-file = \"s\" }\n"),
                  "defaults.parent.tsig: give either tsig");
  EXPECT_CONTAINS(load_error("[defaults]\nparent = { method = \"registrar\" }\n"),
                  "defaults.parent.method");
  EXPECT_CONTAINS(load_error("[defaults]\nparent = { poll = \"1x\" }\n"), "t.toml:2:19");
  EXPECT_CONTAINS(load_error("[defaults]\nparent = { remove_rogue = true }\n"),
                  "did you mean 'remove-rogue'?");
}

}  // namespace
}  // namespace ts::agent
