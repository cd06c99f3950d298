// ValidatingDirectory: parent apex, NS addresses, DNSKEYs and DS through resolver::Resolver.
#include "parentsync/validating_directory.h"

#include <arpa/inet.h>

namespace ts::parentsync {

namespace rs = ts::resolver;

Validation to_validation(rs::Security s) {
  switch (s) {
    case rs::Security::Secure:
      return Validation::Secure;
    case rs::Security::Insecure:
      return Validation::Insecure;
    case rs::Security::Bogus:
      return Validation::Bogus;
    case rs::Security::Indeterminate:
      return Validation::Indeterminate;
  }
  return Validation::Indeterminate;
}

namespace {

std::vector<const rs::Record*> of_type(const rs::Answer& a, const Name& owner, uint16_t type) {
  std::vector<const rs::Record*> out;
  for (const auto& r : a.records)
    if (r.type == type && r.owner == owner) out.push_back(&r);
  return out;
}

std::string address_text(const std::string& rdata) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (rdata.size() == 4) inet_ntop(AF_INET, rdata.data(), buf, sizeof buf);
  if (rdata.size() == 16) inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf);
  return buf;
}

}  // namespace

Result<ParentServers> ValidatingDirectory::parent_servers(const Name& child) {
  ParentServers p;
  Name candidate = child.parent();
  for (;;) {
    auto soa = resolver_.query(candidate, rs::kTypeSOA);
    if (!soa) return fail("SOA of " + candidate.to_text() + ": " + soa.error().message);
    if (soa->security == rs::Security::Bogus)
      return fail("SOA of " + candidate.to_text() + " is bogus: " + soa->why_bogus);
    if (!of_type(*soa, candidate, rs::kTypeSOA).empty()) break;
    if (candidate.is_root()) return fail("no zone apex above " + child.to_text());
    candidate = candidate.parent();
  }
  p.parent = candidate;

  auto keys = resolver_.query(candidate, rs::kTypeDNSKEY);
  if (!keys) return fail("DNSKEY of " + candidate.to_text() + ": " + keys.error().message);
  p.security = to_validation(keys->security);
  if (p.security == Validation::Secure)
    for (const rs::Record* r : of_type(*keys, candidate, rs::kTypeDNSKEY))
      p.dnskeys.emplace_back(r->rdata.begin(), r->rdata.end());

  auto ns = resolver_.query(candidate, rs::kTypeNS);
  if (!ns) return fail("NS of " + candidate.to_text() + ": " + ns.error().message);
  for (const rs::Record* r : of_type(*ns, candidate, rs::kTypeNS)) {
    auto host = Name::from_wire(r->rdata);
    if (!host) continue;
    for (uint16_t t : {rs::kTypeA, rs::kTypeAAAA}) {
      auto a = resolver_.query(*host, t);
      if (!a) continue;
      for (const rs::Record* addr : of_type(*a, *host, t)) {
        std::string text = address_text(addr->rdata);
        if (!text.empty()) p.servers.push_back({host->to_text(), text});
      }
    }
  }
  if (p.servers.empty()) return fail("no name server address for " + candidate.to_text());
  return p;
}

ValidatedDs ValidatingDirectory::validated_ds(const Name& child) {
  ValidatedDs v;
  auto a = resolver_.query(child, rs::kTypeDS);
  if (!a) {
    v.reason = a.error().message;
    return v;
  }
  v.validation = to_validation(a->security);
  v.reason = a->why_bogus;
  for (const rs::Record* r : of_type(*a, child, rs::kTypeDS)) {
    auto ds = DsRecord::from_rdata(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(r->rdata.data()), r->rdata.size()));
    if (ds) v.ds.push_back(*ds);
  }
  v.ds = canonical_set(std::move(v.ds));
  return v;
}

}  // namespace ts::parentsync
