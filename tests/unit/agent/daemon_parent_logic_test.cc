// The daemon's parent-sync decisions on hand-built observations: a DS counts as seen only on
// every server + validated view + validating child chain (with the key itself once it is
// published); partial views, an unobservable parent and rogue DS give waits and alerts,
// never a confirmation; the DS set to send follows the planner's key states.
#include "agent/daemon_parent_logic.h"

#include <gtest/gtest.h>

#include "tests/unit/parentsync/test_keys.h"

namespace ts::agent {
namespace {

using ps::testing::ds_of;
using ps::testing::fake_dnskey;
using ps::testing::secure_answer;

constexpr UnixTime T = 1'000'000;

class ParentLogic : public ::testing::Test {
 protected:
  Name child = *Name::from_text("sub.example.test.");
  ParentSpec spec;
  ZoneKeyState zone;
  std::map<std::string, ps::Bytes> rdata;

  void SetUp() override {
    spec.method = "update";
    spec.alert_after = 100;
    zone.zone = "sub.example.test.";
    // old KSK: active, DS seen long ago; new KSK: published, DS submitted at T - 10.
    add("old", 1, [](KeyRecord& k) {
      k.published = k.ready = k.active = T - 1000;
      k.ds_submitted = k.ds_seen = T - 1000;
    });
    add("new", 2, [](KeyRecord& k) {
      k.published = k.active = T - 30;
      k.ready = T - 10;
      k.ds_submitted = T - 10;
    });
  }
  template <typename F>
  void add(const std::string& id, uint8_t seed, F f) {
    KeyRecord k;
    k.id = id;
    k.role = KeyRole::KSK;
    k.algorithm = 13;
    rdata[id] = fake_dnskey(seed);
    k.tag = ps::key_tag(rdata[id]);
    f(k);
    zone.keys.push_back(k);
  }
  const KeyRecord& key(const std::string& id) { return *zone.find_key(id); }
  ps::DsRecord ds(const std::string& id) { return *ps::make_ds(child, rdata[id], 2); }
  ps::ParentObservation obs(std::vector<ps::DsRecord> a, std::vector<ps::DsRecord> b,
                            std::vector<ps::DsRecord> validated) {
    ps::ParentObservation o;
    o.parent = *Name::from_text("example.test.");
    o.servers = {secure_answer("ns1/127.0.0.4", a), secure_answer("ns2/127.0.0.5", b)};
    o.validated = {ps::Validation::Secure, "", validated};
    return o;
  }
  RoundInput input() {
    RoundInput in;
    in.zone = zone.zone;
    in.spec = &spec;
    in.keys = &zone;
    in.now = T;
    in.parent_prop = 60;
    return in;
  }
  ChainCheck chain_with(std::vector<std::string> ids) {
    ChainCheck c{true, {}, ""};
    for (const auto& id : ids) c.dnskeys.push_back(rdata[id]);
    return c;
  }
  DsId id(const std::string& k) { return {13, key(k).tag}; }
};

TEST_F(ParentLogic, KeysMapToParentStates) {
  auto ours = parent_keys(zone, rdata, T);
  ASSERT_EQ(ours.size(), 2u);
  EXPECT_EQ(ours[0].state, ps::KeyState::Active);
  EXPECT_TRUE(ours[1].ds_submitted);
  zone.keys[0].ds_withdrawn = T;
  zone.keys[0].removed = T;
  ours = parent_keys(zone, rdata, T);
  EXPECT_EQ(ours[0].state, ps::KeyState::Retired);
  EXPECT_FALSE(ours[0].ds_expected());
}

TEST_F(ParentLogic, SeenOnlyWhenEveryServerTheViewAndTheChainAgree) {
  auto ours = parent_keys(zone, rdata, T);
  std::vector<ps::DsRecord> both{ds("old"), ds("new")};
  auto r = assess_round(input(), ours, obs(both, both, both), chain_with({"old", "new"}));
  EXPECT_EQ(r.present_since.at(id("new")), T);
  EXPECT_TRUE(r.waiting.empty()) << r.waiting;
  EXPECT_TRUE(r.alerts.empty());
  EXPECT_FALSE(r.correction.needed);
}

TEST_F(ParentLogic, LaggingSecondaryKeepsWaitingAndSaysWhere) {
  auto ours = parent_keys(zone, rdata, T);
  std::vector<ps::DsRecord> both{ds("old"), ds("new")}, old{ds("old")};
  auto r = assess_round(input(), ours, obs(both, old, old), chain_with({"old", "new"}));
  EXPECT_FALSE(r.present_since.count(id("new")));
  EXPECT_NE(r.waiting.find("missing on ns2/127.0.0.5"), std::string::npos) << r.waiting;
  // Disagreement alerts only once it lasts longer than the parent propagation delay.
  EXPECT_TRUE(r.alerts.empty());
  RoundInput later = input();
  later.disagree_for = 61;
  r = assess_round(later, ours, obs(both, old, old), chain_with({"old", "new"}));
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::DsInconsistent);
}

TEST_F(ParentLogic, ChainThatDoesNotValidateWithTheNewKeyConfirmsNothing) {
  auto ours = parent_keys(zone, rdata, T);
  std::vector<ps::DsRecord> both{ds("old"), ds("new")};
  auto r = assess_round(input(), ours, obs(both, both, both), chain_with({"old"}));
  EXPECT_FALSE(r.present_since.count(id("new")));
  ChainCheck bogus{false, {}, "bogus: no signature"};
  r = assess_round(input(), ours, obs(both, both, both), bogus);
  EXPECT_FALSE(r.present_since.count(id("new")));
  EXPECT_NE(r.waiting.find("does not validate"), std::string::npos) << r.waiting;
}

TEST_F(ParentLogic, UnreachableServerConfirmsNothingAndSendsNothing) {
  auto ours = parent_keys(zone, rdata, T);
  std::vector<ps::DsRecord> both{ds("old"), ds("new")};
  auto o = obs(both, both, both);
  o.servers[0] = {"ns1/127.0.0.4", false, "timeout", ps::Validation::Indeterminate, {}};
  auto r = assess_round(input(), ours, o, chain_with({"old", "new"}));
  EXPECT_FALSE(r.present_since.count(id("new")));
  EXPECT_FALSE(r.correction.needed);
  EXPECT_NE(r.waiting.find("does not answer"), std::string::npos) << r.waiting;
}

TEST_F(ParentLogic, RogueDsAlertsAndIsRemovedOnlyWhenAllowed) {
  auto ours = parent_keys(zone, rdata, T);
  ps::DsRecord rogue = *ps::make_ds(child, fake_dnskey(99), 2);
  std::vector<ps::DsRecord> set{ds("old"), ds("new"), rogue};
  auto r = assess_round(input(), ours, obs(set, set, set), chain_with({"old", "new"}));
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::RogueDs);
  EXPECT_FALSE(r.correction.needed);  // policy keeps it: the operator is alerted
  EXPECT_EQ(r.correction.desired.size(), 3u);
  spec.remove_rogue = true;
  r = assess_round(input(), ours, obs(set, set, set), chain_with({"old", "new"}));
  EXPECT_TRUE(r.correction.needed);
  EXPECT_EQ(r.correction.desired, (ps::canonical_set({ds("old"), ds("new")})));
}

