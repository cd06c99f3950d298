// read_secret_file: one reader for key files in clear; see secret_file.h.
#include "signer/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ts::signer {
namespace {

constexpr off_t kMaxSecretFileSize = 1 << 20;

/// Closes the descriptor on every path out of read_secret_file.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<SecretString> read_secret_file(const std::string& path, SecretFileRules rules) {
  int flags = O_RDONLY | O_CLOEXEC;
  if (rules == SecretFileRules::kOwnerOnly) flags |= O_NOFOLLOW;
  Fd f{::open(path.c_str(), flags)};
  if (f.fd < 0) return fail(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) return fail(path + ": not a regular file");
  if (st.st_size > kMaxSecretFileSize) return fail(path + ": too large for a key file");
  if (rules == SecretFileRules::kOwnerOnly && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(path + ": private key file is accessible by group or others (mode " + mode +
                "); run chmod 600");
  }
  std::string buf(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::read(f.fd, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  SecretString out(std::move(buf));  // cleansed when dropped, also on the error path
  if (done != out.str().size()) return fail(path + ": short read");
  return out;
}

}  // namespace ts::signer
