// TSIG secret file loading (0600 check) and wiping.
#include "parentsync/tsig_secret.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <vector>

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

namespace {

// The whole file, if it is a regular file not accessible by group or others.
Result<std::string> read_private_file(const std::string& path, const char* what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return fail(path + ": cannot open " + what + ": " + strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(path + ": " + what + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char octal[8];
    snprintf(octal, sizeof octal, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return fail(path + ": " + what + " must not be accessible by group or others (mode " + octal +
                "; use chmod 600)");
  }
  std::string raw(static_cast<size_t>(st.st_size) + 1, '\0');
  ssize_t n = ::read(fd, raw.data(), raw.size());
  ::close(fd);
  if (n < 0) {
    explicit_bzero(raw.data(), raw.size());
    return fail(path + ": cannot read " + what);
  }
  raw.resize(static_cast<size_t>(n));
  return raw;
}

// Tokens of a BIND key clause: words, quoted strings (quotes dropped), '{', '}', ';'.
std::vector<std::string> key_file_tokens(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '{' || c == '}' || c == ';') {
      out.emplace_back(1, c);
      ++i;
    } else if (c == '"') {
      size_t e = text.find('"', i + 1);
      if (e == std::string::npos) e = text.size();
      out.push_back(text.substr(i + 1, e - i - 1));
      i = e + 1;
    } else {
      size_t b = i;
      while (i < text.size() && !isspace(static_cast<unsigned char>(text[i])) && text[i] != '{' &&
             text[i] != '}' && text[i] != ';' && text[i] != '"')
        ++i;
      out.push_back(text.substr(b, i - b));
    }
  }
  return out;
}

}  // namespace

Result<TsigKey> TsigKey::load_key_file(const std::string& key_file) {
  auto raw = read_private_file(key_file, "TSIG key file");
  if (!raw) return raw.error();
  std::vector<std::string> tok = key_file_tokens(*raw);
  explicit_bzero(raw->data(), raw->size());
  std::string name, algorithm, secret;
  for (size_t i = 0; i + 2 < tok.size() && name.empty(); ++i)
    if (tok[i] == "key" && tok[i + 2] == "{") name = tok[i + 1];
  for (size_t i = 0; i + 1 < tok.size(); ++i) {
    if (tok[i] == "algorithm" && algorithm.empty()) algorithm = tok[i + 1];
    if (tok[i] == "secret" && secret.empty()) secret = tok[i + 1];
  }
  for (auto& t : tok) explicit_bzero(t.data(), t.size());
  if (name.empty() || algorithm.empty() || secret.empty()) {
    explicit_bzero(secret.data(), secret.size());
    return fail(key_file +
                ": not a TSIG key file (expected key \"NAME\" { algorithm ALG; secret "
                "\"BASE64\"; };)");
  }
  for (char& c : algorithm) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  if (!algorithm.empty() && algorithm.back() == '.') algorithm.pop_back();
  TsigKey key(std::move(name), std::move(algorithm), std::move(secret));
  return key;
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
