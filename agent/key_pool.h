// Key pool: unassigned keys pre-generated per (algorithm, bits), so that adding a thousand
// zones or starting a rollover never waits on key generation (RSA-4096 takes seconds). A
// background worker tops every wanted spec up to `high_water` whenever it falls below
// `low_water`. Generation goes through an injected function (the agent passes one that calls
// signer::PrivateKey::generate and saves into the KeyStore); pooled keys are recorded in the
// state store so a restart neither loses nor hands out a key twice.
//
//   KeyPool pool(store, generate, {.low_water = 4, .high_water = 16});
//   pool.want({13, 0});
//   pool.start();                                   // background refills
//   Result<PooledKey> k = pool.take({13, 0});       // from stock, or generated on the spot
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

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

class KeyPool {
 public:
  struct Options {
    int low_water = 4;
    int high_water = 16;
  };

  /// `store` must outlive the pool.
  KeyPool(StateStore& store, KeyGenerator generate, Options options);
  ~KeyPool();  ///< stops the worker
  KeyPool(const KeyPool&) = delete;
  KeyPool& operator=(const KeyPool&) = delete;

  /// Keeps `spec` stocked from now on (the worker is woken).
  void want(const KeySpec& spec);
  /// Takes the oldest pooled key of `spec`, or generates one now if the pool is empty.
  Result<PooledKey> take(const KeySpec& spec);
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

  StateStore& store_;
  KeyGenerator generate_;
  Options options_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::set<KeySpec> wanted_;
  bool dirty_ = false, stopping_ = false, busy_ = false;
  std::optional<Error> last_error_;
  std::thread thread_;
};

}  // namespace ts::agent
