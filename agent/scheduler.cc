// Scheduler: priority queue of zone events, per-zone exclusion and a worker pool.
#include "agent/scheduler.h"

#include <algorithm>
#include <chrono>

namespace ts::agent {

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::Maintain:
      return "maintain";
    case EventKind::Resign:
      return "resign";
    case EventKind::Rollover:
      return "rollover";
    case EventKind::Retry:
      return "retry";
  }
  return "?";
}

Scheduler::Scheduler(const Clock& clock, unsigned workers, Handler handler)
    : clock_(clock), handler_(std::move(handler)) {
  workers = std::max(1u, workers);
  for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

Scheduler::~Scheduler() {
  stop();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void Scheduler::schedule(UnixTime at, const std::string& zone, EventKind kind) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    Key key{zone, kind};
    auto it = pending_.find(key);
    if (it != pending_.end() && it->second.first <= at) return;
    // The dispatcher sleeps until the earliest event: only an earlier one, or one due now,
    // needs it awake (not every zone's next re-signing, ~1 wake-up per zone and pass).
    wake = heap_.empty() || at < heap_.top().at || at <= clock_.now();
    uint64_t seq = ++seq_;
    pending_[key] = {at, seq};
    heap_.push(Entry{at, seq, zone, kind});
  }
  if (wake) dispatch_cv_.notify_all();
}

void Scheduler::cancel(const std::string& zone) {
  std::lock_guard lock(mu_);
  for (auto it = pending_.begin(); it != pending_.end();)
    it = it->first.first == zone ? pending_.erase(it) : std::next(it);
  std::erase_if(work_, [&](const Event& e) { return e.zone == zone; });
}

std::optional<UnixTime> Scheduler::next_time() const {
  std::lock_guard lock(mu_);
  std::optional<UnixTime> best;
  for (const auto& [k, v] : pending_)
    if (!best || v.first < *best) best = v.first;
  return best;
}

std::optional<UnixTime> Scheduler::pending(const std::string& zone, EventKind kind) const {
  std::lock_guard lock(mu_);
  auto it = pending_.find({zone, kind});
  if (it == pending_.end()) return std::nullopt;
  return it->second.first;
}

size_t Scheduler::pending_count() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

size_t Scheduler::dispatch_due_locked(UnixTime now) {
  size_t n = 0;
  std::vector<Entry> deferred;  // due, but their zone is busy
  while (!heap_.empty() && heap_.top().at <= now) {
    Entry e = heap_.top();
    heap_.pop();
    auto it = pending_.find({e.zone, e.kind});
    if (it == pending_.end() || it->second.second != e.seq) continue;  // stale entry
    if (busy_.count(e.zone)) {
      deferred.push_back(e);
      continue;
    }
    pending_.erase(it);
    busy_.insert(e.zone);
    work_.push_back(Event{e.at, e.zone, e.kind});
    ++n;
  }
  for (auto& e : deferred) heap_.push(e);
  if (n) work_cv_.notify_all();
  return n;
}

void Scheduler::worker_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stopping_ || !work_.empty(); });
    if (stopping_ && work_.empty()) return;
    Event e = std::move(work_.front());
    work_.pop_front();
    ++running_;
    lock.unlock();
    try {
      handler_(e);
    } catch (...) {
      // The handler owns error reporting; a throwing zone must not take the worker down.
    }
    lock.lock();
    --running_;
    ++ran_;
    busy_.erase(e.zone);
    if (work_.empty() && running_ == 0) idle_cv_.notify_all();
    // Events deferred while this zone was busy are due: the dispatcher hands them out now.
    if (!heap_.empty() && heap_.top().at <= clock_.now()) dispatch_cv_.notify_all();
  }
}

size_t Scheduler::run_due() {
  std::unique_lock lock(mu_);
  size_t before = ran_;
  for (;;) {
    dispatch_due_locked(clock_.now());
    idle_cv_.wait(lock, [&] { return work_.empty() && running_ == 0; });
    // Handlers may have scheduled more due events, or deferred ones are now free.
    bool more = !heap_.empty() && heap_.top().at <= clock_.now();
    if (!more) break;
    // Skip stale entries at the top before deciding.
    while (!heap_.empty() && heap_.top().at <= clock_.now()) {
      auto it = pending_.find({heap_.top().zone, heap_.top().kind});
      if (it != pending_.end() && it->second.second == heap_.top().seq) break;
      heap_.pop();
    }
    if (heap_.empty() || heap_.top().at > clock_.now()) break;
  }
  return ran_ - before;
}

void Scheduler::wait_idle() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [&] { return work_.empty() && running_ == 0; });
}

void Scheduler::start() {
  std::lock_guard lock(mu_);
  if (dispatching_) return;
  dispatching_ = true;
  dispatcher_ = std::thread([this] { dispatcher_loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    if (!dispatching_) return;
    dispatching_ = false;
  }
  dispatch_cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
}

void Scheduler::wake() {
  dispatch_cv_.notify_all();
}

void Scheduler::dispatcher_loop() {
  std::unique_lock lock(mu_);
  while (dispatching_) {
    UnixTime now = clock_.now();
    dispatch_due_locked(now);
    // Sleep until the next event, at most 1 s (the clock is not a steady clock).
    auto wait = std::chrono::milliseconds(1000);
    if (!heap_.empty()) {
      int64_t s = heap_.top().at - now;
      if (s <= 0)
        wait = std::chrono::milliseconds(50);  // due but its zone is busy
      else if (s < 1)
        wait = std::chrono::milliseconds(s * 1000);
    }
    dispatch_cv_.wait_for(lock, wait);
  }
}

}  // namespace ts::agent
