// DS record values, key tag and DS digest (RFC 4034 5.1, Appendix B).
#include "parentsync/ds_record.h"

#include "signer/dnssec_records.h"

#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

namespace ts::parentsync {

Bytes DsRecord::to_rdata() const {
  Bytes out;
  out.reserve(4 + digest.size());
  out.push_back(static_cast<uint8_t>(key_tag >> 8));
  out.push_back(static_cast<uint8_t>(key_tag & 0xff));
  out.push_back(algorithm);
  out.push_back(digest_type);
  for (uint8_t b : digest) out.push_back(b);
  return out;
}

Result<DsRecord> DsRecord::from_rdata(std::span<const uint8_t> rdata) {
  if (rdata.size() < 5) return fail("DS rdata too short (" + std::to_string(rdata.size()) + ")");
  DsRecord ds;
  ds.key_tag = static_cast<uint16_t>(rdata[0] << 8 | rdata[1]);
  ds.algorithm = rdata[2];
  ds.digest_type = rdata[3];
  ds.digest.assign(rdata.begin() + 4, rdata.end());
  return ds;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

std::string DsRecord::rdata_text() const {
  return std::to_string(key_tag) + " " + std::to_string(algorithm) + " " +
         std::to_string(digest_type) + " " + to_hex(digest);
}

std::string DsRecord::to_text(const Name& owner, uint32_t ttl, const char* type) const {
  return owner.to_text() + " " + std::to_string(ttl) + " IN " + type + " " + rdata_text();
}

Result<DsRecord> DsRecord::from_rdata_text(const std::string& text) {
  std::istringstream in(text);
  unsigned tag = 0, alg = 0, dt = 0;
  if (!(in >> tag >> alg >> dt) || tag > 65535 || alg > 255 || dt > 255)
    return fail("bad DS rdata \"" + text + "\"");
  std::string hex, part;
  while (in >> part) hex += part;
  if (hex.empty() || hex.size() % 2 != 0) return fail("bad DS digest in \"" + text + "\"");
  DsRecord ds{static_cast<uint16_t>(tag), static_cast<uint8_t>(alg), static_cast<uint8_t>(dt), {}};
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (!isxdigit(static_cast<unsigned char>(hex[i])) ||
        !isxdigit(static_cast<unsigned char>(hex[i + 1])))
      return fail("bad DS digest in \"" + text + "\"");
    ds.digest.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return ds;
}

uint16_t key_tag(std::span<const uint8_t> rdata) {
  return signer::key_tag(rdata);
}

Result<DsRecord> make_ds(const Name& owner, std::span<const uint8_t> dnskey_rdata,
                         uint8_t digest_type) {
  if (dnskey_rdata.size() < 5) return fail("DNSKEY rdata too short");
  if (digest_type != 1 && digest_type != 2 && digest_type != 4)
    return fail("unsupported DS digest type " + std::to_string(digest_type));
  auto ds = signer::make_ds(owner, dnskey_rdata, static_cast<signer::DigestType>(digest_type));
  if (!ds) return ds.error();
  return DsRecord{ds->key_tag, static_cast<uint8_t>(ds->algorithm), ds->digest_type, ds->digest};
}

bool ds_matches_dnskey(const DsRecord& ds, const Name& owner,
                       std::span<const uint8_t> dnskey_rdata) {
  if (dnskey_rdata.size() < 5 || ds.algorithm != dnskey_rdata[3]) return false;
  if (ds.key_tag != key_tag(dnskey_rdata)) return false;
  auto computed = make_ds(owner, dnskey_rdata, ds.digest_type);
  return computed && computed->digest == ds.digest;
}

Result<Bytes> base64_to_bytes(const std::string& text) {
  ldns_rdf* rdf = nullptr;
  if (ldns_str2rdf_b64(&rdf, text.c_str()) != LDNS_STATUS_OK || !rdf) return fail("bad base64");
  Bytes out(ldns_rdf_data(rdf), ldns_rdf_data(rdf) + ldns_rdf_size(rdf));
  ldns_rdf_deep_free(rdf);
  return out;
}

std::string bytes_to_base64(std::span<const uint8_t> data) {
  ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, data.size(), data.data());
  if (!rdf) return "";
  char* s = ldns_rdf2str(rdf);
  std::string out = s ? s : "";
  free(s);
  ldns_rdf_deep_free(rdf);
  return out;
}

std::vector<DsRecord> canonical_set(std::vector<DsRecord> records) {
  std::sort(records.begin(), records.end());
  records.erase(std::unique(records.begin(), records.end()), records.end());
  return records;
}

}  // namespace ts::parentsync
