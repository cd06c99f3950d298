// Crash-safe file output: content goes to a temporary file in the target's directory,
// is fsync'ed, renamed over the target, and the directory is fsync'ed. A reader (or a
// restart after kill -9) sees the old file or the new one, never half of one.
//
//   AtomicFile out("/var/lib/ts/zone.signed", 0644);
//   if (!out.open()) ...; fwrite(..., out.stream()); ...; Status s = out.commit();
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ts {

class AtomicFile {
 public:
  AtomicFile(std::string path, unsigned mode);
  ~AtomicFile();  // discards the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status open();
  FILE* stream() { return fp_; }
  /// Flushes, fsyncs, renames over the target and fsyncs the directory.
  Status commit();

 private:
  std::string path_;
  std::string tmp_path_;
  unsigned mode_;
  FILE* fp_ = nullptr;
  bool committed_ = false;
};

/// Writes `content` to `path` atomically with the given mode.
Status write_file_atomically(const std::string& path, std::string_view content, unsigned mode);

/// Creates `path` exclusively (O_EXCL) with mode 0600 and writes `content`, fsync'ed.
/// Fails if the file exists: key files are never overwritten.
Status write_new_secret_file(const std::string& path, std::string_view content);

/// fsync(2)s a directory (its entries: a rename or a new file in it becomes durable).
Status fsync_directory(const std::string& dir);

/// rename(2) that never replaces: false when `to` exists (renameat2 RENAME_NOREPLACE; where
/// the file system lacks it, link(2) + unlink(2), equally atomic for the target).
Result<bool> rename_no_replace(const std::string& from, const std::string& to);

/// The directory part of `path` ("." for a bare name, "/" for a file at the root).
std::string directory_of(const std::string& path);

/// Reads a whole file.
Result<std::string> read_file(const std::string& path);

/// Reads at most `limit` bytes from the start of `path` (fewer when the file is shorter);
/// nullopt when there is no such file. Errors name the path.
Result<std::optional<std::string>> read_file_prefix(const std::string& path, size_t limit);

}  // namespace ts
