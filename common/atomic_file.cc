// Crash-safe file writes (temp -> fsync -> rename -> fsync dir) and exclusive secret files.
#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ts {

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

Status fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return fail(dir + ": cannot open directory: " + errno_text());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return fail(dir + ": fsync failed: " + errno_text());
  return {};
}

AtomicFile::AtomicFile(std::string path, unsigned mode) : path_(std::move(path)), mode_(mode) {}

AtomicFile::~AtomicFile() {
  if (fp_) std::fclose(fp_);
  if (!committed_ && !tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

Status AtomicFile::open() {
  std::string templ = path_ + ".tmp.XXXXXX";
  int fd = ::mkstemp(templ.data());
  if (fd < 0) return fail(path_ + ": cannot create temporary file: " + errno_text());
  tmp_path_ = templ;
  if (::fchmod(fd, mode_) != 0) {
    std::string msg = tmp_path_ + ": chmod failed: " + errno_text();
    ::close(fd);  // the destructor unlinks the temporary file; the descriptor is ours to close
    return fail(msg);
  }
  fp_ = ::fdopen(fd, "w");
  if (!fp_) {
    ::close(fd);
    return fail(tmp_path_ + ": fdopen failed: " + errno_text());
  }
  static constexpr size_t kBuffer = 1 << 20;
  std::setvbuf(fp_, nullptr, _IOFBF, kBuffer);
  return {};
}

Status AtomicFile::commit() {
  if (!fp_) return fail(path_ + ": not open");
  bool ok = std::fflush(fp_) == 0 && !std::ferror(fp_);
  ok = ok && ::fsync(fileno(fp_)) == 0;
  int close_rc = std::fclose(fp_);
  fp_ = nullptr;
  if (!ok || close_rc != 0) return fail(path_ + ": write failed: " + errno_text());
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    return fail(path_ + ": rename failed: " + errno_text());
  committed_ = true;
  return fsync_directory(directory_of(path_));
}

Status write_file_atomically(const std::string& path, std::string_view content, unsigned mode) {
  AtomicFile out(path, mode);
  if (auto s = out.open(); !s) return s;
  if (!content.empty() &&
      std::fwrite(content.data(), 1, content.size(), out.stream()) != content.size())
    return fail(path + ": write failed: " + errno_text());
  return out.commit();
}

Status write_new_secret_file(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(path + ": cannot create: " + errno_text());
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = path + ": write failed: " + errno_text();
      ::close(fd);
      ::unlink(path.c_str());
      return fail(msg);
    }
    done += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;  // close even when fsync fails: no fd leak
  if (::close(fd) != 0 || !synced) {
    ::unlink(path.c_str());
    return fail(path + ": fsync failed: " + errno_text());
  }
  return fsync_directory(directory_of(path));
}

Result<bool> rename_no_replace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    return fail("rename " + from + " -> " + to + ": " + errno_text());
  if (::link(from.c_str(), to.c_str()) != 0) {
    if (errno == EEXIST) return false;
    return fail("link " + from + " -> " + to + ": " + errno_text());
  }
  ::unlink(from.c_str());  // `to` is in place; a leftover `from` is a duplicate, not a loss
  return true;
}

Result<std::optional<std::string>> read_file_prefix(const std::string& path, size_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return fail(path + ": cannot open: " + errno_text());
  }
  std::string text(limit, '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string msg = path + ": read failed: " + errno_text();
      ::close(fd);
      return fail(msg);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  return std::optional<std::string>(std::move(text));
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open: " + errno_text());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return fail(path + ": read failed");
  return ss.str();
}

}  // namespace ts
