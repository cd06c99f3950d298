// ParentEventBridge: rogue DS audited when found and when gone, DS-state gauge by priority,
// every alert passed on.
#include "agent/daemon_parent_events.h"

#include <gtest/gtest.h>

#include "agent/audit_log.h"

namespace ts::agent {
namespace {

struct Recorder : DaemonEvents {
  std::vector<std::pair<AlertKind, bool>> alerts;
  std::vector<std::string> audits;  // "zone event state"
  std::map<std::string, std::string> states;
  std::map<std::string, UnixTime> observed;
  void alert(const AlertEvent& e, bool firing) override { alerts.emplace_back(e.kind, firing); }
  void audit(const AuditRecord& r) override {
    std::string state;
    for (const auto& f : r.details)
      if (f.key == "state") state = std::get<std::string>(f.value);
    audits.push_back(r.zone + " " + to_string(r.event) + " " + state);
  }
  void ds_state(const std::string& zone, const std::string& s) override { states[zone] = s; }
  void parent_observed(const std::string& zone, UnixTime t) override { observed[zone] = t; }
};

AlertEvent event(AlertKind k, const std::string& subject) {
  AlertEvent e;
  e.kind = k;
  e.zone = "sub.example.test.";
  e.subject = subject;
  return e;
}

TEST(ParentEventBridge, RogueDsIsAuditedWhenFoundAndGone) {
  Recorder rec;
  ParentEventBridge bridge([&]() -> DaemonEvents& { return rec; });
  bridge.alert(event(AlertKind::RogueDs, "DS 4242 13 2 AB"), true);
  EXPECT_EQ(rec.states["sub.example.test."], "rogue");
  bridge.alert(event(AlertKind::RogueDs, "DS 4242 13 2 AB"), false);
  EXPECT_EQ(rec.states["sub.example.test."], "ok");
  ASSERT_EQ(rec.audits.size(), 2u);
  EXPECT_EQ(rec.audits[0], "sub.example.test. rogue-ds-found found");
  EXPECT_EQ(rec.audits[1], "sub.example.test. rogue-ds-found gone");
  ASSERT_EQ(rec.alerts.size(), 2u);
  EXPECT_TRUE(rec.alerts[0].second);
  EXPECT_FALSE(rec.alerts[1].second);
}

TEST(ParentEventBridge, StateFollowsThePriorityOfActiveAlerts) {
  Recorder rec;
  ParentEventBridge bridge([&]() -> DaemonEvents& { return rec; });
  bridge.alert(event(AlertKind::DsInconsistent, "parent servers"), true);
  EXPECT_EQ(rec.states["sub.example.test."], "inconsistent");
  bridge.alert(event(AlertKind::DsMissing, "DS 1"), true);
  EXPECT_EQ(rec.states["sub.example.test."], "missing");
  bridge.alert(event(AlertKind::RogueDs, "DS 9"), true);
  EXPECT_EQ(rec.states["sub.example.test."], "rogue");
  bridge.alert(event(AlertKind::RogueDs, "DS 9"), false);
  bridge.alert(event(AlertKind::DsMissing, "DS 1"), false);
  EXPECT_EQ(rec.states["sub.example.test."], "inconsistent");
  EXPECT_TRUE(rec.audits.size() == 2u);  // only the rogue DS is audited
  bridge.observed("sub.example.test.", 1234);
  EXPECT_EQ(rec.observed["sub.example.test."], 1234);
  EXPECT_EQ(bridge.ds_state("other.test."), "ok");
}

}  // namespace
}  // namespace ts::agent
