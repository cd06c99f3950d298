// Test helpers for the signer tests: RRs from presentation text (through ldns), key tags.
#pragma once

#include <string>

#include "signer/crypto.h"
#include "signer/zone.h"

// ldns last: its C headers define macros that break some C++ headers included after them.
#include <ldns/ldns.h>

namespace ts::signer::testing {

/// Adds one RR given in presentation format (absolute names) to `zone`.
inline bool add_rr(Zone& zone, const std::string& text) {
  ldns_rr* rr = nullptr;
  if (ldns_rr_new_frm_str(&rr, text.c_str(), 3600, nullptr, nullptr) != LDNS_STATUS_OK)
    return false;
  ldns_rdf* o = ldns_rr_owner(rr);
  auto owner = Name::from_wire(
      std::string(reinterpret_cast<const char*>(ldns_rdf_data(o)), ldns_rdf_size(o)));
  Bytes rdata;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr, i);
    rdata.insert(rdata.end(), ldns_rdf_data(f), ldns_rdf_data(f) + ldns_rdf_size(f));
  }
  uint16_t type = static_cast<uint16_t>(ldns_rr_get_type(rr));
  uint32_t ttl = ldns_rr_ttl(rr);
  ldns_rr_free(rr);
  if (!owner) return false;
  zone.add(*owner, type, ttl, rdata);
  return true;
}

/// RFC 4034 Appendix B key tag of DNSKEY rdata.
inline uint16_t key_tag(const Bytes& rdata) {
  uint32_t ac = 0;
  for (size_t i = 0; i < rdata.size(); ++i) ac += (i & 1) ? rdata[i] : rdata[i] << 8;
  ac += (ac >> 16) & 0xffff;
  return static_cast<uint16_t>(ac & 0xffff);
}

inline Bytes dnskey_rdata(uint16_t flags, const PrivateKey& k) {
  Bytes rd{static_cast<uint8_t>(flags >> 8), static_cast<uint8_t>(flags), 3,
           static_cast<uint8_t>(k.algorithm())};
  Bytes pub = k.public_key();
  rd.insert(rd.end(), pub.begin(), pub.end());
  return rd;
}

}  // namespace ts::signer::testing
