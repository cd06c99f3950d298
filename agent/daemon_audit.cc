// Zone record diff -> audit records (see daemon_audit.h).
#include "agent/daemon_audit.h"

#include <cctype>
#include <optional>

#include "agent/log.h"

namespace ts::agent {
namespace {

struct KeyField {
  std::optional<UnixTime> KeyRecord::*field;
  AuditEvent event;
  const char* state;  // details "state" for the DS events that share one AuditEvent
};

// In the order they happen in a key's life.
constexpr KeyField kFields[] = {
    {&KeyRecord::generated, AuditEvent::KeyGenerated, nullptr},
    {&KeyRecord::published, AuditEvent::KeyPublished, nullptr},
    {&KeyRecord::active, AuditEvent::KeyActivated, nullptr},
    {&KeyRecord::ds_submitted, AuditEvent::DsSubmitted, "submitted"},
    {&KeyRecord::ds_seen, AuditEvent::DsSeen, "seen"},
    {&KeyRecord::retired, AuditEvent::KeyRetired, nullptr},
    {&KeyRecord::ds_withdrawn, AuditEvent::DsWithdrawn, "withdrawn"},
    {&KeyRecord::ds_gone, AuditEvent::DsWithdrawn, "gone"},
    {&KeyRecord::removed, AuditEvent::KeyRemoved, nullptr},
};

const KeyRecord* find(const ZoneRecord& r, const std::string& id) {
  for (const auto& k : r.keys.keys)
    if (k.id == id) return &k;
  return nullptr;
}

std::string role_text(KeyRole r) {
  std::string s(to_string(r));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

JsonFields key_details(const KeyRecord& k, const std::string& how) {
  return {{"key", k.id},
          {"tag", int64_t{k.tag}},
          {"role", role_text(k.role)},
          {"algorithm", int64_t{k.algorithm}},
          {"by", how}};
}

}  // namespace

std::vector<AuditRecord> zone_audit_records(const std::string& zone, const ZoneRecord& before,
                                            const ZoneRecord& after, const std::string& how,
                                            const std::string& actor) {
  std::vector<AuditRecord> out;
  for (const KeyRecord& k : after.keys.keys) {
    const KeyRecord* old = find(before, k.id);
    if (!old && !k.generated)
      out.push_back({AuditEvent::KeyGenerated, zone, actor, key_details(k, how)});
    for (const KeyField& f : kFields) {
      const auto& now_set = k.*(f.field);
      if (!now_set || (old && (old->*(f.field)).has_value())) continue;
      JsonFields d = key_details(k, how);
      if (f.state) d.push_back({"state", std::string(f.state)});
      d.push_back({"at", iso_time(*now_set)});
      out.push_back({f.event, zone, actor, std::move(d)});
    }
  }
  // Operator confirmations (`trustsync ds-seen ZONE TAG [--gone]`).
  auto confirmations = [&](const std::map<DsId, UnixTime>& b, const std::map<DsId, UnixTime>& a,
                           AuditEvent event, const char* state) {
    for (const auto& [id, at] : a) {
      auto it = b.find(id);
      if (it != b.end() && it->second == at) continue;
      out.push_back({event,
                     zone,
                     actor,
                     {{"tag", int64_t{id.second}},
                      {"algorithm", int64_t{id.first}},
                      {"state", std::string(state)},
                      {"by", how},
                      {"at", iso_time(at)}}});
    }
  };
  confirmations(before.ds_seen, after.ds_seen, AuditEvent::DsSeen, "confirmed-seen");
  confirmations(before.ds_gone, after.ds_gone, AuditEvent::DsWithdrawn, "confirmed-gone");
  return out;
}

}  // namespace ts::agent
