// Parent method "cds": CDS + CDNSKEY at the apex for exactly the keys whose DS the planner
// wants at the parent; input CDS replaced; nothing for other methods or when no DS is wanted.
#include "agent/daemon_parent_cds.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "signer/crypto.h"
#include "signer/keystore.h"
#include "signer/zone.h"

namespace ts::agent {
namespace {

namespace rrtype = signer::rrtype;

class ParentCds : public ::testing::Test {
 protected:
  std::string dir;
  std::unique_ptr<signer::FileKeyStore> store;
  Name origin = *Name::from_text("sub.example.test.");
  ZoneSpec spec;
  ZoneKeyState state;

  void SetUp() override {
    char tmpl[] = "/tmp/ts-cds-test.XXXXXX";
    dir = ::mkdtemp(tmpl);
    store = std::make_unique<signer::FileKeyStore>(dir + "/keys");
    spec.name = "sub.example.test.";
    spec.parent.method = "cds";
    spec.dnskey_ttl = 10;
    for (int i = 0; i < 2; ++i) {
      auto k = signer::PrivateKey::generate(signer::Algorithm::ECDSAP256SHA256, 0);
      ASSERT_TRUE(k);
      auto m = store->add(origin, signer::KeyRole::KSK, *k, 1000);
      ASSERT_TRUE(m) << m.error().message;
      KeyRecord r;
      r.id = m->id;
      r.role = KeyRole::KSK;
      r.algorithm = 13;
      r.tag = m->tag;
      r.published = r.active = 1000;
      if (i == 0) r.ds_submitted = r.ds_seen = 1000;  // the old KSK's DS is wanted
      state.keys.push_back(r);
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  size_t count(const signer::Zone& z, uint16_t type) {
    const signer::RRset* s = z.apex().find(type);
    return s ? s->rdatas.size() : 0;
  }
  signer::Zone zone() {
    signer::Zone z(origin);
    z.add(origin, rrtype::SOA, 10, signer::Bytes(22, 0));
    z.add(origin, rrtype::CDS, 10, signer::Bytes{0, 0, 0, 0, 0});  // from the input: replaced
    return z;
  }
};

TEST_F(ParentCds, OnlyKeysWhoseDsIsWanted) {
  signer::Zone z = zone();
  ASSERT_TRUE(add_parent_records(spec, state, *store, z));
  EXPECT_EQ(count(z, rrtype::CDS), 1u);
  EXPECT_EQ(count(z, rrtype::CDNSKEY), 1u);
  state.keys[1].ds_submitted = 2000;  // rollover: the new DS is wanted too
  z = zone();
  ASSERT_TRUE(add_parent_records(spec, state, *store, z));
  EXPECT_EQ(count(z, rrtype::CDS), 2u);
  state.keys[0].ds_withdrawn = 3000;  // the old one withdrawn
  z = zone();
  ASSERT_TRUE(add_parent_records(spec, state, *store, z));
  EXPECT_EQ(count(z, rrtype::CDS), 1u);
  EXPECT_EQ(count(z, rrtype::CDNSKEY), 1u);
}

TEST_F(ParentCds, OtherMethodsLeaveTheZoneAlone) {
  spec.parent.method = "update";
  signer::Zone z = zone();
  ASSERT_TRUE(add_parent_records(spec, state, *store, z));
  EXPECT_EQ(count(z, rrtype::CDS), 1u);  // the input's, untouched
  EXPECT_EQ(count(z, rrtype::CDNSKEY), 0u);
}

}  // namespace
}  // namespace ts::agent
