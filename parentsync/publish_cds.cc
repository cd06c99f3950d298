// CDS/CDNSKEY computation (RFC 7344 4, RFC 8078 4) and the parent-acted check.
#include "parentsync/publish_cds.h"

#include <algorithm>

namespace ts::parentsync {
namespace {

std::string dnskey_text(const Bytes& rdata) {
  return std::to_string(rdata[0] << 8 | rdata[1]) + " " + std::to_string(rdata[2]) + " " +
         std::to_string(rdata[3]) + " " +
         bytes_to_base64(std::span<const uint8_t>(rdata.data() + 4, rdata.size() - 4));
}

}  // namespace

std::vector<std::string> CdsRecords::zone_lines(const Name& child, uint32_t ttl) const {
  std::vector<std::string> out;
  for (const DsRecord& ds : cds) out.push_back(ds.to_text(child, ttl, "CDS"));
  for (const Bytes& k : cdnskey)
    out.push_back(child.to_text() + " " + std::to_string(ttl) + " IN CDNSKEY " + dnskey_text(k));
  return out;
}

bool CdsRecords::is_delete() const {
  return cds.size() == 1 && cds[0].is_delete() && cdnskey.size() == 1 &&
         cdnskey[0] == Bytes({0, 0, 3, 0, 0});
}

Result<CdsRecords> cds_records(const Name& child, const std::vector<Bytes>& dnskeys,
                               const std::vector<uint8_t>& digest_types) {
  if (dnskeys.empty())
    return fail("CDS for " + child.to_text() + ": no key given (use the delete form)");
  if (digest_types.empty()) return fail("CDS for " + child.to_text() + ": no digest type");
  CdsRecords out;
  for (const Bytes& k : dnskeys) {
    if (k.size() < 5 || !(k[0] & 0x01) || k[2] != 3)
      return fail("CDS for " + child.to_text() + ": not a DNSSEC zone key (flags/protocol)");
    for (uint8_t dt : digest_types) {
      if (dt == 1) return fail("CDS: digest type 1 (SHA-1) must not be used (RFC 8624)");
      auto ds = make_ds(child, k, dt);
      if (!ds) return fail("CDS for " + child.to_text() + ": " + ds.error().message);
      out.cds.push_back(*ds);
    }
    out.cdnskey.push_back(k);
  }
  out.cds = canonical_set(out.cds);
  std::sort(out.cdnskey.begin(), out.cdnskey.end());
  out.cdnskey.erase(std::unique(out.cdnskey.begin(), out.cdnskey.end()), out.cdnskey.end());
  return out;
}

CdsRecords cds_delete() {
  return CdsRecords{{DsRecord::delete_form()}, {Bytes{0, 0, 3, 0, 0}}};
}

CdsWait parent_acted(const ParentView& view, const std::vector<uint16_t>& wanted,
                     const std::vector<uint16_t>& all_ours, bool going_insecure) {
  CdsWait w;
  const std::string child = view.child.to_text();
  if (going_insecure) {
    for (uint16_t t : all_ours) {
      if (!view.gone_everywhere(t)) {
        w.waiting_for = "the parent to remove the DS of key " + std::to_string(t) + " for " +
                        child + " from every parent server (CDS delete published)";
        return w;
      }
    }
    if (!view.rogue.empty() || !view.stale.empty()) {
      w.waiting_for = "the parent to remove the remaining DS of " + child;
      return w;
    }
    w.done = true;
    return w;
  }
  if (view.parent_insecure) {
    w.waiting_for =
        "nothing the parent can do: the parent of " + child + " is unsigned (use trust anchors)";
    return w;
  }
  for (uint16_t t : wanted) {
    if (!view.seen_everywhere(t)) {
      w.waiting_for = "the parent to publish the DS of key " + std::to_string(t) + " for " + child +
                      " on every parent server (validated)";
      return w;
    }
  }
  for (uint16_t t : all_ours) {
    if (std::find(wanted.begin(), wanted.end(), t) != wanted.end()) continue;
    if (!view.gone_everywhere(t)) {
      w.waiting_for = "the parent to remove the DS of key " + std::to_string(t) + " for " + child;
      return w;
    }
  }
  w.done = true;
  return w;
}

}  // namespace ts::parentsync
