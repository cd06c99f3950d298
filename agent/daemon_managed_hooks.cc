// The daemon's side of parent method `managed` (agent/daemon_managed.h): ManagedChildren
// rebuilt from the durable records at start and reload, a child's changed DS set making its
// parent zone re-sign at once, the parent's signing reported (log, audit) and the children
// whose DS changed observed again at once, so that their rollovers go on as with `update`:
// a DS counts as seen only when every parent server serves it and the chain validates
// (agent/daemon_parent.h does the observation and, for a rogue or missing DS, asks for a
// re-signing of the parent through ManagedZones).
#include <algorithm>
#include <memory>

#include "agent/audit_log.h"
#include "agent/daemon.h"
#include "agent/daemon_childscan.h"
#include "agent/daemon_managed.h"
#include "agent/daemon_parent.h"
#include "agent/daemon_sign.h"
#include "agent/key_files.h"
#include "agent/rollover_planner.h"
#include "common/atomic_file.h"
#include "signer/keystore.h"

namespace ts::agent {
namespace {

constexpr uint8_t kManagedDigest = 2;  // SHA-256 (RFC 4509), what `update` and `cds` send

std::string tag_list(const std::vector<ps::DsRecord>& set) {
  std::string s;
  for (const auto& ds : set) s += (s.empty() ? "" : " ") + std::to_string(ds.key_tag);
  return s.empty() ? "none" : s;
}

/// The (algorithm, tag) pairs of a DS set, as the planner's wanted_ds() lists them.
std::vector<DsId> ids_of(const std::vector<ps::DsRecord>& set) {
  std::vector<DsId> out;
  for (const auto& ds : set) out.push_back({ds.algorithm, ds.key_tag});
  std::sort(out.begin(), out.end());
  return out;
}

/// DNSKEY rdata of every key in the key directory, by key id: one pass for all the
/// managed children at start (a per-zone list() reads the whole directory each time).
std::map<std::string, ps::Bytes> all_key_rdata(const std::string& dir) {
  std::map<std::string, ps::Bytes> out;
  for (const auto& m : read_all_key_meta(dir)) out[m.id] = signer::dnskey_rdata(m);
  return out;
}

/// The managed DS set of a child from its record and the key store (or `known` rdata);
/// nullopt when it cannot be derived in full (the key store cannot be listed, or a key whose
/// DS is wanted is not in it): the caller then keeps the set the parent has, since a DS
/// left out here would be withdrawn from the parent without any confirmation.
std::optional<ChildDs> child_set(const ZoneSpec& spec, const ZoneRecord& rec,
                                 const signer::KeyStore& keys, Logger& log,
                                 const std::map<std::string, ps::Bytes>* known = nullptr) {
  ChildDs cd{kManagedSource, {}, static_cast<uint32_t>(spec.ds_ttl)};
  auto origin = Name::from_text(spec.name);
  if (!origin) return std::nullopt;
  std::map<std::string, ps::Bytes> listed;
  if (!known && !wanted_ds(rec.keys).empty()) {
    auto list = keys.list(*origin);
    if (!list) {
      log.warn(spec.name, "managed: key store: " + list.error().message +
                              "; the DS set at the parent is left unchanged");
      return std::nullopt;
    }
    for (const auto& m : *list) listed[m.id] = signer::dnskey_rdata(m);
  }
  std::vector<std::string> missing;
  cd.ds = managed_ds_set(*origin, rec.keys, known ? *known : listed, kManagedDigest, &missing);
  for (const auto& id : missing)
    log.warn(spec.name, "managed: key " + id +
                            " wants a DS but is not in the key store; the DS set at the parent "
                            "is left unchanged");
  if (!missing.empty()) return std::nullopt;
  return cd;
}

}  // namespace

void Daemon::managed_init() {
  managed_ = std::make_unique<ManagedChildren>();
  managed_zones_ = std::make_unique<ManagedZones>(
      *managed_, clock_, [this](const std::string& parent) { managed_changed(parent); });
  parent_->set_managed(managed_zones_.get());
}

void Daemon::managed_changed(const std::string& parent) {
  sched_->schedule(clock_.now(), parent, EventKind::Maintain);
}

Status Daemon::managed_rebuild() {
  std::set<std::string> names;
  std::vector<std::shared_ptr<ZoneRt>> zones;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, z] : zones_) {
      names.insert(name);
      zones.push_back(z);
    }
  }
  std::map<std::string, ChildDsMap> sets;
  std::optional<std::map<std::string, ps::Bytes>> rdata;  // read once, when needed
  struct Unknown {
    std::string parent, child;
    uint32_t ttl;
  };
  std::vector<Unknown> unknown;                        // children whose set cannot be derived
  std::map<std::string, std::string> outputs, inputs;  // zone -> its signed output, input
  for (const auto& z : zones) {
    std::lock_guard zl(z->mu);
    outputs[z->spec.name] = z->spec.output_file;
    inputs[z->spec.name] = z->spec.input_file;
    if (z->spec.parent.method != "managed") continue;
    auto parent = nearest_parent(z->spec.name, names);
    if (!parent) continue;  // config.cc refuses this; a zone removed at run time may do it
    if (!rdata && !wanted_ds(z->rec.keys).empty()) rdata = all_key_rdata(keystore_->dir());
    if (auto cd = child_set(z->spec, z->rec, *keystore_, log_, rdata ? &*rdata : nullptr))
      sets[*parent][z->spec.name] = std::move(*cd);
    else
      unknown.push_back({*parent, z->spec.name, static_cast<uint32_t>(z->spec.ds_ttl)});
  }
  // The DS set P's signed output holds for a child (nullopt: unreadable).
  auto in_output = [&](const std::string& parent,
                       const std::string& child) -> std::optional<std::vector<ps::DsRecord>> {
    if (auto known = managed_->output_ds(parent, child)) return known;
    auto origin = Name::from_text(parent);
    auto out = origin ? read_applied_ds(outputs[parent], *origin, {{child, {}}})
                      : Result<AppliedDs>(origin.error());
    if (!out) return std::nullopt;
    return (*out)[child];
  };
  // Such a child keeps the set it has: the one known (reload), else the one in the parent's
  // signed output (start). With neither it is pending: P is not signed until it is known.
  std::map<std::string, std::set<std::string>> pending;
  for (const auto& u : unknown) {
    if (auto cur = managed_->child(u.parent, u.child); cur && cur->source == kManagedSource) {
      sets[u.parent][u.child] = *cur;
    } else if (auto out = in_output(u.parent, u.child)) {
      sets[u.parent][u.child] = {kManagedSource, *out, u.ttl};
    } else {
      pending[u.parent].insert(u.child);
      log_.warn(u.child,
                "managed: the DS set at the parent is unknown (" + outputs[u.parent] +
                    " cannot be read); " + u.parent + " is not signed until it can be derived",
                {{"parent", u.parent}});
    }
  }
  // Children that left management keep, at their parent, the last managed DS set published
  // for them until the parent's input changes for them (retained, durable).
  auto rows = store_->managed_ds_rows();
  if (!rows) return fail("managed: " + rows.error().message);
  UnixTime now = clock_.now();
  std::map<std::string, ChildDsMap> retained;
  std::map<std::pair<std::string, std::string>, uint32_t> recorded;  // managed rows: ttl
  auto drop_row = [&](const DaemonStore::ManagedDsRow& r) {  // a stale row: tried again later
    if (Status st = store_->remove_managed_ds(r.parent, r.child); !st)
      log_.error(r.child, "managed: " + st.error().message, {{"parent", r.parent}});
  };
  for (const auto& r : *rows) {
    bool managed_now = (sets.count(r.parent) && sets[r.parent].count(r.child)) ||
                       (pending.count(r.parent) && pending[r.parent].count(r.child));
    auto cur = managed_->child(r.parent, r.child);
    if (managed_now || !names.count(r.parent) ||
        (cur && cur->source != kManagedSource && cur->source != kRetainedSource)) {
      if (managed_now && !r.retained) recorded[{r.parent, r.child}] = r.ttl;
      if (!managed_now && names.count(r.parent)) drop_row(r);
      continue;  // managed (again), P not signed here, or another source has the child now
    }
    // A stored row is never half read: a DS line that does not parse stops the start (a
    // shorter set would withdraw that DS from the parent).
    auto row_ds = parse_ds_lines(r.ds);
    if (!row_ds)
      return fail("managed: the stored DS set of " + r.child + " at " + r.parent +
                  " does not parse: " + row_ds.error().message);
    if (r.retained) {
      ChildDs cd{kRetainedSource, *row_ds, r.ttl, std::nullopt};
      if (r.input) {
        auto in = parse_ds_lines(*r.input);
        if (!in)
          return fail("managed: the stored input DS of " + r.child + " at " + r.parent +
                      " does not parse: " + in.error().message);
        cd.input = std::move(*in);
      }
      retained[r.parent][r.child] = std::move(cd);
      continue;
    }
    auto kept = in_output(r.parent, r.child);  // what P publishes for it now
    if (!kept && cur) kept = cur->ds;
    // P's output unreadable: the set recorded when P last published it.
    if (!kept && !row_ds->empty()) kept = *row_ds;
    if (!kept) {
      log_.warn(r.child,
                "no longer managed; the DS set " + r.parent +
                    " publishes for it is unknown: its input's DS set is used",
                {{"parent", r.parent}});
      drop_row(r);
      continue;
    }
    ChildDs cd{kRetainedSource, *kept, cur ? cur->ttl : r.ttl,
               managed_->input_seen(r.parent, r.child)};
    if (!cd.input)
      if (auto origin = Name::from_text(r.parent))
        if (auto in = read_applied_ds(inputs[r.parent], *origin, {{r.child, {}}}))
          cd.input = (*in)[r.child];
    DaemonStore::ManagedDsRow row{r.parent, r.child,      true, ds_lines(cd.ds),
                                  cd.ttl,   std::nullopt, now};
    if (cd.input) row.input = ds_lines(*cd.input);
    if (Status st = store_->save_managed_ds(row); !st) return st;
    log_.warn(r.child,
              "no longer managed: " + r.parent + " keeps publishing its last managed DS set (" +
                  tag_list(cd.ds) + ") until the DS of " + r.child + " in the input of " +
                  r.parent + " is changed",
              {{"parent", r.parent}});
    retained[r.parent][r.child] = std::move(cd);
  }
  auto record = [&](const std::string& parent, const std::string& child, uint32_t ttl) {
    auto it = recorded.find({parent, child});
    if (it != recorded.end() && it->second == ttl) return Status{};
    return store_->save_managed_ds({parent, child, false, {}, ttl, std::nullopt, now});
  };
  for (const auto& [parent, children] : sets)
    for (const auto& [child, cd] : children)
      if (Status st = record(parent, child, cd.ttl); !st) return st;
  for (const auto& u : unknown)
    if (pending.count(u.parent) && pending[u.parent].count(u.child))
      if (Status st = record(u.parent, u.child, u.ttl); !st) return st;
  auto all = sets;
  for (auto& [parent, children] : retained) all[parent].merge(children);
  for (const auto& p : managed_->rebuild({kManagedSource, kRetainedSource}, all, &pending))
    log_.info(p, "managed children's DS sets loaded from their rollover records",
              {{"children", std::to_string(all[p].size())},
               {"pending", std::to_string(pending[p].size())}});
  return {};
}

