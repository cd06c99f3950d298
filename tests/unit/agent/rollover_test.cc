// Rollover planner on simulated time: every rollover kind runs to completion with the RFC
// 7583 minimum durations, TTL changes stretch the waits, a silent parent stalls a KSK
// rollover forever without harm, and the validator model never sees a failure.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/rollover_planner.h"
#include "rollover_sim.h"
#include "validator_model.h"

namespace ts::agent {
namespace {

using model::ModelOptions;
using model::ValidatorModel;
using sim::ZoneSim;

constexpr UnixTime T0 = 1'800'000'000;
constexpr int64_t kDay = 86400;

Timing base_timing() {
  Timing t;
  t.dnskey_ttl = 3600;
  t.max_zone_ttl = 86400;
  t.ds_ttl = 86400;
  t.zone_propagation_delay = 300;
  t.parent_propagation_delay = 3600;
  t.sign_delay = 0;
  t.publish_safety = 600;
  t.retire_safety = 600;
  return t;
}

RolloverPolicy base_policy() {
  RolloverPolicy p;
  p.algorithm = 13;
  return p;
}

/// A zone signed from scratch, with its DS confirmed and cached.
ZoneSim secured(RolloverPolicy policy, Timing timing = base_timing()) {
  ZoneSim s("example.", std::move(policy), timing, T0);
  EXPECT_TRUE(s.run_until_idle(T0 + 30 * kDay));
  EXPECT_EQ(s.count("initial rollover", "done"), 1);
  return s;
}

void expect_never_bogus(const ZoneSim& s, UnixTime end, uint64_t seed = 1) {
  auto history = s.history();
  ModelOptions o;
  o.resolvers = 8;
  o.seed = seed;
  auto report = ValidatorModel(history, o).run(T0, end);
  EXPECT_EQ(report.failures, 0u) << report.first_failures;
  EXPECT_GT(report.secure_checks, 4u);
  EXPECT_GT(report.refetches, 500u);
}

std::vector<const KeyRecord*> live(const ZoneKeyState& z, KeyRole role) {
  std::vector<const KeyRecord*> out;
  for (const auto& k : z.keys)
    if (k.role == role && !k.removed) out.push_back(&k);
  return out;
}

const KeyRecord* only_live(const ZoneKeyState& z, KeyRole role) {
  auto keys = live(z, role);
  EXPECT_EQ(keys.size(), 1u) << to_string(role);
  return keys.empty() ? nullptr : keys.front();
}

TEST(Rollover, InitialSigningSubmitsDsOnlyAfterTheSignedZoneIsCached) {
  ZoneSim s = secured(base_policy());
  const KeyRecord* ksk = only_live(s.state, KeyRole::KSK);
  const KeyRecord* zsk = only_live(s.state, KeyRole::ZSK);
  ASSERT_TRUE(ksk && zsk);
  // Dsgn + Dprp + max(TTLkey, TTLsig) + margin
  EXPECT_EQ(*ksk->ds_submitted - *ksk->published, 0 + 300 + 86400 + 600);
  EXPECT_EQ(wanted_ds(s.state), (std::vector<DsId>{{13, ksk->tag}}));
  EXPECT_EQ(state_at(*zsk, s.now), KeyState::Active);
  EXPECT_EQ(ds_state_at(*ksk, s.now), DsState::Seen);
  expect_never_bogus(s, s.now + 2 * kDay);
}

TEST(Rollover, ZskPrePublicationTakesIpubPlusIret) {
  ZoneSim s = secured(base_policy());
  std::string old_id = only_live(s.state, KeyRole::ZSK)->id;
  UnixTime start = s.now;
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::ZSK, s.now).ok());
  EXPECT_FALSE(request_rollover(s.state, s.policy, KeyRole::ZSK, s.now).ok());
  ASSERT_TRUE(s.run_until_idle(start + 30 * kDay));
  const KeyRecord* old_key = s.state.find_key(old_id);
  const KeyRecord* new_key = only_live(s.state, KeyRole::ZSK);
  ASSERT_TRUE(new_key);
  EXPECT_EQ(*new_key->published, start);
  EXPECT_EQ(*new_key->active - start, 300 + 3600 + 600);  // Ipub = Dprp + TTLkey + margin
  EXPECT_EQ(*old_key->retired, *new_key->active);
  EXPECT_EQ(*old_key->removed - *old_key->retired, 0 + 300 + 86400 + 600);  // Iret
  EXPECT_EQ(state_at(*old_key, s.now), KeyState::Removed);
  EXPECT_EQ(s.count("zsk rollover", "retiring"), 1);
  EXPECT_EQ(s.count("zsk rollover", "done"), 1);
  expect_never_bogus(s, s.now + 2 * kDay);
}

