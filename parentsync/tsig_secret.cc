// TSIG secret file loading (0600 check) and wiping.
#include "parentsync/tsig_secret.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>

namespace ts::parentsync {

TsigKey::TsigKey(std::string name, std::string algorithm, std::string secret)
    : name_(std::move(name)), algorithm_(std::move(algorithm)), secret_(std::move(secret)) {
  if (!name_.empty() && name_.back() != '.') name_ += '.';
}

TsigKey TsigKey::from_secret(std::string name, std::string algorithm, std::string secret) {
  return TsigKey(std::move(name), std::move(algorithm), std::move(secret));
}

TsigKey::TsigKey(TsigKey&& o) noexcept
    : name_(std::move(o.name_)), algorithm_(std::move(o.algorithm_)) {
  secret_.swap(o.secret_);
}

TsigKey& TsigKey::operator=(TsigKey&& o) noexcept {
  if (this != &o) {
    wipe();
    name_ = std::move(o.name_);
    algorithm_ = std::move(o.algorithm_);
    secret_.swap(o.secret_);
  }
  return *this;
}

TsigKey::~TsigKey() {
  wipe();
}

void TsigKey::wipe() {
  if (!secret_.empty()) explicit_bzero(secret_.data(), secret_.size());
  secret_.clear();
}

Result<TsigKey> TsigKey::load(std::string name, std::string algorithm,
                              const std::string& secret_file) {
  int fd = ::open(secret_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return fail(secret_file + ": cannot open TSIG secret: " + strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(secret_file + ": TSIG secret is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char octal[8];
    snprintf(octal, sizeof octal, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return fail(secret_file +
                ": TSIG secret file must not be accessible by group or others (mode " + octal +
                "; use chmod 600)");
  }
  std::string raw(static_cast<size_t>(st.st_size) + 1, '\0');
  ssize_t n = ::read(fd, raw.data(), raw.size());
  ::close(fd);
  if (n < 0) {
    explicit_bzero(raw.data(), raw.size());
    return fail(secret_file + ": cannot read TSIG secret");
  }
  size_t b = 0, e = static_cast<size_t>(n);
  while (b < e && isspace(static_cast<unsigned char>(raw[b]))) ++b;
  while (e > b && isspace(static_cast<unsigned char>(raw[e - 1]))) --e;
  TsigKey key(std::move(name), std::move(algorithm), raw.substr(b, e - b));
  explicit_bzero(raw.data(), raw.size());
  if (key.secret_.empty()) return fail(secret_file + ": TSIG secret file is empty");
  return key;
}

}  // namespace ts::parentsync
