// Key pool: pre-generated keys per (algorithm, bits), refilled by a background worker.
#include "agent/key_pool.h"

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

KeyPool::KeyPool(StateStore& store, KeyGenerator generate, Options options)
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
  auto keys = store_.pool_list();
  if (!keys) return keys.error();
  int n = 0;
  for (const auto& k : *keys) n += k.algorithm == spec.algorithm && k.bits == spec.bits;
  return n;
}

Result<PooledKey> KeyPool::take(const KeySpec& spec) {
  auto pooled = store_.pool_take(spec.algorithm, spec.bits);
  if (!pooled) return pooled.error();
  {
    std::lock_guard lock(mu_);
    wanted_.insert(spec);
    dirty_ = true;
  }
  wake_.notify_all();
  if (pooled->has_value()) return std::move(**pooled);
  return generate_(spec);  // empty pool: the caller waits this once
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
    for (int n = *have; n < options_.high_water; ++n) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return generated;
      }
      auto key = generate_(spec);
      if (!key) return key.error();
      if (auto s = store_.pool_add(*key); !s) return s.error();
      ++generated;
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