TEST(Rollover, KskDoubleKskWaitsForTheParentThenTheDsTtl) {
  ZoneSim s = secured(base_policy());
  const std::string old_id = only_live(s.state, KeyRole::KSK)->id;
  UnixTime start = s.now;
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::KSK, s.now).ok());
  ASSERT_TRUE(s.run_until_idle(start + 30 * kDay));
  const KeyRecord* old_key = s.state.find_key(old_id);
  const KeyRecord* new_key = only_live(s.state, KeyRole::KSK);
  ASSERT_TRUE(new_key);
  EXPECT_EQ(*new_key->ds_submitted - start, 300 + 3600 + 600);
  EXPECT_EQ(*new_key->ds_seen - *new_key->ds_submitted, 3600 + 3600);  // Dreg + Dprpp
  EXPECT_EQ(*old_key->removed - *new_key->ds_seen, 86400 + 600);       // TTLds + margin
  // The old DS goes as soon as the new one is seen everywhere, overlapping the DS TTL wait.
  EXPECT_EQ(*old_key->ds_withdrawn, *new_key->ds_seen);
  EXPECT_TRUE(old_key->ds_gone);
  EXPECT_LE(*old_key->ds_gone, *old_key->removed);
  EXPECT_EQ(wanted_ds(s.state), (std::vector<DsId>{{13, new_key->tag}}));
  EXPECT_EQ(s.count("ksk-double-ksk rollover", "done"), 1);
  expect_never_bogus(s, s.now + 3 * kDay);
}

TEST(Rollover, KskDoubleDsPublishesTheKeyOnlyAfterItsDsIsCached) {
  RolloverPolicy p = base_policy();
  p.ksk_method = KskMethod::DoubleDs;
  ZoneSim s = secured(p);
  const std::string old_id = only_live(s.state, KeyRole::KSK)->id;
  UnixTime start = s.now;
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::KSK, s.now).ok());
  s.step_once();
  ASSERT_EQ(s.state.rollovers.size(), 1u);
  EXPECT_EQ(s.state.rollovers[0].phase, Phase::DsPublish);
  ASSERT_TRUE(s.run_until_idle(start + 30 * kDay));
  const KeyRecord* old_key = s.state.find_key(old_id);
  const KeyRecord* new_key = only_live(s.state, KeyRole::KSK);
  ASSERT_TRUE(new_key);
  EXPECT_EQ(*new_key->ds_submitted, start);
  EXPECT_EQ(*new_key->published - *new_key->ds_seen, 86400 + 600);
  EXPECT_EQ(*old_key->removed, *new_key->published);
  EXPECT_EQ(*old_key->ds_withdrawn - *old_key->removed, 300 + 3600 + 600);
  EXPECT_EQ(s.count("ksk-double-ds rollover", "done"), 1);
  expect_never_bogus(s, s.now + 3 * kDay);
}

