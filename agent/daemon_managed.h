// Parent method `managed` in the daemon (issue 5): a child zone whose parent zone P is
// another zone of this agent gets its DS straight into P, which the agent re-signs.
// ManagedChildren holds, for every parent zone P, the DS set each of P's children should
// have there, with the source it came from, and what P's signed output holds (applied at
// P's last signing, or read back from P's output file after a restart). It owns no I/O
// except reading P's output back; the daemon's hooks (agent/daemon_managed_hooks.cc) feed
// it and act on what it says.
//
// Sources. The `managed` source is DERIVED from each managed child's durable rollover record
// (managed_ds_set(): the DS of every KSK/CSK whose DS was submitted and not withdrawn,
// agent/rollover_planner.h wanted_ds()), so after kill -9 and a restart rebuild() produces
// the same sets. A second source plugs in the same way: e.g. "parent polls children" (branch
// childscan) calls set(P, child, {source "childscan", accepted DS set}) for a non-managed
// child, and P's next signing inserts that set like a managed one. rebuild(source, ...)
// replaces the entries of one source only; a child has one entry: the managed set wins (another
// source never replaces it), else the last source to set it. In the daemon:
//   daemon.managed_children().set("test.", "other.test.", {"childscan", ds, ttl});
//   daemon.managed_changed("test.");   // re-signs test. now (no-op when nothing differs)
// Entries of other sources are not durable here: their owner sets them again after a start.
// An empty DS set means: no DS for that child at P (insecure delegation).
//
// Safety rules (review 5):
// - A child's DS set goes only to a real delegation point of P (check_delegation(): NS at the
//   name, below the apex, not below another cut or a DNAME); otherwise it is refused with an
//   error naming the child and no DS is written there.
// - A managed child whose set is not known at a start (key store unreadable, and P's signed
//   output cannot be read back to keep what P publishes) is "pending": P is not signed while
//   it has one (sign_to_temp() fails, naming the child), so that the input's DS never stands
//   in for the managed set.
// - A child that leaves management (zone removed, method changed) is "retained" (source
//   kRetainedSource, durable in the DaemonStore): P keeps publishing the last managed DS set
//   for it, with a warning at each signing, until P's input file changes the child's DS set
//   (or holds the retained set, or drops the delegation); then P's input is used again.
//
//   ManagedChildren mc;
//   mc.rebuild(kManagedSource, {{"test.", {{"example.test.", {kManagedSource, ds, 3600}}}}});
//   if (mc.set("test.", "example.test.", {kManagedSource, new_ds, 3600})) schedule("test.");
//   // P's signing (agent/daemon_sign.cc): apply_child_ds(zone, mc.children_of("test."), notes)
//   // P's output signed, before it is committed (log + audit: at least once, never lost):
//   for (auto& c : mc.changes("test.", applied)) audit(c);
//   // after P's output is written and reloaded:
//   for (auto& c : mc.signed_with("test.", applied)) poll_parent_of(c.child);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/daemon_policy.h"
#include "agent/rollover_state.h"
#include "common/clock.h"
#include "common/result.h"
#include "parentsync/correction.h"
#include "parentsync/ds_record.h"
#include "parentsync/publish_managed.h"

namespace ts::signer {
class Zone;
}

