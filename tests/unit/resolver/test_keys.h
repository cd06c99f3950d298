// Test helper: DNSSEC keys and signatures made with ldns, to build signed RRsets for the
// resolver module's unit tests (direct validation, chain walk) without any server.
#pragma once

#include <ldns/ldns.h>

#include <string>
#include <vector>

#include "resolver/records.h"
#include "resolver/resolver.h"

namespace ts::resolver::testing {

inline Name N(const char* s) {
  return *Name::from_text(s);
}

inline Record R(const std::string& text) {
  auto r = records_from_text(text + "\n");
  if (!r || r->empty()) return Record{};
  return r->front();
}

class TestKey {
 public:
  TestKey(const Name& owner, bool ksk) : owner_(owner) {
    key_ = ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256);
    ldns_key_set_flags(key_, ksk ? 257 : 256);
    ldns_key_set_pubkey_owner(key_,
                              ldns_dname_new_frm_data(owner.wire().size(), owner.wire().data()));
    ldns_rr* rr = ldns_key2rr(key_);
    dnskey_ = *record_from_ldns(rr);
    dnskey_.ttl = 3600;
    ldns_rr_free(rr);
    ldns_key_set_keytag(key_, dnskey_key_tag(dnskey_.rdata));
  }
  ~TestKey() { ldns_key_deep_free(key_); }
  TestKey(const TestKey&) = delete;
  TestKey& operator=(const TestKey&) = delete;

  const Record& dnskey() const { return dnskey_; }
  uint16_t tag() const { return dnskey_key_tag(dnskey_.rdata); }
  Record ds(uint8_t digest_type = 2) const {
    return Record{owner_, kTypeDS, 3600, *ds_for_dnskey(owner_, dnskey_.rdata, digest_type)};
  }
  /// RRSIGs over `rrset` valid from `inception` to `expiration`.
  std::vector<Record> sign(const std::vector<Record>& rrset, uint32_t inception,
                           uint32_t expiration) const {
    ldns_key_set_inception(key_, inception);
    ldns_key_set_expiration(key_, expiration);
    ldns_key_list* keys = ldns_key_list_new();
    ldns_key_list_push_key(keys, key_);
    ldns_rr_list* set = records_to_ldns(rrset);
    ldns_rr_list* sigs = ldns_sign_public(set, keys);
    std::vector<Record> out;
    for (size_t i = 0; sigs && i < ldns_rr_list_rr_count(sigs); ++i)
      out.push_back(*record_from_ldns(ldns_rr_list_rr(sigs, i)));
    if (sigs) ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(set);
    ldns_key_list_set_key_count(keys, 0);
    ldns_key_list_free(keys);
    return out;
  }

 private:
  Name owner_;
  ldns_key* key_;
  Record dnskey_;
};

}  // namespace ts::resolver::testing
