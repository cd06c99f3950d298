// ResolverDirectory: parent apex, NS addresses, DNSKEYs and DS as told by one validating
// resolver (AD bit).
#include "parentsync/resolver_directory.h"

#include <cstdlib>

namespace ts::parentsync {
namespace {

Result<Name> owner_of(const ldns_rr* rr) {
  const ldns_rdf* o = ldns_rr_owner(rr);
  return Name::from_wire(
      std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(o)), ldns_rdf_size(o)));
}

Bytes rdata_of(const ldns_rr* rr) {
  ldns_buffer* b = ldns_buffer_new(512);
  ldns_rr_rdata2buffer_wire(b, rr);
  Bytes out(ldns_buffer_begin(b), ldns_buffer_begin(b) + ldns_buffer_position(b));
  ldns_buffer_free(b);
  return out;
}

// Answer-section records of `type` owned by `owner`.
std::vector<const ldns_rr*> records(ldns_pkt* p, const Name& owner, ldns_rr_type type) {
  std::vector<const ldns_rr*> out;
  ldns_rr_list* ans = ldns_pkt_answer(p);
  for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(ans, i);
    auto n = owner_of(rr);
    if (ldns_rr_get_type(rr) == type && n && *n == owner) out.push_back(rr);
  }
  return out;
}

Validation verdict(ldns_pkt* p) {
  if (ldns_pkt_get_rcode(p) == LDNS_RCODE_SERVFAIL) return Validation::Bogus;
  if (ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR) return Validation::Indeterminate;
  return ldns_pkt_ad(p) ? Validation::Secure : Validation::Insecure;
}

}  // namespace

Result<std::pair<Validation, std::vector<Bytes>>> ResolverDirectory::dnskeys(const Name& zone) {
  auto r = ask(resolver_, zone, LDNS_RR_TYPE_DNSKEY, timeout_, true);
  if (!r) return r.error();
  std::pair<Validation, std::vector<Bytes>> out{verdict(r->pkt.get()), {}};
  for (const ldns_rr* rr : records(r->pkt.get(), zone, LDNS_RR_TYPE_DNSKEY))
    out.second.push_back(rdata_of(rr));
  return out;
}

Result<ParentServers> ResolverDirectory::parent_servers(const Name& child) {
  const std::string who = "resolver " + resolver_.to_string();
  ParentServers p;
  // The parent apex: the closest ancestor that has its own SOA.
  Name candidate = child.parent();
  for (;;) {
    auto soa = ask(resolver_, candidate, LDNS_RR_TYPE_SOA, timeout_, true);
    if (!soa) return soa.error();
    if (ldns_pkt_get_rcode(soa->pkt.get()) == LDNS_RCODE_SERVFAIL)
      return fail(who + ": SERVFAIL for " + candidate.to_text() + " SOA (bogus parent?)");
    if (!records(soa->pkt.get(), candidate, LDNS_RR_TYPE_SOA).empty()) break;
    if (candidate.is_root()) return fail(who + ": no SOA above " + child.to_text());
    candidate = candidate.parent();
  }
  p.parent = candidate;
  auto keys = dnskeys(candidate);
  if (!keys) return keys.error();
  p.security = keys->first;
  if (p.security == Validation::Secure) p.dnskeys = keys->second;

  auto ns = ask(resolver_, candidate, LDNS_RR_TYPE_NS, timeout_, true);
  if (!ns) return ns.error();
  for (const ldns_rr* rr : records(ns->pkt.get(), candidate, LDNS_RR_TYPE_NS)) {
    auto host = Name::from_wire(
        std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(ldns_rr_rdf(rr, 0))),
                         ldns_rdf_size(ldns_rr_rdf(rr, 0))));
    if (!host) continue;
    for (ldns_rr_type t : {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA}) {
      auto a = ask(resolver_, *host, t, timeout_, true);
      if (!a) continue;
      for (const ldns_rr* addr : records(a->pkt.get(), *host, t)) {
        char* text = ldns_rdf2str(ldns_rr_rdf(addr, 0));
        if (text) p.servers.push_back({host->to_text(), text});
        free(text);
      }
    }
  }
  if (p.servers.empty()) return fail(who + ": no name server address for " + candidate.to_text());
  return p;
}

ValidatedDs ResolverDirectory::validated_ds(const Name& child) {
  ValidatedDs v;
  auto r = ask(resolver_, child, LDNS_RR_TYPE_DS, timeout_, true);
  if (!r) {
    v.reason = r.error().message;
    return v;
  }
  v.validation = verdict(r->pkt.get());
  if (v.validation == Validation::Bogus) v.reason = "resolver answered SERVFAIL";
  for (const ldns_rr* rr : records(r->pkt.get(), child, LDNS_RR_TYPE_DS)) {
    auto ds = DsRecord::from_rdata(rdata_of(rr));
    if (ds) v.ds.push_back(*ds);
  }
  v.ds = canonical_set(std::move(v.ds));
  return v;
}

}  // namespace ts::parentsync