namespace ts::agent {

namespace ps = ts::parentsync;

inline constexpr const char* kManagedSource = "managed";
/// A former managed child: P keeps its last managed DS set until P's input changes.
inline constexpr const char* kRetainedSource = "retained";

/// One child's DS set at its parent and where it comes from.
struct ChildDs {
  std::string source = kManagedSource;  ///< "managed" | e.g. "childscan"
  std::vector<ps::DsRecord> ds;         ///< canonical (sorted, unique); empty = no DS (insecure)
  uint32_t ttl = 3600;                  ///< the child's policy DS TTL
  /// kRetainedSource only: the DS set P's input held for the child when management ended
  /// (nullopt: not known yet, P's next signing records it). A different input ends retention.
  std::optional<std::vector<ps::DsRecord>> input = std::nullopt;
  bool operator==(const ChildDs&) const = default;
};

/// child name (absolute, lower case) -> its DS set.
using ChildDsMap = std::map<std::string, ChildDs>;
/// child name -> the DS set P's signed output holds for it.
using AppliedDs = std::map<std::string, std::vector<ps::DsRecord>>;

/// The DS set a managed child wants at its parent now, from its durable record: one DS
/// (`digest`, SHA-256 by default) per KSK/CSK whose DS the planner wants (submitted, not
/// withdrawn). Keys whose DNSKEY rdata is not in `rdata` (by key id) are listed in `missing`.
std::vector<ps::DsRecord> managed_ds_set(const Name& child, const ZoneKeyState& keys,
                                         const std::map<std::string, ps::Bytes>& rdata,
                                         uint8_t digest, std::vector<std::string>* missing);

/// The zones of `zones` that take part in management: each zone whose parent method is
/// `managed`, and the nearest parent of each among `zones`.
std::set<std::string> in_management(const std::vector<ZoneSpec>& zones);

/// The nearest enclosing zone of `child` among `zones` (absolute, lower case); nullopt if none.
std::optional<std::string> nearest_parent(const std::string& child,
                                          const std::set<std::string>& zones);

/// What a signing of P did with its children's DS: warnings and changes, for the log.
struct ChildDsNotes {
  std::vector<std::string> warnings;  ///< "input DS for CHILD replaced by the managed DS set"
  std::vector<std::string> errors;    ///< children refused: not a delegation point (named)
  AppliedDs applied;                  ///< the DS sets written, by child
  std::set<std::string> undelegated;  ///< children refused (no DS written): not reported
  AppliedDs inputs;                   ///< the DS set P's input holds, by delegated child
  AppliedDs released;  ///< retained children whose retention ended: the input's DS set
  bool operator==(const ChildDsNotes&) const = default;
};

/// Whether `child` is a delegation point of `zone`: below the apex, NS at the name, not below
/// another zone cut or a DNAME (occluded), not a wildcard. The error names the child and why.
Status check_delegation(const signer::Zone& zone, const Name& child);

/// At P's signing: the DS RRset of every child in `children` replaces whatever DS the input
/// has at that name (a warning when it differed). A child that is not a delegation point of
/// P (check_delegation()) is refused: an error in `notes.errors`, no DS written anywhere for
/// it, and `applied` records the wanted set (nothing to re-sign for until the input changes).
/// A retained child (kRetainedSource) keeps its set while P's input is unchanged for it
/// (warning); once the input differs, its DS (or lack of delegation) is P's again
/// (`released`).
void apply_child_ds(signer::Zone& zone, const ChildDsMap& children, ChildDsNotes& notes);

/// The DS sets of `children` that P's signed output file holds (read back after a restart).
Result<AppliedDs> read_applied_ds(const std::string& output_file, const Name& parent,
                                  const ChildDsMap& children);

/// "  child:   CHILD DS 123 456 (managed)" lines for `trustsync status` of a parent zone.
std::string children_status_text(const ChildDsMap& children);
/// {"CHILD":{"source":"managed","ds":[123,456]},...} for `trustsync status --json`.
std::string children_status_json(const ChildDsMap& children);

/// A change of one child's DS set in P's output, for the log and the audit trail.
struct ChildDsChange {
  std::string child;
  std::vector<uint16_t> added, removed;  ///< key tags
};

class ManagedChildren {
 public:
  /// Replaces every entry of `source` with `sets` (parent -> children). Returns the parents
  /// whose wanted DS sets changed.
  std::set<std::string> rebuild(const std::string& source,
                                const std::map<std::string, ChildDsMap>& sets) {
    return rebuild(std::set<std::string>{source}, sets, nullptr);
  }
  /// The same for the entries of every source in `sources` at once (the entries in `sets`
  /// carry their own source) and, when given, the pending children (parent -> children whose
  /// managed DS set is not known: P is not signed while it has one; set() of such a child
  /// ends it). One step, so that a concurrent signing of P never sees a child without entry.
  std::set<std::string> rebuild(const std::set<std::string>& sources,
                                const std::map<std::string, ChildDsMap>& sets,
                                const std::map<std::string, std::set<std::string>>* pending);
  /// Sets one child's DS set; true when it changed (P must be re-signed). A set of another
  /// source does not replace a managed one (false).
  bool set(const std::string& parent, const std::string& child, ChildDs ds);
  /// Removes a child's entry (only if it is of `source`); true when there was one.
  bool erase(const std::string& parent, const std::string& child, const std::string& source);
  /// The children of P whose managed DS set is not known (rebuild()).
  std::set<std::string> pending_of(const std::string& parent) const;

