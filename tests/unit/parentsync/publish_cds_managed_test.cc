// CDS/CDNSKEY records (RFC 7344, RFC 8078 delete form), the parent-acted check, and the
// `managed` publisher against a fake agent.
#include <gtest/gtest.h>

#include <map>

#include "parentsync/publish_cds.h"
#include "parentsync/publish_managed.h"
#include "tests/unit/parentsync/test_keys.h"

namespace ts::parentsync {
namespace {

using testing::ds_of;
using testing::fake_key;
using testing::secure_answer;

const Name kChild = *Name::from_text("example.test.");

TEST(CdsRecords, OneCdsPerKeyAndDigestAndOneCdnskeyPerKey) {
  OurKey a = fake_key(1, KeyState::Active), b = fake_key(2, KeyState::Published);
  auto r = cds_records(kChild, {a.dnskey_rdata, b.dnskey_rdata, a.dnskey_rdata}, {2, 4});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->cds.size(), 4u);
  EXPECT_EQ(r->cdnskey.size(), 2u);
  EXPECT_TRUE(std::find(r->cds.begin(), r->cds.end(), ds_of(kChild, a, 4)) != r->cds.end());
  EXPECT_FALSE(r->is_delete());
  auto lines = r->zone_lines(kChild, 300);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0].rfind("example.test. 300 IN CDS ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[4].rfind("example.test. 300 IN CDNSKEY 257 3 13 ", 0), 0u) << lines[4];
}

TEST(CdsRecords, RefusesSha1EmptyAndNonZoneKeys) {
  OurKey a = fake_key(1, KeyState::Active);
  EXPECT_FALSE(cds_records(kChild, {a.dnskey_rdata}, {1}));
  EXPECT_FALSE(cds_records(kChild, {}, {2}));
  Bytes not_zone_key = a.dnskey_rdata;
  not_zone_key[0] = 0;  // flags 257 -> 1: SEP without the ZONE bit
  EXPECT_FALSE(cds_records(kChild, {not_zone_key}, {2}));
}

TEST(CdsRecords, Rfc8078DeleteForm) {
  CdsRecords d = cds_delete();
  EXPECT_TRUE(d.is_delete());
  auto lines = d.zone_lines(kChild, 0);
  EXPECT_EQ(lines, (std::vector<std::string>{"example.test. 0 IN CDS 0 0 0 00",
                                             "example.test. 0 IN CDNSKEY 0 3 0 AA=="}));
}

ParentView view_with(std::vector<OurKey> keys, std::vector<DsRecord> served,
                     Validation v = Validation::Secure) {
  ParentObservation o;
  o.parent = *Name::from_text("test.");
  o.servers = {secure_answer("a", served), secure_answer("b", served)};
  o.validated = {v, "", served};
  return assess_ds(kChild, keys, o);
}

TEST(ParentActed, WaitsUntilNewDsEverywhereAndOldGone) {
  OurKey old_k = fake_key(1, KeyState::Retiring), new_k = fake_key(2, KeyState::Active);
  std::vector<uint16_t> all{old_k.tag, new_k.tag};
  auto w = parent_acted(view_with({old_k, new_k}, {ds_of(kChild, old_k)}), {new_k.tag}, all, false);
  EXPECT_FALSE(w.done);
  EXPECT_NE(w.waiting_for.find("publish the DS of key " + std::to_string(new_k.tag)),
            std::string::npos);
  w = parent_acted(view_with({old_k, new_k}, {ds_of(kChild, old_k), ds_of(kChild, new_k)}),
                   {new_k.tag}, all, false);
  EXPECT_FALSE(w.done);
  EXPECT_NE(w.waiting_for.find("remove the DS of key " + std::to_string(old_k.tag)),
            std::string::npos);
  w = parent_acted(view_with({old_k, new_k}, {ds_of(kChild, new_k)}), {new_k.tag}, all, false);
  EXPECT_TRUE(w.done) << w.waiting_for;
}

TEST(ParentActed, DeleteDoneWhenNoDsLeft) {
  OurKey k = fake_key(1, KeyState::Active);
  EXPECT_FALSE(parent_acted(view_with({k}, {ds_of(kChild, k)}), {}, {k.tag}, true).done);
  EXPECT_TRUE(parent_acted(view_with({k}, {}), {}, {k.tag}, true).done);
}

TEST(ParentActed, InsecureParentNeverActsOnCds) {
  OurKey k = fake_key(1, KeyState::Active);
  auto w = parent_acted(view_with({k}, {}, Validation::Insecure), {k.tag}, {k.tag}, false);
  EXPECT_FALSE(w.done);
  EXPECT_NE(w.waiting_for.find("unsigned"), std::string::npos);
}

// A fake agent holding DS RRsets of several parent zones.
class FakeAgent final : public ManagedParentZone {
 public:
  std::map<std::string, std::vector<DsRecord>> ds;  // "parent|child"
  int replaced = 0;
  bool fail_next = false;
  Result<std::vector<DsRecord>> child_ds(const Name& p, const Name& c) override {
    return ds[p.to_text() + "|" + c.to_text()];
  }
  Status replace_child_ds(const Name& p, const Name& c, const std::vector<DsRecord>& set) override {
    if (fail_next) return fail("re-signing test. failed: no ZSK");
    ++replaced;
    ds[p.to_text() + "|" + c.to_text()] = set;
    return {};
  }
};

TEST(ManagedPublisher, ReplacesOnceThenIsIdempotent) {
  FakeAgent agent;
  ManagedPublisher pub(agent, *Name::from_text("test."));
  OurKey k = fake_key(1, KeyState::Active);
  ASSERT_TRUE(pub.publish(kChild, {ds_of(kChild, k)}));
  EXPECT_TRUE(pub.changed());
  EXPECT_EQ(agent.ds["test.|example.test."], std::vector<DsRecord>{ds_of(kChild, k)});
  ASSERT_TRUE(pub.publish(kChild, {ds_of(kChild, k), ds_of(kChild, k)}));
  EXPECT_FALSE(pub.changed());
  EXPECT_EQ(agent.replaced, 1);
  ASSERT_TRUE(pub.publish(kChild, {}));
  EXPECT_TRUE(agent.ds["test.|example.test."].empty());
}

TEST(ManagedPublisher, ErrorsNameTheParentZone) {
  FakeAgent agent;
  agent.fail_next = true;
  ManagedPublisher pub(agent, *Name::from_text("test."));
  Status s = pub.publish(kChild, {ds_of(kChild, fake_key(1, KeyState::Active))});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "managed parent test.: re-signing test. failed: no ZSK");
  EXPECT_FALSE(pub.publish(*Name::from_text("other."), {}));
}

}  // namespace
}  // namespace ts::parentsync
