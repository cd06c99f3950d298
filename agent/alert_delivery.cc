// The alert delivery worker: per-target queues, backoff and the thread (see alert_delivery.h).
#include "agent/alert_delivery.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>

#include "signer/crypto.h"

namespace ts::agent {

double backoff_delay(int attempt, double base, double cap, double random01) {
  double d = base * std::pow(2.0, std::max(0, attempt - 1));
  d = std::min(d, cap);
  return d / 2 + d / 2 * std::clamp(random01, 0.0, 1.0);
}

DeliveryWorker::DeliveryWorker(AlertOptions options, Factory factory, Random random,
                               ErrorLog on_error)
    : options_(std::move(options)),
      factory_(std::move(factory)),
      random_(std::move(random)),
      on_error_(std::move(on_error)) {
  if (!random_) {
    auto seed_bytes = signer::random_bytes(8);
    uint64_t seed = 0;
    for (uint8_t b : seed_bytes) seed = seed << 8 | b;
    auto gen = std::make_shared<std::mt19937_64>(seed);
    random_ = [gen] { return std::uniform_real_distribution<double>(0.0, 1.0)(*gen); };
  }
  if (!on_error_) on_error_ = [](const std::string& m) { std::cerr << "alert: " << m << "\n"; };
  thread_ = std::thread([this] { run(); });
}

DeliveryWorker::~DeliveryWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool DeliveryWorker::submit(const std::string& target, Notification n) {
  {
    std::lock_guard lock(mu_);
    if (total_ >= options_.queue_capacity) {
      stats_[mask_target(target)].dropped++;
      return false;
    }
    queues_[target].items.push_back(std::move(n));
    ++total_;
  }
  cv_.notify_all();
  return true;
}

bool DeliveryWorker::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] { return total_ == 0; });
}

std::map<std::string, DeliveryStats> DeliveryWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

size_t DeliveryWorker::queued() const {
  std::lock_guard lock(mu_);
  return total_;
}

void DeliveryWorker::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    // The due target whose retry time is earliest; else sleep until the next one is due.
    auto now = std::chrono::steady_clock::now();
    std::string due;
    SteadyTime earliest = SteadyTime::max();
    for (auto& [target, q] : queues_) {
      if (q.items.empty()) continue;
      if (q.next_try <= now && (due.empty() || q.next_try < queues_[due].next_try)) due = target;
      earliest = std::min(earliest, q.next_try);
    }
    if (due.empty()) {
      if (earliest == SteadyTime::max())
        cv_.wait(lock);
      else
        cv_.wait_until(lock, earliest);
      continue;
    }
    TargetQueue& q = queues_[due];
    Notification n = q.items.front();
    std::string masked = mask_target(due);
    q.busy = true;
    lock.unlock();
    Status result;
    if (!q.transport) {  // only this thread touches q.transport
      auto t = factory_(due);
      if (t)
        q.transport = std::move(*t);
      else
        result = t.error();
    }
    if (q.transport) result = q.transport->deliver(n);
    double jitter = random_();
    lock.lock();
    q.busy = false;
    DeliveryStats& st = stats_[masked];
    if (result) {
      st.sent++;
      q.items.pop_front();
      q.attempts = 0;
      q.next_try = {};
      --total_;
    } else {
      st.failed_attempts++;
      st.last_error = result.error().message;
      q.attempts++;
      if (q.attempts >= options_.max_attempts) {
        st.dropped++;
        q.items.pop_front();
        q.attempts = 0;
        q.next_try = {};
        --total_;
        lock.unlock();
        on_error_(masked + ": giving up after " + std::to_string(options_.max_attempts) +
                  " attempts: " + result.error().message);
        lock.lock();
      } else {
        double delay =
            backoff_delay(q.attempts, options_.backoff_base_s, options_.backoff_cap_s, jitter);
        q.next_try = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<int64_t>(delay * 1000));
        lock.unlock();
        on_error_(masked + ": attempt " + std::to_string(q.attempts) + " failed (retry in " +
                  std::to_string(static_cast<int64_t>(delay)) + "s): " + result.error().message);
        lock.lock();
      }
    }
    if (total_ == 0) idle_cv_.notify_all();
  }
}

}  // namespace ts::agent
