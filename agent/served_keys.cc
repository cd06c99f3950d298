// Keys to adopt for a zone without state: those its served output publishes (served_keys.h).
#include "agent/served_keys.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/atomic_file.h"
#include "signer/zone.h"
#include "signer/zone_parse.h"

namespace ts::agent {
namespace {

constexpr uint16_t kRevokeFlag = 0x0080;  // RFC 5011

uint16_t dnskey_flags(const signer::Bytes& rdata) {
  return static_cast<uint16_t>(rdata[0] << 8 | rdata[1]);
}

/// Up to `limit` bytes from the start of `path`; when the file is longer (`*whole` false)
/// cut after the last complete line. nullopt: no such file.
Result<std::optional<std::string>> read_prefix(const std::string& path, size_t limit, bool* whole) {
  auto text = read_file_prefix(path, limit + 1);
  if (!text || !*text) return text;
  *whole = (*text)->size() <= limit;
  if (!*whole) {
    size_t nl = (*text)->rfind('\n', limit);
    (*text)->resize(nl == std::string::npos ? 0 : nl + 1);
  }
  return text;
}

}  // namespace

Result<std::optional<std::vector<signer::Bytes>>> served_dnskeys(const std::string& path,
                                                                 const Name& origin) {
  using Out = std::optional<std::vector<signer::Bytes>>;
  bool whole = true;
  auto text = read_prefix(path, kServedPrefix, &whole);
  if (!text) return text.error();
  if (!*text) return Out();
  std::vector<signer::Bytes> keys;
  bool apex_seen = false, apex_done = false;
  Status s = signer::parse_zone_text(**text, path, origin, 3600, [&](signer::ParsedRR&& rr) {
    bool apex = rr.owner == origin;
    if (!apex && apex_seen) {
      apex_done = true;
      return Status(fail("apex read"));  // ends the parse; apex_done tells it from an error
    }
    apex_seen = apex_seen || apex;
    if (apex && rr.type == signer::rrtype::DNSKEY) keys.push_back(std::move(rr.rdata));
    return Status();
  });
  if (!s && !apex_done) return s.error();
  if (!apex_done && !whole)
    return fail(path + ": the zone apex does not end within the first " +
                std::to_string(kServedPrefix >> 20) + " MiB");
  if (keys.empty()) return Out();
  return Out(std::move(keys));
}

const signer::Bytes* served_dnskey(const signer::KeyMeta& key,
                                   const std::vector<signer::Bytes>& served) {
  for (const signer::Bytes& rd : served)
    if (rd.size() == 4 + key.public_key.size() && rd[3] == static_cast<uint8_t>(key.algorithm) &&
        std::equal(key.public_key.begin(), key.public_key.end(), rd.begin() + 4))
      return &rd;
  return nullptr;
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
  if (!*served) return found;  // no output yet (imported keys), or no DNSKEY in it
  std::vector<signer::KeyMeta> adopt;
  for (auto& m : found) {
    const signer::Bytes* rd = served_dnskey(m, **served);
    if (rd && !(dnskey_flags(*rd) & kRevokeFlag)) {
      adopt.push_back(std::move(m));
      continue;
    }
    std::string why = rd ? " is revoked (RFC 5011) in the DNSKEY RRset of " + spec.output_file +
                               ": not adopted (it is on its way out)"
                         : " is not in the DNSKEY RRset of " + spec.output_file +
                               ": not adopted (a retired or never published key)";
    log.info(spec.name, "key " + m.id + " in the key store" + why,
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
