// The island (RFC 5011) KSK/CSK rollover of the planner on simulated time: phases in order
// with the 30-day default hold-downs plus margins, the repository gates (not confirmed ->
// wait for months, alert-worthy status; confirmed -> proceed), the revocation as an action
// on the key (REVOKE bit, still self-signing), and a restart (durable record round trip,
// restamping of unapplied changes) in every phase with no step repeated or undone.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "agent/daemon_store.h"
#include "agent/rollover_planner.h"

namespace ts::agent {
namespace {

constexpr UnixTime T0 = 1'800'000'000;
constexpr int64_t kDay = 86400;

Timing timing() {
  Timing t;
  t.dnskey_ttl = 3600;
  t.max_zone_ttl = 3600;
  t.ds_ttl = 3600;
  t.zone_propagation_delay = 300;
  t.parent_propagation_delay = 300;
  t.publish_safety = 600;
  t.retire_safety = 600;
  return t;
}

RolloverPolicy island_policy(bool csk = false) {
  RolloverPolicy p;
  p.algorithm = 13;
  p.csk = csk;
  p.rfc5011 = true;  // 30-day hold-downs by default
  p.probe_interval = 3600;
  return p;
}

int64_t margin() {
  return 300 + 3600 + 3600;
}  // Dprp + TTLkey + probe interval

/// An island with its first keys signing and its anchor confirmed by every repository.
struct Island {
  ZoneKeyState z;
  RolloverPolicy p;
  ParentView pv;
  int keys = 0;
  std::vector<Action> actions;  // every action ever returned
  std::vector<Transition> log;

  explicit Island(bool csk = false) : p(island_policy(csk)) {
    z.zone = "island.plain.test.";
    auto add = [&](KeyRole role, uint16_t tag) {
      KeyRecord k;
      k.id = "k" + std::to_string(++keys);
      k.role = role;
      k.algorithm = 13;
      k.tag = tag;
      k.generated = k.published = k.ready = k.active = T0 - 100 * kDay;
      if (k.has_ksk_duty()) k.ds_submitted = k.ds_seen = T0 - 100 * kDay;
      z.keys.push_back(k);
    };
    if (csk) {
      add(KeyRole::CSK, 1000);
    } else {
      add(KeyRole::KSK, 1000);
      add(KeyRole::ZSK, 2000);
    }
    z.applied_through = T0;
  }

  Plan run(UnixTime now) {
    Plan plan;
    for (int round = 0; round < 4; ++round) {
      plan = step(z, p, timing(), now, pv);
      log.insert(log.end(), plan.transitions.begin(), plan.transitions.end());
      bool generated = false;
      for (const Action& a : plan.actions) {
        if (a.kind != Action::Kind::GenerateKey) {
          actions.push_back(a);
          continue;
        }
        KeyRecord k;
        k.id = "k" + std::to_string(++keys);
        k.role = a.role;
        k.algorithm = a.algorithm;
        k.tag = static_cast<uint16_t>(3000 + keys);
        EXPECT_TRUE(add_key(z, p, k, now).ok());
        generated = true;
      }
      if (!generated) break;
    }
    mark_applied(z, now);
    return plan;
  }

  /// The daemon's repository round: every target serves the document of the current keys.
  void repositories_confirm(UnixTime now) {
    for (const auto& k : z.keys) {
      if (!k.has_ksk_duty() || !in_dnskey_rrset(k, now)) continue;
      DsId id{k.algorithm, k.tag};
      if (k.retired || k.ds_withdrawn) {  // as agent/daemon_tar.cc ends an anchor
        pv.anchor_since.erase(id);
        pv.anchor_ended_since.emplace(id, now);
      } else {
        pv.anchor_since.emplace(id, now);
      }
    }
  }
  void repositories_down() { pv.anchor_since.clear(), pv.anchor_ended_since.clear(); }

