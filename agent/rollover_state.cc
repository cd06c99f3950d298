// Rollover state: TTL memory, parent view look-ups and the names of states and phases.
#include "agent/rollover_state.h"

#include <algorithm>

namespace ts::agent {

void TtlMemory::observe(int64_t ttl, UnixTime now, int64_t propagation) {
  if (current < 0) {
    current = ttl;
    return;
  }
  if (ttl == current) return;
  if (ttl < effective(now, propagation)) {
    bool remembering = previous > current && now < lowered_at + propagation + previous;
    if (!remembering) {
      previous = current;
      lowered_at = now;
    } else if (now + current > lowered_at + previous) {
      // the TTL being replaced outlives the remembered one: keep the larger value longer
      lowered_at = now + current - previous;
    }
  }
  current = ttl;
}

int64_t TtlMemory::effective(UnixTime now, int64_t propagation) const {
  if (previous > current && now < lowered_at + propagation + previous) return previous;
  return std::max<int64_t>(current, 0);
}

KeyRecord* ZoneKeyState::find_key(const std::string& id) {
  for (auto& k : keys)
    if (k.id == id) return &k;
  return nullptr;
}

const KeyRecord* ZoneKeyState::find_key(const std::string& id) const {
  for (const auto& k : keys)
    if (k.id == id) return &k;
  return nullptr;
}

std::optional<UnixTime> ParentView::seen_since(uint8_t alg, uint16_t tag) const {
  auto it = present_since.find({alg, tag});
  if (it == present_since.end()) return std::nullopt;
  return it->second;
}

std::optional<UnixTime> ParentView::gone_since(uint8_t alg, uint16_t tag) const {
  auto it = absent_since.find({alg, tag});
  if (it == absent_since.end()) return std::nullopt;
  return it->second;
}

std::optional<UnixTime> ParentView::anchor_served_since(uint8_t alg, uint16_t tag) const {
  auto it = anchor_since.find({alg, tag});
  if (it == anchor_since.end()) return std::nullopt;
  return it->second;
}

std::optional<UnixTime> ParentView::anchor_ended(uint8_t alg, uint16_t tag) const {
  auto it = anchor_ended_since.find({alg, tag});
  if (it == anchor_ended_since.end()) return std::nullopt;
  return it->second;
}

namespace {

struct KindName {
  RolloverKind kind;
  std::string_view name;
};
constexpr KindName kKinds[] = {
    {RolloverKind::Initial, "initial"},
    {RolloverKind::Zsk, "zsk"},
    {RolloverKind::KskDoubleKsk, "ksk-double-ksk"},
    {RolloverKind::KskDoubleDs, "ksk-double-ds"},
    {RolloverKind::Csk, "csk"},
    {RolloverKind::Algorithm, "algorithm"},
    {RolloverKind::KskRfc5011, "ksk-rfc5011"},
    {RolloverKind::CskRfc5011, "csk-rfc5011"},
};

struct PhaseName {
  Phase phase;
  std::string_view name;
};
constexpr PhaseName kPhases[] = {
    {Phase::NeedKeys, "need-keys"},
    {Phase::SignBoth, "sign-both"},
    {Phase::PrePublish, "pre-publish"},
    {Phase::DsPublish, "ds-publish"},
    {Phase::KeySwap, "key-swap"},
    {Phase::DsWithdraw, "ds-withdraw"},
    {Phase::DnskeyRemoved, "dnskey-removed"},
    {Phase::Retiring, "retiring"},
    {Phase::AddHoldDown, "add-hold-down"},
    {Phase::AnchorSwitch, "switch"},
    {Phase::RemoveHoldDown, "remove-hold-down"},
    {Phase::Done, "done"},
};

}  // namespace

std::string_view to_string(RolloverKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

std::string_view to_string(Phase phase) {
  for (const auto& p : kPhases)
    if (p.phase == phase) return p.name;
  return "?";
}

std::optional<RolloverKind> rollover_kind_from_string(std::string_view text) {
  for (const auto& k : kKinds)
    if (k.name == text) return k.kind;
  return std::nullopt;
}

std::optional<Phase> phase_from_string(std::string_view text) {
  for (const auto& p : kPhases)
    if (p.name == text) return p.phase;
  return std::nullopt;
}

std::string_view to_string(Action::Kind kind) {
  switch (kind) {
    case Action::Kind::GenerateKey:
      return "generate-key";
    case Action::Kind::Publish:
      return "publish";
    case Action::Kind::StartSigning:
      return "start-signing";
    case Action::Kind::StopSigning:
      return "stop-signing";
    case Action::Kind::SubmitDs:
      return "submit-ds";
    case Action::Kind::WithdrawDs:
      return "withdraw-ds";
    case Action::Kind::Remove:
      return "remove";
    case Action::Kind::Revoke:
      return "revoke";
  }
  return "?";
}

std::string format(const Transition& t) {
  return t.subject + ": " + t.from + " -> " + t.to + " (" + t.reason + ")";
}

std::string format_duration(int64_t seconds) {
  if (seconds < 0) return "-" + format_duration(-seconds);
  if (seconds < 60) return std::to_string(seconds) + "s";
  struct Unit {
    int64_t size;
    const char* name;
  };
  constexpr Unit units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}};
  std::string out;
  int parts = 0;
  for (const auto& u : units) {
    if (seconds >= u.size && parts < 2) {
      out += std::to_string(seconds / u.size) + u.name;
      seconds %= u.size;
      ++parts;
    }
  }
  return out;
}

}  // namespace ts::agent
