// The daemon's zone loop: planner step, key generation, durable save, signing, reload,
// next event. Control commands that change state live here too; status is daemon_status.cc.
#include "agent/daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "agent/daemon_childscan.h"
#include "agent/daemon_internal.h"
#include "agent/daemon_managed.h"
#include "agent/daemon_parent.h"
#include "agent/daemon_parent_events.h"
#include "agent/daemon_sign.h"
#include "agent/daemon_tar.h"
#include "agent/daemon_tar_rollover.h"
#include "agent/key_files.h"
#include "agent/key_pool.h"
#include "agent/pool_keys.h"
#include "agent/rollover_planner.h"
#include "agent/served_keys.h"
#include "agent/sync_batch.h"
#include "common/atomic_file.h"
#include "signer/keystore.h"

namespace ts::agent {

RolloverPolicy planner_policy(const ZoneSpec& s) {
  RolloverPolicy p;
  p.algorithm = s.algorithm;
  p.csk = s.use_csk;
  p.ksk_method = s.double_ds ? KskMethod::DoubleDs : KskMethod::DoubleKsk;
  auto sched = [](const std::function<UnixTime(UnixTime)>& f) {
    return f ? Schedule::at(f) : Schedule::never();
  };
  p.ksk_lifetime = sched(s.ksk_next);
  p.zsk_lifetime = sched(s.zsk_next);
  p.csk_lifetime = sched(s.csk_next);
  island_policy(s, p);  // parent method "tar": RFC 5011 rollovers
  return p;
}

Timing planner_timing(const ZoneSpec& s) {
  Timing t;
  t.dnskey_ttl = s.dnskey_ttl;
  t.max_zone_ttl = s.max_zone_ttl.value_or(std::max<int64_t>(s.dnskey_ttl, 86400));
  t.ds_ttl = s.ds_ttl;
  t.zone_propagation_delay = s.zone_prop;
  t.parent_propagation_delay = s.parent_prop;
  t.publish_safety = s.publish_safety;
  t.retire_safety = s.retire_safety;
  return t;
}

namespace {

ParentView parent_view(const ZoneRecord& r) {
  ParentView v;
  v.all_servers = false;  // manual confirmations: the planner adds the propagation delay
  v.present_since = r.ds_seen;
  v.absent_since = r.ds_gone;
  return v;
}

bool changes_zone(Action::Kind k) {
  return k == Action::Kind::Publish || k == Action::Kind::StartSigning ||
         k == Action::Kind::StopSigning || k == Action::Kind::Remove || k == Action::Kind::Revoke;
}

constexpr KeyPool::Options kPoolOptions{.low_water = 32, .high_water = 128};

bool file_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

/// Keys of the key directory by origin (one pass; for adopting imported keys).
std::map<std::string, std::vector<signer::KeyMeta>> scan_keys(const std::string& dir) {
  std::map<std::string, std::vector<signer::KeyMeta>> out;
  for (auto& m : read_all_key_meta(dir)) out[m.origin.lowered().to_text()].push_back(std::move(m));
  return out;
}

}  // namespace

Daemon::Daemon(DaemonConfig cfg, const Clock& clock, Logger& log, DaemonOptions opt)
    : cfg_(std::move(cfg)),
      clock_(clock),
      log_(log),
      opt_(opt),
      rng_(opt.seed ? opt.seed : std::random_device{}()) {
  sched_ = std::make_unique<Scheduler>(clock_, opt_.workers, [this](const Event& e) { handle(e); });
  parent_ = std::make_unique<DaemonParent>(clock_, log_);  // branch parent
  parent_events_ =
      std::make_unique<ParentEventBridge>([this]() -> DaemonEvents& { return *events_; });
  tar_ = std::make_unique<DaemonTar>(log_);
  tar_->set_alert_callback(alert_callback());
  parent_->set_alert_callback(
      [this](const AlertEvent& e, bool firing) { parent_events_->alert(e, firing); });
  managed_init();  // parent method `managed`: agent/daemon_managed_hooks.cc
}

Daemon::~Daemon() {
  sched_.reset();  // joins the workers before the zones and stores go
  pool_.reset();   // joins the pool worker before the stores it writes
}

Status Daemon::roll_forward() {
  std::vector<std::string> dirs;
  for (auto& [name, rec] : stored_) {
    if (rec.pending.empty() && rec.pending_writes.empty()) continue;
    Status s = apply_renames(rec.pending, true);
    if (s) s = apply_writes(rec.pending_writes, true);
    if (!s) {  // e.g. a key's name taken meanwhile: this zone's passes retry and fail, not all
      log_.error(name, "roll-forward: " + s.error().message);
      continue;
    }
    for (const auto& d : staged_dirs(rec.pending, rec.pending_writes))
      if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
    rec.pending.clear();  // durable after the sync below; the next save drops them
    rec.pending_writes.clear();
  }
  if (dirs.empty()) return {};
  return sync_->sync(dirs);
}

std::shared_ptr<Daemon::ZoneRt> Daemon::find(const std::string& zone) const {
  std::lock_guard lock(mu_);
  auto it = zones_.find(zone);
  return it == zones_.end() ? nullptr : it->second;
}

size_t Daemon::zone_count() const {
  std::lock_guard lock(mu_);
  return zones_.size();
}

std::optional<ZoneRecord> Daemon::record(const std::string& zone) const {
  auto z = find(zone);
  if (!z) return std::nullopt;
  std::lock_guard lock(z->mu);
  return z->rec;
}

int64_t Daemon::jitter(int64_t max) {
  if (max <= 0) return 0;
  std::lock_guard lock(rng_mu_);
  return std::uniform_int_distribution<int64_t>(0, max)(rng_);
}

Status Daemon::start() {
  const DaemonSettings& s = cfg_.settings;
  ::mkdir(s.state_dir.c_str(), 0700);
  keystore_ = std::make_unique<signer::FileKeyStore>(s.key_dir);
  parent_->attach(*keystore_);  // branch parent
  auto store = DaemonStore::open(s.database);
  if (!store) return store.error();
  store_ = std::move(*store);
  auto dyn = store_->dynamic_zones();
  if (!dyn) return dyn.error();
  if (!dyn->empty()) {
    auto cfg = load_daemon_config(cfg_.path, *dyn);
    if (!cfg) return fail("with the zones added at run time: " + cfg.error().message);
    cfg_ = std::move(*cfg);
  }
  auto all = store_->load_all();
  if (!all) return all.error();
  stored_ = std::move(*all);
  sync_ = std::make_unique<SyncBatcher>();
  // Outputs and key metadata committed before a crash but not yet renamed into place.
  if (Status st = roll_forward(); !st) return fail("roll-forward: " + st.error().message);
  // What a crash left of passes that never committed: metadata, key and output temporaries.
  // A zone whose roll-forward failed still names its temporaries: those stay.
  std::set<std::string> keep;
  for (const auto& [name, rec] : stored_)
    for (const auto& [from, to] : rec.pending) keep.insert(from.substr(from.rfind('/') + 1));
  size_t stale = remove_stale_temporaries(s.key_dir, ".meta.tmp-", 8, nullptr, &keep) +
                 remove_stale_temporaries(s.key_dir, std::string(".private.pem") + kStagedMarker,
                                          kStagedHex, nullptr, &keep);
  std::map<std::string, std::set<std::string>> outputs;  // directory -> output file names
  for (const auto& z : cfg_.zones) {
    auto slash = z.output_file.rfind('/');
    outputs[directory_of(z.output_file)].insert(
        slash == std::string::npos ? z.output_file : z.output_file.substr(slash + 1));
  }
  for (const auto& [dir, names] : outputs)
    stale += remove_stale_temporaries(dir, ".ts-", 12, &names, &keep);
  if (stale > 0)
    log_.info("", "removed temporaries of passes stopped before their commit",
              {{"files", std::to_string(stale)}});
  pool_keys_ = std::make_unique<PoolKeyCache>();
  pool_ = std::make_unique<KeyPool>(
      *store_, pool_key_generator(*keystore_, *sync_, clock_, *pool_keys_), kPoolOptions);
  for (const auto& z : cfg_.zones) pool_->want({z.algorithm, static_cast<int>(z.bits)});
  pool_->start();
  started_at_ = clock_.now();
  events_->config_loaded(cfg_, "start");  // alertwire
  log_.info(
      "", "starting",
      {{"zones", std::to_string(cfg_.zones.size())}, {"state", s.database}, {"keys", s.key_dir}});
  DaemonConfig cfg = std::move(cfg_);  // no copy of 100,000 zone specs; apply_config puts it back
  return apply_config(std::move(cfg));
}

Status Daemon::apply_config(DaemonConfig cfg) {
  UnixTime now = clock_.now();
  std::map<std::string, std::vector<signer::KeyMeta>> keys_by_origin;
  bool scanned = false;
  std::vector<std::string> removed;
  std::set<std::string> added;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, std::shared_ptr<ZoneRt>> next;
    for (auto& spec : cfg.zones) {
      auto it = zones_.find(spec.name);
      std::shared_ptr<ZoneRt> z;
      if (it != zones_.end()) {
        z = it->second;
        std::lock_guard zl(z->mu);
        z->spec = spec;
      } else {
        z = std::make_shared<ZoneRt>();
        z->spec = spec;
        added.insert(spec.name);
        if (auto st = stored_.find(spec.name); st != stored_.end()) {
          z->rec = st->second;
          z->signed_once = !z->rec.dirty && z->rec.resign_at > now && file_exists(spec.output_file);
          if (z->signed_once) ++signed_count_;
        } else {
          z->rec.keys.zone = spec.name;
          if (!scanned) keys_by_origin = scan_keys(cfg.settings.key_dir), scanned = true;
          // The keys found for the zone: imported ones, or after a lost database the ones
          // its served output still publishes.
          // (find, not operator[]: no empty entry per zone at a 100,000-zone start)
          if (auto f = keys_by_origin.find(spec.name); f != keys_by_origin.end())
            z->rec.keys.keys = adopt_keys(spec, std::move(f->second), now, log_);
          if (!z->rec.keys.keys.empty()) events_->zone_saved(spec, {}, z->rec, now, "imported");
        }
      }
      next[spec.name] = z;
    }
    for (auto& [name, z] : zones_)
      if (!next.count(name)) removed.push_back(name);
    zones_ = std::move(next);
  }
  for (const auto& name : removed) {
    sched_->cancel(name);
    events_->zone_dropped(name);  // alertwire
    log_.info(name, "zone removed from the configuration; its keys and state are kept");
  }
  cfg_ = std::move(cfg);
  // Managed children's DS sets and accepted CDS/CDNSKEY sets (durable). At start a failure
  // stops the daemon before anything is signed. On a reload the zones are in place already:
  // the sets known before stay (never a shorter set), the zones are scheduled except those
  // this reload added that take part in management (a managed child, or the nearest parent
  // of one: signed without the sets it would publish a stale DS), and the failure is
  // reported.
  Status managed = managed_rebuild();
  if (!managed && !config_applied_) return managed;
  if (Status s = childscan_init(); !s) {  // unreadable sets are held there; other failures:
    if (!config_applied_) return s;
    log_.error("", "child scan: " + s.error().message);
  }
  std::set<std::string> waiting = managed ? std::set<std::string>{} : in_management(cfg_.zones);
  std::string held_back;
  for (const auto& spec : cfg_.zones) {
    if (added.count(spec.name) && waiting.count(spec.name)) {
      held_back += (held_back.empty() ? "" : ", ") + spec.name;
      continue;
    }
    sched_->schedule(now, spec.name, EventKind::Maintain);
  }
  config_applied_ = true;
  if (!managed) {
    std::string why = "configuration applied, but the managed DS sets could not be rebuilt (" +
                      managed.error().message +
                      "); parents keep the sets known before until a reload succeeds" +
                      (held_back.empty() ? "" : "; not signed until then: " + held_back);
    log_.error("", why);
    return fail(why);
  }
  return {};
}

