// The parent side of CDS/CDNSKEY in the daemon ("parent polls children", issue 5): for a
// zone P signed here with `children = { scan = true }`, every `poll-interval` during P's
// maintenance pass it reads P's delegations from P's input file, skips children that are
// zones of this agent (their DS comes from the managed source), and runs the child scan
// (parentsync/child_scan*.h: every child server directly + the validating resolver + RFC
// 9615 signals) for each other child. An accepted DS set (or a delete) is saved in the
// DaemonStore first (durable), then handed to P's signing through `apply` (the managed
// helper's ManagedChildren, source "childscan"); each acceptance, removal and rejection is
// an audit record; a rejection raises the child-cds-rejected alert (resolved when the child
// is accepted or has nothing to change). The DS set P holds for a child is the last accepted
// one, else the one in P's input file.
//
// Stored state is never guessed: while the accepted sets cannot be read (the table, or a row
// that does not parse), no child is scanned or applied (load() is retried at each pass; the
// daemon holds the DS P's signed output has, output_child_ds()). A row of a child that is a
// zone of this agent (its DS comes from its keys) is dropped, as is the row of a child no
// longer delegated in P's input (a re-delegation starts again from the bootstrap rules); the
// `forget` callback removes it from P's signing.
//
//   DaemonChildScan scan(log, store, [&]() -> DaemonEvents& { return events(); });
//   scan.set_apply([&](auto& p, auto& c, auto& a) { managed.set(p, c, {"childscan", a.ds}); });
//   scan.set_local_zones(zones_here);
//   if (!scan.ensure_loaded()) hold();              // at start: rebuild P's children
//   if (scan.maybe_scan(spec, now)) ...             // P re-signs with the new DS
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/daemon_events.h"
#include "agent/daemon_policy.h"
#include "agent/daemon_store.h"
#include "agent/log.h"
#include "common/clock.h"
#include "parentsync/child_scan_fetch.h"

namespace ts::agent {

namespace ps = ts::parentsync;

inline constexpr const char* kChildScanSource = "childscan";

/// An accepted DS set (empty: the DS was removed at the child's request) and its TTL.
struct AcceptedDs {
  std::vector<ps::DsRecord> ds;
  uint32_t ttl = 3600;
  bool operator==(const AcceptedDs&) const = default;
};
/// parent -> child -> accepted DS set.
using AcceptedChildDs = std::map<std::string, std::map<std::string, AcceptedDs>>;

class DaemonChildScan {
 public:
  /// Makes the gatherer for one parent zone (default: libunbound with the zone's
  /// parent.trust-anchor / parent.root-hints, fresh context per query).
  using SourceFactory =
      std::function<Result<std::unique_ptr<ps::ChildScanSource>>(const ZoneSpec& parent)>;
  using Apply = std::function<void(const std::string& parent, const std::string& child,
                                   const AcceptedDs& ds)>;
  using Forget = std::function<void(const std::string& parent, const std::string& child)>;
  using OnLoad = std::function<void(const AcceptedChildDs& accepted)>;

  DaemonChildScan(Logger& log, DaemonStore& store, std::function<DaemonEvents&()> events,
                  SourceFactory factory = {});
  ~DaemonChildScan();

  void set_apply(Apply apply);
  void set_forget(Forget forget);
  /// Called with the accepted sets each time load() reads them (the signing side's rebuild).
  void set_on_load(OnLoad on_load);
  /// The accepted sets in the store (for the signing side at start); rows of local zones
  /// (set_local_zones() first) are dropped. Fails when the table or a row cannot be read.
  Result<AcceptedChildDs> load();
  /// load() unless the sets were read already (by this call or a concurrent one: never twice).
  Status ensure_loaded();
  /// P's maintenance pass: scans P's children when due (no-op unless children.scan).
  /// `zones_here`: every zone of this agent (absolute, lower case). True when an accepted
  /// DS set changed (P must be signed again).
  bool maybe_scan(const ZoneSpec& parent, const std::set<std::string>& zones_here, UnixTime now);
  /// The same with the zones given to set_local_zones().
  bool maybe_scan(const ZoneSpec& parent, UnixTime now);
  /// The zones of this agent whose DS it derives from their keys (parent method managed);
  /// an accepted set of one of them is dropped (store and `forget`).
  void set_local_zones(std::set<std::string> zones);
  /// Every zone of this agent: never scanned (their accepted sets, if any, are kept).
  void set_unscanned_zones(std::set<std::string> zones);
  /// When P's children are next due (kNever when P does not scan).
  UnixTime next_event(const std::string& parent) const;
  /// The last decision per child of P (status, tests).
  std::map<std::string, ps::ChildDsDecision> last(const std::string& parent) const;
  /// "  children: ..." lines for `trustsync status` ("" when P does not scan).
  std::string status_text(const std::string& parent) const;

 private:
  struct Parent {
    UnixTime next = 0;
    std::map<std::string, ps::ChildDsDecision> last;
    std::set<std::string> alerting;  // children with a firing alert
    /// child -> (its CDS/CDNSKEY rdata, first seen) for accept-after-delay (memory only:
    /// a restart starts the wait again, which is the safe side).
    std::map<std::string, std::pair<std::string, UnixTime>> seen;
  };
  UnixTime unchanged_since(Parent& p, const std::string& child, const ps::ChildScanInput& in,
                           UnixTime now);
  void act(const ZoneSpec& spec, const std::string& child, uint32_t ttl,
           const ps::ChildDsDecision& d, Parent& p, bool& changed, UnixTime now);
  /// Forgets `child` of P: its last decision and alert, and when `stored` its accepted set
  /// (store first; `why` for the log and audit).
  void forget(const ZoneSpec& spec, const std::string& child, Parent& p, const std::string& why,
              bool stored);

  Logger& log_;
  DaemonStore& store_;
  std::function<DaemonEvents&()> events_;
  SourceFactory factory_;
  Apply apply_;
  Forget forget_;
  OnLoad on_load_;
  std::mutex load_mu_;                    // one load() at a time
  Result<AcceptedChildDs> load_locked();  // load() with load_mu_ held
  bool loaded_ = false;
  mutable std::mutex mu_;
  std::map<std::string, Parent> parents_;
  AcceptedChildDs accepted_;
  std::set<std::string> local_zones_;
  std::set<std::string> unscanned_zones_;
};

/// DS rdata text lines <-> DsRecord (the store's encoding); parsing fails on a line that does
/// not parse (a stored row is never half read).
std::vector<std::string> ds_lines(const std::vector<ps::DsRecord>& ds);
Result<std::vector<ps::DsRecord>> parse_ds_lines(const std::vector<std::string>& lines);

/// The DS set of every delegation in P's signed output (what P publishes now), by child,
/// with the delegation's NS TTL; fails when the output cannot be read.
Result<std::map<std::string, AcceptedDs>> output_child_ds(const ZoneSpec& parent);

}  // namespace ts::agent