TEST_F(ParentLogic, MissingDsOfAConfirmedKeyAlertsAndIsResubmitted) {
  auto ours = parent_keys(zone, rdata, T);
  std::vector<ps::DsRecord> only_new{ds("new")};
  auto r = assess_round(input(), ours, obs(only_new, only_new, only_new), chain_with({"new"}));
  ASSERT_FALSE(r.alerts.empty());
  EXPECT_EQ(r.alerts[0].kind, AlertKind::DsMissing);
  EXPECT_TRUE(r.correction.needed);
  EXPECT_EQ(r.correction.desired, (ps::canonical_set({ds("old"), ds("new")})));
}

TEST_F(ParentLogic, WithdrawnDsIsSentAwayAndGoneOnlyWhenAbsentEverywhere) {
  zone.keys[0].ds_withdrawn = T - 5;
  zone.keys[0].removed = T - 5;
  zone.keys[1].ds_seen = T - 5;
  auto ours = parent_keys(zone, rdata, T);
  std::vector<ps::DsRecord> both{ds("old"), ds("new")}, only_new{ds("new")};
  auto c = desired_ds(zone.zone, spec, ours, obs(both, both, both));
  EXPECT_TRUE(c.needed);
  EXPECT_EQ(c.desired, only_new);
  auto r = assess_round(input(), ours, obs(only_new, both, only_new), chain_with({"new"}));
  EXPECT_FALSE(r.absent_since.count(id("old")));
  EXPECT_NE(r.waiting.find("withdrawn DS"), std::string::npos) << r.waiting;
  r = assess_round(input(), ours, obs(only_new, only_new, only_new), chain_with({"new"}));
  EXPECT_EQ(r.absent_since.at(id("old")), T);
}

TEST_F(ParentLogic, UnobservableParentKeepsOnlyLatchedEntriesAndAlertsWhenLate) {
  RoundInput in = input();
  in.present_since = {{id("old"), T - 1000}, {id("new"), T - 3}};
  auto r = unobservable_round(in, "no route");
  EXPECT_TRUE(r.present_since.count(id("old")));
  EXPECT_FALSE(r.present_since.count(id("new")));  // not latched by the planner yet
  EXPECT_NE(r.waiting.find("cannot be observed"), std::string::npos);
  EXPECT_TRUE(r.alerts.empty());
  in.now = T + 200;  // the new DS was submitted 210 s ago, alert-after is 100 s
  in.disagree_for = 100;
  r = unobservable_round(in, "no route");
  bool waiting = false, inconsistent = false;
  for (const auto& a : r.alerts) {
    waiting |= a.kind == AlertKind::RolloverWaiting;
    inconsistent |= a.kind == AlertKind::DsInconsistent;
  }
  EXPECT_TRUE(waiting);
  EXPECT_TRUE(inconsistent);
}

}  // namespace
}  // namespace ts::agent

namespace ts::agent {
namespace {

// Issue 7: the validated lookup says the parent is insecure while the method is not "tar":
// ds-missing alert "parent insecure", and the status explains that trust anchors are needed.
TEST_F(ParentLogic, InsecureParentAlertsAndPointsToTrustAnchors) {
  auto o = obs({}, {}, {});
  o.validated = {ps::Validation::Insecure, "parent unsigned", {}};
  auto r = assess_round(input(), parent_keys(zone, rdata, T), o, chain_with({}));
  const AlertEvent* e = nullptr;
  for (const auto& a : r.alerts)
    if (a.kind == AlertKind::DsMissing && a.subject == "parent insecure") e = &a;
  ASSERT_NE(e, nullptr);
  EXPECT_NE(e->action.find("\"tar\""), std::string::npos) << e->action;
  EXPECT_NE(r.waiting.find("trust anchors are needed"), std::string::npos) << r.waiting;
  EXPECT_TRUE(r.present_since.empty() || !r.present_since.count(id("new")));
  spec.method = "tar";
  r = assess_round(input(), parent_keys(zone, rdata, T), o, chain_with({}));
  for (const auto& a : r.alerts) EXPECT_NE(a.subject, "parent insecure");
}

}  // namespace
}  // namespace ts::agent
