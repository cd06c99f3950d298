// Targeted wake-ups for group commits: threads wait for a sequence number (their ticket) and
// only those a finished round covers are woken. A condition_variable's notify_all woke every
// one of the daemon's 128 workers after each sync round and group commit, and most of them
// went straight back to sleep (futex and scheduler time on every round).
//
//   std::unique_lock lock(mu);                       // the caller's mutex guards the state
//   waiters.wait(lock, mine, [&] { return done_ >= mine; });
//   ...  done_ = end;  waiters.release(end);          // under the same mutex
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>

namespace ts::agent {

class SeqWaiters {
 public:
  /// Blocks until `done()` holds (checked under `lock`, also after every wake-up).
  template <class Done>
  void wait(std::unique_lock<std::mutex>& lock, uint64_t seq, Done done) {
    if (done()) return;
    std::condition_variable cv;
    auto it = waiting_.emplace(seq, &cv);
    while (!done()) cv.wait(lock);
    waiting_.erase(it);
  }
  /// Wakes every waiter whose ticket is at most `upto`.
  void release(uint64_t upto) {
    for (auto it = waiting_.begin(); it != waiting_.end() && it->first <= upto; ++it)
      it->second->notify_one();
  }
  /// Wakes the waiter with the lowest ticket above `upto` (the next round's leader).
  void wake_first_after(uint64_t upto) {
    if (auto it = waiting_.upper_bound(upto); it != waiting_.end()) it->second->notify_one();
  }
  size_t waiting() const { return waiting_.size(); }

 private:
  std::multimap<uint64_t, std::condition_variable*> waiting_;  // ticket -> its waiter
};

}  // namespace ts::agent
