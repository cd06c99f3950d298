// Keys to adopt for a zone without state: those its served output publishes (served_keys.h).
#include "agent/served_keys.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "signer/zone.h"
#include "signer/zone_parse.h"

namespace ts::agent {
namespace {

// The sink's way of ending the parse once the apex records are behind it.
constexpr const char* kApexDone = "served_dnskeys: apex read";

}  // namespace

Result<std::optional<std::vector<signer::Bytes>>> served_dnskeys(const std::string& path,
                                                                 const Name& origin) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<std::vector<signer::Bytes>>();
    return fail(path + ": " + std::strerror(errno));
  }
  std::vector<signer::Bytes> keys;
  bool in_apex = false, apex_seen = false;
  Status s = signer::parse_zone_records(path, origin, 3600, 1, [&](signer::ParsedRR&& rr) {
    bool apex = rr.owner == origin;
    if (!apex && apex_seen) return Status(fail(kApexDone));
    in_apex = apex;
    apex_seen = apex_seen || apex;
    if (in_apex && rr.type == signer::rrtype::DNSKEY) keys.push_back(std::move(rr.rdata));
    return Status();
  });
  if (!s && s.error().message != kApexDone) return s.error();
  return std::optional<std::vector<signer::Bytes>>(std::move(keys));
}

bool key_is_served(const signer::KeyMeta& key, const std::vector<signer::Bytes>& served) {
  return std::any_of(served.begin(), served.end(), [&](const signer::Bytes& rd) {
    return rd.size() == 4 + key.public_key.size() && rd[3] == static_cast<uint8_t>(key.algorithm) &&
           std::equal(key.public_key.begin(), key.public_key.end(), rd.begin() + 4);
  });
}

std::vector<signer::KeyMeta> keys_for_adoption(const ZoneSpec& spec,
                                               std::vector<signer::KeyMeta> found, Logger& log) {
  if (found.empty()) return found;
  auto origin = Name::from_text(spec.name);
  if (!origin) return found;
  auto served = served_dnskeys(spec.output_file, *origin);
  if (!served) {
    log.warn(spec.name,
             "cannot tell which keys the served zone publishes; adopting every key "
             "of the zone in the key store: " +
                 served.error().message);
    return found;
  }
  if (!*served) return found;  // no output yet: keys imported for the first signing
  std::vector<signer::KeyMeta> adopt;
  for (auto& m : found) {
    if (key_is_served(m, **served)) {
      adopt.push_back(std::move(m));
      continue;
    }
    log.info(spec.name,
             "key " + m.id + " in the key store is not in the DNSKEY RRset of " + spec.output_file +
                 ": not adopted (a retired or never published key)",
             {{"key", m.id}, {"tag", std::to_string(m.tag)}});
  }
  if (adopt.empty())
    log.warn(spec.name, "none of the zone's keys in the key store is in the DNSKEY RRset of " +
                            spec.output_file + "; new keys will be made");
  return adopt;
}

std::vector<KeyRecord> adopt_keys(const ZoneSpec& spec, std::vector<signer::KeyMeta> found,
                                  UnixTime now, Logger& log) {
  std::vector<KeyRecord> out;
  for (const auto& m : keys_for_adoption(spec, std::move(found), log)) {
    KeyRecord k;
    k.id = m.id;
    k.role = m.role == signer::KeyRole::KSK   ? KeyRole::KSK
             : m.role == signer::KeyRole::ZSK ? KeyRole::ZSK
                                              : KeyRole::CSK;
    k.algorithm = static_cast<uint8_t>(m.algorithm);
    k.tag = m.tag;
    UnixTime t = m.created > 0 && m.created <= now ? m.created : now;
    k.generated = k.published = k.ready = k.active = t;
    if (k.has_ksk_duty()) k.ds_submitted = k.ds_seen = t;
    log.transition(spec.name, std::string(to_string(k.role)) + " " + std::to_string(k.tag),
                   "imported", "active",
                   "key " + k.id + " found in the key store" +
                       (k.has_ksk_duty() ? "; its DS is assumed to be at the parent" : ""));
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace ts::agent