TEST(Rollover, CskRolloverKeepsTheOldDsUntilTheNewOneIsCached) {
  RolloverPolicy p = base_policy();
  p.csk = true;
  ZoneSim s = secured(p);
  const std::string old_id = only_live(s.state, KeyRole::CSK)->id;
  EXPECT_TRUE(live(s.state, KeyRole::KSK).empty());
  UnixTime start = s.now;
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::CSK, s.now).ok());
  ASSERT_TRUE(s.run_until_idle(start + 30 * kDay));
  const KeyRecord* old_key = s.state.find_key(old_id);
  const KeyRecord* new_key = only_live(s.state, KeyRole::CSK);
  ASSERT_TRUE(new_key);
  EXPECT_GE(*old_key->removed, *new_key->ds_seen + 86400 + 600);
  EXPECT_GE(*old_key->removed, *old_key->retired + 300 + 86400 + 600);
  EXPECT_EQ(wanted_ds(s.state), (std::vector<DsId>{{13, new_key->tag}}));
  expect_never_bogus(s, s.now + 3 * kDay);
}

TEST(Rollover, CskRolloverWithAFastParentWaitsForTheNewlySignedDnskeyRrset) {
  // Found by the year simulation: a parent faster than the DNSKEY TTL must not let the old
  // DS go while caches still hold a DNSKEY RRset signed only by the old CSK.
  RolloverPolicy p = base_policy();
  p.csk = true;
  Timing t = base_timing();
  t.dnskey_ttl = 2 * kDay;
  t.max_zone_ttl = 600;
  t.ds_ttl = 600;
  t.zone_propagation_delay = 0;
  t.parent_propagation_delay = 0;
  t.publish_safety = t.retire_safety = 0;
  ZoneSim s = secured(p, t);
  s.parent_registration_delay = 0;
  UnixTime start = s.now;
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::CSK, s.now).ok());
  ASSERT_TRUE(s.run_until_idle(start + 30 * kDay));
  const KeyRecord* new_key = only_live(s.state, KeyRole::CSK);
  for (const auto& k : s.state.keys)
    if (k.id != new_key->id && k.ds_withdrawn && *k.ds_withdrawn > start) {
      EXPECT_GE(*k.ds_withdrawn, *new_key->active + 2 * kDay);
    }
  expect_never_bogus(s, s.now + 3 * kDay);
}

void expect_algorithm_rollover(RolloverPolicy from, RolloverPolicy to) {
  ZoneSim s = secured(from);
  UnixTime start = s.now;
  s.policy = to;
  ASSERT_TRUE(s.run_until_idle(start + 60 * kDay));
  EXPECT_EQ(s.count("algorithm rollover", "done"), 1);
  // RFC 6781 4.1.4 order: new signatures, then new DNSKEYs, then the DS, then old DNSKEYs.
  for (const auto& k : s.state.keys) {
    bool is_new = *k.generated >= start;
    if (is_new && k.role != KeyRole::ZSK) {
      EXPECT_LT(*k.active, *k.published);
      EXPECT_LT(*k.published, *k.ds_submitted);
    }
    if (is_new) {
      EXPECT_FALSE(k.removed);
      EXPECT_EQ(k.role == KeyRole::CSK, to.csk);
    } else {
      EXPECT_TRUE(k.removed) << k.id;
      EXPECT_TRUE(k.retired) << k.id;
    }
  }
  for (const auto& [alg, tag] : wanted_ds(s.state)) {
    EXPECT_EQ(alg, to.algorithm);
    auto it = std::find_if(s.state.keys.begin(), s.state.keys.end(),
                           [&](const KeyRecord& k) { return k.tag == tag; });
    ASSERT_NE(it, s.state.keys.end());
    EXPECT_GE(*it->generated, start);
  }
  expect_never_bogus(s, s.now + 3 * kDay, 3);
}

TEST(Rollover, AlgorithmRolloverFollowsRfc6781Order) {
  RolloverPolicy to = base_policy();
  to.algorithm = 15;
  expect_algorithm_rollover(base_policy(), to);
}

