// DirectParentObserver with a fake directory and fake per-server sources: one fetch per
// address (IPv4 and IPv6), the validated view attached, errors named.
#include "parentsync/observer.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/unit/parentsync/test_keys.h"

namespace ts::parentsync {
namespace {

using testing::ds_of;
using testing::fake_key;

const Name kChild = *Name::from_text("example.test.");

struct FakeDirectory final : ParentDirectory {
  Result<ParentServers> servers = fail("no parent");
  ValidatedDs view;
  Result<ParentServers> parent_servers(const Name&) override { return servers; }
  ValidatedDs validated_ds(const Name&) override { return view; }
};

struct FakeSource final : DirectDsSource {
  std::map<std::string, std::vector<DsRecord>> served;  // by address
  std::vector<UnixTime> times;
  ServerDsAnswer fetch(const ParentServer& s, const Name&, const ParentServers&,
                       UnixTime now) override {
    times.push_back(now);
    auto it = served.find(s.address);
    if (it == served.end()) return ServerDsAnswer{s.label(), false, "timeout", {}, {}};
    return ServerDsAnswer{s.label(), true, "", Validation::Secure, it->second};
  }
};

TEST(DirectParentObserver, FetchesFromEveryAddressAndFeedsTheAssessment) {
  OurKey k = fake_key(1, KeyState::Active), n = fake_key(2, KeyState::Published, true);
  FakeDirectory dir;
  dir.servers =
      ParentServers{*Name::from_text("test."),
                    Validation::Secure,
                    {{"ns1.test.", "127.0.0.2"}, {"ns1.test.", "::1"}, {"ns2.test.", "127.0.0.3"}},
                    {}};
  dir.view = {Validation::Secure, "", {ds_of(kChild, k)}};
  FakeSource src;
  src.served = {{"127.0.0.2", {ds_of(kChild, k), ds_of(kChild, n)}},
                {"::1", {ds_of(kChild, k), ds_of(kChild, n)}},
                {"127.0.0.3", {ds_of(kChild, k)}}};
  DirectParentObserver obs(dir, src);
  auto o = obs.observe(kChild, 1700000000);
  ASSERT_TRUE(o) << o.error().message;
  ASSERT_EQ(o->servers.size(), 3u);
  EXPECT_EQ(o->servers[1].server, "ns1.test./::1");
  EXPECT_EQ(src.times, (std::vector<UnixTime>(3, 1700000000)));
  ParentView v = assess_ds(kChild, {k, n}, *o);
  EXPECT_FALSE(v.servers_agree);
  ASSERT_EQ(v.missing.size(), 1u);
  EXPECT_EQ(v.missing[0].absent_from, std::vector<std::string>{"ns2.test./127.0.0.3"});
  EXPECT_TRUE(v.seen_everywhere(k.tag));
}

TEST(DirectParentObserver, DirectoryFailureIsNamed) {
  FakeDirectory dir;
  FakeSource src;
  DirectParentObserver obs(dir, src);
  auto o = obs.observe(kChild, 0);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("example.test."), std::string::npos);
  dir.servers = ParentServers{*Name::from_text("test."), Validation::Secure, {}, {}};
  EXPECT_FALSE(obs.observe(kChild, 0));
}

}  // namespace
}  // namespace ts::parentsync
