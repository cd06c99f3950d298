// Policy file loading: the issue's example, key-by-key merging of [defaults] and [[zone]],
// and errors/warnings that name file, line, column and key.
#include "agent/config.h"

#include <gtest/gtest.h>

#include <string>

namespace ts::agent {
namespace {

const char* kIssueExample = R"(
[defaults]
automate = true
notify = ["mailto:admin@mydomain.com"]
ksk = { algorithm = "ECDSAP256SHA256", rollover = "0 2 1 2,8 *", signature-lifetime = "7d" }
zsk = { algorithm = "ECDSAP256SHA256", bits = 0, rollover = "0 1 1 * *", signature-lifetime = "7d" }
denial = { type = "nsec3", opt-out = true, iterations = 0, salt = "" }

[[zone]]
name = "myzone."
file = "myzonefile"
denial = { type = "nsec" }
)";

Config load_ok(const std::string& text) {
  auto c = load_config_string(text, "/etc/ts/test.toml");
  EXPECT_TRUE(c.ok()) << (c ? "" : c.error().message);
  return c ? *c : Config{};
}

// Loads `text`, expects failure, and returns the message.
std::string load_error(const std::string& text) {
  auto c = load_config_string(text, "t.toml");
  EXPECT_FALSE(c.ok()) << "accepted:\n" << text;
  return c ? "" : c.error().message;
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(Config, IssueExample) {
  Config c = load_ok(kIssueExample);
  ASSERT_EQ(c.zones.size(), 1u);
  const ZonePolicy& z = c.zones[0];
  EXPECT_EQ(z.name, "myzone.");
  EXPECT_EQ(z.input_file, "/etc/ts/myzonefile");  // relative to the config file
  EXPECT_EQ(z.output_file, "/etc/ts/myzonefile.signed");
  EXPECT_TRUE(z.policy.automate);
  EXPECT_EQ(z.policy.notify, std::vector<std::string>{"mailto:admin@mydomain.com"});
  EXPECT_EQ(z.policy.ksk.algorithm, signer::Algorithm::ECDSAP256SHA256);
  EXPECT_EQ(z.policy.ksk.lifetime.text(), "0 2 1 2,8 *");
  EXPECT_EQ(z.policy.ksk.signature_lifetime, Duration::days(7));
  EXPECT_EQ(z.policy.zsk.lifetime.text(), "0 1 1 * *");
  EXPECT_EQ(z.policy.denial.type, DenialType::Nsec);  // plain NSEC, not NSEC3 opt-out
  EXPECT_TRUE(c.warnings.empty());
  // 2025-01-15T00:00Z -> the KSK rolls on 2025-02-01T02:00Z.
  EXPECT_EQ(z.policy.ksk.lifetime.rollover_due(1736899200), 1738375200);
  KeyLifetime ninety{Duration::days(90)};
  EXPECT_EQ(ninety.rollover_due(1000), 1000 + 90 * 86400);
  EXPECT_FALSE(KeyLifetime{}.rollover_due(1000).has_value());
  EXPECT_EQ(KeyLifetime{}.text(), "never");
}

TEST(Config, ZoneOverridesMergeKeyByKey) {
  Config c = load_ok(R"(
[defaults]
zsk = { algorithm = "RSASHA256", bits = 2048, signature-lifetime = "10d", rollover = "60d" }
ksk = { algorithm = "RSASHA256" }
denial = { type = "nsec3", opt-out = true }
timing = { dnskey-ttl = "2h" }
[[zone]]
name = "a.example"
file = "/z/a"
zsk = { bits = 3072 }
timing = { ds-ttl = "2h" }
[[zone]]
name = "b.example."
file = "/z/b"
output = "out/b.signed"
denial = { type = "nsec" }
)");
  ASSERT_EQ(c.zones.size(), 2u);
  const Policy& a = c.zones[0].policy;
  EXPECT_EQ(c.zones[0].name, "a.example.");
  EXPECT_EQ(a.zsk.bits, 3072u);
  EXPECT_EQ(a.zsk.algorithm, signer::Algorithm::RSASHA256);
  EXPECT_EQ(a.zsk.signature_lifetime, Duration::days(10));
  EXPECT_EQ(a.zsk.lifetime.text(), "60d");
  EXPECT_EQ(a.denial.type, DenialType::Nsec3);
  EXPECT_TRUE(a.denial.opt_out);
  EXPECT_EQ(a.timing.dnskey_ttl, Duration::hours(2));
  EXPECT_EQ(a.timing.ds_ttl, Duration::hours(2));
  EXPECT_EQ(a.zsk.refresh, Duration::days(5));  // built-in default
  const ZonePolicy& b = c.zones[1];
  EXPECT_EQ(b.policy.denial.type, DenialType::Nsec);
  EXPECT_EQ(b.policy.zsk.bits, 2048u);
  EXPECT_EQ(b.output_file, "/etc/ts/out/b.signed");
}

TEST(Config, BuiltInDefaultsAndAgentSettings) {
  Config c = load_ok("[agent]\nstate-dir = \"state\"\nlog-format = \"json\"\n");
  EXPECT_TRUE(c.zones.empty());
  EXPECT_EQ(c.global.state_dir, "/etc/ts/state");
  EXPECT_EQ(c.global.database, "/etc/ts/state/trustsync.db");
  EXPECT_EQ(c.global.key_dir, "/etc/ts/state/keys");
  EXPECT_EQ(c.global.log_format, LogFormat::Json);
  EXPECT_TRUE(c.global.metrics_listen.empty());
  Policy p;
  EXPECT_TRUE(p.ksk.lifetime.never());
  EXPECT_EQ(p.zsk.lifetime.text(), "30d");
  EXPECT_EQ(p.denial.type, DenialType::Nsec);
  EXPECT_EQ(p.parent.method, ParentMethod::None);
}

TEST(Config, UnknownKeySuggestsTheRightOne) {
  std::string e = load_error("[defaults]\nautomate = true\ndenail = { type = \"nsec\" }\n");
  EXPECT_CONTAINS(e, "t.toml:3:1: error: defaults.denail: unknown key (did you mean 'denial'?)");
  e = load_error("[[zone]]\nname = \"x.\"\nfile = \"f\"\nzsk = { signature-lifetme = \"7d\" }\n");
  EXPECT_CONTAINS(e,
                  "t.toml:4:9: error: zone[x.].zsk.signature-lifetme: unknown key (did you "
                  "mean 'signature-lifetime'?)");
  e = load_error("[defaults]\ncompletely-unrelated = 1\n");
  EXPECT_CONTAINS(e, "defaults.completely-unrelated: unknown key");
  EXPECT_EQ(e.find("did you mean"), std::string::npos) << e;
}

TEST(Config, WrongTypesNameLineAndKey) {
  std::string e = load_error("[defaults]\n\nzsk = { bits = \"2048\" }\n");
  EXPECT_CONTAINS(e, "t.toml:3:16: error: defaults.zsk.bits: expected an integer, got string");
  e = load_error("[defaults]\nautomate = \"yes\"\n");
  EXPECT_CONTAINS(e, "t.toml:2:12: error: defaults.automate: expected true or false");
  e = load_error("[defaults]\nnotify = \"mailto:a@b\"\n");
  EXPECT_CONTAINS(e, "defaults.notify: expected an array of strings");
  e = load_error("[defaults]\ndenial = \"nsec\"\n");
  EXPECT_CONTAINS(e, "t.toml:2:10: error: defaults.denial: expected a table");
}

TEST(Config, BadValues) {
  EXPECT_CONTAINS(load_error("[defaults]\nksk = { rollover = \"0 2 1 13 *\" }\n"),
                  "t.toml:2:20: error: defaults.ksk.rollover: invalid cron expression "
                  "'0 2 1 13 *': month field '13'");
  EXPECT_CONTAINS(load_error("[defaults]\nzsk = { signature-lifetime = \"7 days\" }\n"),
                  "defaults.zsk.signature-lifetime: invalid duration '7 days'");
  EXPECT_CONTAINS(load_error("[defaults]\nzsk = { algorithm = \"ECDSA256\" }\n"),
                  "defaults.zsk.algorithm: unknown algorithm 'ECDSA256'");
  EXPECT_CONTAINS(load_error("[defaults]\ndenial = { type = \"nsec5\" }\n"),
                  "defaults.denial.type: unknown value \"nsec5\" (expected one of \"nsec\", "
                  "\"nsec3\"); did you mean 'nsec'?");
  EXPECT_CONTAINS(load_error("[defaults]\nnotify = [\"mailto:a@b\", \"ftp://x\"]\n"),
                  "t.toml:2:25: error: defaults.notify[1]: 'ftp://x' must start with mailto:");
  EXPECT_CONTAINS(load_error("[defaults]\ndenial = { type = \"nsec3\", salt = \"xyz\" }\n"),
                  "defaults.denial.salt: expected \"\" or an even number of hex digits");
  EXPECT_CONTAINS(load_error("[defaults]\nzsk = { rollover = \"0\" }\n"), "write \"never\"");
}

TEST(Config, NsecWithNsec3ParametersInTheSameTableIsAnError) {
  EXPECT_CONTAINS(load_error("[defaults]\ndenial = { type = \"nsec\", opt-out = true }\n"),
                  "t.toml:2:37: error: defaults.denial.opt-out: applies to type = \"nsec3\"");
}

TEST(Config, ZonesNeedNameAndFileAndUniqueNames) {
  std::string e = load_error(
      "[[zone]]\nname = \"a.\"\nfile = \"a\"\n[[zone]]\nname = \"A\"\nfile = \"b\"\n"
      "[[zone]]\nfile = \"c\"\n[[zone]]\nname = \"d.\"\n");
  EXPECT_CONTAINS(e,
                  "t.toml:5:8: error: zone[a.].name: duplicate zone 'a.' (first defined at "
                  "t.toml:1:1)");
  EXPECT_CONTAINS(e, "t.toml:7:1: error: zone[2]: missing required key 'name'");
  EXPECT_CONTAINS(e, "t.toml:9:1: error: zone[d.]: missing required key 'file'");
  EXPECT_CONTAINS(load_error("[[zone]]\nname = \"a..b\"\nfile = \"x\"\n"),
                  "zone[0].name: 'a..b' is not a valid domain name");
  EXPECT_CONTAINS(load_error("[defaults]\nname = \"a.\"\n"), "defaults.name: unknown key");
}

TEST(Config, SignatureLifetimeMustExceedRefresh) {
  std::string e = load_error(
      "[defaults]\nzsk = { signature-lifetime = \"7d\" }\n"
      "[[zone]]\nname = \"a.\"\nfile = \"a\"\nzsk = { refresh = \"7d\" }\n");
  EXPECT_CONTAINS(e,
                  "t.toml:6:19: error: zone[a.].zsk.refresh: signature lifetime 1w must be "
                  "longer than the refresh margin 1w");
  e = load_error("[defaults]\nzsk = { refresh = \"30s\" }\n");
  EXPECT_CONTAINS(e, "defaults.zsk.refresh: refresh margin 30s is too short");
  e = load_error(
      "[defaults]\nksk = { signature-lifetime = \"7d\", refresh = \"5d\", "
      "jitter = \"3d\" }\n");
  EXPECT_CONTAINS(e,
                  "defaults.ksk.jitter: jitter 3d must be shorter than signature-lifetime - "
                  "refresh (2d)");
}

TEST(Config, KeyLifetimeMustLeaveTimeForARollover) {
  Policy p;
  // 2 x 5m + 1h + 1h + 1h (max TTL = DNSKEY TTL) + 1h
  EXPECT_EQ(min_zsk_rollover_time(p), Duration{4 * 3600 + 600});
  // 5m + 1h + 1h + 1h + 1d + 1h
  EXPECT_EQ(min_ksk_rollover_time(p, false), Duration{28 * 3600 + 300});
  std::string e = load_error("[defaults]\nksk = { rollover = \"1d\" }\n");
  EXPECT_CONTAINS(e,
                  "t.toml:2:20: error: defaults.ksk.rollover: ksk.rollover = \"1d\" leaves 1d "
                  "between rollovers, but a ksk rollover needs at least 1d4h5m");
  e = load_error(
      "[defaults]\nzsk = { rollover = \"*/30 * * * *\" }\n"
      "[[zone]]\nname = \"a.\"\nfile = \"a\"\n");
  EXPECT_CONTAINS(e,
                  "defaults.zsk.rollover: zsk.rollover = \"*/30 * * * *\" leaves as little as 30m");
  // Lower TTLs make the same schedule possible.
  load_ok(
      "[defaults]\nzsk = { rollover = \"0 */6 * * *\", signature-lifetime = \"1h\", "
      "refresh = \"20m\", jitter = \"1m\" }\n"
      "ksk = { signature-lifetime = \"1h\", refresh = \"20m\", jitter = \"1m\" }\n"
      "timing = { dnskey-ttl = \"5m\", publish-safety = \"5m\", retire-safety = \"5m\" }\n");
  // The zone's larger DS TTL makes the defaults' KSK schedule impossible for it only.
  e = load_error(
      "[defaults]\nksk = { rollover = \"3d\" }\n[[zone]]\nname = \"a.\"\nfile = \"a\"\n"
      "timing = { ds-ttl = \"3d\" }\n");
  EXPECT_CONTAINS(e, "t.toml:6:21: error: zone[a.].timing.ds-ttl: ksk.rollover = \"3d\" leaves 3d");
}

TEST(Config, AlgorithmsAndKeySizes) {
  std::string e = load_error(
      "[defaults]\nzsk = { algorithm = \"RSASHA1\" }\n"
      "ksk = { algorithm = 5 }\n");
  EXPECT_CONTAINS(e, "t.toml:2:21: error: defaults.zsk.algorithm: RFC 8624");
  EXPECT_CONTAINS(e, "allow-deprecated = true");
  Config c = load_ok(
      "[defaults]\nallow-deprecated = true\nzsk = { algorithm = \"rsasha1\" }\n"
      "ksk = { algorithm = 5 }\n");
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_CONTAINS(c.warnings[0], "warning: defaults.ksk.algorithm: RFC 8624");
  c = load_ok(
      "[defaults]\nzsk = { algorithm = \"RSASHA256\", bits = 1024 }\n"
      "ksk = { algorithm = \"RSASHA256\" }\n");
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_CONTAINS(c.warnings[0], "test.toml:2:41: warning: defaults.zsk.bits: RSA keys shorter");
  EXPECT_CONTAINS(load_error("[defaults]\nzsk = { bits = 512, algorithm = \"RSASHA256\" }\n"),
                  "RSA keys must have 1024 to 4096 bits");
  EXPECT_CONTAINS(load_error("[defaults]\nzsk = { bits = 2048 }\n"), "fixed key size");
  EXPECT_CONTAINS(load_error("[defaults]\nzsk = { algorithm = \"ED25519\" }\n"),
                  "ksk uses ECDSAP256SHA256 but zsk uses ED25519");
  c = load_ok("[defaults]\nuse-csk = true\ncsk = { algorithm = \"ED448\", rollover = \"365d\" }\n");
}

TEST(Config, Rfc9276WarningsAreReportedOncePerLocation) {
  Config c = load_ok(
      "[defaults]\ndenial = { type = \"nsec3\", iterations = 10, salt = \"abcd\" }\n"
      "[[zone]]\nname = \"a.\"\nfile = \"a\"\n[[zone]]\nname = \"b.\"\nfile = \"b\"\n"
      "[[zone]]\nname = \"c.\"\nfile = \"c\"\ndenial = { type = \"nsec\" }\n");
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_CONTAINS(c.warnings[0], "test.toml:2:41: warning: defaults.denial.iterations: RFC 9276");
  EXPECT_CONTAINS(c.warnings[1], "defaults.denial.salt: RFC 9276");
  EXPECT_EQ(c.zones[1].policy.denial.salt, (std::vector<uint8_t>{0xab, 0xcd}));
  EXPECT_EQ(c.zones[2].policy.denial.type, DenialType::Nsec);
}

TEST(Config, ParentSettings) {
  Config c = load_ok(
      "[[zone]]\nname = \"example.test.\"\nfile = \"p\"\n"
      "[[zone]]\nname = \"sub.example.test.\"\nfile = \"c\"\nparent = { method = \"managed\" }\n"
      "[[zone]]\nname = \"other.test.\"\nfile = \"o\"\nparent = { method = \"update\", "
      "tsig-key = \"k.\", tsig-secret-file = \"k.secret\", primary = \"127.0.0.1#5300\" }\n");
  EXPECT_EQ(c.zones[1].policy.parent.method, ParentMethod::Managed);
  EXPECT_EQ(c.zones[2].policy.parent.tsig_secret_file, "/etc/ts/k.secret");
  EXPECT_CONTAINS(load_error("[[zone]]\nname = \"x.test.\"\nfile = \"c\"\n"
                             "parent = { method = \"managed\" }\n"),
                  "zone[x.test.].parent.method: \"managed\" needs the parent zone");
  EXPECT_CONTAINS(load_error("[defaults]\nparent = { method = \"command\" }\n"),
                  "needs parent.command");
  EXPECT_CONTAINS(load_error("[defaults]\nparent = { poll-interval = \"3d\" }\n"),
                  "t.toml:2:28: error: defaults.parent.poll-interval: alert-after 2d is shorter");
  EXPECT_CONTAINS(load_error("[defaults]\nparent = { tsig-key = \"k.\" }\n"),
                  "a TSIG key needs parent.tsig-secret-file");
}

TEST(Config, ReportsEveryErrorThenWarningsAndSyntaxErrors) {
  std::string e = load_error(
      "[defaults]\nautomat = true\nsireal = \"keep\"\ndenial = { type = \"nsec3\", "
      "iterations = 1 }\n");
  EXPECT_CONTAINS(e, "t.toml:2:1: error: defaults.automat");
  EXPECT_CONTAINS(e, "\nt.toml:3:1: error: defaults.sireal: unknown key (did you mean 'serial'?)");
  EXPECT_CONTAINS(e, "\nt.toml:4:41: warning: defaults.denial.iterations");
  EXPECT_CONTAINS(load_error("[defaults]\nautomate = \n"), "t.toml:2:");
  auto missing = load_config("/nonexistent/trustsync.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_CONTAINS(missing.error().message, "/nonexistent/trustsync.toml: cannot open");
}

TEST(Config, ShippedExamplesAreValid) {
  for (const char* f : {"/../../conf/trustsync.toml", "/../../conf/minimal.toml"}) {
    auto c = load_config(std::string(TS_TEST_DATA) + f);
    ASSERT_TRUE(c.ok()) << f << ": " << c.error().message;
    EXPECT_FALSE(c->zones.empty());
    EXPECT_TRUE(c->warnings.empty()) << c->warnings[0];
  }
}

}  // namespace
}  // namespace ts::agent

namespace ts::agent {
namespace {

TEST(Config, EffectivePolicyPrintsAsTomlThatLoadsToTheSameValues) {
  Config a = load_ok(std::string(kIssueExample) + R"(
[[zone]]
name = "csk.example."
file = "/z/csk"
use-csk = true
csk = { algorithm = "ED25519", rollover = "180d" }
denial = { iterations = 3, salt = "00ff" }
timing = { max-zone-ttl = "2h" }
parent = { method = "update", tsig-key = "k.", tsig-secret-file = "/k" }
)");
  std::string printed = config_to_toml(a);
  EXPECT_CONTAINS(printed, "denial = { type = 'nsec' }");
  EXPECT_CONTAINS(printed, "salt = '00ff'");
  EXPECT_CONTAINS(printed, "rollover = '0 2 1 2,8 *'");
  Config b = load_ok(printed);
  EXPECT_EQ(config_to_toml(b), printed);
  ASSERT_EQ(b.zones.size(), 2u);
  EXPECT_EQ(b.zones[1].policy.csk.algorithm, signer::Algorithm::ED25519);
  EXPECT_EQ(b.zones[1].policy.denial.salt, (std::vector<uint8_t>{0x00, 0xff}));
  EXPECT_EQ(b.zones[1].policy.timing.max_zone_ttl, Duration::hours(2));
  EXPECT_EQ(b.warnings.size(), a.warnings.size());
}

}  // namespace
}  // namespace ts::agent
