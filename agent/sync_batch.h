// Group durability for files (like a group commit, for the file system): many workers write
// their files without fsync, then each calls sync(dir) and returns once one syncfs(2) that
// STARTED after its call has completed on the file system holding `dir`. One syncfs makes a
// whole batch durable (file data and directory entries, renames included), instead of one
// fsync per file and one per directory: ~50 us per small file instead of ~2 ms on this disk.
//
//   SyncBatcher sync;
//   write temp files ...;            // no fsync
//   if (auto s = sync.sync(dir); !s) ...;   // durable now
//   rename(tmp, final);  uint64_t t = sync.ticket();   // durable once sync.covered(t)
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/seq_waiters.h"
#include "common/result.h"

namespace ts::agent {

class SyncBatcher {
 public:
  SyncBatcher() = default;
  ~SyncBatcher();
  SyncBatcher(const SyncBatcher&) = delete;
  SyncBatcher& operator=(const SyncBatcher&) = delete;

  /// Blocks until everything written before the call to the file system of `dir` is durable.
  Status sync(const std::string& dir) { return sync(std::vector<std::string>{dir}); }
  /// The same for the file systems of several directories (one round for all).
  Status sync(const std::vector<std::string>& dirs);
  /// A ticket for writes to the file system of `dir` done before this call (no wait):
  /// covered() once a sync round started after it has ended.
  uint64_t ticket(const std::vector<std::string>& dirs);
  bool covered(uint64_t ticket);
  /// syncfs(2) calls made (tests, bench).
  uint64_t rounds();

 private:
  Result<int> fd_for(const std::string& dir);  // mu_ held

  std::mutex mu_;
  SeqWaiters waiters_;
  uint64_t requested_ = 0, completed_ = 0, rounds_ = 0;
  bool running_ = false;
  std::map<dev_t, int> fds_;                // one open directory per file system
  std::map<std::string, dev_t> dev_of_;     // directory -> its file system
  std::set<dev_t> dirty_;                   // file systems with requests since the last round
  std::map<uint64_t, std::string> errors_;  // round end ticket -> first ticket \t message
};

}  // namespace ts::agent
