// SeqWaiters: a release wakes exactly the waiters it covers; the rest keep waiting.
#include "agent/seq_waiters.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ts::agent {
namespace {

TEST(SeqWaiters, ReleaseWakesOnlyTheCoveredTickets) {
  std::mutex mu;
  SeqWaiters waiters;
  uint64_t done = 0;
  std::atomic<int> woken{0};
  std::vector<std::thread> threads;
  for (uint64_t seq = 1; seq <= 6; ++seq)
    threads.emplace_back([&, seq] {
      std::unique_lock lock(mu);
      waiters.wait(lock, seq, [&] { return done >= seq; });
      ++woken;
    });
  auto wait_for = [&](auto pred) {
    for (int i = 0; i < 2000 && !pred(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return pred();
  };
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lock(mu);
    return waiters.waiting() == 6;
  }));
  {
    std::lock_guard lock(mu);
    done = 3;
    waiters.release(3);
  }
  ASSERT_TRUE(wait_for([&] { return woken.load() == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(woken.load(), 3);  // 4..6 are not covered and still wait
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(waiters.waiting(), 3u);
    waiters.wake_first_after(3);  // wakes 4 only; its condition is still false: it waits on
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(woken.load(), 3);
  {
    std::lock_guard lock(mu);
    done = 6;
    waiters.release(6);
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(woken.load(), 6);
  EXPECT_EQ(waiters.waiting(), 0u);
}

TEST(SeqWaiters, AlreadyDoneDoesNotWait) {
  std::mutex mu;
  SeqWaiters waiters;
  std::unique_lock lock(mu);
  waiters.wait(lock, 1, [] { return true; });
  EXPECT_EQ(waiters.waiting(), 0u);
}

}  // namespace
}  // namespace ts::agent
