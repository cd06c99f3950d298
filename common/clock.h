// Time for the whole project. Code below agent/ never reads the system clock: it takes
// a Clock& (or a `now` read once per tick) so that tests can run months of rollovers on
// a SimulatedClock in milliseconds.
//
//   SimulatedClock clock(1700000000);
//   scheduler.tick(clock.now());
//   clock.advance(3600);
#pragma once

#include <cstdint>
#include <mutex>

namespace ts {

/// Seconds since the UNIX epoch.
using UnixTime = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixTime now() const = 0;
};

/// The real wall clock.
class SystemClock final : public Clock {
 public:
  UnixTime now() const override;
};

/// A clock that moves only when told to; thread-safe.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(UnixTime start) : now_(start) {}
  UnixTime now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void set(UnixTime t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }
  void advance(int64_t seconds) {
    std::lock_guard lock(mu_);
    now_ += seconds;
  }

 private:
  mutable std::mutex mu_;
  UnixTime now_;
};

}  // namespace ts
