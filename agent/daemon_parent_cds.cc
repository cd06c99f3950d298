// CDS / CDNSKEY for parent method "cds", added to the zone before signing.
#include "agent/daemon_parent_cds.h"

#include <map>

#include "agent/key_timing.h"
#include "parentsync/publish_cds.h"
#include "signer/keystore.h"
#include "signer/zone.h"

namespace ts::agent {

Status add_parent_records(const ZoneSpec& spec, const ZoneKeyState& keys,
                          const signer::KeyStore& store, signer::Zone& zone) {
  if (spec.parent.method != "cds") return {};
  const Name& origin = zone.origin();
  zone.remove_rrset(origin, signer::rrtype::CDS);
  zone.remove_rrset(origin, signer::rrtype::CDNSKEY);
  std::vector<ts::parentsync::Bytes> wanted;
  std::map<std::string, ts::parentsync::Bytes> rdata;
  bool listed = false;
  for (const KeyRecord& k : keys.keys) {
    if (!k.has_ksk_duty() || !ds_wanted(k)) continue;
    if (!listed) {
      auto list = store.list(origin);
      if (!list) return fail("CDS: key store: " + list.error().message);
      for (const auto& m : *list) rdata[m.id] = signer::dnskey_rdata(m);
      listed = true;
    }
    auto it = rdata.find(k.id);
    if (it == rdata.end()) return fail("CDS: key " + k.id + " is not in the key store");
    wanted.push_back(it->second);
  }
  if (wanted.empty()) return {};
  auto recs = ts::parentsync::cds_records(origin, wanted, {2});
  if (!recs) return fail("CDS: " + recs.error().message);
  const auto ttl = static_cast<uint32_t>(spec.dnskey_ttl);
  for (const auto& ds : recs->cds) zone.add(origin, signer::rrtype::CDS, ttl, ds.to_rdata());
  for (const auto& key : recs->cdnskey) zone.add(origin, signer::rrtype::CDNSKEY, ttl, key);
  return {};
}

}  // namespace ts::agent
