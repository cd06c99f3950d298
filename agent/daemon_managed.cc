// ManagedChildren: the DS sets of a parent zone's children (managed here, or from another
// source), their insertion into the parent at its signing, and ManagedZones, the agent's
// side of parentsync's ManagedPublisher.
#include "agent/daemon_managed.h"

#include <algorithm>
#include <optional>

#include "agent/key_timing.h"
#include "signer/zone.h"
#include "signer/zone_loader.h"

namespace ts::agent {
namespace {

namespace rrtype = signer::rrtype;

std::vector<ps::DsRecord> ds_at(const signer::Node* node) {
  std::vector<ps::DsRecord> out;
  if (!node) return out;
  if (const signer::RRset* rs = node->find(rrtype::DS))
    for (const auto& rd : rs->rdatas)
      if (auto ds = ps::DsRecord::from_rdata(rd)) out.push_back(std::move(*ds));
  return ps::canonical_set(std::move(out));
}

std::string tags(const std::vector<ps::DsRecord>& set) {
  std::string s;
  for (const auto& ds : set) s += (s.empty() ? "" : " ") + std::to_string(ds.key_tag);
  return s.empty() ? "none" : s;
}

/// Tags of the records of `a` that are not in `b`.
std::vector<uint16_t> minus(const std::vector<ps::DsRecord>& a,
                            const std::vector<ps::DsRecord>& b) {
  std::vector<uint16_t> out;
  for (const auto& ds : a)
    if (std::find(b.begin(), b.end(), ds) == b.end()) out.push_back(ds.key_tag);
  return out;
}

/// The entry for (`parent`, `child`) of a parent -> child -> value map, if any.
template <class Map>
auto find_child(const Map& m, const std::string& parent, const std::string& child)
    -> std::optional<typename Map::mapped_type::mapped_type> {
  auto p = m.find(parent);
  if (p == m.end()) return std::nullopt;
  auto it = p->second.find(child);
  if (it == p->second.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::vector<ps::DsRecord> managed_ds_set(const Name& child, const ZoneKeyState& keys,
                                         const std::map<std::string, ps::Bytes>& rdata,
                                         uint8_t digest, std::vector<std::string>* missing) {
  std::vector<ps::DsRecord> out;
  for (const KeyRecord& k : keys.keys) {
    if (!k.has_ksk_duty() || !ds_wanted(k)) continue;
    auto it = rdata.find(k.id);
    auto ds = it == rdata.end() ? Result<ps::DsRecord>(fail("no DNSKEY"))
                                : ps::make_ds(child, it->second, digest);
    if (ds)
      out.push_back(std::move(*ds));
    else if (missing)
      missing->push_back(k.id);
  }
  return ps::canonical_set(std::move(out));
}

std::optional<std::string> nearest_parent(const std::string& child,
                                          const std::set<std::string>& zones) {
  auto name = Name::from_text(child);
  if (!name || name->is_root()) return std::nullopt;
  for (Name p = name->parent();; p = p.parent()) {
    if (std::string t = p.lowered().to_text(); zones.count(t)) return t;
    if (p.is_root()) return std::nullopt;
  }
}

std::set<std::string> in_management(const std::vector<ZoneSpec>& zones) {
  std::set<std::string> names, out;
  for (const auto& z : zones) names.insert(z.name);
  for (const auto& z : zones) {
    if (z.parent.method != "managed") continue;
    out.insert(z.name);
    if (auto p = nearest_parent(z.name, names)) out.insert(*p);
  }
  return out;
}

Status check_delegation(const signer::Zone& zone, const Name& child) {
  const Name& origin = zone.origin();
  std::string c = child.to_text(), p = origin.to_text();
  if (!child.is_subdomain_of(origin)) return fail(c + " is not below " + p);
  if (child == origin) return fail(c + " is the apex of " + p + ", not a delegation point");
  if (child.is_wildcard()) return fail(c + " is a wildcard name, not a delegation point of " + p);
  for (Name up = child.parent(); !(up == origin); up = up.parent()) {
    const signer::Node* n = zone.find(up);
    if (n && (n->find(rrtype::NS) || n->find(rrtype::DNAME)))
      return fail(c + " is below the " + (n->find(rrtype::NS) ? "delegation" : "DNAME") + " at " +
                  up.to_text() + " in " + p + " (occluded), not a delegation point");
  }
  const signer::Node* node = zone.find(child);
  if (node && node->find(rrtype::NS)) return {};
  if (node && !node->empty())
    return fail(c + " holds authoritative data in " + p + " but no NS: not a delegation point");
  return fail("no delegation (NS) for " + c + " in " + p);
}

void apply_child_ds(signer::Zone& zone, const ChildDsMap& children, ChildDsNotes& notes) {
  const std::string p = zone.origin().to_text();
  for (const auto& [child, cd] : children) {
    auto name = Name::from_text(child);
    const bool retained = cd.source == kRetainedSource;
    Status deleg = name ? check_delegation(zone, *name) : Status(name.error());
    if (!deleg) {
      if (retained) {  // P's input dropped the delegation: the retention ends, nothing to add
        notes.released[child] = {};
        notes.applied[child] = {};
        continue;
      }
      notes.errors.push_back("refused to add the " + cd.source + " DS set of " + child + " (" +
                             tags(cd.ds) + ") to " + p + ": " + deleg.error().message);
      notes.undelegated.insert(child);
      notes.applied[child] = cd.ds;  // nothing more to do until the input changes
      continue;
    }
    const signer::Node* node = zone.find(*name);
    auto input = ds_at(node);
    notes.inputs[child] = input;
    if (retained) {
      if (input == cd.ds || (cd.input && input != *cd.input)) {  // P's input took it over
        notes.released[child] = input;
        notes.applied[child] = input;
        continue;
      }
      notes.warnings.push_back(child + " is no longer managed: " + p +
                               " keeps its last managed DS set (" + tags(cd.ds) +
                               ") instead of the input's (" + tags(input) + ") until the DS of " +
                               child + " in the input of " + p + " is changed");
    } else if (!input.empty() && input != cd.ds) {
      notes.warnings.push_back("input DS for " + child + " replaced by the " + cd.source +
                               " DS set (input " + tags(input) + ", " + cd.source + " " +
                               tags(cd.ds) + ")");
    }
    zone.remove_rrset(*name, rrtype::DS);
    for (const auto& ds : cd.ds) zone.add(*name, rrtype::DS, cd.ttl, ds.to_rdata());
    zone.classify_subtree(*name);
    notes.applied[child] = cd.ds;
  }
}

Result<AppliedDs> read_applied_ds(const std::string& output_file, const Name& parent,
                                  const ChildDsMap& children) {
  signer::LoadOptions lo;
  lo.origin = parent;
  lo.dnssec = signer::DnssecInput::Strip;
  lo.keep_dnskey = false;
  auto zone = signer::load_zone_file(output_file, lo);
  if (!zone) return zone.error();
  AppliedDs out;
  for (const auto& [child, cd] : children) {
    auto name = Name::from_text(child);
    if (!name) continue;
    const signer::Node* node = zone->find(*name);
    // Undelegated in the output: what apply_child_ds() records for it.
    out[child] = node && node->find(rrtype::NS) ? ds_at(node) : cd.ds;
  }
  return out;
}

std::string children_status_text(const ChildDsMap& children) {
  std::string o;
  for (const auto& [child, cd] : children)
    o += "  child:   " + child + " DS " + tags(cd.ds) + " (" + cd.source + ")\n";
  return o;
}

std::string children_status_json(const ChildDsMap& children) {
  std::string o = "{";
  for (const auto& [child, cd] : children) {
    o += (o.size() > 1 ? ",\"" : "\"") + child + "\":{\"source\":\"" + cd.source + "\",\"ds\":[";
    for (size_t i = 0; i < cd.ds.size(); ++i)
      o += (i ? "," : "") + std::to_string(cd.ds[i].key_tag);
    o += "]}";
  }
  return o + "}";
}

// ---- ManagedChildren

std::set<std::string> ManagedChildren::rebuild(
    const std::set<std::string>& sources, const std::map<std::string, ChildDsMap>& sets,
    const std::map<std::string, std::set<std::string>>* pending) {
  std::lock_guard lock(mu_);
  std::set<std::string> changed;
  for (auto& [parent, children] : wanted_)
    for (auto it = children.begin(); it != children.end();) {
      auto np = sets.find(parent);
      if (sources.count(it->second.source) && (np == sets.end() || !np->second.count(it->first))) {
        parent_of_.erase(it->first);
        it = children.erase(it);
        changed.insert(parent);
      } else {
        ++it;
      }
    }
  for (const auto& [parent, children] : sets)
    for (const auto& [child, cd] : children) {
      if (managed_here(parent, child, cd.source)) continue;
      ChildDs& slot = wanted_[parent][child];
      if (!(slot == cd) || parent_of_[child] != parent) changed.insert(parent);
      slot = cd;
      parent_of_[child] = parent;
    }
  if (pending) {
    for (const auto& [parent, children] : pending_)
      if (auto np = pending->find(parent); np == pending->end() || np->second != children)
        changed.insert(parent);
    pending_ = *pending;
    for (const auto& [parent, children] : pending_) {
      if (!children.empty()) changed.insert(parent);
      for (const auto& child : children) parent_of_[child] = parent;
    }
  }
  return changed;
}

bool ManagedChildren::managed_here(const std::string& parent, const std::string& child,
                                   const std::string& source) const {
  if (source == kManagedSource) return false;
  auto p = wanted_.find(parent);
  if (p == wanted_.end()) return false;
  auto it = p->second.find(child);
  return it != p->second.end() && it->second.source == kManagedSource;
}

bool ManagedChildren::set(const std::string& parent, const std::string& child, ChildDs ds) {
  std::lock_guard lock(mu_);
  if (managed_here(parent, child, ds.source)) return false;
  auto& children = wanted_[parent];
  auto it = children.find(child);
  if (it != children.end() && it->second == ds) return false;
  children[child] = std::move(ds);
  parent_of_[child] = parent;
  if (auto pp = pending_.find(parent); pp != pending_.end()) pp->second.erase(child);
  return true;
}

bool ManagedChildren::erase(const std::string& parent, const std::string& child,
                            const std::string& source) {
  std::lock_guard lock(mu_);
  auto p = wanted_.find(parent);
  if (p == wanted_.end()) return false;
  auto it = p->second.find(child);
  if (it == p->second.end() || it->second.source != source) return false;
  p->second.erase(it);
  parent_of_.erase(child);
  return true;
}

std::set<std::string> ManagedChildren::pending_of(const std::string& parent) const {
  std::lock_guard lock(mu_);
  auto it = pending_.find(parent);
  return it == pending_.end() ? std::set<std::string>{} : it->second;
}

ChildDsMap ManagedChildren::children_of(const std::string& parent) const {
  std::lock_guard lock(mu_);
  auto it = wanted_.find(parent);
  return it == wanted_.end() ? ChildDsMap{} : it->second;
}

std::optional<ChildDs> ManagedChildren::child(const std::string& parent,
                                              const std::string& child) const {
  std::lock_guard lock(mu_);
  return find_child(wanted_, parent, child);
}

bool ManagedChildren::is_parent(const std::string& zone) const {
  std::lock_guard lock(mu_);
  auto it = wanted_.find(zone);
  auto pp = pending_.find(zone);
  return (it != wanted_.end() && !it->second.empty()) ||
         (pp != pending_.end() && !pp->second.empty());
}

std::string ManagedChildren::parent_of(const std::string& child) const {
  std::lock_guard lock(mu_);
  auto it = parent_of_.find(child);
  return it == parent_of_.end() ? "" : it->second;
}

bool ManagedChildren::resign_needed(
    const std::string& parent,
    const std::function<Result<AppliedDs>(const ChildDsMap&)>& read_output) {
  ChildDsMap want;
  {
    std::lock_guard lock(mu_);
    auto w = wanted_.find(parent);
    if (w == wanted_.end() || w->second.empty()) return false;
    if (forced_.count(parent)) return true;
    want = w->second;
    auto a = applied_.find(parent);
    if (a == applied_.end() || !a->second) {
      if (!read_output) return true;
    } else {
      for (const auto& [child, cd] : want) {
        auto it = a->second->find(child);
        if (it == a->second->end() || it->second != cd.ds) return true;
      }
      return false;
    }
  }
  auto read = read_output(want);  // P's output file, once after a start
  std::lock_guard lock(mu_);
  if (!read) return true;
  applied_[parent] = *read;
  for (const auto& [child, cd] : want) {
    auto it = read->find(child);
    if (it == read->end() || it->second != cd.ds) return true;
  }
  return false;
}

std::vector<ChildDsChange> ManagedChildren::changes(const std::string& parent,
                                                    const AppliedDs& applied,
                                                    const std::set<std::string>& quiet) const {
  std::lock_guard lock(mu_);
  std::vector<ChildDsChange> out;
  auto a = applied_.find(parent);
  const AppliedDs* prev = a != applied_.end() && a->second ? &*a->second : nullptr;
  for (const auto& [child, ds] : applied) {
    if (quiet.count(child)) continue;
    std::vector<ps::DsRecord> before;
    if (prev)
      if (auto it = prev->find(child); it != prev->end()) before = it->second;
    ChildDsChange c{child, minus(ds, before), minus(before, ds)};
    if (!c.added.empty() || !c.removed.empty()) out.push_back(std::move(c));
  }
  return out;
}

std::vector<ChildDsChange> ManagedChildren::signed_with(const std::string& parent,
                                                        const AppliedDs& applied,
                                                        const std::set<std::string>& quiet) {
  auto out = changes(parent, applied, quiet);
  std::lock_guard lock(mu_);
  applied_[parent] = applied;
  forced_.erase(parent);
  return out;
}

bool ManagedChildren::output_has(const std::string& parent, const std::string& child) const {
  std::lock_guard lock(mu_);
  auto w = wanted_.find(parent);
  auto a = applied_.find(parent);
  if (w == wanted_.end() || a == applied_.end() || !a->second) return false;
  auto wc = w->second.find(child);
  auto ac = a->second->find(child);
  return wc != w->second.end() && ac != a->second->end() && ac->second == wc->second.ds;
}

void ManagedChildren::force_resign(const std::string& parent) {
  std::lock_guard lock(mu_);
  forced_.insert(parent);
}

std::optional<std::vector<ps::DsRecord>> ManagedChildren::output_ds(
    const std::string& parent, const std::string& child) const {
  std::lock_guard lock(mu_);
  auto a = applied_.find(parent);
  if (a == applied_.end() || !a->second) return std::nullopt;
  auto it = a->second->find(child);
  if (it == a->second->end()) return std::nullopt;
  return it->second;
}

void ManagedChildren::inputs_seen(const std::string& parent, const AppliedDs& inputs) {
  std::lock_guard lock(mu_);
  for (const auto& [child, ds] : inputs) inputs_[parent][child] = ds;
}

std::optional<std::vector<ps::DsRecord>> ManagedChildren::input_seen(
    const std::string& parent, const std::string& child) const {
  std::lock_guard lock(mu_);
  return find_child(inputs_, parent, child);
}

// ---- ManagedZones

ps::Correction ManagedZones::correction(const std::string& child, const ps::ParentObservation& obs,
                                        int64_t min_interval) {
  ps::Correction c;
  std::string parent = children_.parent_of(child);
  auto cd = children_.child(parent, child);
  if (!cd) return c;                                   // not (yet) a managed child: nothing to say
  if (!children_.output_has(parent, child)) return c;  // P's re-signing is on its way
  c.desired = cd->ds;
  std::vector<ps::DsRecord> served = cd->ds;
  for (const auto& s : obs.servers) {
    if (!s.answered) return ps::Correction{};  // never act on a partial view
    auto set = ps::canonical_set(s.ds);
    if (set == cd->ds) continue;
    if (!c.needed) served = set;
    c.needed = true;
    for (uint16_t t : minus(set, cd->ds))
      c.reasons.push_back("remove DS " + std::to_string(t) + " (served by " + s.server + ")");
    for (uint16_t t : minus(cd->ds, set))
      c.reasons.push_back("add DS " + std::to_string(t) + " (missing on " + s.server + ")");
  }
  std::lock_guard lock(mu_);
  served_[child] = served;
  interval_[child] = min_interval;
  return c;
}

Result<std::vector<ps::DsRecord>> ManagedZones::child_ds(const Name& parent_zone,
                                                         const Name& child) {
  std::string c = child.lowered().to_text();
  bool recent = false;  // P re-signed for this child lately: its servers may be catching up
  {
    std::lock_guard lock(mu_);
    auto f = forced_at_.find(c);
    recent = f != forced_at_.end() && clock_.now() - f->second < std::max<int64_t>(1, interval_[c]);
    if (auto it = served_.find(c); it != served_.end() && !recent) return it->second;
  }
  auto cd = children_.child(parent_zone.lowered().to_text(), c);
  if (!cd) return fail(c + " is not a managed child of " + parent_zone.to_text());
  return cd->ds;
}

Status ManagedZones::replace_child_ds(const Name& parent_zone, const Name& child,
                                      const std::vector<ps::DsRecord>& /*ds*/) {
  // The DS set P gets is always the managed one (ManagedChildren): a re-signing of P puts
  // it back, whatever the servers serve now (a rogue or stale DS goes, a missing one comes).
  std::string p = parent_zone.lowered().to_text(), c = child.lowered().to_text();
  UnixTime now = clock_.now();
  {
    std::lock_guard lock(mu_);
    auto it = forced_at_.find(c);
    if (it != forced_at_.end() && now - it->second < std::max<int64_t>(1, interval_[c]))
      return {};  // asked recently: P's servers may still be catching up
    forced_at_[c] = now;
    served_.erase(c);
  }
  children_.force_resign(p);
  if (resign_) resign_(p);
  return {};
}

}  // namespace ts::agent
