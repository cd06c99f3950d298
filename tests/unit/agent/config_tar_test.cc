// The trust-anchor publication keys of issue 7: `trust-anchors` as a plain array of targets or
// as a table { targets, ca, token-file, add-hold-down, remove-hold-down }, and parent method
// "tar"; their errors name file, line and key; they survive --print.
#include <gtest/gtest.h>

#include "agent/config.h"

namespace ts::agent {
namespace {

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

std::string load_error(const std::string& text) {
  auto c = load_config_string(text, "t.toml");
  EXPECT_FALSE(c.ok()) << "accepted:\n" << text;
  return c ? "" : c.error().message;
}

TEST(ConfigTar, TableFormIsReadResolvedAndPrinted) {
  auto c = load_config_string(
      "[defaults]\ntrust-anchors = { targets = [\"https://127.53.14.5/ta/\", "
      "\"file:/var/www/ta/\"], ca = \"ca.pem\", token-file = \"tok\", add-hold-down = \"1h\", "
      "remove-hold-down = 120 }\n"
      "[[zone]]\nname = \"island.plain.test.\"\nfile = \"z\"\nparent = { method = \"tar\" }\n"
      "[[zone]]\nname = \"b.test.\"\nfile = \"b\"\ntrust-anchors = "
      "[\"dlv:dlv.test.@127.0.0.1#5353\"]\n",
      "/etc/ts/t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Policy& p = c->zones[0].policy;
  EXPECT_EQ(p.parent.method, ParentMethod::Tar);
  ASSERT_EQ(p.trust_anchors.size(), 2u);
  EXPECT_EQ(p.trust_anchors[1], "file:/var/www/ta/");
  EXPECT_EQ(p.tar.ca_file, "/etc/ts/ca.pem");
  EXPECT_EQ(p.tar.token_file, "/etc/ts/tok");
  EXPECT_EQ(p.tar.add_hold_down.seconds, 3600);
  EXPECT_EQ(p.tar.remove_hold_down.seconds, 120);
  // The plain array replaces the targets only; the rest is inherited from [defaults].
  const Policy& b = c->zones[1].policy;
  ASSERT_EQ(b.trust_anchors.size(), 1u);
  EXPECT_EQ(b.trust_anchors[0], "dlv:dlv.test.@127.0.0.1#5353");
  EXPECT_EQ(b.tar.add_hold_down.seconds, 3600);
  EXPECT_EQ(b.parent.method, ParentMethod::None);
  auto again = load_config_string(config_to_toml(*c), "/etc/ts/t.toml");
  ASSERT_TRUE(again.ok()) << again.error().message << "\n" << config_to_toml(*c);
  EXPECT_EQ(again->zones[0].policy.parent.method, ParentMethod::Tar);
  EXPECT_EQ(again->zones[0].policy.trust_anchors, p.trust_anchors);
  EXPECT_EQ(again->zones[0].policy.tar.token_file, "/etc/ts/tok");
  EXPECT_EQ(again->zones[0].policy.tar.remove_hold_down.seconds, 120);
}

TEST(ConfigTar, DefaultsAreThirtyDays) {
  auto c = load_config_string("[[zone]]\nname = \"a.test.\"\nfile = \"z\"\n", "t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->zones[0].policy.trust_anchors.empty());
  EXPECT_EQ(c->zones[0].policy.tar.add_hold_down.seconds, 30 * 86400);
  EXPECT_EQ(c->zones[0].policy.tar.remove_hold_down.seconds, 30 * 86400);
}

TEST(ConfigTar, MistakesNameFileLineAndKey) {
  std::string e = load_error("[defaults]\ntrust-anchors = [\"ftp://x/\"]\n");
  EXPECT_CONTAINS(e, "t.toml:2:");
  EXPECT_CONTAINS(e, "defaults.trust-anchors[0]");
  EXPECT_CONTAINS(load_error("[defaults]\ntrust-anchors = { targets = [\"file:rel/\"] }\n"),
                  "defaults.trust-anchors.targets[0]");
  EXPECT_CONTAINS(load_error("[defaults]\ntrust-anchors = { add-hold-down = \"3x\" }\n"),
                  "t.toml:2:");
  EXPECT_CONTAINS(load_error("[defaults]\ntrust-anchors = { token_file = \"t\" }\n"), "token-file");
  EXPECT_CONTAINS(load_error("[defaults]\nparent = { method = \"dlv\" }\n"),
                  "defaults.parent.method");
}

TEST(ConfigTar, ProbeIntervalHttpMethodAndDlvKey) {
  auto c = load_config_string(
      "[defaults]\ntrust-anchors = { targets = [\"dlv:dlv.test.@127.0.0.1\"], "
      "probe-interval = \"5s\", http-method = \"post\", dlv-tsig = \"dlv.key\", "
      "client-cert = \"c.pem\", client-key = \"k.pem\" }\n"
      "[[zone]]\nname = \"a.test.\"\nfile = \"z\"\n",
      "/etc/ts/t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Policy& p = c->zones[0].policy;
  EXPECT_EQ(p.tar.probe_interval.seconds, 5);
  EXPECT_EQ(p.tar.http_method, "post");
  EXPECT_EQ(p.tar.dlv_tsig_file, "/etc/ts/dlv.key");
  EXPECT_EQ(p.tar.client_cert, "/etc/ts/c.pem");
  EXPECT_EQ(p.tar.client_key, "/etc/ts/k.pem");
  auto again = load_config_string(config_to_toml(*c), "/etc/ts/t.toml");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->zones[0].policy.tar.http_method, "post");
  EXPECT_EQ(again->zones[0].policy.tar.probe_interval.seconds, 5);
  EXPECT_CONTAINS(load_error("[defaults]\ntrust-anchors = { http-method = \"get\" }\n"),
                  "\"put\" or \"post\"");
  EXPECT_CONTAINS(load_error("[defaults]\ntrust-anchors = [\"dlv:dlv.test.\"]\n"),
                  "dlv:DLV-ZONE@ADDRESS");
}

TEST(ConfigTar, IslandAddHoldDownShorterThanValidatorsWarns) {
  // RFC 5011 validators trust a new key only after 30 days: an island that revokes its old
  // KSK sooner leaves them with nothing to trust. Allowed (labs), but warned about.
  auto c = load_config_string(
      "[defaults]\nparent = { method = \"tar\" }\n"
      "trust-anchors = { targets = [\"file:/var/www/ta/\"], add-hold-down = \"20s\" }\n"
      "[[zone]]\nname = \"a.test.\"\nfile = \"z\"\n",
      "t.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_CONTAINS(c->warnings[0], "t.toml:3:");
  EXPECT_CONTAINS(c->warnings[0], "trust-anchors.add-hold-down");
  EXPECT_CONTAINS(c->warnings[0], "RFC 5011");
  // The default (30 days), or targets without method "tar": no warning.
  auto d = load_config_string(
      "[defaults]\nparent = { method = \"tar\" }\ntrust-anchors = [\"file:/var/www/ta/\"]\n"
      "[[zone]]\nname = \"a.test.\"\nfile = \"z\"\n",
      "t.toml");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(d->warnings.empty());
  auto e = load_config_string(
      "[defaults]\ntrust-anchors = { targets = [\"file:/var/www/ta/\"], add-hold-down = "
      "\"20s\" }\n[[zone]]\nname = \"a.test.\"\nfile = \"z\"\n",
      "t.toml");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_TRUE(e->warnings.empty());
}

}  // namespace
}  // namespace ts::agent