TEST(Rollover, KskZskToCskIsAnAlgorithmStyleRollover) {
  RolloverPolicy to = base_policy();
  to.csk = true;
  expect_algorithm_rollover(base_policy(), to);
}

TEST(Rollover, ParentThatNeverConfirmsStallsTheKskRolloverSafely) {
  ZoneSim s = secured(base_policy());
  const KeyRecord old_ksk = *only_live(s.state, KeyRole::KSK);
  s.parent_ignores_after = s.now;  // the parent stops acting on anything we ask from now on
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::KSK, s.now).ok());
  UnixTime end = s.now + 365 * kDay;
  s.run_until(end);
  s.now = end;  // the agent's periodic tick
  s.step_once();
  ASSERT_EQ(s.state.rollovers.size(), 1u);
  EXPECT_EQ(s.state.rollovers[0].phase, Phase::DsPublish);
  const KeyRecord* old_now = s.state.find_key(old_ksk.id);
  EXPECT_FALSE(old_now->removed);
  EXPECT_FALSE(old_now->ds_withdrawn);
  EXPECT_TRUE(signs_dnskey_rrset(*old_now, s.now));
  EXPECT_NE(s.state.waiting_for.find("to appear at the parent (submitted 364d"), std::string::npos)
      << s.state.waiting_for;
  EXPECT_LT(s.steps, 100u);  // waiting on the parent costs no busy loop
  expect_never_bogus(s, s.now);
}

TEST(Rollover, ManualDsSeenAddsTheParentPropagationDelay) {
  ZoneSim s = secured(base_policy());
  s.parent_ignores_after = s.now;  // only the operator's word from now on
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::KSK, s.now).ok());
  s.run_until(s.now + 2 * kDay);
  ASSERT_EQ(s.state.rollovers[0].phase, Phase::DsPublish);
  const KeyRecord& ksk = s.state.keys.back();
  ParentView manual;  // `trustsync ds-seen example. TAG`
  manual.all_servers = false;
  manual.present_since[{ksk.algorithm, ksk.tag}] = s.now;
  Plan p = step(s.state, s.policy, base_timing(), s.now, manual);
  EXPECT_EQ(p.next_check, s.now + 3600 + 86400 + 600);  // Dprpp + TTLds + margin
  ASSERT_EQ(p.transitions.size(), 1u);
  EXPECT_EQ(p.transitions[0].subject, "DS " + std::to_string(ksk.tag));
  EXPECT_EQ(p.transitions[0].to, "seen");
  EXPECT_EQ(p.transitions[0].reason, "parent confirmed");
}

TEST(Rollover, RestartRestampsChangesThatMayNotHaveGoneOut) {
  ZoneSim s = secured(base_policy());
  mark_applied(s.state, s.now);
  const KeyRecord old_zsk = *only_live(s.state, KeyRole::ZSK);
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::ZSK, s.now).ok());
  s.step_once();  // new ZSK published in the state, then the agent dies before re-signing
  UnixTime restart = s.now + 5000;
  auto log = restamp_unapplied(s.state, restart);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].reason, "not known to be live before the restart");
  const KeyRecord& new_zsk = s.state.keys.back();
  EXPECT_EQ(*new_zsk.published, restart);
  EXPECT_EQ(*s.state.find_key(old_zsk.id), old_zsk);  // applied history untouched
  EXPECT_EQ(restamp_unapplied(s.state, restart).size(), 0u);
  s.now = restart;
  s.step_once();
  EXPECT_EQ(s.last_plan.next_check, restart + 300 + 3600 + 600);  // Ipub counts from now
  ASSERT_TRUE(s.run_until_idle(restart + 10 * kDay));
  expect_never_bogus(s, s.now + kDay);
}

