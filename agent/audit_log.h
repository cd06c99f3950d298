// The audit trail: an append-only file of JSON lines, one per thing done to a zone's keys or
// DS (generated, published, activated, retired, removed; DS submitted, seen, withdrawn; rogue
// DS found and what was done), each config load and each manual command, with when (ISO 8601
// UTC from the injected Clock), which zone, who (the uid of a command or "agent") and details.
// Each line carries `prev`, the SHA-256 (hex) of the previous line's bytes (kAuditGenesis for
// the first) and `seq`, its 1-based line number, so that a changed, removed, inserted or
// reordered line breaks the chain. A head file (PATH.head, written atomically after each
// append) records the entry count and the hash of the last line, so that lines cut from the
// end are noticed too. Appends are O_APPEND writes of a whole line, fsync'ed, under a mutex
// and flock() (one writer process at a time). The file is created 0600 (or the given mode).
// Deviation worth knowing: whoever can write the file AND its head file can rewrite history;
// copy the head hash elsewhere (log shipping, metrics) for stronger guarantees.
//
//   auto log = AuditLog::open("/var/lib/trustsync/audit.jsonl", clock);
//   log->append({AuditEvent::KeyActivated, "example.test.", kAuditActorAgent,
//                {{"tag", int64_t{12345}}, {"role", "zsk"}}});
//   auto report = verify_audit_log("/var/lib/trustsync/audit.jsonl");  // trustsync audit verify
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/json_writer.h"
#include "common/clock.h"
#include "common/result.h"

namespace ts::agent {

enum class AuditEvent {
  KeyGenerated,
  KeyPublished,
  KeyActivated,
  KeyRetired,
  KeyRemoved,
  DsSubmitted,
  DsSeen,
  DsWithdrawn,
  RogueDsFound,  // details: the DS, the servers serving it, "action" taken
  // childscan: a parent zone signed here and a child's CDS/CDNSKEY (agent/daemon_childscan.h);
  // the record's zone is the parent, details name the child, the DS set and the reason.
  ChildDsAccepted,   // a new DS set for the child goes into the parent
  ChildDsRemoved,    // the child asked for DS removal (RFC 8078 delete form)
  ChildCdsRejected,  // the child's CDS/CDNSKEY failed the acceptance rules
  ConfigLoad,
  ManualCommand,    // details: "command" line
  ParentDsChanged,  // managed: a child's DS added to / removed from a parent zone signed here
};

/// "key-generated", "ds-seen", "rogue-ds-found", "config-load", "manual-command" ...
const char* to_string(AuditEvent e);

inline constexpr const char* kAuditActorAgent = "agent";
/// "uid:1000": the actor of a manual command.
std::string audit_actor_uid(uid_t uid);

struct AuditRecord {
  AuditEvent event;
  std::string zone;   // absolute name; "" for process-wide events (written as null)
  std::string actor;  // kAuditActorAgent or audit_actor_uid()
  JsonFields details;
};

/// Hex SHA-256 of "TrustSync audit log v1": the `prev` of the first line.
const std::string& audit_genesis();

/// Hex SHA-256 of one line (without its newline).
std::string audit_line_hash(std::string_view line);

class AuditLog {
 public:
  /// Opens (creates with `mode`) the log; fails if its last line is incomplete or does not
  /// parse. A head file one entry behind the log (crash between the two writes) is repaired.
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path, const Clock& clock,
                                                unsigned mode = 0600);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// Appends one line and fsyncs it, then updates the head file. Thread-safe.
  Status append(const AuditRecord& record);
  /// Appends the records in order with one write, one fsync and one head update (alertwire).
  Status append_all(const std::vector<AuditRecord>& records);
  /// Entries in the log (the last `seq`).
  uint64_t entries() const;
  /// Hash of the last line (audit_genesis() when empty).
  std::string head_hash() const;

 private:
  AuditLog(std::string path, const Clock& clock, int fd);
  Status load_tail();
  /// True when line `seq` of the log hashes to `hash` and every later line links to its
  /// predecessor: a head file left behind by a crash between the log and head writes.
  bool chain_extends(uint64_t seq, const std::string& hash) const;
  /// Cuts an incomplete last line (a torn batch write) if the head's lines are all complete.
  bool drop_torn_tail(
      uint64_t head_seq);  // reads seq/hash of the last line; fd is flock'ed by the caller
  std::string path_;
  const Clock& clock_;
  int fd_;
  mutable std::mutex mu_;
  uint64_t seq_ = 0;
  std::string last_hash_;
  off_t known_size_ = 0;
};

/// The `seq` and `prev` at the start of a line written by AuditLog; nullopt if malformed.
struct AuditLineHeader {
  uint64_t seq;
  std::string prev;
};
std::optional<AuditLineHeader> parse_audit_line_header(std::string_view line);

struct AuditVerifyReport {
  bool ok = true;
  uint64_t entries = 0;   // complete lines read
  std::string last_hash;  // hash of the last line read
  uint64_t bad_line = 0;  // first line at fault (1-based), 0 if ok or at the end
  std::string problem;    // "line 3 was changed: ...", empty if ok
  bool head_checked = false;
};

/// Checks the chain of `path` and, unless `head_path` is empty, the head file (which then
/// must exist). Fails only when the log cannot be read.
Result<AuditVerifyReport> verify_audit_log(const std::string& path, const std::string& head_path);

}  // namespace ts::agent
