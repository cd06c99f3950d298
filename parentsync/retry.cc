// Capped exponential backoff with jitter, and the real sleeper / random source.
#include <chrono>
#include <random>
#include <thread>

#include "parentsync/publisher.h"

namespace ts::parentsync {

void ThreadSleeper::sleep_ms(int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

SystemRandom::SystemRandom() {
  std::random_device rd;
  state_ = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ 0x9E3779B97F4A7C15ull;
}

double SystemRandom::uniform() {
  // splitmix64
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(1ull << 53);
}

int64_t backoff_delay_ms(const RetryPolicy& policy, int attempt, RandomSource& random) {
  int64_t base = policy.initial_ms;
  for (int i = 1; i < attempt && base < policy.max_ms; ++i) base *= 2;
  if (base > policy.max_ms) base = policy.max_ms;
  double u = random.uniform();
  if (u < 0) u = 0;
  if (u >= 1) u = 0.999999;
  return base / 2 + static_cast<int64_t>(u * static_cast<double>(base - base / 2));
}

}  // namespace ts::parentsync