void Daemon::log_transitions(const std::string& zone, const std::vector<Transition>& ts) {
  std::string lines;
  for (const auto& t : ts) lines += log_.format_transition(zone, t.subject, t.from, t.to, t.reason);
  log_.write_lines(lines);
}

void Daemon::handle(const Event& e) {
  auto z = find(e.zone);
  if (!z) return;
  std::lock_guard lock(z->mu);
  process(*z, clock_.now());
}

void Daemon::process(ZoneRt& z, UnixTime now) {
  Status st;
  try {
    st = maintain(z, now);
  } catch (const std::exception& ex) {
    st = fail(std::string("internal error: ") + ex.what());
  }
  events_->zone_result(z.spec, z.rec, now, st ? "" : st.error().message);  // alertwire
  if (st) {
    z.failures = 0;
    z.last_error.clear();
    return;
  }
  ++z.failures;
  z.last_error = st.error().message;
  int64_t wait = opt_.retry_min;
  for (int i = 1; i < z.failures && wait < opt_.retry_max; ++i) wait *= 2;
  wait = std::min(wait, opt_.retry_max);
  wait += jitter(wait / 4);
  log_.error(z.spec.name, st.error().message,
             {{"attempt", std::to_string(z.failures)}, {"retry_in", std::to_string(wait) + "s"}});
  sched_->schedule(now + wait, z.spec.name, EventKind::Retry);
}

