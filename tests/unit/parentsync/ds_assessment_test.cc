// The DS assessment: missing, rogue, stale, agreement, seen_everywhere/gone_everywhere and
// the insecure parent, on hand-built observations (no servers).
#include "parentsync/ds_assessment.h"

#include <gtest/gtest.h>

#include "tests/unit/parentsync/test_keys.h"

namespace ts::parentsync {
namespace {

using testing::ds_of;
using testing::fake_key;
using testing::secure_answer;

class DsAssessment : public ::testing::Test {
 protected:
  Name child = *Name::from_text("example.test.");
  OurKey active = fake_key(1, KeyState::Active);
  OurKey next = fake_key(2, KeyState::Published, /*submitted=*/true);
  OurKey planned = fake_key(3, KeyState::Planned);
  OurKey retired = fake_key(4, KeyState::Retired);
  OurKey stranger = fake_key(9, KeyState::Active);  // not ours: used to make rogue DS

  ParentObservation obs(std::vector<DsRecord> a, std::vector<DsRecord> b,
                        std::vector<DsRecord> validated) {
    ParentObservation o;
    o.parent = *Name::from_text("test.");
    o.servers = {secure_answer("ns1.test./127.0.0.2", a), secure_answer("ns2.test./127.0.0.3", b)};
    o.validated = {Validation::Secure, "", validated};
    return o;
  }
  std::vector<OurKey> keys() { return {active, next, planned, retired}; }
};

TEST_F(DsAssessment, AllInPlaceIsHealthyAndSeenEverywhere) {
  std::vector<DsRecord> set{ds_of(child, active), ds_of(child, next)};
  ParentView v = assess_ds(child, keys(), obs(set, set, set));
  EXPECT_TRUE(v.servers_agree);
  EXPECT_TRUE(v.healthy()) << v.summary();
  EXPECT_TRUE(v.missing.empty());
  EXPECT_TRUE(v.rogue.empty());
  EXPECT_TRUE(v.stale.empty());
  EXPECT_TRUE(v.seen_everywhere(active.tag));
  EXPECT_TRUE(v.seen_everywhere(next.tag));
  EXPECT_FALSE(v.seen_everywhere(planned.tag));
  EXPECT_TRUE(v.gone_everywhere(retired.tag));
  EXPECT_FALSE(v.gone_everywhere(active.tag));
}

TEST_F(DsAssessment, NewDsOnOneServerOnlyIsMissingThereAndNotSeenEverywhere) {
  std::vector<DsRecord> both{ds_of(child, active), ds_of(child, next)};
  std::vector<DsRecord> old{ds_of(child, active)};
  ParentView v = assess_ds(child, keys(), obs(both, old, old));
  EXPECT_FALSE(v.servers_agree);
  ASSERT_EQ(v.missing.size(), 1u) << v.summary();
  EXPECT_EQ(v.missing[0].tag, next.tag);
  EXPECT_EQ(v.missing[0].absent_from, std::vector<std::string>{"ns2.test./127.0.0.3"});
  EXPECT_FALSE(v.missing[0].absent_everywhere);
  EXPECT_FALSE(v.missing[0].in_validated_view);
  EXPECT_FALSE(v.seen_everywhere(next.tag));
  EXPECT_TRUE(v.seen_everywhere(active.tag));
  EXPECT_NE(v.summary().find("DO NOT agree"), std::string::npos);
}

TEST_F(DsAssessment, OnEveryServerButNotYetInValidatedViewIsNotSeenEverywhere) {
  std::vector<DsRecord> both{ds_of(child, active), ds_of(child, next)};
  ParentView v = assess_ds(child, keys(), obs(both, both, {ds_of(child, active)}));
  EXPECT_TRUE(v.servers_agree);
  EXPECT_FALSE(v.seen_everywhere(next.tag));
  ASSERT_EQ(v.missing.size(), 1u);
  EXPECT_TRUE(v.missing[0].absent_from.empty());
  EXPECT_NE(v.missing[0].describe(child).find("not in the validated view"), std::string::npos);
}

TEST_F(DsAssessment, ActiveDsAbsentEverywhere) {
  ParentView v = assess_ds(child, {active}, obs({}, {}, {}));
  ASSERT_EQ(v.missing.size(), 1u);
  EXPECT_TRUE(v.missing[0].absent_everywhere);
  EXPECT_NE(v.missing[0].describe(child).find("absent from every parent server"),
            std::string::npos);
  EXPECT_FALSE(v.healthy());
}

TEST_F(DsAssessment, RogueBesideGoodIsFlaggedEvenThoughSecure) {
  DsRecord rogue = ds_of(child, stranger);
  std::vector<DsRecord> set{ds_of(child, active), rogue};
  ParentView v = assess_ds(child, {active}, obs(set, set, set));
  ASSERT_EQ(v.rogue.size(), 1u);
  EXPECT_EQ(v.rogue[0].ds, rogue);
  EXPECT_EQ(v.rogue[0].servers.size(), 2u);
  EXPECT_TRUE(v.rogue[0].in_validated_view);
  EXPECT_EQ(v.rogue[0].reason, "matches no key we hold or plan");
  EXPECT_TRUE(v.seen_everywhere(active.tag));
  EXPECT_FALSE(v.healthy());
}

TEST_F(DsAssessment, OurTagWithWrongDigestIsRogue) {
  DsRecord forged = ds_of(child, active);
  forged.digest[0] ^= 0xff;
  ParentView v = assess_ds(child, {active}, obs({forged}, {forged}, {forged}));
  ASSERT_EQ(v.rogue.size(), 1u);
  EXPECT_NE(v.rogue[0].reason.find("digest does not match"), std::string::npos);
  ASSERT_EQ(v.missing.size(), 1u);
  EXPECT_FALSE(v.seen_everywhere(active.tag));
}

TEST_F(DsAssessment, PlannedKeyDsIsNeitherRogueNorMissing) {
  std::vector<DsRecord> set{ds_of(child, active), ds_of(child, planned)};
  ParentView v = assess_ds(child, {active, planned}, obs(set, set, set));
  EXPECT_TRUE(v.rogue.empty());
  EXPECT_TRUE(v.missing.empty());
  EXPECT_TRUE(v.healthy());
}

TEST_F(DsAssessment, RetiredKeyDsIsStale) {
  std::vector<DsRecord> set{ds_of(child, active), ds_of(child, retired, 1)};
  ParentView v = assess_ds(child, keys(), obs(set, {ds_of(child, active)}, set));
  ASSERT_EQ(v.stale.size(), 1u);
  EXPECT_EQ(v.stale[0].servers, std::vector<std::string>{"ns1.test./127.0.0.2"});
  EXPECT_FALSE(v.gone_everywhere(retired.tag));
  EXPECT_TRUE(v.rogue.empty());
}

TEST_F(DsAssessment, AnyDigestTypeOfOurKeyCounts) {
  std::vector<DsRecord> set{ds_of(child, active, 4)};
  ParentView v = assess_ds(child, {active}, obs(set, set, set));
  EXPECT_TRUE(v.seen_everywhere(active.tag));
  EXPECT_TRUE(v.healthy());
}

TEST_F(DsAssessment, UnreachableServerBlocksSeenEverywhereAndGone) {
  std::vector<DsRecord> set{ds_of(child, active)};
  ParentObservation o = obs(set, set, set);
  o.servers[1] = ServerDsAnswer{"ns2.test./127.0.0.3", false, "timeout", {}, {}};
  ParentView v = assess_ds(child, keys(), o);
  EXPECT_FALSE(v.servers_agree);
  EXPECT_FALSE(v.seen_everywhere(active.tag));
  EXPECT_FALSE(v.gone_everywhere(retired.tag));
  ASSERT_EQ(v.unreachable.size(), 1u);
  EXPECT_EQ(v.unreachable[0], "ns2.test./127.0.0.3: timeout");
}

TEST_F(DsAssessment, BogusServerAnswerDoesNotCount) {
  std::vector<DsRecord> set{ds_of(child, active)};
  ParentObservation o = obs(set, set, set);
  o.servers[0].validation = Validation::Bogus;
  o.servers[0].error = "RRSIG expired";
  ParentView v = assess_ds(child, {active}, o);
  EXPECT_FALSE(v.seen_everywhere(active.tag));
  EXPECT_FALSE(v.servers_agree);
  ASSERT_EQ(v.bogus.size(), 1u);
  EXPECT_NE(v.bogus[0].find("RRSIG expired"), std::string::npos);
}

TEST_F(DsAssessment, BogusValidatedViewIsNotSeen) {
  std::vector<DsRecord> set{ds_of(child, active)};
  ParentObservation o = obs(set, set, set);
  o.validated.validation = Validation::Bogus;
  ParentView v = assess_ds(child, {active}, o);
  EXPECT_FALSE(v.seen_everywhere(active.tag));
  EXPECT_FALSE(v.healthy());
}

TEST_F(DsAssessment, UnsignedParentIsRecognisedNotAnError) {
  ParentObservation o = obs({}, {}, {});
  for (auto& s : o.servers) s.validation = Validation::Insecure;
  o.validated = {Validation::Insecure, "parent zone test. is unsigned", {}};
  ParentView v = assess_ds(child, {active}, o);
  EXPECT_TRUE(v.parent_insecure);
  EXPECT_TRUE(v.missing.empty());
  EXPECT_TRUE(v.bogus.empty());
  EXPECT_TRUE(v.healthy());
  EXPECT_FALSE(v.seen_everywhere(active.tag));
  EXPECT_NE(v.summary().find("use trust anchors"), std::string::npos);
}

TEST_F(DsAssessment, ServerOrderAndDuplicatesDoNotBreakAgreement) {
  DsRecord a = ds_of(child, active), b = ds_of(child, next);
  ParentView v = assess_ds(child, keys(), obs({a, b}, {b, a, b}, {a, b}));
  EXPECT_TRUE(v.servers_agree);
  EXPECT_TRUE(v.healthy()) << v.summary();
}

TEST_F(DsAssessment, SeenEverywhereByAlgorithmAndTag) {
  std::vector<DsRecord> set{ds_of(child, active)};
  ParentView v = assess_ds(child, {active}, obs(set, set, set));
  EXPECT_TRUE(v.seen_everywhere(active.algorithm, active.tag));
  EXPECT_FALSE(v.seen_everywhere(uint8_t{8}, active.tag));
  EXPECT_TRUE(v.gone_everywhere(uint8_t{8}, active.tag));
  EXPECT_FALSE(v.gone_everywhere(active.algorithm, active.tag));
  ASSERT_EQ(v.keys.size(), 1u);
  EXPECT_EQ(v.keys[0].secure_servers.size(), 2u);
}

TEST_F(DsAssessment, DsStillServedByAnUnsignedParentIsNotGone) {
  std::vector<DsRecord> set{ds_of(child, retired)};
  ParentObservation o = obs(set, set, set);
  for (auto& s : o.servers) s.validation = Validation::Insecure;
  o.validated.validation = Validation::Insecure;
  ParentView v = assess_ds(child, {retired}, o);
  EXPECT_FALSE(v.gone_everywhere(retired.tag));
  EXPECT_EQ(v.stale.size(), 1u);
}

TEST_F(DsAssessment, NoServersMeansNothingSeen) {
  ParentObservation o;
  o.validated = {Validation::Secure, "", {ds_of(child, active)}};
  ParentView v = assess_ds(child, {active}, o);
  EXPECT_FALSE(v.servers_agree);
  EXPECT_FALSE(v.seen_everywhere(active.tag));
}

}  // namespace
}  // namespace ts::parentsync
