// SyncBatcher: leader/follower group syncfs(2).
#include "agent/sync_batch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ts::agent {

SyncBatcher::~SyncBatcher() {
  for (auto& [dev, fd] : fds_) ::close(fd);
}

Result<int> SyncBatcher::fd_for(const std::string& dir) {
  // A directory's file system is looked up once (a stat per call was 10% of sync()).
  if (auto known = dev_of_.find(dir); known != dev_of_.end()) return known->second;
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0)
    return fail(dir + ": cannot stat for syncfs: " + std::strerror(errno));
  if (fds_.find(st.st_dev) == fds_.end()) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(dir + ": cannot open for syncfs: " + std::strerror(errno));
    fds_[st.st_dev] = fd;
  }
  dev_of_[dir] = st.st_dev;
  return st.st_dev;
}

uint64_t SyncBatcher::ticket(const std::vector<std::string>& dirs) {
  std::lock_guard lock(mu_);
  for (const auto& dir : dirs) {
    auto dev = fd_for(dir);
    if (!dev) return UINT64_MAX;  // never covered: the caller's sync() reports the error
    dirty_.insert(static_cast<dev_t>(*dev));
  }
  return ++requested_;
}

bool SyncBatcher::covered(uint64_t ticket) {
  std::lock_guard lock(mu_);
  return completed_ >= ticket;
}

uint64_t SyncBatcher::rounds() {
  std::lock_guard lock(mu_);
  return rounds_;
}

Status SyncBatcher::sync(const std::vector<std::string>& dirs) {
  std::unique_lock lock(mu_);
  for (const auto& dir : dirs) {
    auto dev = fd_for(dir);
    if (!dev) return dev.error();
    dirty_.insert(static_cast<dev_t>(*dev));
  }
  uint64_t mine = ++requested_;
  while (completed_ < mine) {
    if (running_) {
      waiters_.wait(lock, mine, [&] { return completed_ >= mine || !running_; });
      continue;
    }
    // Leader: one round covers every request made so far.
    running_ = true;
    uint64_t first = completed_ + 1, covers = requested_;
    std::vector<std::pair<dev_t, int>> todo;
    for (dev_t d : dirty_) todo.emplace_back(d, fds_.at(d));
    dirty_.clear();
    lock.unlock();
    std::string err;
    for (auto [d, fd] : todo)
      if (::syncfs(fd) != 0 && err.empty())
        err = std::string("syncfs failed: ") + std::strerror(errno);
    lock.lock();
    ++rounds_;
    if (!err.empty()) errors_[covers] = std::to_string(first) + "\t" + err;
    completed_ = covers;
    running_ = false;
    waiters_.release(covers);
    waiters_.wake_first_after(covers);  // it leads the next round
  }
  auto it = errors_.lower_bound(mine);
  if (it != errors_.end()) {
    auto tab = it->second.find('\t');
    if (std::stoull(it->second.substr(0, tab)) <= mine) return fail(it->second.substr(tab + 1));
  }
  return {};
}

}  // namespace ts::agent
