// The agent's timers (the only place that sets any): a priority queue of (time, zone, event)
// and a small worker pool. Each zone has at most one pending event per kind (re-scheduling
// keeps the earlier time), and at most one of its events runs at a time, so handlers of one
// zone never race; other zones go on while one zone is slow or failing (a handler that
// throws is logged by the caller's handler wrapper and the zone simply gets no new event).
// Times come from the injected Clock: with a SimulatedClock a test calls run_due() after
// advancing the clock; in production start() runs a dispatcher thread that sleeps until the
// next event (at most 1 s, so clock jumps and new events are noticed).
//
//   Scheduler s(clock, 2, [&](const Event& e) { daemon.handle(e); });
//   s.schedule(clock.now(), "example.", EventKind::Maintain);
//   s.start();  ...  s.stop();
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace ts::agent {

enum class EventKind { Maintain, Resign, Rollover, Retry };
const char* to_string(EventKind k);

struct Event {
  UnixTime at = 0;
  std::string zone;
  EventKind kind = EventKind::Maintain;
};

class Scheduler {
 public:
  using Handler = std::function<void(const Event&)>;
  Scheduler(const Clock& clock, unsigned workers, Handler handler);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Schedules (zone, kind) at `at`; an already pending (zone, kind) keeps the earlier time.
  void schedule(UnixTime at, const std::string& zone, EventKind kind);
  /// Drops every pending event of `zone` (a running one finishes).
  void cancel(const std::string& zone);
  /// The earliest pending event time.
  std::optional<UnixTime> next_time() const;
  /// When (zone, kind) is due, if pending.
  std::optional<UnixTime> pending(const std::string& zone, EventKind kind) const;
  size_t pending_count() const;

  /// Hands every event due at clock.now() to the workers and waits until the workers are
  /// idle (events a handler schedules for a time already due run too). Returns how many ran.
  /// For tests on a SimulatedClock; do not mix with start().
  size_t run_due();
  /// Waits until no event is running or queued for a worker.
  void wait_idle();

  /// Production: a dispatcher thread hands due events to the workers.
  void start();
  void stop();
  /// Wakes the dispatcher (after schedule() from another thread it wakes by itself).
  void wake();

 private:
  struct Entry {
    UnixTime at;
    uint64_t seq;
    std::string zone;
    EventKind kind;
    bool operator>(const Entry& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  using Key = std::pair<std::string, EventKind>;

  /// Moves due events whose zone is not busy to the work queue; returns how many.
  size_t dispatch_due_locked(UnixTime now);
  void worker_loop();
  void dispatcher_loop();

  const Clock& clock_;
  Handler handler_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_, idle_cv_, dispatch_cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
  std::map<Key, std::pair<UnixTime, uint64_t>> pending_;  // valid heap entries
  std::deque<Event> work_;
  std::set<std::string> busy_;  // zones queued for or running in a worker
  size_t running_ = 0;
  size_t ran_ = 0;
  uint64_t seq_ = 0;
  bool stopping_ = false;
  bool dispatching_ = false;
  std::vector<std::thread> workers_;
  std::thread dispatcher_;
};

}  // namespace ts::agent