  const Rollover* rollover() const { return z.rollovers.empty() ? nullptr : &z.rollovers[0]; }
  Phase phase() const { return rollover() ? rollover()->phase : Phase::Done; }
  KeyRecord* key(uint16_t tag) {
    for (auto& k : z.keys)
      if (k.tag == tag) return &k;
    return nullptr;
  }
  KeyRecord* newest_ksk() {
    KeyRecord* out = nullptr;
    for (auto& k : z.keys)
      if (k.has_ksk_duty()) out = &k;
    return out;
  }
  int count(Action::Kind kind) const {
    return static_cast<int>(std::count_if(actions.begin(), actions.end(),
                                          [&](const Action& a) { return a.kind == kind; }));
  }
};

TEST(RolloverRfc5011, FullCalendarWithDefaultHoldDowns) {
  Island is;
  is.repositories_confirm(T0);
  ASSERT_TRUE(request_rollover(is.z, is.p, KeyRole::KSK, T0).ok());
  EXPECT_EQ(is.z.rollovers[0].kind, RolloverKind::KskRfc5011);
  Plan plan = is.run(T0);
  EXPECT_EQ(is.phase(), Phase::AddHoldDown);
  KeyRecord* nk = is.newest_ksk();
  KeyRecord* old = is.key(1000);
  ASSERT_NE(nk, old);
  EXPECT_TRUE(in_dnskey_rrset(*nk, T0));
  EXPECT_TRUE(signs_dnskey_rrset(*nk, T0));  // self-signed DNSKEY set from the start
  EXPECT_TRUE(signs_dnskey_rrset(*old, T0));
  // The add hold-down runs 30 days + margin from the publication; next_check says when.
  UnixTime switch_due = T0 + 30 * kDay + margin();
  EXPECT_EQ(plan.next_check, switch_due);
  EXPECT_NE(plan.waiting_for.find("add hold-down"), std::string::npos) << plan.waiting_for;
  EXPECT_NE(plan.waiting_for.find("until 2027-"), std::string::npos) << plan.waiting_for;
  is.repositories_confirm(T0 + 60);  // the document with the new key is served everywhere
  is.run(switch_due - 1);
  EXPECT_EQ(is.phase(), Phase::AddHoldDown);
  EXPECT_FALSE(old->retired);
  is.run(switch_due);
  EXPECT_EQ(is.phase(), Phase::AnchorSwitch);
  EXPECT_EQ(old->retired, switch_due);
  EXPECT_FALSE(old->revoked);  // not before every repository ends its validity
  plan = is.run(switch_due + 10);
  EXPECT_EQ(is.phase(), Phase::AnchorSwitch);
  EXPECT_NE(plan.waiting_for.find("trust-anchor repository"), std::string::npos);
  is.repositories_confirm(switch_due + 20);
  plan = is.run(switch_due + 30);
  EXPECT_EQ(is.phase(), Phase::RemoveHoldDown);
  EXPECT_EQ(old->revoked, switch_due + 30);
  EXPECT_EQ(is.count(Action::Kind::Revoke), 1);
  EXPECT_TRUE(in_dnskey_rrset(*old, switch_due + 30));     // published revoked ...
  EXPECT_TRUE(signs_dnskey_rrset(*old, switch_due + 30));  // ... and self-signing
  UnixTime remove_due = switch_due + 30 + 30 * kDay + margin();
  EXPECT_EQ(plan.next_check, remove_due);
  is.run(remove_due - 1);
  EXPECT_FALSE(old->removed);
  is.run(remove_due);
  EXPECT_EQ(is.phase(), Phase::Done);
  EXPECT_EQ(old->removed, remove_due);
  EXPECT_TRUE(is.z.rollovers.empty());
  EXPECT_TRUE(signs_dnskey_rrset(*nk, remove_due));
  EXPECT_FALSE(in_dnskey_rrset(*old, remove_due));
  // Phases in order, each logged once.
  std::vector<std::string> phases;
  for (const auto& t : is.log)
    if (t.subject == "ksk-rfc5011 rollover") phases.push_back(t.from + ">" + t.to);
  EXPECT_EQ(phases, (std::vector<std::string>{"need-keys>add-hold-down", "add-hold-down>switch",
                                              "switch>remove-hold-down", "remove-hold-down>done"}));
  EXPECT_EQ(is.count(Action::Kind::SubmitDs), 0);  // an island has no DS
}

TEST(RolloverRfc5011, RepositoryNeverConfirmsMeansNoSwitchForMonths) {
  Island is;
  ASSERT_TRUE(request_rollover(is.z, is.p, KeyRole::KSK, T0).ok());
  is.run(T0);
  is.repositories_down();  // the repository is down or serves a tampered document
  for (UnixTime t = T0; t < T0 + 180 * kDay; t += kDay) {
    Plan plan = is.run(t);
    ASSERT_EQ(is.phase(), Phase::AddHoldDown) << "day " << (t - T0) / kDay;
    if (t > T0 + 31 * kDay) {
      EXPECT_NE(plan.waiting_for.find("every trust-anchor repository to serve the document with"),
                std::string::npos)
          << plan.waiting_for;
    }
  }
  EXPECT_FALSE(is.key(1000)->retired);
  EXPECT_EQ(is.count(Action::Kind::Revoke), 0);
  // It comes back: the switch follows at once, the revocation only after the next round.
  UnixTime back = T0 + 180 * kDay;
  is.repositories_confirm(back);
  is.run(back);
  EXPECT_EQ(is.phase(), Phase::AnchorSwitch);
  is.repositories_down();  // down again before the document ending the old key is served
  for (UnixTime t = back; t < back + 90 * kDay; t += kDay) is.run(t);
  EXPECT_EQ(is.phase(), Phase::AnchorSwitch);
  EXPECT_FALSE(is.key(1000)->revoked);
  is.repositories_confirm(back + 90 * kDay);
  is.run(back + 90 * kDay);
  EXPECT_EQ(is.phase(), Phase::RemoveHoldDown);
}

TEST(RolloverRfc5011, HoldDownsAndProbeIntervalFromPolicy) {
  Island is;
  is.p.add_holddown = 5;
  is.p.remove_holddown = 7;
  is.p.probe_interval = 1;
  ASSERT_TRUE(request_rollover(is.z, is.p, KeyRole::KSK, T0).ok());
  Plan plan = is.run(T0);
  EXPECT_EQ(plan.next_check, T0 + 300 + 3600 + 1 + 5);
}

TEST(RolloverRfc5011, CskRolloverStopsOldZoneSignaturesAtTheSwitch) {
  Island is(/*csk=*/true);
  is.repositories_confirm(T0);
  ASSERT_TRUE(request_rollover(is.z, is.p, KeyRole::CSK, T0).ok());
  EXPECT_EQ(is.z.rollovers[0].kind, RolloverKind::CskRfc5011);
  is.run(T0);
  KeyRecord* nk = is.newest_ksk();
  KeyRecord* old = is.key(1000);
  EXPECT_TRUE(signs_zone_data(*nk, T0));
  EXPECT_TRUE(signs_zone_data(*old, T0));  // double signatures while both are anchors
  is.repositories_confirm(T0 + 1);
  UnixTime sw = T0 + 30 * kDay + margin();
  is.run(sw);
  EXPECT_EQ(is.phase(), Phase::AnchorSwitch);
  EXPECT_FALSE(signs_zone_data(*old, sw));
  EXPECT_TRUE(signs_dnskey_rrset(*old, sw));
  is.repositories_confirm(sw);
  is.run(sw);
  EXPECT_EQ(is.phase(), Phase::RemoveHoldDown);
  EXPECT_TRUE(old->revoked);
}

// An island's algorithm rollover (ECDSAP256SHA256 -> ED25519): the old algorithm's KSK stays
// the anchor (and signs the DNSKEY RRset) until the new KSK has been published for the add
// hold-down and every repository serves it; then the documents end it, it is revoked and kept
// for the remove hold-down. Without these gates an RFC 5011 validator never trusts the new
// algorithm before the old key goes.
TEST(RolloverRfc5011, IslandAlgorithmRolloverWaitsForHoldDownsAndRevokes) {
  Island is;
  is.repositories_confirm(T0);
  is.pv.present_since = is.pv.anchor_since;
  is.p.algorithm = 15;
  UnixTime now = T0;
  std::vector<std::string> phases;
  for (int i = 0; i < 300; ++i) {
    Phase before = is.phase();
    Plan plan = is.run(now);
    if (is.rollover() && is.rollover()->kind != RolloverKind::Algorithm) FAIL() << "not algorithm";
    if (is.phase() != before) phases.push_back(std::string(to_string(is.phase())));
    KeyRecord* nk = is.newest_ksk();  // (pointers: z.keys grows as keys are added)
    KeyRecord* old = is.key(1000);
    // The old KSK signs the DNSKEY RRset for as long as it is in it, and leaves it only after
    // the new KSK has been an anchor for the add hold-down.
    if (in_dnskey_rrset(*old, now)) {
      EXPECT_TRUE(signs_dnskey_rrset(*old, now));
    }
    if (!in_dnskey_rrset(*old, now) && nk != old) {
      ASSERT_TRUE(nk->published);
      EXPECT_GE(now, *nk->published + 30 * kDay + margin()) << "old KSK gone before hold-down";
    }
    if (is.z.rollovers.empty()) break;
    is.repositories_confirm(now);
    is.pv.present_since.insert(is.pv.anchor_since.begin(), is.pv.anchor_since.end());
    now = plan.next_check == kNever ? now + 60 : std::max(now + 1, plan.next_check);
  }
  ASSERT_TRUE(is.z.rollovers.empty()) << "phase " << to_string(is.phase());
  KeyRecord* nk = is.newest_ksk();
  KeyRecord* old = is.key(1000);
  ASSERT_EQ(nk->algorithm, 15);
  ASSERT_TRUE(old->retired && old->revoked && old->removed);
  EXPECT_GE(*old->retired, *nk->published + 30 * kDay + margin());
  EXPECT_GE(*old->removed, *old->revoked + 30 * kDay + margin());
  EXPECT_EQ(is.count(Action::Kind::Revoke), 1);  // the old KSK only, never the ZSK
  EXPECT_FALSE(is.key(2000)->revoked);
  EXPECT_TRUE(is.key(2000)->removed);
  EXPECT_EQ(phases, (std::vector<std::string>{"sign-both", "pre-publish", "ds-publish", "switch",
                                              "remove-hold-down", "dnskey-removed", "done"}));
}

// The same with a CSK: the old algorithm's CSK keeps signing the zone data for as long as
// its DNSKEY is published (every algorithm in the DNSKEY RRset signs every RRset), and its
// anchor still ends, is revoked and removed after the hold-downs.
TEST(RolloverRfc5011, IslandCskAlgorithmRolloverKeepsOldSignaturesWhilePublished) {
  Island is(/*csk=*/true);
  is.repositories_confirm(T0);
  is.pv.present_since = is.pv.anchor_since;
  is.p.algorithm = 15;
  UnixTime now = T0;
  for (int i = 0; i < 300; ++i) {
    Plan plan = is.run(now);
    KeyRecord* old = is.key(1000);
    if (in_dnskey_rrset(*old, now)) {
      EXPECT_TRUE(signs_zone_data(*old, now)) << now - T0;
    }
    if (is.z.rollovers.empty()) break;
    is.repositories_confirm(now);
    is.pv.present_since.insert(is.pv.anchor_since.begin(), is.pv.anchor_since.end());
    now = plan.next_check == kNever ? now + 60 : std::max(now + 1, plan.next_check);
  }
  ASSERT_TRUE(is.z.rollovers.empty()) << "phase " << to_string(is.phase());
  KeyRecord* old = is.key(1000);
  ASSERT_TRUE(old->revoked && old->removed);
  EXPECT_GE(*old->removed, *old->revoked + 30 * kDay + margin());
  EXPECT_EQ(is.newest_ksk()->algorithm, 15);
}

TEST(RolloverRfc5011, PolicyWithoutRfc5011KeepsDoubleKsk) {
  Island is;
  is.p.rfc5011 = false;
  ASSERT_TRUE(request_rollover(is.z, is.p, KeyRole::KSK, T0).ok());
  EXPECT_EQ(is.z.rollovers[0].kind, RolloverKind::KskDoubleKsk);
}

/// Runs the whole rollover, restarting (durable record round trip) at every step when
/// `restart` says so; returns the final keys and the actions returned over the run.
struct CalendarRun {
  std::vector<KeyRecord> keys;
  int publishes = 0, revokes = 0, removes = 0, stops = 0;
  std::vector<std::string> phases;
};

CalendarRun run_calendar(const std::function<bool(Phase)>& restart) {
  Island is;
  is.repositories_confirm(T0);
  EXPECT_TRUE(request_rollover(is.z, is.p, KeyRole::KSK, T0).ok());
  CalendarRun out;
  UnixTime now = T0;
  for (int i = 0; i < 200 && !is.z.rollovers.empty(); ++i) {
    Phase before = is.phase();
    if (restart(before)) {
      // kill -9 and start again: only the durable record survives, encoded and decoded.
      ZoneRecord rec;
      rec.keys = is.z;
      rec.anchor_current = is.pv.anchor_since;
      rec.anchor_ended = is.pv.anchor_ended_since;
      auto back = decode_zone_record(encode_zone_record(rec));
      EXPECT_TRUE(back.ok());
      EXPECT_EQ(encode_zone_record(*back), encode_zone_record(rec));
      EXPECT_EQ(back->keys.keys, rec.keys.keys);
      EXPECT_EQ(back->keys.rollovers, rec.keys.rollovers);
      EXPECT_EQ(back->anchor_current, rec.anchor_current);
      is.z = back->keys;
      is.pv.anchor_since = back->anchor_current;
      is.pv.anchor_ended_since = back->anchor_ended;
      // (the daemon's record commits the signed output's rename with it: no restamping)
    }
    Plan plan = is.run(now);
    if (is.phase() != before) out.phases.push_back(std::string(to_string(is.phase())));
    is.repositories_confirm(now);
    now = plan.next_check == kNever ? now + 60 : std::max(now + 1, plan.next_check);
  }
  EXPECT_TRUE(is.z.rollovers.empty());
  out.keys = is.z.keys;
  out.publishes = is.count(Action::Kind::Publish);
  out.revokes = is.count(Action::Kind::Revoke);
  out.removes = is.count(Action::Kind::Remove);
  out.stops = is.count(Action::Kind::StopSigning);
  return out;
}

TEST(RolloverRfc5011, RestartInEveryPhaseRepeatsNothing) {
  CalendarRun straight = run_calendar([](Phase) { return false; });
  EXPECT_EQ(straight.publishes, 1);
  EXPECT_EQ(straight.revokes, 1);
  EXPECT_EQ(straight.removes, 1);
  for (Phase ph :
       {Phase::NeedKeys, Phase::AddHoldDown, Phase::AnchorSwitch, Phase::RemoveHoldDown}) {
    SCOPED_TRACE(std::string(to_string(ph)));
    CalendarRun r = run_calendar([ph](Phase p) { return p == ph; });
    EXPECT_EQ(r.keys, straight.keys);  // same timestamps: nothing undone, nothing redone
    EXPECT_EQ(r.publishes, 1);
    EXPECT_EQ(r.revokes, 1);
    EXPECT_EQ(r.removes, 1);
    EXPECT_EQ(r.stops, straight.stops);
  }
}

TEST(RolloverRfc5011, RestartAfterAnUnappliedRevocationCountsTheHoldDownFromItsPublication) {
  Island is;
  is.repositories_confirm(T0);
  ASSERT_TRUE(request_rollover(is.z, is.p, KeyRole::KSK, T0).ok());
  is.run(T0);
  is.repositories_confirm(T0 + 1);
  UnixTime sw = T0 + 30 * kDay + margin();
  is.run(sw);
  is.repositories_confirm(sw);
  UnixTime rv = sw + 5;
  is.z.applied_through = sw;  // the revocation below is saved but never goes live
  Plan plan = step(is.z, is.p, timing(), rv, is.pv);
  EXPECT_EQ(is.phase(), Phase::RemoveHoldDown);
  EXPECT_EQ(is.key(1000)->revoked, rv);
  // kill -9 before the signed zone with the revoked key was published; restart 1 h later.
  UnixTime restart = rv + 3600;
  auto log = restamp_unapplied(is.z, restart);
  EXPECT_EQ(is.key(1000)->revoked, restart);
  ASSERT_FALSE(log.empty());
  plan = step(is.z, is.p, timing(), restart, is.pv);
  EXPECT_EQ(plan.next_check, restart + 30 * kDay + margin());
  EXPECT_TRUE(plan.actions.empty());  // the phase is not repeated: no second Revoke
}

}  // namespace
}  // namespace ts::agent
