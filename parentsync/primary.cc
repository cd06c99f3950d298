// SOA MNAME -> address, asked of one authoritative server of the zone.
#include "parentsync/primary.h"

#include <cstdlib>

namespace ts::parentsync {
namespace {

Result<Name> rdf_name(const ldns_rdf* rdf) {
  return Name::from_wire(
      std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf)));
}

// First record of `type` in the answer section owned by `owner`.
const ldns_rr* first(ldns_pkt* p, const Name& owner, ldns_rr_type type) {
  ldns_rr_list* ans = ldns_pkt_answer(p);
  for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(ans, i);
    auto n = rdf_name(ldns_rr_owner(rr));
    if (ldns_rr_get_type(rr) == type && n && *n == owner) return rr;
  }
  return nullptr;
}

}  // namespace

Result<std::string> primary_from_soa(const ServerAddress& server, const Name& zone,
                                     int timeout_seconds) {
  const std::string who = server.to_string();
  auto soa = ask(server, zone, LDNS_RR_TYPE_SOA, timeout_seconds);
  if (!soa) return soa.error();
  const ldns_rr* rr = first(soa->pkt.get(), zone, LDNS_RR_TYPE_SOA);
  if (!rr || !ldns_pkt_aa(soa->pkt.get()) || ldns_rr_rd_count(rr) < 1)
    return fail(who + ": no authoritative SOA for " + zone.to_text());
  auto mname = rdf_name(ldns_rr_rdf(rr, 0));
  if (!mname) return fail(who + ": bad SOA MNAME for " + zone.to_text());
  if (!mname->is_subdomain_of(zone))
    return fail("SOA MNAME " + mname->to_text() + " of " + zone.to_text() +
                " is outside the zone: resolve it through the resolver or configure `primary`");
  for (ldns_rr_type t : {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA}) {
    auto a = ask(server, *mname, t, timeout_seconds);
    if (!a) continue;
    if (const ldns_rr* addr = first(a->pkt.get(), *mname, t)) {
      char* text = ldns_rdf2str(ldns_rr_rdf(addr, 0));
      std::string out = text ? text : "";
      free(text);
      if (!out.empty()) return out;
    }
  }
  return fail(who + ": no address for SOA MNAME " + mname->to_text() + " of " + zone.to_text());
}

}  // namespace ts::parentsync
