// delegations_of: NS names, in-zone glue (A and AAAA) and DS at each cut of a loaded zone.
#include "parentsync/child_delegations.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "signer/zone_loader.h"

namespace ts::parentsync {
namespace {

TEST(ChildDelegations, NsGlueAndDsPerCut) {
  std::string path = ::testing::TempDir() + "child_delegations_" + std::to_string(getpid());
  std::ofstream(path) << "$TTL 60\n"
                         "test. IN SOA ns1.test. h.test. 1 60 60 600 60\n"
                         "test. IN NS ns1.test.\n"
                         "ns1.test. IN A 192.0.2.1\n"
                         "www.test. IN TXT x\n"
                         "a.test. IN NS ns.a.test.\n"
                         "a.test. IN NS ns.example.net.\n"
                         "ns.a.test. IN A 192.0.2.10\n"
                         "ns.a.test. IN AAAA 2001:db8::10\n"
                         "a.test. IN DS 12345 13 2 "
                         "3490A6806D47F17A34C29E2CE80E8A999FFBE4BE3490A6806D47F17A34C29E2C\n"
                         "b.test. IN NS ns1.test.\n";
  signer::LoadOptions o;
  o.origin = *Name::from_text("test.");
  auto zone = signer::load_zone_file(path, o);
  unlink(path.c_str());
  ASSERT_TRUE(zone) << zone.error().message;
  auto ds = delegations_of(*zone);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].child.to_text(), "a.test.");
  EXPECT_EQ(ds[0].ttl, 60u);
  ASSERT_EQ(ds[0].ds.size(), 1u);
  EXPECT_EQ(ds[0].ds[0].key_tag, 12345);
  ASSERT_EQ(ds[0].ns.size(), 2u);
  for (const auto& ns : ds[0].ns) {
    if (ns.name.to_text() == "ns.a.test.") {
      EXPECT_EQ(ns.addresses, (std::vector<std::string>{"192.0.2.10", "2001:db8::10"}));
    } else {
      EXPECT_EQ(ns.name.to_text(), "ns.example.net.");
      EXPECT_TRUE(ns.addresses.empty());  // out of zone: resolved at scan time
    }
  }
  EXPECT_EQ(ds[1].child.to_text(), "b.test.");
  EXPECT_TRUE(ds[1].ds.empty());
  ASSERT_EQ(ds[1].ns.size(), 1u);
  EXPECT_EQ(ds[1].ns[0].addresses, std::vector<std::string>{"192.0.2.1"});
}

}  // namespace
}  // namespace ts::parentsync
