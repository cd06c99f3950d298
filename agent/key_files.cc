// Staged (unsynced) key files, their renames and the roll-forward.
#include "agent/key_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "common/atomic_file.h"
#include "signer/dnssec_records.h"
#include "signer/key_file.h"
#include "signer/secret_file.h"

namespace ts::agent {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

bool exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

}  // namespace

std::string random_hex(size_t n) {
  static const char* kHex = "0123456789abcdef";
  thread_local std::mt19937_64 gen = [] {
    signer::Bytes b = signer::random_bytes(32);
    std::array<uint32_t, 8> words{};
    std::memcpy(words.data(), b.data(), sizeof words);
    std::seed_seq seq(words.begin(), words.end());
    return std::mt19937_64(seq);
  }();
  std::string out;
  out.reserve(n + 16);
  while (out.size() < n) {
    uint64_t r = gen();
    for (int i = 0; i < 16; ++i, r >>= 4) out += kHex[r & 15];
  }
  out.resize(n);
  return out;
}

void StagedFiles::undo_since(const Mark& m) {
  for (size_t i = m.files; i < created.size(); ++i) ::unlink(created[i].c_str());
  created.resize(m.files);
  renames.resize(m.renames);
  writes.resize(m.writes);
}

std::vector<std::string> staged_dirs(const Renames& renames, const Writes& writes) {
  std::vector<std::string> out;
  auto add = [&](const std::string& path) {
    std::string dir = directory_of(path);
    if (std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(dir);
  };
  for (const auto& r : renames) add(r.second);
  for (const auto& w : writes) add(w.first);
  return out;
}

void StagedFiles::abandon() {
  for (const auto& p : created) ::unlink(p.c_str());
  created.clear();
  renames.clear();
  writes.clear();
}

namespace {

/// Writes all of `content` to the open `fd`; the error names `path`.
Status write_all(int fd, const std::string& path, std::string_view content) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(path + ": write failed: " + errno_text());
    off += static_cast<size_t>(n);
  }
  return {};
}

/// write_all(), then closes `fd` (also after a failed write).
Status write_and_close(int fd, const std::string& path, std::string_view content) {
  Status s = write_all(fd, path, content);
  if (::close(fd) != 0 && s) return fail(path + ": close failed: " + errno_text());
  return s;
}

}  // namespace

Status write_new_file(const std::string& path, std::string_view content, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return fail(path + ": cannot create: " + errno_text());
  Status s = write_and_close(fd, path, content);
  if (!s) ::unlink(path.c_str());
  return s;
}

Result<signer::KeyMeta> stage_new_key(const signer::FileKeyStore& ks, const Name& origin,
                                      signer::KeyRole role, const signer::PrivateKey& key,
                                      UnixTime created, StagedFiles& out,
                                      const std::string& id_base) {
  signer::KeyMeta m;
  m.origin = origin.lowered();
  m.algorithm = key.algorithm();
  m.bits = key.bits();
  m.role = role;
  m.flags = signer::key_role_flags(role);
  m.public_key = key.public_key();
  m.tag = signer::key_tag(signer::dnskey_rdata(m));
  m.created = created;
  auto pem = key.to_pkcs8_pem();
  if (!pem) return pem.error();
  std::string base = id_base;
  if (base.empty()) {
    char num[16];
    std::snprintf(num, sizeof num, "+%03u+%05u", static_cast<unsigned>(m.algorithm),
                  static_cast<unsigned>(m.tag));
    std::string o = m.origin.to_text();
    for (char& c : o)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
    base = "K" + o + num;
  }
  // The key file (metadata + private key) is staged under a temporary name; the rename after
  // the commit gives it its id. An id already taken (a key of the earlier layout has its
  // private file too) is skipped: the next try takes a random suffix. The key directory is
  // made when the first file cannot be created (not a mkdir per key).
  bool made_dir = false;
  for (int attempt = 0;; ++attempt) {
    m.id = base;
    if (attempt > 0 || !id_base.empty()) m.id += "-" + random_hex(6);
    if (exists(ks.private_path(m.id)) || exists(ks.meta_path(m.id))) {
      if (attempt >= 8) return fail(ks.private_path(m.id) + ": no free key id");
      continue;
    }
    std::string staged = ks.private_path(m.id) + kStagedMarker + random_hex(kStagedHex);
    Status s = write_new_file(staged, signer::format_key_file(m, pem->str()).str(), 0600);
    if (s) {
      out.created.push_back(staged);
      out.renames.emplace_back(staged, ks.private_path(m.id));
      return m;
    }
    if (made_dir || exists(ks.dir())) return s.error();
    if (::mkdir(ks.dir().c_str(), 0700) != 0 && errno != EEXIST)
      return fail(ks.dir() + ": cannot create key directory: " + errno_text());
    made_dir = true;
    --attempt;  // the same id once more, now that the directory is there
  }
}