bool Daemon::managed_resign_needed(const ZoneSpec& spec) {
  if (!managed_->is_parent(spec.name)) return false;
  auto origin = Name::from_text(spec.name);
  if (!origin) return false;
  bool need = managed_->resign_needed(spec.name, [&](const ChildDsMap& children) {
    return read_applied_ds(spec.output_file, *origin, children);
  });
  if (need) log_.info(spec.name, "re-signing: a managed child's DS set is not in the output");
  for (const auto& child : managed_->pending_of(spec.name))  // derive it again: P waits for it
    sched_->schedule(clock_.now(), child, EventKind::Maintain);
  return need;
}

void Daemon::managed_child(const ZoneSpec& spec, const ZoneRecord& rec, UnixTime now) {
  if (spec.parent.method != "managed") return;
  std::string parent = managed_->parent_of(spec.name);
  if (parent.empty()) return;
  auto cur = managed_->child(parent, spec.name);
  auto want = wanted_ds(rec.keys);
  std::sort(want.begin(), want.end());
  if (cur && cur->source == kManagedSource && ids_of(cur->ds) == want &&
      cur->ttl == static_cast<uint32_t>(spec.ds_ttl))
    return;  // unchanged: no key store look-up on every pass
  auto cd = child_set(spec, rec, *keystore_, log_);
  if (!cd) return;  // cannot be derived in full: the parent keeps the set it has
  std::string tags = tag_list(cd->ds);
  if (!managed_->set(parent, spec.name, std::move(*cd))) return;
  log_.info(spec.name, "managed DS set changed; re-signing the parent zone now",
            {{"parent", parent}, {"ds", tags}});
  sched_->schedule(now, parent, EventKind::Maintain);
}

