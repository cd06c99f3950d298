// The daemon's trust-anchor round over real local-directory targets: all targets serve the
// document -> seen; one unwritable -> not seen, named in the summary; a tampered copy is
// detected by a confirm-only round; retry delays back off and are capped.
#include "agent/daemon_tar_targets.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "signer/crypto.h"

namespace ts::agent {
namespace {

tar::Publication publication() {
  auto k = signer::PrivateKey::generate(signer::Algorithm::ED25519, 0);
  std::vector<tar::AnchorKey> keys = {
      {{signer::kFlagsKsk, signer::Algorithm::ED25519, k->public_key()}, 100, std::nullopt}};
  auto doc = tar::make_document(*Name::from_text("island.plain.test."), keys,
                                signer::DigestType::SHA256, "file:///x");
  return tar::Publication{"island.plain.test", *doc, 200, 60};
}

std::string temp_dir() {
  char tmpl[] = "/tmp/ts-tarwire-test-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(DaemonTarTargets, AllServedThenTamperedIsDetected) {
  std::string a = temp_dir(), b = temp_dir();
  auto targets =
      make_tar_targets({{"file:" + a + "/", "file://" + b}, "", "", 10, "put", "", "", ""});
  ASSERT_TRUE(targets.ok()) << targets.error().message;
  ASSERT_EQ(targets->size(), 2u);
  tar::Publication p = publication();
  TarRound r = publish_and_confirm(*targets, p, true);
  EXPECT_TRUE(r.all_served()) << r.summary();
  EXPECT_EQ(r.summary(), "");
  // Someone replaces b's document with another key's: a confirm-only round sees it.
  tar::Publication other = publication();
  {
    std::ofstream f(b + "/island.plain.test.xml", std::ios::trunc);
    f << tar::to_xml(other.document);
  }
  r = publish_and_confirm(*targets, p, false);
  EXPECT_FALSE(r.all_served());
  EXPECT_TRUE(r.any_tampered());
  EXPECT_TRUE(r.outcomes[0].served);
  EXPECT_TRUE(r.outcomes[1].tampered);
  EXPECT_NE(r.summary().find("different document"), std::string::npos) << r.summary();
  // Publishing again repairs it.
  EXPECT_TRUE(publish_and_confirm(*targets, p, true).all_served());
  std::filesystem::remove_all(a);
  std::filesystem::remove_all(b);
}

TEST(DaemonTarTargets, UnreachableTargetIsNotSeen) {
  auto targets = make_tar_targets({{"file:/proc/no-such-dir/ta/"}, "", "", 10, "put", "", "", ""});
  ASSERT_TRUE(targets.ok());
  TarRound r = publish_and_confirm(*targets, publication(), true);
  EXPECT_FALSE(r.all_served());
  EXPECT_FALSE(r.any_tampered());
  EXPECT_NE(r.summary().find("publish failed"), std::string::npos) << r.summary();
}

TEST(DaemonTarTargets, DlvTargetNeedsAddressAndKeyFile) {
  auto t = make_tar_targets({{"dlv:dlv.test."}, "", "", 10, "put", "", "", ""});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("dlv:dlv.test."), std::string::npos);
  t = make_tar_targets({{"dlv:dlv.test.@127.0.0.1#5353"}, "", "", 10, "put", "", "", ""});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("dlv-tsig"), std::string::npos) << t.error().message;
  char tmpl[] = "/tmp/ts-dlvkey-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  std::string key = "key \"dlv-key.\" { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0\"; };\n";
  ASSERT_EQ(write(fd, key.data(), key.size()), static_cast<ssize_t>(key.size()));
  close(fd);
  t = make_tar_targets({{"dlv:dlv.test@127.0.0.1#5353"}, "", "", 10, "put", tmpl, "", ""});
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ((*t)[0]->describe(), "DLV dlv.test. at 127.0.0.1@5353");
  EXPECT_EQ((*t)[0]->describe().find("c2Vj"), std::string::npos);
  unlink(tmpl);
}

TEST(DaemonTarTargets, HttpMethodIsPutOrPost) {
  EXPECT_TRUE(make_tar_targets({{"https://127.0.0.1/ta/"}, "", "", 10, "post", "", "", ""}).ok());
  EXPECT_FALSE(make_tar_targets({{"https://127.0.0.1/ta/"}, "", "", 10, "patch", "", "", ""}).ok());
  // TLS client authentication: certificate and key together, or neither.
  EXPECT_FALSE(
      make_tar_targets({{"https://127.0.0.1/ta/"}, "", "", 10, "put", "", "/c.pem", ""}).ok());
  EXPECT_TRUE(
      make_tar_targets({{"https://127.0.0.1/ta/"}, "", "", 10, "put", "", "/c.pem", "/k.pem"})
          .ok());
}

TEST(DaemonTarTargets, RetryDelayBacksOffAndIsCapped) {
  EXPECT_EQ(tar_retry_delay(0), 0);
  EXPECT_EQ(tar_retry_delay(1), 30);
  EXPECT_EQ(tar_retry_delay(2), 60);
  EXPECT_EQ(tar_retry_delay(4), 240);
  EXPECT_EQ(tar_retry_delay(20), 3600);
  EXPECT_EQ(tar_retry_delay(3, 10, 25), 25);
}

}  // namespace
}  // namespace ts::agent
