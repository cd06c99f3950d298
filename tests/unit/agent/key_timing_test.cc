// Key timing: states derived from timestamps (RFC 7583 3.1), TTL memory, duration text.
#include "agent/key_timing.h"

#include <gtest/gtest.h>

#include "agent/rollover_state.h"

namespace ts::agent {
namespace {

TEST(KeyTiming, StateFollowsTheTimestamps) {
  KeyRecord k;
  k.role = KeyRole::ZSK;
  k.generated = 100;
  EXPECT_EQ(state_at(k, 150), KeyState::Generated);
  k.published = 200;
  k.ready = 300;
  k.active = 300;
  k.retired = 400;
  k.removed = 500;
  EXPECT_EQ(state_at(k, 199), KeyState::Generated);
  EXPECT_EQ(state_at(k, 200), KeyState::Published);
  EXPECT_EQ(state_at(k, 300), KeyState::Active);
  EXPECT_EQ(state_at(k, 450), KeyState::Retired);
  EXPECT_EQ(state_at(k, 500), KeyState::Removed);
  EXPECT_TRUE(in_dnskey_rrset(k, 499));
  EXPECT_FALSE(in_dnskey_rrset(k, 500));
  EXPECT_TRUE(signs_zone_data(k, 399));
  EXPECT_FALSE(signs_zone_data(k, 400));
  EXPECT_TRUE(signs_zone_data(k, 450, 100));  // gradual re-signing keeps old signatures
  EXPECT_FALSE(signs_zone_data(k, 350, 100));
  EXPECT_FALSE(signs_dnskey_rrset(k, 350));  // a ZSK never signs the DNSKEY RRset
}

TEST(KeyTiming, KskSignsTheDnskeyRrsetUntilRemovedEvenBeforePublication) {
  KeyRecord k;
  k.role = KeyRole::KSK;
  k.active = 100;  // RFC 6781 4.1.4: signatures before the DNSKEY
  EXPECT_TRUE(signs_dnskey_rrset(k, 100));
  EXPECT_FALSE(in_dnskey_rrset(k, 100));
  EXPECT_EQ(state_at(k, 100), KeyState::Generated);
  k.published = 200;
  k.retired = 300;
  EXPECT_TRUE(signs_dnskey_rrset(k, 350));
  EXPECT_FALSE(signs_zone_data(k, 150));
  k.removed = 400;
  EXPECT_FALSE(signs_dnskey_rrset(k, 400));
}

TEST(KeyTiming, DsStates) {
  KeyRecord k;
  k.role = KeyRole::KSK;
  EXPECT_EQ(ds_state_at(k, 0), DsState::Hidden);
  k.ds_submitted = 10;
  EXPECT_TRUE(ds_wanted(k));
  EXPECT_EQ(ds_state_at(k, 10), DsState::Submitted);
  k.ds_seen = 20;
  EXPECT_EQ(ds_state_at(k, 20), DsState::Seen);
  k.ds_withdrawn = 30;
  EXPECT_FALSE(ds_wanted(k));
  EXPECT_EQ(ds_state_at(k, 30), DsState::Withdrawn);
  k.ds_gone = 40;
  EXPECT_EQ(ds_state_at(k, 40), DsState::Gone);
  EXPECT_EQ(to_string(DsState::Seen), "seen");
}

TEST(KeyTiming, RolesRoundTripThroughText) {
  for (KeyRole r : {KeyRole::KSK, KeyRole::ZSK, KeyRole::CSK})
    EXPECT_EQ(key_role_from_string(to_string(r)), r);
  EXPECT_FALSE(key_role_from_string("ksk"));
}

TEST(TtlMemory, LoweredTtlStaysInForceUntilCachesExpireIt) {
  TtlMemory m;
  m.observe(86400, 0, 300);
  EXPECT_EQ(m.effective(0, 300), 86400);
  m.observe(60, 1000, 300);
  EXPECT_EQ(m.effective(1000, 300), 86400);
  EXPECT_EQ(m.effective(1000 + 300 + 86400 - 1, 300), 86400);
  EXPECT_EQ(m.effective(1000 + 300 + 86400, 300), 60);
  m.observe(7200, 2000, 300);  // raised again: the larger of the two still counts
  EXPECT_EQ(m.effective(2000, 300), 86400);
  EXPECT_EQ(m.effective(1000 + 300 + 86400, 300), 7200);
}

TEST(TtlMemory, SecondLoweringRemembersTheLargestTtlStillCached) {
  TtlMemory m;
  m.observe(86400, 0, 0);
  m.observe(3600, 100, 0);
  m.observe(60, 200, 0);
  EXPECT_EQ(m.effective(100 + 86399, 0), 86400);
  EXPECT_EQ(m.effective(100 + 86400, 0), 60);
}

TEST(RolloverText, DurationsAndNames) {
  EXPECT_EQ(format({1, "KSK 4711", "published", "active", "successor is cached"}),
            "KSK 4711: published -> active (successor is cached)");
  EXPECT_EQ(format_duration(30), "30s");
  EXPECT_EQ(format_duration(3600), "1h");
  EXPECT_EQ(format_duration(87300), "1d15m");
  EXPECT_EQ(format_duration(3 * 86400 + 4 * 3600 + 5 * 60), "3d4h");
  for (Phase p :
       {Phase::NeedKeys, Phase::SignBoth, Phase::PrePublish, Phase::DsPublish, Phase::KeySwap,
        Phase::DsWithdraw, Phase::DnskeyRemoved, Phase::Retiring, Phase::Done})
    EXPECT_EQ(phase_from_string(to_string(p)), p);
  for (RolloverKind k : {RolloverKind::Initial, RolloverKind::Zsk, RolloverKind::KskDoubleKsk,
                         RolloverKind::KskDoubleDs, RolloverKind::Csk, RolloverKind::Algorithm})
    EXPECT_EQ(rollover_kind_from_string(to_string(k)), k);
}

}  // namespace
}  // namespace ts::agent
