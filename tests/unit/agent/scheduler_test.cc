// Scheduler on a SimulatedClock: ordering, de-duplication, per-zone exclusion, and that a
// failing or slow zone does not hold up the others.
#include "agent/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace ts::agent {
namespace {

TEST(SchedulerTest, RunsDueEventsInTimeOrder) {
  SimulatedClock clock(1000);
  std::mutex mu;
  std::vector<std::string> order;
  Scheduler s(clock, 1, [&](const Event& e) {
    std::lock_guard lock(mu);
    order.push_back(e.zone);
  });
  s.schedule(1030, "c.", EventKind::Maintain);
  s.schedule(1010, "a.", EventKind::Maintain);
  s.schedule(1020, "b.", EventKind::Resign);
  s.schedule(2000, "late.", EventKind::Maintain);
  EXPECT_EQ(s.run_due(), 0u);
  clock.set(1025);
  EXPECT_EQ(s.run_due(), 2u);
  clock.set(1100);
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(order, (std::vector<std::string>{"a.", "b.", "c."}));
  EXPECT_EQ(s.next_time(), 2000);
}

TEST(SchedulerTest, KeepsTheEarlierTimePerZoneAndKind) {
  SimulatedClock clock(0);
  std::atomic<int> runs{0};
  Scheduler s(clock, 2, [&](const Event&) { ++runs; });
  s.schedule(50, "z.", EventKind::Resign);
  s.schedule(80, "z.", EventKind::Resign);  // ignored: 50 is earlier
  s.schedule(30, "z.", EventKind::Resign);  // replaces 50
  EXPECT_EQ(s.pending("z.", EventKind::Resign), 30);
  s.schedule(40, "z.", EventKind::Rollover);  // another kind is its own event
  EXPECT_EQ(s.pending_count(), 2u);
  clock.set(100);
  EXPECT_EQ(s.run_due(), 2u);
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(s.pending_count(), 0u);
}

TEST(SchedulerTest, HandlersMayScheduleMoreWorkThatIsAlreadyDue) {
  SimulatedClock clock(100);
  std::atomic<int> runs{0};
  Scheduler* sp = nullptr;
  Scheduler s(clock, 2, [&](const Event& e) {
    if (++runs < 5) sp->schedule(100, e.zone, EventKind::Retry);
  });
  sp = &s;
  s.schedule(100, "z.", EventKind::Maintain);
  s.run_due();
  EXPECT_EQ(runs, 5);
}

TEST(SchedulerTest, FailingZoneDoesNotBlockOthers) {
  SimulatedClock clock(0);
  std::mutex mu;
  std::set<std::string> done;
  Scheduler s(clock, 2, [&](const Event& e) {
    if (e.zone == "bad.") throw std::runtime_error("broken zone");
    std::lock_guard lock(mu);
    done.insert(e.zone);
  });
  s.schedule(0, "bad.", EventKind::Maintain);
  for (int i = 0; i < 20; ++i) s.schedule(0, "z" + std::to_string(i) + ".", EventKind::Maintain);
  EXPECT_EQ(s.run_due(), 21u);
  EXPECT_EQ(done.size(), 20u);
}

TEST(SchedulerTest, SlowZoneDoesNotBlockOthersAndIsNeverRunTwiceAtOnce) {
  SimulatedClock clock(0);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> fast{0}, slow_running{0}, slow_max{0};
  Scheduler s(clock, 2, [&](const Event& e) {
    if (e.zone == "slow.") {
      int n = ++slow_running;
      slow_max = std::max(slow_max.load(), n);
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return release; });
      --slow_running;
      return;
    }
    ++fast;
  });
  s.start();
  s.schedule(0, "slow.", EventKind::Maintain);
  s.schedule(0, "slow.", EventKind::Rollover);  // same zone: must wait for the first
  for (int i = 0; i < 50; ++i) s.schedule(0, "z" + std::to_string(i) + ".", EventKind::Maintain);
  // The other 50 zones finish on the second worker while slow. holds the first.
  for (int i = 0; i < 1000 && fast < 50; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(fast, 50);
  EXPECT_EQ(slow_running, 1);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  for (int i = 0; i < 1000 && s.pending_count() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  s.stop();
  s.wait_idle();
  EXPECT_EQ(slow_max, 1);
  EXPECT_EQ(s.pending_count(), 0u);
}

TEST(SchedulerTest, CancelDropsAZonesEvents) {
  SimulatedClock clock(0);
  std::atomic<int> runs{0};
  Scheduler s(clock, 1, [&](const Event&) { ++runs; });
  s.schedule(10, "gone.", EventKind::Maintain);
  s.schedule(10, "gone.", EventKind::Resign);
  s.schedule(10, "kept.", EventKind::Maintain);
  s.cancel("gone.");
  clock.set(10);
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace ts::agent
