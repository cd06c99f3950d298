// Audit log: line format, append with fsync + head file, and chain verification.
#include "agent/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/atomic_file.h"
#include "signer/crypto.h"
#include "signer/mac.h"

namespace ts::agent {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Holds flock(LOCK_EX) on an fd for a scope.
class FileLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {
    while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~FileLock() { flock(fd_, LOCK_UN); }

 private:
  int fd_;
};

std::string head_text(uint64_t seq, const std::string& hash) {
  return "{\"seq\":" + std::to_string(seq) + ",\"hash\":\"" + hash + "\"}\n";
}

struct Head {
  uint64_t seq;
  std::string hash;
};

std::optional<Head> parse_head(std::string_view text) {
  constexpr std::string_view kSeq = "{\"seq\":";
  constexpr std::string_view kHash = ",\"hash\":\"";
  if (!text.starts_with(kSeq)) return std::nullopt;
  size_t i = kSeq.size();
  uint64_t seq = 0;
  size_t start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') seq = seq * 10 + (text[i++] - '0');
  if (i == start || text.substr(i, kHash.size()) != kHash) return std::nullopt;
  i += kHash.size();
  if (text.size() < i + 64 + 2 || text.substr(i + 64, 2) != "\"}") return std::nullopt;
  return Head{seq, std::string(text.substr(i, 64))};
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Reads the last line of the file (without its newline); "" for an empty file. Sets
// `complete` to whether the file ends with a newline.
Result<std::string> read_last_line(int fd, off_t size, bool& complete) {
  complete = true;
  if (size == 0) return std::string();
  std::string tail;
  off_t pos = size;
  constexpr off_t kChunk = 4096;
  while (pos > 0) {
    off_t n = std::min(kChunk, pos);
    pos -= n;
    std::string buf(static_cast<size_t>(n), '\0');
    if (pread(fd, buf.data(), n, pos) != n) return fail("audit log: read: " + errno_text());
    tail.insert(0, buf);
    // Look for the newline that ends the line before the last one.
    size_t search_end = tail.size() - (tail.back() == '\n' ? 1 : 0);
    size_t nl = search_end == 0 ? std::string::npos : tail.rfind('\n', search_end - 1);
    if (nl != std::string::npos) {
      tail.erase(0, nl + 1);
      break;
    }
  }
  complete = tail.back() == '\n';
  if (complete) tail.pop_back();
  return tail;
}

}  // namespace

const char* to_string(AuditEvent e) {
  switch (e) {
    case AuditEvent::KeyGenerated:
      return "key-generated";
    case AuditEvent::KeyPublished:
      return "key-published";
    case AuditEvent::KeyActivated:
      return "key-activated";
    case AuditEvent::KeyRetired:
      return "key-retired";
    case AuditEvent::KeyRemoved:
      return "key-removed";
    case AuditEvent::DsSubmitted:
      return "ds-submitted";
    case AuditEvent::DsSeen:
      return "ds-seen";
    case AuditEvent::DsWithdrawn:
      return "ds-withdrawn";
    case AuditEvent::RogueDsFound:
      return "rogue-ds-found";
    case AuditEvent::ChildDsAccepted:
      return "child-ds-accepted";
    case AuditEvent::ChildDsRemoved:
      return "child-ds-removed";
    case AuditEvent::ChildCdsRejected:
      return "child-cds-rejected";
    case AuditEvent::ConfigLoad:
      return "config-load";
    case AuditEvent::ManualCommand:
      return "manual-command";
    case AuditEvent::ParentDsChanged:
      return "parent-ds-changed";
  }
  return "?";
}

std::string audit_actor_uid(uid_t uid) {
  return "uid:" + std::to_string(uid);
}

std::string audit_line_hash(std::string_view line) {
  auto d = signer::digest(signer::DigestType::SHA256,
                          std::span(reinterpret_cast<const uint8_t*>(line.data()), line.size()));
  return signer::hex_lower(d);
}

const std::string& audit_genesis() {
  static const std::string g = audit_line_hash("TrustSync audit log v1");
  return g;
}

std::optional<AuditLineHeader> parse_audit_line_header(std::string_view line) {
  constexpr std::string_view kSeq = "{\"seq\":";
  constexpr std::string_view kPrev = ",\"prev\":\"";
  if (!line.starts_with(kSeq) || !line.ends_with("}")) return std::nullopt;
  size_t i = kSeq.size(), start = i;
  uint64_t seq = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9' && i - start < 19)
    seq = seq * 10 + (line[i++] - '0');
  if (i == start || line.substr(i, kPrev.size()) != kPrev) return std::nullopt;
  i += kPrev.size();
  if (line.size() < i + 65 || line[i + 64] != '"') return std::nullopt;
  std::string prev(line.substr(i, 64));
  if (!is_hex64(prev)) return std::nullopt;
  return AuditLineHeader{seq, std::move(prev)};
}

AuditLog::AuditLog(std::string path, const Clock& clock, int fd)
    : path_(std::move(path)), clock_(clock), fd_(fd), last_hash_(audit_genesis()) {}

AuditLog::~AuditLog() {
  close(fd_);
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path, const Clock& clock,
                                                 unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) return fail(path + ": " + errno_text());
  std::unique_ptr<AuditLog> log(new AuditLog(path, clock, fd));
  FileLock lock(fd);
  std::string head_path = path + ".head";
  auto head_text_now = read_file(head_path);
  std::optional<Head> head = head_text_now ? parse_head(*head_text_now) : std::nullopt;
  // O_WRONLY cannot pread: read the tail through a second descriptor. A kill -9 in the
  // middle of a batch write can leave a torn last line that the head never recorded: it is
  // cut off (the records in it were never acknowledged as written).
  if (Status s = log->load_tail(); !s) {
    bool known = head || !head_text_now;  // a head, or a log never headed yet
    if (!known || !log->drop_torn_tail(head ? head->seq : 0)) return s.error();
    if (Status again = log->load_tail(); !again) return again.error();
  }
  // Head file: create it, or repair it when a crash came between the log and head writes
  // (the head then names an earlier line of the intact chain).
  bool fine = head && head->seq == log->seq_ && head->hash == log->last_hash_;
  if (!fine) {
    bool fresh = !head_text_now && log->seq_ == 0;
    bool behind = head && head->seq < log->seq_ && log->chain_extends(head->seq, head->hash);
    if (!fresh && !behind)
      return fail(path + ": head file " + head_path +
                  " does not match the log; run 'trustsync audit verify " + path + "'");
    if (Status s = write_file_atomically(head_path, head_text(log->seq_, log->last_hash_), mode);
        !s)
      return s.error();
  }
  return log;
}