void Daemon::managed_staged(const ZoneSpec& spec, const SignOutcome& out) {
  // Before the commit, so that a crash between the rename and the reload loses no entry:
  // the output read back after a restart holds the change already. At least once: a pass
  // that fails after this point logs its changes again when it is retried.
  if (!out.child_ds) return;
  for (const auto& w : out.child_ds->warnings) log_.warn(spec.name, w);
  for (const auto& e : out.child_ds->errors) log_.error(spec.name, e);
  managed_->inputs_seen(spec.name, out.child_ds->inputs);
  for (const auto& [child, cd] : managed_->children_of(spec.name)) {  // retained: input known now
    auto in = out.child_ds->inputs.find(child);
    if (cd.source != kRetainedSource || cd.input || in == out.child_ds->inputs.end() ||
        out.child_ds->released.count(child))
      continue;
    DaemonStore::ManagedDsRow row{
        spec.name, child, true, ds_lines(cd.ds), cd.ttl, ds_lines(in->second), clock_.now()};
    if (Status st = store_->save_managed_ds(row); !st) {
      log_.warn(spec.name, st.error().message);
      continue;
    }
    ChildDs now_known = cd;
    now_known.input = in->second;
    managed_->set(spec.name, child, std::move(now_known));
  }
  for (const auto& c :
       managed_->changes(spec.name, out.child_ds->applied, out.child_ds->undelegated)) {
    auto record = [&](const char* what, uint16_t tag) {
      log_.info(spec.name,
                "managed DS for " + c.child + ": " + what + " tag " + std::to_string(tag),
                {{"child", c.child}, {"tag", std::to_string(tag)}, {"change", what}});
      events_->audit(AuditRecord{AuditEvent::ParentDsChanged,
                                 spec.name,
                                 kAuditActorAgent,
                                 {{"child", c.child},
                                  {"change", std::string(what)},
                                  {"key_tag", static_cast<int64_t>(tag)},
                                  {"serial", static_cast<int64_t>(out.serial)}}});
    };
    for (uint16_t t : c.added) record("added", t);
    for (uint16_t t : c.removed) record("removed", t);
  }
}

void Daemon::managed_signed(const ZoneSpec& spec, const SignOutcome& out, UnixTime now) {
  if (!out.child_ds) return;
  for (const auto& [child, ds] : out.child_ds->released) {  // P's input has the child again
    if (Status st = store_->remove_managed_ds(spec.name, child); !st) {
      log_.warn(spec.name, st.error().message);
      continue;  // the next signing releases it again
    }
    managed_->erase(spec.name, child, kRetainedSource);
    log_.info(spec.name,
              "the input's DS set for " + child + " (" + tag_list(ds) +
                  ") is used again: the DS set kept since it left management is dropped",
              {{"child", child}});
  }
  for (const auto& c :
       managed_->signed_with(spec.name, out.child_ds->applied, out.child_ds->undelegated)) {
    if (out.child_ds->released.count(c.child)) continue;  // not ours any more
    // The child looks at its parent at once: its rollover waits on what P now serves.
    parent_->request_poll(c.child);
    sched_->schedule(now, c.child, EventKind::Maintain);
  }
}

}  // namespace ts::agent
