// Key pool: unassigned keys pre-generated per (algorithm, bits), so that adding a thousand
// zones or starting a rollover never waits on key generation (RSA-4096 takes seconds). A
// background worker tops every wanted spec up to `high_water` whenever it falls below
// `low_water`, in batches (the daemon's generator writes a batch of key files and makes them
// durable with one sync round, agent/pool_keys.h). Pooled keys are recorded in a PoolStore
// (the StateStore, or the daemon's DaemonStore, where a key leaves the pool in the same
// transaction that gives it to a zone) so a restart neither loses nor hands out a key twice.
//
//   KeyPool pool(store, generate, {.low_water = 4, .high_water = 16});
//   pool.want({13, 0});
//   pool.start();                                   // background refills
//   Result<PooledKey> k = pool.take({13, 0});       // from stock, or generated on the spot
//   auto maybe = pool.try_take({13, 0});            // from stock only (nullopt when empty)
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "agent/key_timing.h"
#include "agent/state_store.h"
#include "common/result.h"

namespace ts::agent {

struct KeySpec {
  uint8_t algorithm = 13;
  int bits = 0;  ///< 0 for algorithms with a fixed size
  auto operator<=>(const KeySpec&) const = default;
};

/// The planner's record for a pooled key handed to a zone in `role` (add_key()).
KeyRecord to_key_record(const PooledKey& key, KeyRole role, UnixTime now);

/// Generates one key of `spec` into the key store and describes it.
using KeyGenerator = std::function<Result<PooledKey>(const KeySpec& spec)>;
/// Generates `n` keys of `spec`, durable on return.
using BatchKeyGenerator = std::function<Result<std::vector<PooledKey>>(const KeySpec& spec, int n)>;

/// Where pooled keys are recorded.
class PoolStore {
 public:
  virtual ~PoolStore() = default;
  /// Keys available (not handed out).
  virtual Result<std::vector<PooledKey>> pool_keys() = 0;
  virtual Status pool_put(const std::vector<PooledKey>& keys) = 0;
  /// The oldest available key of `spec`, no longer available to anyone else.
  virtual Result<std::optional<PooledKey>> pool_get(const KeySpec& spec) = 0;
};

class KeyPool {
 public:
  struct Options {
    int low_water = 4;
    int high_water = 16;
  };

  /// `store` must outlive the pool.
  KeyPool(StateStore& store, KeyGenerator generate, Options options);
  KeyPool(PoolStore& store, BatchKeyGenerator generate, Options options);
  ~KeyPool();  ///< stops the worker
  KeyPool(const KeyPool&) = delete;
  KeyPool& operator=(const KeyPool&) = delete;

  /// Keeps `spec` stocked from now on (the worker is woken).
  void want(const KeySpec& spec);
  /// Takes the oldest pooled key of `spec`, or generates one now if the pool is empty.
  Result<PooledKey> take(const KeySpec& spec);
  /// Takes the oldest pooled key of `spec` if there is one; never generates.
  Result<std::optional<PooledKey>> try_take(const KeySpec& spec);
  /// Number of pooled keys of `spec`.
  Result<int> available(const KeySpec& spec);

  /// One refill pass over every wanted spec below low water; returns keys generated.
  Result<int> refill_once();
  void start();
  void stop();
  /// Blocks until the worker has nothing left to do (for tests and orderly shutdown).
  void wait_idle();
  /// The last generation error of the worker, if any (cleared by a successful pass).
  std::optional<Error> last_error();

 private:
  void worker();

  std::unique_ptr<PoolStore> own_store_;  // the StateStore adapter
  PoolStore& store_;
  BatchKeyGenerator generate_;
  Options options_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::set<KeySpec> wanted_;
  bool dirty_ = false, stopping_ = false, busy_ = false;
  std::optional<Error> last_error_;
  std::thread thread_;
};

}  // namespace ts::agent