TEST(Rollover, RaisedDnskeyTtlStretchesTheWait) {
  ZoneSim s = secured(base_policy());
  UnixTime start = s.now;
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::ZSK, s.now).ok());
  Timing longer = base_timing();
  longer.dnskey_ttl = 2 * kDay;
  s.set_timing_from(start + 1000, longer);
  ASSERT_TRUE(s.run_until_idle(start + 30 * kDay));
  const KeyRecord* zsk = only_live(s.state, KeyRole::ZSK);
  EXPECT_EQ(*zsk->active - start, 300 + 2 * kDay + 600);
  expect_never_bogus(s, s.now + 3 * kDay);
}

TEST(Rollover, LoweredTtlKeepsTheOldTtlUntilCachesForgetIt) {
  Timing high = base_timing();
  high.dnskey_ttl = 2 * kDay;
  high.max_zone_ttl = 2 * kDay;
  ZoneSim s = secured(base_policy(), high);
  UnixTime start = s.now;
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::ZSK, s.now).ok());
  Timing low = high;
  low.dnskey_ttl = 60;
  low.max_zone_ttl = 60;
  s.set_timing_from(start + 1000, low);
  ASSERT_TRUE(s.run_until_idle(start + 30 * kDay));
  const KeyRecord* zsk = only_live(s.state, KeyRole::ZSK);
  EXPECT_EQ(*zsk->active - start, 300 + 2 * kDay + 600);  // not 300 + 60 + 600
  expect_never_bogus(s, s.now + 3 * kDay);
}

TEST(Rollover, DsTtlChangeDuringKskRollover) {
  ZoneSim s = secured(base_policy());
  UnixTime start = s.now;
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::KSK, s.now).ok());
  Timing t = base_timing();
  t.ds_ttl = 3 * kDay;
  s.set_timing_from(start + 2 * 3600, t);  // around the DS submission
  t.ds_ttl = 600;
  s.set_timing_from(start + 5 * 3600, t);  // and lowered again before it is cached
  ASSERT_TRUE(s.run_until_idle(start + 30 * kDay));
  expect_never_bogus(s, s.now + 5 * kDay);
}

TEST(Rollover, ModelCatchesAPlannerThatUnderestimatesTheTtl) {
  // The planner is told TTL 60 while the zone serves 1 day: the model must see failures,
  // which shows it can fail at all.
  Timing told = base_timing();
  told.dnskey_ttl = 60;
  told.max_zone_ttl = 60;
  told.publish_safety = told.retire_safety = 0;
  ZoneSim s = secured(base_policy(), told);
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::ZSK, s.now).ok());
  ASSERT_TRUE(s.run_until_idle(s.now + 30 * kDay));
  auto history = s.history();
  Timing served = told;
  served.dnskey_ttl = served.max_zone_ttl = kDay;
  history.timing_at = [served](UnixTime) { return served; };
  auto report = ValidatorModel(history, {}).run(T0, s.now + kDay);
  EXPECT_GT(report.failures, 0u);
}

TEST(Rollover, ChangeDrivenModelAgreesWithValidatingAtEveryQuery) {
  for (bool broken : {false, true}) {
    Timing told = base_timing();
    if (broken) told.dnskey_ttl = told.max_zone_ttl = 60;  // served: 1 day (below)
    told.publish_safety = told.retire_safety = 0;
    ZoneSim s = secured(base_policy(), told);
    ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::ZSK, s.now).ok());
    ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::KSK, s.now).ok());
    ASSERT_TRUE(s.run_until_idle(s.now + 30 * kDay));
    auto history = s.history();
    Timing served = told;
    if (broken) served.dnskey_ttl = served.max_zone_ttl = kDay;
    history.timing_at = [served](UnixTime) { return served; };
    ModelOptions fast, slow;
    slow.every_query = true;
    auto a = ValidatorModel(history, fast).run(T0, s.now + kDay);
    auto b = ValidatorModel(history, slow).run(T0, s.now + kDay);
    EXPECT_EQ(a.refetches, b.refetches);  // same resolvers, same fetches
    EXPECT_GT(b.checks, 10 * a.checks);
    EXPECT_EQ(a.failures > 0, broken);
    EXPECT_EQ(b.failures > 0, broken);
    EXPECT_GE(b.failures, a.failures);
  }
}

