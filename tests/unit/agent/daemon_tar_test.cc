// TarZonePublisher over a real local-directory target: target down -> PublicationFailing
// fires, retries back off; target back -> published, served, alert resolved; tampered copy
// found by the recheck -> fires again and the next round repairs it; a new document
// (KSK set changed) is not served until published.
#include "agent/daemon_tar_zone.h"

#include <gtest/gtest.h>
#include <unistd.h>

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

TEST(DaemonTar, DownAlertsRecoversResolvesTamperDetected) {
  char tmpl[] = "/tmp/ts-tarwire-zone-XXXXXX";
  std::string base = mkdtemp(tmpl);
  std::string dir = base + "/ta";
  { std::ofstream(dir) << "not a directory"; }  // the "repository" is down
  auto targets = make_tar_targets({{"file:" + dir + "/"}, "", "", 10, "put", "", "", ""});
  ASSERT_TRUE(targets.ok());
  std::vector<std::pair<AlertEvent, bool>> alerts;
  TarZonePublisher z(
      "island.plain.test.", std::move(*targets),
      [&](const AlertEvent& e, bool firing) { alerts.emplace_back(e, firing); }, {}, 600);
  EXPECT_EQ(z.tick(1000), 0);  // nothing to publish yet
  z.set_publication(publication());
  EXPECT_EQ(z.tick(1000), 1030);
  EXPECT_FALSE(z.served());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(alerts[0].second);
  EXPECT_EQ(alerts[0].first.kind, AlertKind::PublicationFailing);
  EXPECT_EQ(alerts[0].first.zone, "island.plain.test.");
  EXPECT_EQ(z.tick(1010), 1030);  // not due: no round
  EXPECT_EQ(alerts.size(), 1u);
  EXPECT_EQ(z.tick(1030), 1090);  // second failure: backoff doubles
  EXPECT_EQ(z.failures(), 2u);
  // The repository comes back.
  std::filesystem::remove(dir);
  std::filesystem::create_directory(dir);
  EXPECT_EQ(z.tick(1090), 1690);
  EXPECT_TRUE(z.served());
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_FALSE(alerts[2].second);  // resolved
  // Someone tampers with the served document: the recheck sees it.
  tar::Publication other = publication();
  { std::ofstream(dir + "/island.plain.test.xml", std::ios::trunc) << tar::to_xml(other.document); }
  EXPECT_EQ(z.tick(1690), 1720);
  EXPECT_FALSE(z.served());
  ASSERT_EQ(alerts.size(), 4u);
  EXPECT_TRUE(alerts[3].second);
  EXPECT_NE(alerts[3].first.summary.find("different document"), std::string::npos)
      << alerts[3].first.summary;
  z.tick(1720);  // republished and confirmed
  EXPECT_TRUE(z.served());
  EXPECT_FALSE(alerts.back().second);
  // The KSK set changes: the new document is not served until the next round publishes it.
  z.set_publication(other);
  EXPECT_FALSE(z.served());
  z.tick(1721);
  EXPECT_TRUE(z.served());
  std::filesystem::remove_all(base);
}

// After a restart the durable confirmations say which targets already serve the document:
// they are only read back (no upload); one that does not serve it is published to.
TEST(DaemonTar, RestoredConfirmationsAreOnlyReadBack) {
  char tmpl[] = "/tmp/ts-tarwire-restore-XXXXXX";
  std::string base = mkdtemp(tmpl);
  std::filesystem::create_directory(base + "/a");
  std::filesystem::create_directory(base + "/b");
  auto settings = TarTargetSettings{
      {"file:" + base + "/a/", "file:" + base + "/b/"}, "", "", 10, "put", "", "", ""};
  tar::Publication pub = publication();
  auto t1 = make_tar_targets(settings);
  ASSERT_TRUE(t1.ok());
  TarZonePublisher first("island.plain.test.", std::move(*t1), nullptr, {}, 600);
  first.set_publication(pub);
  first.tick(1000);
  ASSERT_TRUE(first.served());
  EXPECT_EQ(first.uploads(), 2u);
  auto confirmed = first.confirmed();
  ASSERT_EQ(confirmed.size(), 2u);
  for (const auto& [target, fp] : confirmed) EXPECT_EQ(fp, first.fingerprint());
  // "kill -9": a new publisher from the durable confirmations.
  auto t2 = make_tar_targets(settings);
  TarZonePublisher second("island.plain.test.", std::move(*t2), nullptr, {}, 600);
  second.restore(confirmed);
  second.set_publication(pub);
  second.tick(2000);
  EXPECT_TRUE(second.served());
  EXPECT_EQ(second.uploads(), 0u);  // no re-publication
  EXPECT_EQ(second.rounds(), 1u);
  // Target b lost the document meanwhile: only b is published to.
  std::filesystem::remove(base + "/b/island.plain.test.xml");
  auto t3 = make_tar_targets(settings);
  TarZonePublisher third("island.plain.test.", std::move(*t3), nullptr, {}, 600);
  third.restore(confirmed);
  third.set_publication(pub);
  third.tick(3000);  // b fails the read-back
  EXPECT_FALSE(third.served());
  EXPECT_EQ(third.uploads(), 0u);
  third.tick(4000);
  EXPECT_TRUE(third.served());
  EXPECT_EQ(third.uploads(), 1u);
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace ts::agent