Result<signer::KeyMeta> stage_key_assignment(const signer::FileKeyStore& ks, const std::string& id,
                                             const signer::PrivateKey& key, const Name& origin,
                                             signer::KeyRole role, UnixTime created,
                                             StagedFiles& out) {
  signer::KeyMeta m;
  m.id = id;
  m.origin = origin.lowered();
  m.algorithm = key.algorithm();
  m.bits = key.bits();
  m.role = role;
  m.flags = signer::key_role_flags(role);
  m.public_key = key.public_key();
  m.tag = signer::key_tag(signer::dnskey_rdata(m));
  m.created = created;
  // A pool key keeps its bare private file (the earlier layout): its metadata goes to
  // `<id>.meta`, written from the record after the commit (apply_writes). Replacing the pool
  // file by a key file instead freed an inode per pooled key, and ext4 (without a journal)
  // makes the next file creations dearer after that: a 30,000-zone start took 25% longer.
  out.writes.emplace_back(ks.meta_path(id), signer::format_key_meta(m));
  return m;
}

size_t remove_stale_temporaries(const std::string& dir, const std::string& marker, size_t hex_len,
                                const std::set<std::string>* bases,
                                const std::set<std::string>* keep) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return 0;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    size_t at = n.rfind(marker);
    if (at == std::string::npos || at == 0 || n.size() != at + marker.size() + hex_len) continue;
    if (!std::all_of(n.begin() + static_cast<std::ptrdiff_t>(at + marker.size()), n.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
      continue;
    if (bases && !bases->count(n.substr(0, at))) continue;
    if (keep && keep->count(n)) continue;
    stale.push_back(dir + "/" + n);
  }
  size_t removed = 0;
  for (const auto& p : stale) removed += ::unlink(p.c_str()) == 0;
  return removed;
}

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Puts the staged key file `from` at `to`, never replacing anything: a file already there is
/// accepted only when it is `from`'s very text (a rename applied before; `from` then goes).
Status place_key_file(const std::string& from, const std::string& to, bool roll_forward) {
  auto placed = rename_no_replace(from, to);
  if (!placed) {
    if (roll_forward && !exists(from)) return {};  // applied before the crash
    return placed.error();
  }
  if (*placed) return {};
  constexpr auto kRules = signer::SecretFileRules::kOwnerOnly;
  auto staged = signer::read_secret_file(from, kRules);
  if (!staged) return staged.error();
  auto present = signer::read_secret_file(to, kRules);
  if (!present) return present.error();
  if (present->str() != staged->str())
    return fail(to + ": exists and holds another key; the new key stays in " + from);
  ::unlink(from.c_str());
  return {};
}

}  // namespace

Status apply_renames(const Renames& renames, bool roll_forward) {
  for (const auto& [from, to] : renames) {
    if (ends_with(to, ".private.pem")) {
      if (Status s = place_key_file(from, to, roll_forward); !s) return s;
      continue;
    }
    if (::rename(from.c_str(), to.c_str()) == 0) continue;
    if (roll_forward && errno == ENOENT) continue;
    return fail("rename " + from + " -> " + to + ": " + errno_text());
  }
  return {};
}

namespace {

/// Makes `path` appear complete or not at all, without a named temporary: an unnamed file
/// (O_TMPFILE) linked in once written. False: not possible here (the file exists, the
/// file system has no O_TMPFILE, /proc is missing, ...): the caller writes it atomically.
Result<bool> link_new_file(const std::string& path, std::string_view content) {
  int fd = ::open(directory_of(path).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::string proc = "/proc/self/fd/" + std::to_string(fd);
  if (Status s = write_all(fd, path, content); !s) {
    ::close(fd);
    return s.error();
  }
  // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc form does not (open(2)).
  int rc = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW);
  ::close(fd);
  return rc == 0;  // else: exists already, no /proc, not allowed here, ...
}

}  // namespace

Status apply_writes(const Writes& writes, bool roll_forward) {
  for (const auto& [path, content] : writes) {
    if (roll_forward) {  // usually written already: only a missing or different file again
      if (auto now = read_file(path); now && *now == content) continue;
      if (Status s = write_file_atomically(path, content, 0600); !s) return s;
      continue;
    }
    auto linked = link_new_file(path, content);
    if (!linked) return linked.error();
    if (!*linked)
      if (Status s = write_file_atomically(path, content, 0600); !s) return s;
  }
  return {};
}

std::vector<signer::KeyMeta> read_all_key_meta(const std::string& dir) {
  std::vector<Error> skipped;  // unreadable or malformed files: not keys of any zone
  auto all = signer::read_key_directory(dir, &skipped);
  return all ? std::move(*all) : std::vector<signer::KeyMeta>{};
}

}  // namespace ts::agent
