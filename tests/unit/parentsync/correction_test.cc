// plan_correction: what to publish for missing, stale and rogue DS; nothing on a partial view.
#include "parentsync/correction.h"

#include <gtest/gtest.h>

#include "tests/unit/parentsync/test_keys.h"

namespace ts::parentsync {
namespace {

using testing::ds_of;
using testing::fake_key;
using testing::secure_answer;

const Name kChild = *Name::from_text("example.test.");

struct Case {
  std::vector<OurKey> keys;
  ParentObservation obs;
  ParentView view;
};

Case Make(std::vector<OurKey> keys, std::vector<DsRecord> a, std::vector<DsRecord> b) {
  Case c{std::move(keys), {}, {}};
  c.obs.parent = *Name::from_text("test.");
  c.obs.servers = {secure_answer("ns1", a), secure_answer("ns2", b)};
  c.obs.validated = {Validation::Secure, "", a};
  c.view = assess_ds(kChild, c.keys, c.obs);
  return c;
}

TEST(PlanCorrection, HealthyParentNeedsNothing) {
  OurKey k = fake_key(1, KeyState::Active);
  Case c = Make({k}, {ds_of(kChild, k)}, {ds_of(kChild, k)});
  Correction r = plan_correction(kChild, c.keys, c.obs, c.view, {});
  EXPECT_FALSE(r.needed);
  EXPECT_EQ(r.desired, std::vector<DsRecord>{ds_of(kChild, k)});
}

TEST(PlanCorrection, MissingDsOfActiveKeyIsResubmitted) {
  OurKey k = fake_key(1, KeyState::Active);
  Case c = Make({k}, {}, {});
  Correction r = plan_correction(kChild, c.keys, c.obs, c.view, {});
  EXPECT_TRUE(r.needed);
  EXPECT_EQ(r.desired, std::vector<DsRecord>{ds_of(kChild, k)});
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_EQ(r.reasons[0], "add DS of key " + std::to_string(k.tag) + " (active)");
}

TEST(PlanCorrection, RogueRemovedOnlyWhenAllowedStaleRemovedOtherLiveKeysKept) {
  OurKey k = fake_key(1, KeyState::Active), old_k = fake_key(2, KeyState::Retired),
         planned = fake_key(3, KeyState::Planned), stranger = fake_key(9, KeyState::Active);
  std::vector<DsRecord> served{ds_of(kChild, k), ds_of(kChild, old_k), ds_of(kChild, planned),
                               ds_of(kChild, stranger)};
  Case c = Make({k, old_k, planned}, served, served);
  Correction keep = plan_correction(kChild, c.keys, c.obs, c.view, {});
  EXPECT_TRUE(keep.needed);
  EXPECT_EQ(keep.desired,
            canonical_set({ds_of(kChild, k), ds_of(kChild, planned), ds_of(kChild, stranger)}));
  Correction remove = plan_correction(kChild, c.keys, c.obs, c.view, {.remove_rogue = true});
  EXPECT_EQ(remove.desired, canonical_set({ds_of(kChild, k), ds_of(kChild, planned)}));
  EXPECT_EQ(remove.reasons.size(), 2u);
}

TEST(PlanCorrection, NothingOnAPartialOrInsecureView) {
  OurKey k = fake_key(1, KeyState::Active);
  Case c = Make({k}, {}, {});
  c.obs.servers[1] = ServerDsAnswer{"ns2", false, "timeout", {}, {}};
  c.view = assess_ds(kChild, c.keys, c.obs);
  EXPECT_FALSE(plan_correction(kChild, c.keys, c.obs, c.view, {}).needed);
  Case d = Make({k}, {}, {});
  d.obs.validated.validation = Validation::Insecure;
  d.view = assess_ds(kChild, d.keys, d.obs);
  EXPECT_FALSE(plan_correction(kChild, d.keys, d.obs, d.view, {}).needed);
}

}  // namespace
}  // namespace ts::parentsync
