// Rollover steps (internal to the planner): the effective RFC 7583 intervals, the context
// one planner pass works in (with helpers that set a key timestamp, record the action and log
// the transition), and one advance function per rollover kind.
#pragma once

#include <string>
#include <vector>

#include "agent/rollover_state.h"

namespace ts::agent::internal {

/// RFC 7583 intervals at `now`, from Timing and the remembered TTLs.
struct Terms {
  int64_t dprp = 0, dprpp = 0, ttl_key = 0, ttl_zone = 0, ttl_ds = 0, dsgn = 0;
  int64_t pub_margin = 0, ret_margin = 0;

  /// New DNSKEY in every cache (Ipub = Dprp + TTLkey + margin, RFC 7583 3.2.1).
  int64_t ipub_dnskey() const { return dprp + ttl_key + pub_margin; }
  /// New signatures on every RRset in every cache (RFC 6781 4.1.4 step 1, RFC 7583 3.3).
  int64_t isig_new() const;
  /// Old signatures out of every cache (Iret = Dsgn + Dprp + TTLsig + margin).
  int64_t iret_zone() const { return dsgn + dprp + ttl_zone + ret_margin; }
  /// Old DNSKEY RRset out of every cache.
  int64_t iret_dnskey() const { return dprp + ttl_key + ret_margin; }
  /// After the parent serves a DS change: it is in every cache (+Dprpp when not observed
  /// on every parent server).
  int64_t ds_cached(bool all_servers) const {
    return (all_servers ? 0 : dprpp) + ttl_ds + pub_margin;
  }
  int64_t ds_uncached(bool all_servers) const {
    return (all_servers ? 0 : dprpp) + ttl_ds + ret_margin;
  }
};

Terms terms_at(ZoneKeyState& zone, const Timing& timing, UnixTime now);

class StepContext {
 public:
  StepContext(ZoneKeyState& zone, const RolloverPolicy& policy, const Terms& terms, UnixTime now,
              const ParentView& parent, Plan& plan)
      : zone(zone), policy(policy), terms(terms), now(now), parent(parent), plan(plan) {}

  ZoneKeyState& zone;
  const RolloverPolicy& policy;
  const Terms terms;
  const UnixTime now;
  const ParentView& parent;
  Plan& plan;
  std::vector<Action> wanted_keys;  ///< GenerateKey requests of the current pass

  /// True once `when` is reached; otherwise records the wait and returns false.
  bool wait_until(UnixTime when, const std::string& what);
  /// Records a wait on the parent (no next_check: the ParentView changes) and returns false.
  bool wait_parent(const std::string& what);
  /// All KSK-duty keys' DS seen at the parent and then cached everywhere.
  bool wait_ds_cached(const std::vector<KeyRecord*>& keys);
  /// All KSK-duty keys' withdrawn DS gone from the parent (and, if asked, from caches).
  bool wait_ds_gone(const std::vector<KeyRecord*>& keys, bool and_uncached);
  /// The new keys a rollover in NeedKeys asked for are all there (else asks for them).
  bool have_new_keys(Rollover& r);

  void set_phase(Rollover& r, Phase to, const std::string& reason);
  void publish(KeyRecord& k, const std::string& reason);
  void start_signing(KeyRecord& k, const std::string& reason);
  void stop_signing(KeyRecord& k, const std::string& reason);
  void submit_ds(KeyRecord& k, const std::string& reason);
  void withdraw_ds(KeyRecord& k, const std::string& reason);
  void remove(KeyRecord& k, const std::string& reason);
  /// RFC 5011: sets the REVOKE bit (KSK/CSK only); the key keeps self-signing the DNSKEY set.
  void revoke(KeyRecord& k, const std::string& reason);
  void mark_ready(KeyRecord& k, UnixTime when);

  std::vector<KeyRecord*> keys(const std::vector<std::string>& ids);
  void log(const std::string& subject, std::string_view from, std::string_view to,
           const std::string& reason);

 private:
  void set(KeyRecord& k, std::optional<UnixTime> KeyRecord::*field, Action::Kind kind,
           const std::string& reason);
};

/// The roles of the new keys a rollover of `kind` needs under `policy`.
std::vector<KeyRole> wanted_roles(RolloverKind kind, const RolloverPolicy& policy);

/// "ZSK 12345", "KSK 4711, ZSK 815".
std::string key_name(const KeyRecord& k);
std::string key_names(const std::vector<KeyRecord*>& keys);

/// The latest `field` timestamp of `keys` (0 when none has it).
UnixTime latest(const std::vector<KeyRecord*>& keys, std::optional<UnixTime> KeyRecord::*field);

/// Moves `r` by at most one phase; true when it moved (then it recorded no wait).
bool advance(StepContext& ctx, Rollover& r);

/// The island (RFC 5011) KSK/CSK rollover, agent/rollover_rfc5011.cc.
bool advance_rfc5011(StepContext& ctx, Rollover& r, const std::vector<KeyRecord*>& olds,
                     const std::vector<KeyRecord*>& news);

/// An island's algorithm rollover (agent/rollover_rfc5011.cc): true when the new keys with
/// KSK duty have been published for the RFC 5011 add hold-down (plus Dprp, TTLkey and the
/// probe interval) and every trust-anchor repository serves them; otherwise records the waits.
bool island_new_anchors_trusted(StepContext& ctx, const std::vector<KeyRecord*>& news);

/// An island's algorithm rollover after the old algorithm's keys stopped being anchors:
/// switch (documents end the old keys -> revoke) and remove-hold-down (-> remove), then it
/// continues as a plain algorithm rollover at dnskey-removed.
bool advance_island_algorithm_end(StepContext& ctx, Rollover& r,
                                  const std::vector<KeyRecord*>& olds);

}  // namespace ts::agent::internal
