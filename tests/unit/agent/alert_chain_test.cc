// ChainReport -> alert conditions: a bogus level raises chain-broken with each parent
// server's DS and the validator's reason; a secure report clears it (same dedup key);
// disagreeing servers give ds-inconsistent; an unmatched DS beside a good one gives rogue-ds.
#include "agent/alert_chain.h"

#include <gtest/gtest.h>

#include "resolver/records.h"

namespace ts::agent {
namespace {

using namespace ts::resolver;

Record ds_record(const std::string& text) {
  auto r = records_from_text(text);
  EXPECT_TRUE(r) << r.error().message;
  return r->at(0);
}

ChainReport report(Security verdict, bool agree, DsMatch match) {
  ChainReport rep;
  rep.zone = *Name::from_text("example.test.");
  rep.verdict = verdict;
  Level l;
  l.zone = rep.zone;
  l.parent = *Name::from_text("test.");
  l.verdict = verdict;
  l.reason = "no DS matches";
  l.servers_agree = agree;
  l.dnskey_security = verdict;
  if (verdict == Security::Bogus) l.dnskey_why_bogus = "no keys have a DS";
  Record wrong = ds_record("example.test. 10 IN DS 4711 13 2 0BADD5");
  ServerView a, b;
  a.ns_name = "ns1.test.";
  a.address = "127.53.1.2";
  a.has_ds = true;
  a.ds = {wrong};
  b.ns_name = "ns2.test.";
  b.address = "127.53.1.3";
  l.servers = {a, b};
  DsStatus st;
  st.record = wrong;
  st.fields = *parse_ds(wrong.rdata);
  st.match = match;
  st.seen_at = {"127.53.1.2"};
  l.ds = {st};
  rep.levels = {l};
  return rep;
}

const AlertCondition* find(const std::vector<AlertCondition>& v, AlertKind k) {
  for (const auto& c : v)
    if (c.event.kind == k) return &c;
  return nullptr;
}

TEST(AlertChain, BogusLevelRaisesChainBrokenWithServerEvidence) {
  auto conds = chain_alert_conditions(report(Security::Bogus, true, DsMatch::NoSuchKey),
                                      {"mailto:ops@example.test"});
  const AlertCondition* c = find(conds, AlertKind::ChainBroken);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->active);
  EXPECT_EQ(c->event.subject, "example.test.");
  EXPECT_EQ(c->event.targets, std::vector<std::string>{"mailto:ops@example.test"});
  EXPECT_NE(c->event.summary.find("broken at example.test.: no DS matches"), std::string::npos);
  ASSERT_GE(c->event.evidence.size(), 4u);
  EXPECT_EQ(c->event.evidence[0].source, "ns1.test. 127.53.1.2");
  EXPECT_EQ(c->event.evidence[0].observation, "DS 4711 13 2 0BADD5");
  EXPECT_EQ(c->event.evidence[1].observation, "no DS for example.test.");
  EXPECT_EQ(c->event.evidence.back().observation, "DNSKEY bogus: no keys have a DS");
  EXPECT_EQ(find(conds, AlertKind::RogueDs), nullptr);  // part of the break, not extra
}

// A break fires from the confirm-th broken walk in a row; a good walk clears at once and
// starts the count again, so two isolated bad walks never fire.
TEST(AlertChain, BreakIsActedOnOnlyOnceConfirmed) {
  int streak = 0;
  EXPECT_FALSE(chain_break_confirmed(true, 2, streak));
  EXPECT_TRUE(chain_break_confirmed(false, 2, streak));  // the resolved side: always
  EXPECT_EQ(streak, 0);
  EXPECT_FALSE(chain_break_confirmed(true, 2, streak));
  EXPECT_TRUE(chain_break_confirmed(true, 2, streak));
  EXPECT_TRUE(chain_break_confirmed(true, 2, streak));  // still broken: still firing
  EXPECT_TRUE(chain_break_confirmed(false, 2, streak));
  EXPECT_FALSE(chain_break_confirmed(true, 3, streak));
  EXPECT_FALSE(chain_break_confirmed(true, 3, streak));
  EXPECT_TRUE(chain_break_confirmed(true, 3, streak));
  int once = 0;
  EXPECT_TRUE(chain_break_confirmed(true, 1, once));  // confirm = 1: the first walk
  // A walk that could not check anything neither raises nor clears.
  EXPECT_FALSE(chain_walk_conclusive(report(Security::Indeterminate, true, DsMatch::NoSuchKey)));
  EXPECT_TRUE(chain_walk_conclusive(report(Security::Bogus, true, DsMatch::NoSuchKey)));
  EXPECT_TRUE(chain_walk_conclusive(report(Security::Secure, true, DsMatch::NoSuchKey)));
  EXPECT_TRUE(chain_walk_conclusive(report(Security::Insecure, true, DsMatch::NoSuchKey)));
}

TEST(AlertChain, SecureReportClearsWithTheSameKeyAndFlagsDisagreementAndRogueDs) {
  auto broken = chain_alert_conditions(report(Security::Bogus, true, DsMatch::NoSuchKey), {});
  auto fine = chain_alert_conditions(report(Security::Secure, false, DsMatch::NoSuchKey), {});
  const AlertCondition* b = find(broken, AlertKind::ChainBroken);
  const AlertCondition* f = find(fine, AlertKind::ChainBroken);
  ASSERT_TRUE(b && f);
  EXPECT_FALSE(f->active);
  EXPECT_EQ(dedup_key(b->event), dedup_key(f->event));
  const AlertCondition* inc = find(fine, AlertKind::DsInconsistent);
  ASSERT_NE(inc, nullptr);
  EXPECT_TRUE(inc->active);
  EXPECT_EQ(inc->event.subject, "example.test.");
  const AlertCondition* rogue = find(fine, AlertKind::RogueDs);
  ASSERT_NE(rogue, nullptr);
  EXPECT_TRUE(rogue->active);
  EXPECT_EQ(rogue->event.subject, "example.test. DS 4711 13 2 0BADD5");
  EXPECT_EQ(rogue->event.evidence[0].observation, "127.53.1.2");
  auto matched = chain_alert_conditions(report(Security::Secure, true, DsMatch::MatchesKey), {});
  EXPECT_EQ(find(matched, AlertKind::RogueDs), nullptr);
  EXPECT_FALSE(find(matched, AlertKind::DsInconsistent)->active);
}

}  // namespace
}  // namespace ts::agent