// The complete lines of the log and the byte offset after each (for the crash repairs).
static Result<std::vector<std::pair<std::string, off_t>>> read_lines(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  std::vector<std::pair<std::string, off_t>> lines;
  size_t start = 0;
  for (size_t nl; (nl = text->find('\n', start)) != std::string::npos; start = nl + 1)
    lines.emplace_back(text->substr(start, nl - start), static_cast<off_t>(nl + 1));
  return lines;
}

bool AuditLog::chain_extends(uint64_t seq, const std::string& hash) const {
  auto lines = read_lines(path_);
  if (!lines || seq > lines->size()) return false;
  std::string prev = seq == 0 ? audit_genesis() : audit_line_hash((*lines)[seq - 1].first);
  if (prev != hash) return false;
  for (size_t i = seq; i < lines->size(); ++i) {  // every later line links to the one before
    auto h = parse_audit_line_header((*lines)[i].first);
    if (!h || h->seq != i + 1 || h->prev != prev) return false;
    prev = audit_line_hash((*lines)[i].first);
  }
  return true;
}

bool AuditLog::drop_torn_tail(uint64_t head_seq) {
  auto lines = read_lines(path_);
  if (!lines || lines->size() < head_seq) return false;  // the head's lines must all be there
  off_t keep = lines->empty() ? 0 : lines->back().second;
  return ftruncate(fd_, keep) == 0 && fsync(fd_) == 0;
}

Status AuditLog::load_tail() {
  int rfd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (rfd < 0) return fail(path_ + ": " + errno_text());
  struct stat st {};
  fstat(rfd, &st);
  bool complete = true;
  auto last = read_last_line(rfd, st.st_size, complete);
  close(rfd);
  if (!last) return fail(path_ + ": " + last.error().message);
  if (!complete)
    return fail(path_ + ": the last line is incomplete; run 'trustsync audit verify " + path_ +
                "'");
  if (last->empty()) {
    seq_ = 0;
    last_hash_ = audit_genesis();
  } else {
    auto h = parse_audit_line_header(*last);
    if (!h) return fail(path_ + ": the last line is not an audit entry");
    seq_ = h->seq;
    last_hash_ = audit_line_hash(*last);
  }
  known_size_ = st.st_size;
  return {};
}