  /// P's children and their wanted DS sets (a snapshot for P's signing).
  ChildDsMap children_of(const std::string& parent) const;
  std::optional<ChildDs> child(const std::string& parent, const std::string& child) const;
  /// Whether `zone` has children with an entry or pending.
  bool is_parent(const std::string& zone) const;
  /// The parent of a child with an entry ("" if none).
  std::string parent_of(const std::string& child) const;

  /// Whether P's output lacks a wanted DS set (or holds a stale one). When what P's output
  /// holds is unknown (after a start), `read_output` is asked once (read_applied_ds).
  bool resign_needed(const std::string& parent,
                     const std::function<Result<AppliedDs>(const ChildDsMap&)>& read_output);
  /// What an output of P with `applied` changes against the last known output (children in
  /// `quiet` are left out; everything when that output is unknown).
  std::vector<ChildDsChange> changes(const std::string& parent, const AppliedDs& applied,
                                     const std::set<std::string>& quiet = {}) const;
  /// P's signed output with `applied` is written and reloaded: returns what changed since
  /// the last known output (empty: nothing; the first signing after a start compares with
  /// what was read back, or reports every child when nothing could be read).
  /// Children in `quiet` (undelegated) are not reported.
  std::vector<ChildDsChange> signed_with(const std::string& parent, const AppliedDs& applied,
                                         const std::set<std::string>& quiet = {});
  /// Whether P's last written output holds the child's wanted DS set (false when unknown).
  bool output_has(const std::string& parent, const std::string& child) const;
  /// Forgets what P's output holds (P re-signs at its next maintenance).
  void force_resign(const std::string& parent);
  /// The DS set P's last known output holds for `child` (nullopt when unknown).
  std::optional<std::vector<ps::DsRecord>> output_ds(const std::string& parent,
                                                     const std::string& child) const;
  /// P's input at its last signing (ChildDsNotes::inputs), for a child leaving management.
  void inputs_seen(const std::string& parent, const AppliedDs& inputs);
  std::optional<std::vector<ps::DsRecord>> input_seen(const std::string& parent,
                                                      const std::string& child) const;

 private:
  /// A set from `source` would replace the child's managed set (mu_ held).
  bool managed_here(const std::string& parent, const std::string& child,
                    const std::string& source) const;
  mutable std::mutex mu_;
  std::map<std::string, ChildDsMap> wanted_;                 // parent -> children
  std::map<std::string, std::string> parent_of_;             // child -> parent
  std::map<std::string, std::optional<AppliedDs>> applied_;  // parent -> in its output
  std::set<std::string> forced_;                             // parents to re-sign regardless
  std::map<std::string, std::set<std::string>> pending_;     // parent -> children unknown
  std::map<std::string, AppliedDs> inputs_;                  // parent -> its input's DS sets
};

/// The agent's side of parentsync's ManagedPublisher: child_ds() is what the parent's
/// servers were last seen to serve (correction()), replace_child_ds() asks for P's
/// re-signing (through `resign`) when that differs from the managed set, at most once per
/// `min_interval` seconds per child, so that a lagging secondary does not make P re-sign
/// in a loop.
class ManagedZones final : public ps::ManagedParentZone {
 public:
  ManagedZones(ManagedChildren& children, const Clock& clock,
               std::function<void(const std::string& parent)> resign)
      : children_(children), clock_(clock), resign_(std::move(resign)) {}
  /// The correction for a managed child from an observation of its parent: the managed set,
  /// needed when a server serves another set than P's output holds (not while P's re-signing
  /// for a changed set is still to come: that is no discrepancy). Remembers the differing set for
  /// child_ds(), and `min_interval` (the child's poll interval) for replace_child_ds().
  ps::Correction correction(const std::string& child, const ps::ParentObservation& obs,
                            int64_t min_interval);
  /// The parent zone of a managed child ("" if unknown).
  std::string parent_of(const std::string& child) const { return children_.parent_of(child); }
  Result<std::vector<ps::DsRecord>> child_ds(const Name& parent_zone, const Name& child) override;
  Status replace_child_ds(const Name& parent_zone, const Name& child,
                          const std::vector<ps::DsRecord>& ds) override;

 private:
  ManagedChildren& children_;
  const Clock& clock_;
  std::function<void(const std::string&)> resign_;
  std::mutex mu_;
  std::map<std::string, std::vector<ps::DsRecord>> served_;  // child -> differing server set
  std::map<std::string, int64_t> interval_;                  // child -> min re-sign interval
  std::map<std::string, UnixTime> forced_at_;                // child -> last re-sign asked
};

}  // namespace ts::agent