TEST(Rollover, ModelCatchesAnAlgorithmRolloverThatPublishesTooEarly) {
  // Publishing the new algorithm's DNSKEY together with its first signatures (skipping the
  // RFC 6781 4.1.4 wait) must trip the strict-algorithm check of the model.
  ZoneSim s = secured(base_policy());
  UnixTime start = s.now;
  s.policy.algorithm = 15;
  ASSERT_TRUE(s.run_until_idle(start + 60 * kDay));
  auto history = s.history();
  for (auto& k : history.keys)
    if (k.algorithm == 15) k.published = k.active;
  auto report = ValidatorModel(history, {}).run(T0, s.now);
  EXPECT_GT(report.failures, 0u);
  EXPECT_NE(report.first_failures.find("strict: DNSKEY algorithm 15"), std::string::npos)
      << report.first_failures;
}

TEST(Rollover, ScheduledLifetimesFromDurationAndFireTimeCallback) {
  RolloverPolicy p = base_policy();
  p.zsk_lifetime = Schedule::every(30 * kDay);
  // a "cron" firing at the next multiple of 90 days since the epoch
  p.ksk_lifetime = Schedule::at([](UnixTime t) { return (t / (90 * kDay) + 1) * (90 * kDay); });
  ZoneSim s("example.", p, base_timing(), T0);
  s.run_until(T0 + 365 * kDay);
  EXPECT_GE(s.count("zsk rollover", "done"), 11);
  EXPECT_LE(s.count("zsk rollover", "done"), 12);
  EXPECT_EQ(s.count("ksk-double-ksk rollover", "done"), 4);
  EXPECT_NE(s.state.waiting_for.find("the next ZSK rollover (due in "), std::string::npos)
      << s.state.waiting_for;
  for (const auto& t : s.log)
    if (t.subject == "ksk-double-ksk rollover" && t.from == "idle") {
      EXPECT_EQ(t.at % (90 * kDay), 0) << t.at;
    }
  expect_never_bogus(s, s.now);
}

TEST(Rollover, PlanSaysWhatItWaitsFor) {
  ZoneSim s("example.", base_policy(), base_timing(), T0);
  Plan p = step(s.state, s.policy, base_timing(), T0, {});
  ASSERT_EQ(p.actions.size(), 2u);
  EXPECT_EQ(p.actions[0].kind, Action::Kind::GenerateKey);
  EXPECT_NE(p.waiting_for.find("a new KSK (algorithm 13) from the key pool"), std::string::npos);
  s.step_once();
  EXPECT_EQ(s.state.rollovers[0].phase, Phase::PrePublish);
  EXPECT_EQ(s.last_plan.next_check, T0 + 300 + 86400 + 600);
  EXPECT_NE(s.last_plan.waiting_for.find("signed zone to reach every cache (1d15m left)"),
            std::string::npos)
      << s.last_plan.waiting_for;
}

TEST(Rollover, AddKeyRejectsTagCollisionsAndUnwantedKeys) {
  ZoneSim s = secured(base_policy());
  KeyRecord k;
  k.id = "x";
  k.role = KeyRole::ZSK;
  k.algorithm = 13;
  k.tag = 1;
  EXPECT_FALSE(add_key(s.state, s.policy, k, s.now).ok());  // nobody asked
  ASSERT_TRUE(request_rollover(s.state, s.policy, KeyRole::ZSK, s.now).ok());
  k.tag = s.state.keys.front().tag;
  EXPECT_FALSE(add_key(s.state, s.policy, k, s.now).ok());  // collides
  k.tag = 4242;
  EXPECT_TRUE(add_key(s.state, s.policy, k, s.now).ok());
}

}  // namespace
}  // namespace ts::agent
