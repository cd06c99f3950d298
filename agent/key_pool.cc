// Key pool: pre-generated keys per (algorithm, bits), refilled by a background worker.
#include "agent/key_pool.h"

#include <algorithm>

namespace ts::agent {

KeyRecord to_key_record(const PooledKey& key, KeyRole role, UnixTime now) {
  KeyRecord k;
  k.id = key.id;
  k.role = role;
  k.algorithm = key.algorithm;
  k.tag = key.tag;
  k.generated = now;  // joined the zone now; the pool keeps its own generation time
  return k;
}

namespace {

/// Keys per generator call (one sync round each; the worker checks for stop between calls):
/// many of the fast fixed-size algorithms, a few RSA keys (seconds each at 4096 bits).
int batch_size(const KeySpec& spec) {
  return spec.bits > 0 ? 4 : 64;
}

class StateStorePool final : public PoolStore {
 public:
  explicit StateStorePool(StateStore& s) : s_(s) {}
  Result<std::vector<PooledKey>> pool_keys() override { return s_.pool_list(); }
  Status pool_put(const std::vector<PooledKey>& keys) override {
    for (const auto& k : keys)
      if (Status st = s_.pool_add(k); !st) return st;
    return {};
  }
  Result<std::optional<PooledKey>> pool_get(const KeySpec& spec) override {
    return s_.pool_take(spec.algorithm, spec.bits);
  }

 private:
  StateStore& s_;
};

BatchKeyGenerator batched(KeyGenerator one) {
  return [one = std::move(one)](const KeySpec& spec, int n) -> Result<std::vector<PooledKey>> {
    std::vector<PooledKey> out;
    for (int i = 0; i < n; ++i) {
      auto k = one(spec);
      if (!k) return k.error();
      out.push_back(std::move(*k));
    }
    return out;
  };
}

}  // namespace

KeyPool::KeyPool(StateStore& store, KeyGenerator generate, Options options)
    : own_store_(std::make_unique<StateStorePool>(store)),
      store_(*own_store_),
      generate_(batched(std::move(generate))),
      options_(options) {}

KeyPool::KeyPool(PoolStore& store, BatchKeyGenerator generate, Options options)
    : store_(store), generate_(std::move(generate)), options_(options) {}

KeyPool::~KeyPool() {
  stop();
}

void KeyPool::want(const KeySpec& spec) {
  {
    std::lock_guard lock(mu_);
    wanted_.insert(spec);
    dirty_ = true;
  }
  wake_.notify_all();
}

Result<int> KeyPool::available(const KeySpec& spec) {
  auto keys = store_.pool_keys();
  if (!keys) return keys.error();
  int n = 0;
  for (const auto& k : *keys) n += k.algorithm == spec.algorithm && k.bits == spec.bits;
  return n;
}

Result<std::optional<PooledKey>> KeyPool::try_take(const KeySpec& spec) {
  auto pooled = store_.pool_get(spec);
  {
    std::lock_guard lock(mu_);
    wanted_.insert(spec);
    dirty_ = true;
  }
  wake_.notify_all();
  return pooled;
}

Result<PooledKey> KeyPool::take(const KeySpec& spec) {
  auto pooled = try_take(spec);
  if (!pooled) return pooled.error();
  if (pooled->has_value()) return std::move(**pooled);
  auto made = generate_(spec, 1);  // empty pool: the caller waits this once
  if (!made) return made.error();
  if (made->size() != 1) return fail("key pool: the generator made no key");
  return std::move(made->front());
}

Result<int> KeyPool::refill_once() {
  std::set<KeySpec> specs;
  {
    std::lock_guard lock(mu_);
    specs = wanted_;
  }
  int generated = 0;
  for (const auto& spec : specs) {
    auto have = available(spec);
    if (!have) return have.error();
    if (*have >= options_.low_water) continue;
    for (int n = *have; n < options_.high_water;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return generated;
      }
      int batch = std::min(batch_size(spec), options_.high_water - n);
      auto keys = generate_(spec, batch);
      if (!keys) return keys.error();
      if (auto s = store_.pool_put(*keys); !s) return s.error();
      generated += static_cast<int>(keys->size());
      n += batch;
    }
  }
  return generated;
}

void KeyPool::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  dirty_ = true;
  thread_ = std::thread([this] { worker(); });
}

void KeyPool::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void KeyPool::wait_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return (!dirty_ && !busy_) || !thread_.joinable() || stopping_; });
}

std::optional<Error> KeyPool::last_error() {
  std::lock_guard lock(mu_);
  return last_error_;
}

void KeyPool::worker() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return dirty_ || stopping_; });
    if (stopping_) break;
    dirty_ = false;
    busy_ = true;
    lock.unlock();
    auto result = refill_once();
    lock.lock();
    busy_ = false;
    if (!result) {
      last_error_ = result.error();  // retried on the next take() or want()
    } else {
      last_error_.reset();
    }
    idle_.notify_all();
  }
  idle_.notify_all();
}

}  // namespace ts::agent
