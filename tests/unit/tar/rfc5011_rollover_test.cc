// The RFC 5011 island rollover on a SimulatedClock: the full calendar, a repository that
// is down (the rollover waits and alerts, never revokes), and a tampered document.
#include "tar/rfc5011_rollover.h"

#include <gtest/gtest.h>

#include <functional>

#include "signer/crypto.h"

namespace ts::tar {
namespace {

signer::Dnskey ksk() {
  auto k = signer::PrivateKey::generate(signer::Algorithm::ED25519, 0);
  EXPECT_TRUE(k.ok());
  return {signer::kFlagsKsk, signer::Algorithm::ED25519, k->public_key()};
}

// A scripted repository and zone: records what was published; the repository answers
// with `serve` (nullopt = down).
struct World {
  std::vector<std::vector<KskEntry>> signed_sets;
  std::vector<AnchorDocument> uploads;
  std::function<std::optional<AnchorDocument>(const AnchorDocument&)> serve =
      [](const AnchorDocument& d) { return d; };
  std::vector<std::string> log;
  bool alerted = false;

  void run(Rollover& r, UnixTime now, Step s) {
    for (auto& t : s.transitions) log.push_back(t);
    alerted |= s.alert;
    for (const Action& a : s.actions) {
      if (a.kind == ActionKind::SignZone) signed_sets.push_back(a.ksks);
      if (a.kind != ActionKind::PublishDocument) continue;
      uploads.push_back(*a.document);
      auto served = serve(*a.document);
      Step c = served ? on_document_served(r, now, *served)
                      : on_document_failed(r, now, "connection refused");
      alerted |= c.alert;
    }
  }
};

Rollover make(signer::Dnskey a, signer::Dnskey b) {
  RolloverOptions o;
  o.margin = 3600;
  o.source = "https://tar.test/island.xml";
  return make_rollover(*Name::from_text("island.plain.test."), a, 1000, b, o);
}

TEST(Rfc5011Rollover, FullCalendar) {
  SimulatedClock clock(1'800'000'000);
  signer::Dnskey a = ksk(), b = ksk();
  Rollover r = make(a, b);
  World w;
  Step s = start(r, clock.now());
  EXPECT_EQ(r.state, RolloverState::NewKeyPublished);
  ASSERT_TRUE(s.next);
  EXPECT_EQ(*s.next, clock.now() + 30 * 86400 + 3600);
  w.run(r, clock.now(), s);
  EXPECT_TRUE(r.document_confirmed);
  ASSERT_EQ(w.signed_sets.back().size(), 2u);  // both KSKs sign: new key self-signed
  EXPECT_TRUE(w.signed_sets.back()[1].signs_dnskey);
  EXPECT_EQ(w.uploads.back().keys.size(), 2u);
  EXPECT_EQ(w.uploads.back().keys[1].valid_from, clock.now());

  // A day before the hold-down ends nothing happens.
  clock.advance(29 * 86400);
  s = on_tick(r, clock.now());
  EXPECT_EQ(r.state, RolloverState::NewKeyPublished);
  EXPECT_TRUE(s.actions.empty());
  UnixTime switch_at = *s.next;
  clock.set(switch_at);
  s = on_tick(r, clock.now());
  EXPECT_EQ(r.state, RolloverState::Switched);
  w.run(r, clock.now(), s);
  EXPECT_FALSE(w.signed_sets.back()[0].signs_dnskey);
  EXPECT_EQ(w.uploads.back().keys[0].valid_until, clock.now());
  EXPECT_TRUE(r.document_confirmed);

  s = on_tick(r, clock.now());
  EXPECT_EQ(r.state, RolloverState::OldKeyRevoked);
  w.run(r, clock.now(), s);
  const auto& revoked = w.signed_sets.back()[0];
  EXPECT_TRUE(revoked.dnskey.is_revoked());
  EXPECT_TRUE(revoked.signs_dnskey);  // RFC 5011 2.1: the revoked key signs the set
  EXPECT_EQ(*s.next, clock.now() + 30 * 86400 + 3600);

  clock.set(*s.next);
  s = on_tick(r, clock.now());
  EXPECT_EQ(r.state, RolloverState::Done);
  w.run(r, clock.now(), s);
  ASSERT_EQ(w.signed_sets.back().size(), 1u);
  EXPECT_EQ(w.signed_sets.back()[0].dnskey, b);
  EXPECT_FALSE(s.next);
  ASSERT_EQ(w.log.size(), 4u);
  EXPECT_EQ(w.log[0].rfind("Idle -> NewKeyPublished: ", 0), 0u) << w.log[0];
  EXPECT_EQ(w.log[3].rfind("OldKeyRevoked -> Done: ", 0), 0u) << w.log[3];
  EXPECT_FALSE(w.alerted);
  // The final document trusts only the new key now, and keeps the old one as history.
  AnchorDocument fin = expected_document(r);
  EXPECT_FALSE(fin.keys[0].valid_at(clock.now()));
  EXPECT_TRUE(fin.keys[1].valid_at(clock.now()));
}

TEST(Rfc5011Rollover, RepositoryDownHoldsTheRollover) {
  SimulatedClock clock(1'800'000'000);
  Rollover r = make(ksk(), ksk());
  World w;
  w.serve = [](const AnchorDocument&) { return std::nullopt; };
  w.run(r, clock.now(), start(r, clock.now()));
  EXPECT_TRUE(w.alerted);
  EXPECT_FALSE(r.document_confirmed);
  // Months pass with the repository down: never switched, never revoked.
  for (int day = 0; day < 90; ++day) {
    clock.advance(86400);
    Step s = on_tick(r, clock.now());
    w.run(r, clock.now(), s);
    ASSERT_EQ(r.state, RolloverState::NewKeyPublished);
    if (day > 31) {
      EXPECT_TRUE(s.alert);
      EXPECT_NE(s.status.find("not confirmed"), std::string::npos) << s.status;
      EXPECT_EQ(*s.next, clock.now() + 3600);
    }
  }
  for (const auto& set : w.signed_sets)
    for (const auto& k : set) EXPECT_FALSE(k.dnskey.is_revoked());
  // The repository comes back: the next tick switches, the one after revokes.
  w.serve = [](const AnchorDocument& d) { return d; };
  w.run(r, clock.now(), on_tick(r, clock.now()));  // re-upload confirmed
  w.run(r, clock.now(), on_tick(r, clock.now()));
  EXPECT_EQ(r.state, RolloverState::Switched);
  w.run(r, clock.now(), on_tick(r, clock.now()));
  EXPECT_EQ(r.state, RolloverState::OldKeyRevoked);
}

TEST(Rfc5011Rollover, RepositoryDownAfterSwitchNeverRevokes) {
  SimulatedClock clock(1'800'000'000);
  Rollover r = make(ksk(), ksk());
  World w;
  w.run(r, clock.now(), start(r, clock.now()));
  clock.advance(31 * 86400 + 3600);
  w.serve = [](const AnchorDocument&) { return std::nullopt; };
  w.run(r, clock.now(), on_tick(r, clock.now()));
  ASSERT_EQ(r.state, RolloverState::Switched);
  for (int i = 0; i < 48; ++i) {
    clock.advance(3600);
    Step s = on_tick(r, clock.now());
    EXPECT_TRUE(s.alert);
    w.run(r, clock.now(), s);
    ASSERT_EQ(r.state, RolloverState::Switched);
  }
}

TEST(Rfc5011Rollover, TamperedDocumentIsDetectedAndBlocks) {
  SimulatedClock clock(1'800'000'000);
  Rollover r = make(ksk(), ksk());
  World w;
  w.serve = [](const AnchorDocument& d) {
    AnchorDocument t = d;
    t.keys.back().digest[0] ^= 1;  // someone changed the new key's digest
    return t;
  };
  Step s = start(r, clock.now());
  w.run(r, clock.now(), s);
  EXPECT_FALSE(r.document_confirmed);
  EXPECT_TRUE(w.alerted);
  Step c = on_document_served(r, clock.now(), *w.serve(expected_document(r)));
  EXPECT_NE(c.status.find("digest-mismatch"), std::string::npos) << c.status;
  clock.advance(40 * 86400);
  w.run(r, clock.now(), on_tick(r, clock.now()));
  EXPECT_EQ(r.state, RolloverState::NewKeyPublished);
  // A stale document (the old one, without the new key) is no better.
  r.state = RolloverState::Idle;
  AnchorDocument stale = expected_document(r);
  r.state = RolloverState::NewKeyPublished;
  c = on_document_served(r, clock.now(), stale);
  EXPECT_NE(c.status.find("missing-key"), std::string::npos) << c.status;
  EXPECT_TRUE(c.alert);
}

}  // namespace
}  // namespace ts::tar
