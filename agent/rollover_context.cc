// Rollover context: the helpers one planner pass uses to wait, set key timestamps, record
// actions and log every transition as `subject: from -> to (reason)`.
#include <algorithm>

#include "agent/rollover_steps.h"

namespace ts::agent::internal {

int64_t Terms::isig_new() const {
  return dsgn + dprp + std::max(ttl_zone, ttl_key) + pub_margin;
}

Terms terms_at(ZoneKeyState& zone, const Timing& t, UnixTime now) {
  zone.dnskey_ttl.observe(t.dnskey_ttl, now, t.zone_propagation_delay);
  zone.zone_ttl.observe(t.max_zone_ttl, now, t.zone_propagation_delay);
  zone.ds_ttl.observe(t.ds_ttl, now, t.parent_propagation_delay);
  Terms terms;
  terms.dprp = t.zone_propagation_delay;
  terms.dprpp = t.parent_propagation_delay;
  terms.ttl_key = zone.dnskey_ttl.effective(now, t.zone_propagation_delay);
  terms.ttl_zone = zone.zone_ttl.effective(now, t.zone_propagation_delay);
  terms.ttl_ds = zone.ds_ttl.effective(now, t.parent_propagation_delay);
  terms.dsgn = t.sign_delay;
  terms.pub_margin = t.publish_safety;
  terms.ret_margin = t.retire_safety;
  return terms;
}

std::string key_name(const KeyRecord& k) {
  return std::string(to_string(k.role)) + " " + std::to_string(k.tag);
}

std::string key_names(const std::vector<KeyRecord*>& keys) {
  std::string out;
  for (const auto* k : keys) out += (out.empty() ? "" : ", ") + key_name(*k);
  return out.empty() ? "no key" : out;
}

std::vector<KeyRole> wanted_roles(RolloverKind kind, const RolloverPolicy& policy) {
  switch (kind) {
    case RolloverKind::Zsk:
      return {KeyRole::ZSK};
    case RolloverKind::KskDoubleKsk:
    case RolloverKind::KskDoubleDs:
    case RolloverKind::KskRfc5011:
      return {KeyRole::KSK};
    case RolloverKind::Csk:
    case RolloverKind::CskRfc5011:
      return {KeyRole::CSK};
    case RolloverKind::Initial:
    case RolloverKind::Algorithm:
      if (policy.csk) return {KeyRole::CSK};
      return {KeyRole::KSK, KeyRole::ZSK};
  }
  return {};
}

void StepContext::log(const std::string& subject, std::string_view from, std::string_view to,
                      const std::string& reason) {
  plan.transitions.push_back({now, subject, std::string(from), std::string(to), reason});
}

bool StepContext::wait_until(UnixTime when, const std::string& what) {
  if (now >= when) return true;
  plan.next_check = std::min(plan.next_check, when);
  if (!plan.waiting_for.empty()) plan.waiting_for += "; ";
  plan.waiting_for += what + " (" + format_duration(when - now) + " left)";
  return false;
}

bool StepContext::wait_parent(const std::string& what) {
  if (!plan.waiting_for.empty()) plan.waiting_for += "; ";
  plan.waiting_for += what;
  return false;
}

bool StepContext::wait_ds_cached(const std::vector<KeyRecord*>& keys) {
  UnixTime when = 0;
  for (const auto* k : keys) {
    if (!k->has_ksk_duty()) continue;
    if (!k->ds_seen) {
      UnixTime since = k->ds_submitted.value_or(now);
      return wait_parent("DS for " + key_name(*k) + " to appear at the parent (submitted " +
                         format_duration(now - since) + " ago)");
    }
    when = std::max(when, *k->ds_seen + terms.ds_cached(parent.all_servers));
  }
  return wait_until(
      when, "new DS to reach every validator cache (DS TTL " + format_duration(terms.ttl_ds) + ")");
}

bool StepContext::wait_ds_gone(const std::vector<KeyRecord*>& keys, bool and_uncached) {
  UnixTime when = 0;
  for (const auto* k : keys) {
    if (!k->has_ksk_duty() || !k->ds_withdrawn) continue;
    if (!k->ds_gone) {
      return wait_parent("DS for " + key_name(*k) + " to disappear from the parent (withdrawn " +
                         format_duration(now - *k->ds_withdrawn) + " ago)");
    }
    when = std::max(when, *k->ds_gone + terms.ds_uncached(parent.all_servers));
  }
  if (!and_uncached) return true;
  return wait_until(
      when, "old DS to leave every validator cache (DS TTL " + format_duration(terms.ttl_ds) + ")");
}

bool StepContext::have_new_keys(Rollover& r) {
  bool complete = true;
  for (KeyRole role : wanted_roles(r.kind, policy)) {
    bool found = false;
    for (const auto& id : r.new_keys) {
      const KeyRecord* k = zone.find_key(id);
      if (k && k->role == role) found = true;
    }
    if (!found) {
      complete = false;
      wanted_keys.push_back({Action::Kind::GenerateKey, role, r.algorithm, "", 0});
      if (!plan.waiting_for.empty()) plan.waiting_for += "; ";
      plan.waiting_for += "a new " + std::string(to_string(role)) + " (algorithm " +
                          std::to_string(r.algorithm) + ") from the key pool";
      plan.next_check = now;
    }
  }
  return complete;
}

void StepContext::set_phase(Rollover& r, Phase to, const std::string& reason) {
  log(std::string(to_string(r.kind)) + " rollover", to_string(r.phase), to_string(to), reason);
  r.phase = to;
  r.updated = now;
}

void StepContext::set(KeyRecord& k, std::optional<UnixTime> KeyRecord::*field, Action::Kind kind,
                      const std::string& reason) {
  if (k.*field) return;  // already done (idempotent)
  KeyState key_before = state_at(k, now);
  DsState ds_before = ds_state_at(k, now);
  k.*field = now;
  plan.actions.push_back({kind, k.role, k.algorithm, k.id, k.tag});
  KeyState key_after = state_at(k, now);
  DsState ds_after = ds_state_at(k, now);
  if (key_before != key_after)
    log(key_name(k), to_string(key_before), to_string(key_after), reason);
  if (ds_before != ds_after)
    log("DS " + std::to_string(k.tag), to_string(ds_before), to_string(ds_after), reason);
  if (kind == Action::Kind::StartSigning && key_before == key_after)
    log(key_name(k), "not signing", "signing", reason);
  if (kind == Action::Kind::Revoke) log(key_name(k), "not revoked", "revoked", reason);
}

void StepContext::publish(KeyRecord& k, const std::string& reason) {
  set(k, &KeyRecord::published, Action::Kind::Publish, reason);
}
void StepContext::start_signing(KeyRecord& k, const std::string& reason) {
  set(k, &KeyRecord::active, Action::Kind::StartSigning, reason);
}
void StepContext::stop_signing(KeyRecord& k, const std::string& reason) {
  set(k, &KeyRecord::retired, Action::Kind::StopSigning, reason);
}
void StepContext::submit_ds(KeyRecord& k, const std::string& reason) {
  if (k.has_ksk_duty()) set(k, &KeyRecord::ds_submitted, Action::Kind::SubmitDs, reason);
}
void StepContext::withdraw_ds(KeyRecord& k, const std::string& reason) {
  if (k.has_ksk_duty()) set(k, &KeyRecord::ds_withdrawn, Action::Kind::WithdrawDs, reason);
}
void StepContext::remove(KeyRecord& k, const std::string& reason) {
  set(k, &KeyRecord::removed, Action::Kind::Remove, reason);
}
void StepContext::revoke(KeyRecord& k, const std::string& reason) {
  if (k.has_ksk_duty()) set(k, &KeyRecord::revoked, Action::Kind::Revoke, reason);
}

void StepContext::mark_ready(KeyRecord& k, UnixTime when) {
  if (k.ready) return;
  KeyState before = state_at(k, now);
  k.ready = std::min(when, now);
  KeyState after = state_at(k, now);
  if (before != after)
    log(key_name(k), to_string(before), to_string(after), "DNSKEY in every cache");
}

std::vector<KeyRecord*> StepContext::keys(const std::vector<std::string>& ids) {
  std::vector<KeyRecord*> out;
  for (const auto& id : ids)
    if (KeyRecord* k = zone.find_key(id)) out.push_back(k);
  return out;
}

}  // namespace ts::agent::internal
