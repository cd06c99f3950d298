// How DS changes reach the parent: the ParentPublisher interface shared by the `update`,
// `command` and `managed` methods (`cds` is a pure function plus an observation, see
// publish_cds.h), and the retry policy they share: capped exponential backoff with jitter
// drawn from an injected RandomSource, waiting through an injected Sleeper so that tests
// never wait for real.
//
//   UpdatePublisher pub(opts, random, sleeper);
//   Status s = pub.publish(child, desired_ds);     // idempotent; error names the server
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/name.h"
#include "common/result.h"
#include "parentsync/ds_record.h"

namespace ts::parentsync {

/// Makes the parent's DS RRset for `child` equal to `desired` (empty = no DS: going
/// insecure). Idempotent: publishing what is already there succeeds without a change.
class ParentPublisher {
 public:
  virtual ~ParentPublisher() = default;
  [[nodiscard]] virtual Status publish(const Name& child, const std::vector<DsRecord>& desired) = 0;
  /// "update", "command", "managed" (for logs).
  virtual std::string method() const = 0;
};

/// Uniform random numbers for jitter; tests inject a fixed sequence.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  /// A value in [0, 1).
  virtual double uniform() = 0;
};

/// Waits between attempts; tests record instead of sleeping.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_ms(int64_t ms) = 0;
};

/// The real thing (std::this_thread::sleep_for); lives here, not in the clock.
class ThreadSleeper final : public Sleeper {
 public:
  void sleep_ms(int64_t ms) override;
};

/// A std::random_device-seeded generator.
class SystemRandom final : public RandomSource {
 public:
  SystemRandom();
  double uniform() override;

 private:
  uint64_t state_;
};

struct RetryPolicy {
  int attempts = 4;          // total tries, >= 1
  int64_t initial_ms = 500;  // base delay before the 2nd try
  int64_t max_ms = 30'000;   // cap of the base delay
};

/// Delay before attempt `attempt` (1 = the first retry): base = min(max, initial * 2^(n-1)),
/// then "equal jitter": base/2 + uniform * base/2.
int64_t backoff_delay_ms(const RetryPolicy& policy, int attempt, RandomSource& random);

}  // namespace ts::parentsync