Status Daemon::maintain(ZoneRt& z, UnixTime now) {
  const ZoneSpec& spec = z.spec;
  ZoneRecord& rec = z.rec;
  RolloverPolicy kp = planner_policy(spec);
  Timing timing = planner_timing(spec);
  auto origin = Name::from_text(spec.name);
  if (!origin) return origin.error();

  // 0. The renames of the last pass: applied (again, if a rename failed) and once durable,
  // no longer needed in the record.
  if (!rec.pending.empty() || !rec.pending_writes.empty()) {
    if (Status s = apply_renames(rec.pending, true); !s) return s;
    if (!z.writes_applied)
      if (Status s = apply_writes(rec.pending_writes, true); !s) return s;
    z.writes_applied = true;
    if (!sync_->covered(z.renames_ticket))
      if (Status s = sync_->sync(staged_dirs(rec.pending, rec.pending_writes)); !s) return s;
    rec.pending.clear();
    rec.pending_writes.clear();
  }

  // 1. Rollover planner, with the keys it asks for (from the pool, or made now). Key files
  // are staged without fsync; step 3 makes them durable before the record refers to them.
  ZoneRecord before = rec;
  StagedFiles staged;
  HeldKeys held;
  std::vector<std::unique_ptr<signer::PrivateKey>> fresh;
  std::vector<PooledKey> taken;
  auto abandon = [&] {
    staged.abandon();
    for (const auto& k : taken) store_->pool_release(k);
    rec = before;
  };
  std::vector<Transition> transitions;
  bool zone_changed = false;
  bool from_pool =
      true;  // after a key tag collision: a fresh key (a released one comes back first)
  Plan plan;
  // ---- branch parent: observe the parent when due; observed DS count on every server
  ParentView pv_in = parent_view(rec);
  if (parent_) {
    parent_->observe(spec, rec, now);
    if (UnixTime t = parent_->observed_at(spec.name); t != 0)
      parent_events_->observed(spec.name, t);
    pv_in = parent_view(rec);
    pv_in.all_servers = spec.parent.observed();
  }
  add_anchor_view(spec, rec, pv_in);  // method "tar": what every repository serves
  // ----
  for (int round = 0; round < 4; ++round) {
    plan = step(rec.keys, kp, timing, now, pv_in);
    transitions.insert(transitions.end(), plan.transitions.begin(), plan.transitions.end());
    bool generated = false;
    for (const Action& a : plan.actions) {
      if (changes_zone(a.kind)) zone_changed = true;
      if (spec.parent.method == "cds" &&  // branch parent: CDS follow the wanted DS set
          (a.kind == Action::Kind::SubmitDs || a.kind == Action::Kind::WithdrawDs))
        zone_changed = true;
      if (a.kind != Action::Kind::GenerateKey) continue;
      StagedFiles::Mark mark = staged.mark();
      auto nk = new_key(spec, *origin, a.role, a.algorithm, now, staged, from_pool);
      if (!nk) {
        abandon();
        return nk.error();
      }
      if (Status s = add_key(rec.keys, kp, nk->rec, now); !s) {
        staged.undo_since(mark);  // e.g. a key tag collision: try again next round
        if (nk->pooled) store_->pool_release(*nk->pooled);
        log_.warn(spec.name, s.error().message);
        from_pool = false;
        generated = true;  // another round, with a fresh key
        continue;
      }
      if (nk->pooled) taken.push_back(*nk->pooled);
      if (nk->fresh) {
        held[nk->rec.id] = nk->fresh.get();
        fresh.push_back(std::move(nk->fresh));
      }
      transitions.push_back(
          {now, std::string(to_string(a.role)) + " " + std::to_string(nk->rec.tag), "none",
           "generated",
           "key " + nk->rec.id + " for the rollover" + (nk->pooled ? " (from the key pool)" : "")});
      generated = true;
    }
    if (!generated) break;
  }
  if (zone_changed) rec.dirty = true;

  childscan_scan(spec, now);  // children's CDS/CDNSKEY: accepted DS sets go into this zone
  // 2. Sign when the key set changed, the signatures are due, or the output is missing: into
  // an unsynced temporary (verified before it is written).
  bool need_sign = managed_resign_needed(spec) || rec.dirty || now >= rec.resign_at ||
                   !z.signed_once || !file_exists(spec.output_file);
  std::optional<SignOutcome> out;
  std::optional<Error> sign_error;
  double sign_seconds = 0;  // alertwire: throughput metric
  if (need_sign) {
    auto sign_start = std::chrono::steady_clock::now();
    auto r = sign_to_temp(spec, rec.keys, *keystore_, held, now, rec.keys.serial, managed_.get());
    sign_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - sign_start).count();
    if (r) {
      out = std::move(*r);
      managed_staged(spec, *out);  // managed: log + audit its children's DS changes
      staged.created.push_back(out->temp);
      staged.renames.emplace_back(out->temp, spec.output_file);
      rec.signed_at = now;
      rec.expires = out->expires;
      int64_t margin = spec.refresh + jitter(spec.jitter);
      rec.resign_at = std::max(now + 1, out->expires - margin);
      rec.dirty = false;
      rec.keys.serial = out->serial;
    } else {
      sign_error = r.error();
    }
  }

  // 3. Durable before acted on: the staged files (one sync round shared with the other
  // workers), then the record with the renames it implies (group commit), then the renames.
  auto crash = [&](std::string_view point) { return opt_.crash_at && opt_.crash_at(point); };
  if (!(rec == before) || !staged.renames.empty() || !staged.writes.empty()) {
    if (crash("staged")) return fail("crash injected after staging");
    if (!staged.created.empty()) {
      if (Status s = sync_->sync(staged_dirs(staged.renames, staged.writes)); !s) {
        abandon();
        return s;
      }
    }
    rec.pending = staged.renames;
    rec.pending_writes = staged.writes;
    z.writes_applied = false;       // until applied below: the next pass re-applies them
    z.renames_ticket = UINT64_MAX;  // and syncs them (a ticket is taken once applied)
    if (crash("synced")) return fail("crash injected before the commit");
    if (Status s = store_->save(rec, transitions); !s) {
      abandon();
      return s;
    }
    log_transitions(spec.name, transitions);
    events_->zone_saved(spec, before, rec, now, "planner");  // alertwire
    if (crash("committed")) return fail("crash injected after the commit");
    if (Status s = apply_renames(rec.pending); !s) {
      rec.dirty = true;  // the next pass retries the renames, then signs again
      return s;
    }
    if (Status s = apply_writes(rec.pending_writes); !s) return s;  // the next pass retries
    z.writes_applied = true;
    z.renames_ticket = sync_->ticket(staged_dirs(rec.pending, rec.pending_writes));
  }
  if (sign_error) return *sign_error;
  if (out) {
    events_->zone_signed(spec, rec, out->rrsigs, sign_seconds);  // alertwire
    log_.info(spec.name, "signed",
              {{"serial", std::to_string(out->serial)},
               {"rrsigs", std::to_string(out->rrsigs)},
               {"verified", std::to_string(out->verified)},
               {"expires", iso_time(out->expires)},
               {"resign_at", iso_time(rec.resign_at)}});
    if (!z.signed_once) {
      z.signed_once = true;
      size_t n = ++signed_count_;
      if (n == zone_count() && !all_signed_logged_.exchange(true))
        log_.info("", "all zones signed",
                  {{"zones", std::to_string(n)},
                   {"seconds", std::to_string(clock_.now() - started_at_)}});
    }
    if (!spec.reload_command.empty()) {
      if (Status s = run_command(spec.reload_command); !s)
        return fail("reload: " + s.error().message);
    }
    managed_signed(spec, *out, now);  // managed children's DS now live in this parent zone
  }
  // Trust-anchor repositories: a changed document is published, served ones re-read.
  if (Status s = publish_anchors(z, now); !s) return s;
  // ---- branch parent: send the DS set the planner now wants; next look at the parent
  managed_child(spec, rec, now);  // managed: a changed wanted DS set re-signs the parent now
  if (parent_) {
    parent_->publish(spec, rec, now);
    if (UnixTime t = parent_->next_event(spec.name); t != kNever)
      sched_->schedule(std::max(t, now), spec.name, EventKind::Maintain);
  }
  // ----
  // 4. Next event.
  sched_->schedule(rec.resign_at, spec.name, EventKind::Resign);
  if (plan.next_check != kNever)
    sched_->schedule(std::max(plan.next_check, now), spec.name, EventKind::Rollover);
  return {};
}

}  // namespace ts::agent
