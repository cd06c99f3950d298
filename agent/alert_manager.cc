// Alert deduplication, rate limiting and recovery notices (see alert_manager.h).
#include "agent/alert_manager.h"

namespace ts::agent {

bool TokenBucket::take(UnixTime now) {
  if (interval_ > 0 && now > last_) {
    int64_t earned = (now - last_) / interval_;
    if (earned > 0) {
      tokens_ = std::min(burst_, tokens_ + earned);
      last_ += earned * interval_;
    }
    if (tokens_ == burst_) last_ = now;
  }
  if (tokens_ <= 0) return false;
  --tokens_;
  return true;
}

AlertManager::AlertManager(const Clock& clock, AlertDispatcher& out, const AlertSettings& settings)
    : clock_(clock), out_(out), settings_(settings) {}

bool AlertManager::take_token(const std::string& target, UnixTime now) {
  auto it = buckets_.find(target);
  if (it == buckets_.end())
    it = buckets_
             .emplace(target,
                      TokenBucket(settings_.rate_burst, settings_.rate_interval.seconds, now))
             .first;
  return it->second.take(now);
}

void AlertManager::raise(const AlertEvent& e) {
  UnixTime now = clock_.now();
  std::lock_guard lock(mu_);
  std::string key = dedup_key(e);
  if (auto it = active_.find(key); it != active_.end()) {
    it->second.last_seen = now;
    it->second.event.evidence = e.evidence;  // fresh evidence for the recovery notice
    return;
  }
  ActiveAlert& a = active_[key];
  a.event = e;
  a.since = a.last_seen = now;
  counts_.active[e.kind]++;
  counts_.raised_total[e.kind]++;
  for (const std::string& target : e.targets) {
    if (!take_token(target, now)) {
      suppressed_[target]++;
      counts_.suppressed_total++;
      continue;
    }
    Notification n{e, false, a.since, now, suppressed_[target]};
    if (out_.submit(target, std::move(n))) {
      suppressed_[target] = 0;
      a.notified.insert(target);
    } else {
      counts_.dropped_total++;
    }
  }
}

void AlertManager::resolve(const AlertEvent& e) {
  UnixTime now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = active_.find(dedup_key(e));
  if (it == active_.end()) return;
  ActiveAlert a = std::move(it->second);
  active_.erase(it);
  counts_.active[a.event.kind]--;
  counts_.resolved_total[a.event.kind]++;
  AlertEvent ev = a.event;  // evidence as last seen; the resolver may add its own
  if (!e.evidence.empty()) ev.evidence = e.evidence;
  if (!e.summary.empty()) ev.summary = e.summary;
  for (const std::string& target : a.notified) {
    Notification n{ev, true, a.since, now, suppressed_[target]};
    if (out_.submit(target, std::move(n)))
      suppressed_[target] = 0;
    else
      counts_.dropped_total++;
  }
}

std::vector<ActiveAlert> AlertManager::active() const {
  std::lock_guard lock(mu_);
  std::vector<ActiveAlert> out;
  for (const auto& [k, a] : active_) out.push_back(a);
  return out;
}

AlertCounts AlertManager::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

}  // namespace ts::agent
