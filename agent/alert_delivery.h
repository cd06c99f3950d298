// Delivery of notifications on one worker thread, so that raising an alert never blocks the
// caller (the signer, the scheduler): submit() only queues. Each target has its own FIFO (a
// resolved notice never overtakes its firing one); all queues share one bound, and a
// notification that does not fit is dropped and counted. A failing target is retried with
// capped exponential backoff and jitter from an injected random source, without holding up
// the other targets; after max_attempts the notification is dropped and counted. Transports
// are made on first use per target (make_transport() or an injected factory for tests).
//
//   DeliveryWorker worker(options, [](const std::string& t) { return make_transport(t, o); });
//   worker.submit("mailto:ops@example.test", notification);
//   worker.flush(std::chrono::seconds(30));   // tests and short-lived commands
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/alert_event.h"
#include "agent/alert_options.h"
#include "agent/alert_transport.h"

namespace ts::agent {

/// Where an AlertManager hands notifications; DeliveryWorker is the real one.
class AlertDispatcher {
 public:
  virtual ~AlertDispatcher() = default;
  /// Queues `n` for `target`; false if it was dropped (queue full). Never blocks for long.
  virtual bool submit(const std::string& target, Notification n) = 0;
};

/// Seconds to wait before retry number `attempt` (1 = first retry): d = min(cap, base *
/// 2^(attempt-1)), then "equal jitter": d/2 + d/2 * random01, random01 in [0, 1).
double backoff_delay(int attempt, double base, double cap, double random01);

struct DeliveryStats {
  uint64_t sent = 0;
  uint64_t failed_attempts = 0;  // each failed try, retried or not
  uint64_t dropped = 0;          // gave up (max_attempts) or queue full
  std::string last_error;        // masked, no secrets
};

class DeliveryWorker final : public AlertDispatcher {
 public:
  using Factory = std::function<Result<std::unique_ptr<AlertTransport>>(const std::string&)>;
  using Random = std::function<double()>;  // uniform in [0, 1)
  using ErrorLog = std::function<void(const std::string&)>;

  /// `random` defaults to a CSPRNG-seeded generator; `on_error` (called on the worker thread
  /// with masked texts) defaults to stderr.
  DeliveryWorker(AlertOptions options, Factory factory, Random random = nullptr,
                 ErrorLog on_error = nullptr);
  ~DeliveryWorker() override;  // stops the thread; what is still queued is dropped
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  bool submit(const std::string& target, Notification n) override;
  /// Waits until every queue is empty (delivered or dropped) or `timeout` passes; true if empty.
  bool flush(std::chrono::milliseconds timeout);
  /// Per masked target.
  std::map<std::string, DeliveryStats> stats() const;
  size_t queued() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct TargetQueue {
    std::deque<Notification> items;
    int attempts = 0;  // failed tries of items.front()
    SteadyTime next_try{};
    std::unique_ptr<AlertTransport> transport;
    bool busy = false;
  };
  void run();

  AlertOptions options_;
  Factory factory_;
  Random random_;
  ErrorLog on_error_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // wakes the worker
  std::condition_variable idle_cv_;  // wakes flush()
  std::map<std::string, TargetQueue> queues_;
  std::map<std::string, DeliveryStats> stats_;
  size_t total_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ts::agent