Status AuditLog::append(const AuditRecord& r) {
  return append_all({r});
}

// alertwire: several lines with one write, one fsync and one head update (the daemon audits
// every key event of 100,000 zones; an fsync per line would dominate start-up).
Status AuditLog::append_all(const std::vector<AuditRecord>& records) {
  if (records.empty()) return {};
  std::lock_guard guard(mu_);
  FileLock lock(fd_);
  struct stat st {};
  if (fstat(fd_, &st) != 0) return fail(path_ + ": " + errno_text());
  if (st.st_size != known_size_)  // another process appended
    if (Status s = load_tail(); !s) return s;
  std::string text;
  uint64_t seq = seq_;
  std::string hash = last_hash_;
  std::string time = iso8601_utc(clock_.now());
  for (const AuditRecord& r : records) {
    JsonWriter w;
    w.begin_object()
        .key("seq")
        .value(static_cast<int64_t>(seq + 1))
        .key("prev")
        .value(hash)
        .key("time")
        .value(time)
        .key("zone");
    if (r.zone.empty())
      w.null();
    else
      w.value(r.zone);
    w.key("actor").value(r.actor).key("event").value(to_string(r.event)).key("details");
    write_fields(w, r.details);
    w.end_object();
    ++seq;
    hash = audit_line_hash(w.str());
    text += w.str() + "\n";
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = errno_text();
      if (done > 0 && ftruncate(fd_, known_size_) != 0) {  // drop the torn lines
      }
      return fail(path_ + ": write: " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd_) != 0) return fail(path_ + ": fsync: " + errno_text());
  seq_ = seq;
  last_hash_ = hash;
  known_size_ += static_cast<off_t>(text.size());
  return write_file_atomically(path_ + ".head", head_text(seq_, last_hash_), st.st_mode & 0777);
}

uint64_t AuditLog::entries() const {
  std::lock_guard guard(mu_);
  return seq_;
}

std::string AuditLog::head_hash() const {
  std::lock_guard guard(mu_);
  return last_hash_;
}

Result<AuditVerifyReport> verify_audit_log(const std::string& path, const std::string& head_path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open: " + errno_text());
  AuditVerifyReport r;
  r.last_hash = audit_genesis();
  auto bad = [&](uint64_t line, std::string problem) {
    r.ok = false;
    r.bad_line = line;
    r.problem = std::move(problem);
    return r;
  };
  std::string line;
  uint64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string at = "line " + std::to_string(n);
    if (in.eof()) return bad(n, at + " is incomplete (no newline): the log was truncated");
    auto h = parse_audit_line_header(line);
    if (!h) return bad(n, at + " is not an audit entry: changed or inserted");
    if (h->seq != n) {
      if (h->seq > n)
        return bad(n, at + " holds entry " + std::to_string(h->seq) + ": entr" +
                          (h->seq == n + 1
                               ? "y " + std::to_string(n)
                               : "ies " + std::to_string(n) + ".." + std::to_string(h->seq - 1)) +
                          " removed (or lines reordered)");
      return bad(n, at + " holds entry " + std::to_string(h->seq) +
                        " again: a line was inserted or lines were reordered");
    }
    if (h->prev != r.last_hash) {
      if (n == 1)
        return bad(1, "line 1 does not start the chain: the log's beginning was replaced");
      return bad(n - 1, "line " + std::to_string(n - 1) + " was changed (its hash does not match " +
                            "'prev' of line " + std::to_string(n) + ")");
    }
    r.last_hash = audit_line_hash(line);
    r.entries = n;
  }
  if (head_path.empty()) return r;
  auto text = read_file(head_path);
  if (!text) return bad(0, "head file " + head_path + " is missing: " + text.error().message);
  auto head = parse_head(*text);
  if (!head) return bad(0, "head file " + head_path + " is malformed");
  r.head_checked = true;
  if (head->seq > n)
    return bad(n + 1, "the log ends after line " + std::to_string(n) +
                          " but the head file records " + std::to_string(head->seq) +
                          " entries: lines " + std::to_string(n + 1) + ".." +
                          std::to_string(head->seq) + " removed (truncated)");
  if (head->seq < n)
    return bad(head->seq + 1, "line " + std::to_string(head->seq + 1) +
                                  " and after are not recorded in the head file (appended by "
                                  "someone else, or a crash before the head update)");
  if (head->hash != r.last_hash)
    return bad(
        n, "line " + std::to_string(n) + " was changed (its hash does not match the head file)");
  return r;
}

}  // namespace ts::agent
