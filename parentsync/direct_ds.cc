// One server's DS answer, validated against the parent's DNSKEYs with ldns.
#include "parentsync/direct_ds.h"

#include "parentsync/dns_exchange.h"

namespace ts::parentsync {
namespace {

struct List {
  ldns_rr_list* l = ldns_rr_list_new();
  ~List() { ldns_rr_list_deep_free(l); }
  List() = default;
  List(const List&) = delete;
  List& operator=(const List&) = delete;
  void push(const ldns_rr* rr) { ldns_rr_list_push_rr(l, ldns_rr_clone(rr)); }
  size_t size() const { return ldns_rr_list_rr_count(l); }
  ldns_rr* at(size_t i) const { return ldns_rr_list_rr(l, i); }
};

bool owner_is(const ldns_rr* rr, const Name& name) {
  auto owner = Name::from_wire(
      std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(ldns_rr_owner(rr))),
                       ldns_rdf_size(ldns_rr_owner(rr))));
  return owner && *owner == name;
}

ldns_rr_type covered(const ldns_rr* sig) {
  return ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig));
}

// Is any RRSIG in `sigs` over `rrset` valid with `keys` at `now`?
ldns_status verify_any(const List& rrset, const List& sigs, const List& keys, UnixTime now) {
  ldns_status last = LDNS_STATUS_CRYPTO_NO_MATCHING_KEYTAG_DNSKEY;
  if (sigs.size() == 0) return LDNS_STATUS_CRYPTO_NO_RRSIG;
  for (size_t i = 0; i < sigs.size(); ++i) {
    ldns_rr_list* good = ldns_rr_list_new();  // holds pointers into `keys`: shallow free
    last =
        ldns_verify_rrsig_keylist_time(rrset.l, sigs.at(i), keys.l, static_cast<time_t>(now), good);
    ldns_rr_list_free(good);
    if (last == LDNS_STATUS_OK) return last;
  }
  return last;
}

}  // namespace

ServerDsAnswer DirectDs::fetch(const ParentServer& server, const Name& child,
                               const ParentServers& parent, UnixTime now) {
  ServerDsAnswer a;
  a.server = server.label();
  auto addr = ServerAddress::parse(server.address);
  if (!addr) {
    a.error = addr.error().message;
    return a;
  }
  auto reply = ask(*addr, child, LDNS_RR_TYPE_DS, timeout_);
  if (!reply) {
    a.error = reply.error().message;
    return a;
  }
  ldns_pkt* p = reply->pkt.get();
  if (ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR) {
    char* rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(p));
    a.error = std::string("answered ") + (rc ? rc : "?");
    free(rc);
    return a;
  }
  if (!ldns_pkt_aa(p)) {
    a.error = "not authoritative (lame delegation?)";
    return a;
  }
  a.answered = true;

  List ds_set, ds_sigs, denial, denial_sigs, keys;
  ldns_rr_list* ans = ldns_pkt_answer(p);
  for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(ans, i);
    if (!owner_is(rr, child)) continue;
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS) {
      ds_set.push(rr);
      ldns_buffer* b = ldns_buffer_new(512);
      ldns_rr_rdata2buffer_wire(b, rr);
      auto ds = DsRecord::from_rdata(
          std::span<const uint8_t>(ldns_buffer_begin(b), ldns_buffer_position(b)));
      ldns_buffer_free(b);
      if (ds) a.ds.push_back(*ds);
    } else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && covered(rr) == LDNS_RR_TYPE_DS) {
      ds_sigs.push(rr);
    }
  }
  a.ds = canonical_set(std::move(a.ds));
  ldns_rr_list* auth = ldns_pkt_authority(p);
  for (size_t i = 0; auth && i < ldns_rr_list_rr_count(auth); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(auth, i);
    ldns_rr_type t = ldns_rr_get_type(rr);
    if (t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_NSEC3) denial.push(rr);
    if (t == LDNS_RR_TYPE_RRSIG &&
        (covered(rr) == LDNS_RR_TYPE_NSEC || covered(rr) == LDNS_RR_TYPE_NSEC3))
      denial_sigs.push(rr);
  }

  if (parent.security == Validation::Insecure) {
    a.validation = Validation::Insecure;
    return a;
  }
  if (parent.security != Validation::Secure || parent.dnskeys.empty()) {
    a.validation = Validation::Indeterminate;
    a.error = "the parent's DNSKEY set is not validated";
    return a;
  }
  for (const Bytes& k : parent.dnskeys) {
    std::string text = parent.parent.to_text() + " 0 IN DNSKEY " +
                       std::to_string(k[0] << 8 | k[1]) + " " + std::to_string(k[2]) + " " +
                       std::to_string(k[3]) + " " +
                       bytes_to_base64(std::span<const uint8_t>(k.data() + 4, k.size() - 4));
    ldns_rr* rr = nullptr;
    if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK)
      ldns_rr_list_push_rr(keys.l, rr);
  }

  ldns_status st;
  if (ds_set.size() > 0) {
    st = verify_any(ds_set, ds_sigs, keys, now);
  } else {
    // NODATA: the NSEC/NSEC3 records must be signed by the parent and deny DS at CHILD.
    st = denial.size() == 0 ? LDNS_STATUS_DNSSEC_NSEC_RR_NOT_COVERED : LDNS_STATUS_OK;
    for (size_t i = 0; st == LDNS_STATUS_OK && i < denial.size(); ++i) {
      List one, sigs;
      one.push(denial.at(i));
      for (size_t j = 0; j < denial_sigs.size(); ++j) {
        if (ldns_rdf_compare(ldns_rr_owner(denial_sigs.at(j)), ldns_rr_owner(denial.at(i))) == 0)
          sigs.push(denial_sigs.at(j));
      }
      st = verify_any(one, sigs, keys, now);
    }
    if (st == LDNS_STATUS_OK) {
      ldns_rr* q = ldns_rr_new();
      ldns_rr_set_owner(q, to_ldns_dname(child));
      ldns_rr_set_type(q, LDNS_RR_TYPE_DS);
      ldns_rr_set_question(q, true);
      bool nsec3 = ldns_rr_get_type(denial.at(0)) == LDNS_RR_TYPE_NSEC3;
      st = nsec3 ? ldns_dnssec_verify_denial_nsec3(q, denial.l, denial_sigs.l, LDNS_RCODE_NOERROR,
                                                   LDNS_RR_TYPE_DS, true)
                 : ldns_dnssec_verify_denial(q, denial.l, denial_sigs.l);
      ldns_rr_free(q);
    }
  }
  if (st == LDNS_STATUS_OK) {
    a.validation = Validation::Secure;
  } else {
    a.validation = Validation::Bogus;
    a.error =
        std::string(ds_set.size() ? "DS RRset: " : "DS denial: ") + ldns_get_errorstr_by_id(st);
  }
  return a;
}

}  // namespace ts::parentsync
