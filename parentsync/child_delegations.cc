// delegations_of: NS, glue and DS at each zone cut of a signer::Zone.
#include "parentsync/child_delegations.h"

#include <arpa/inet.h>

namespace ts::parentsync {
namespace {

std::string address_text(const signer::Bytes& rdata) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (rdata.size() == 4) inet_ntop(AF_INET, rdata.data(), buf, sizeof buf);
  if (rdata.size() == 16) inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf);
  return buf;
}

}  // namespace

std::vector<ChildDelegation> delegations_of(const signer::Zone& zone) {
  namespace t = signer::rrtype;
  std::vector<ChildDelegation> out;
  for (const auto& [name, node] : zone.nodes()) {
    if (node.kind != signer::NodeKind::Delegation) continue;
    const signer::RRset* ns = node.find(t::NS);
    if (!ns) continue;
    ChildDelegation d;
    d.child = name;
    d.ttl = ns->ttl;
    if (const signer::RRset* ds = node.find(t::DS))
      for (const auto& rd : ds->rdatas)
        if (auto rec = DsRecord::from_rdata(rd)) d.ds.push_back(*rec);
    d.ds = canonical_set(std::move(d.ds));
    for (const auto& rd : ns->rdatas) {
      auto host =
          Name::from_wire(std::string_view(reinterpret_cast<const char*>(rd.data()), rd.size()));
      if (!host) continue;
      ChildDelegation::NameServer s{*host, {}};
      // Glue: only what the zone holds for names inside it (below the apex).
      if (host->is_subdomain_of(zone.origin()))
        if (const signer::Node* g = zone.find(*host))
          for (uint16_t type : {t::A, t::AAAA})
            if (const signer::RRset* a = g->find(type))
              for (const auto& addr : a->rdatas)
                if (std::string text = address_text(addr); !text.empty())
                  s.addresses.push_back(text);
      d.ns.push_back(std::move(s));
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace ts::parentsync
