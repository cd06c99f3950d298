// NSEC chain construction and the denial helpers shared with NSEC3.
#include "signer/nsec_chain.h"

#include <algorithm>

#include "signer/type_bitmap.h"

namespace ts::signer {

Result<uint32_t> denial_ttl(const Zone& zone) {
  const Node* apex = zone.find(zone.origin());
  const RRset* soa = apex ? apex->find(rrtype::SOA) : nullptr;
  if (!soa || soa->rdatas.empty() || soa->rdatas[0].size() < 22)
    return fail("zone " + zone.origin().to_text() + " has no SOA at the apex");
  const Bytes& r = soa->rdatas[0];
  size_t n = r.size();
  uint32_t minimum = static_cast<uint32_t>(r[n - 4]) << 24 | static_cast<uint32_t>(r[n - 3]) << 16 |
                     static_cast<uint32_t>(r[n - 2]) << 8 | r[n - 1];
  return std::min(minimum, soa->ttl);
}

void put_rrset(Node& node, RRset rrset) {
  auto it = std::lower_bound(node.rrsets.begin(), node.rrsets.end(), rrset.type,
                             [](const RRset& r, uint16_t t) { return r.type < t; });
  if (it != node.rrsets.end() && it->type == rrset.type)
    *it = std::move(rrset);
  else
    node.rrsets.insert(it, std::move(rrset));
}

bool drop_rrset(Node& node, uint16_t type) {
  auto it = std::find_if(node.rrsets.begin(), node.rrsets.end(),
                         [type](const RRset& r) { return r.type == type; });
  if (it == node.rrsets.end()) return false;
  node.rrsets.erase(it);
  return true;
}

bool is_signed_owner(const Node& node) {
  if (node.kind == NodeKind::Delegation) return true;
  if (node.kind != NodeKind::Authoritative) return false;
  for (const auto& r : node.rrsets)
    if (r.type != rrtype::NSEC) return true;
  return false;
}

std::vector<uint16_t> nsec_types(const Node& node) {
  std::vector<uint16_t> types;
  if (node.kind == NodeKind::Delegation) {
    types.push_back(rrtype::NS);
    if (node.find(rrtype::DS)) types.push_back(rrtype::DS);
  } else {
    for (const auto& r : node.rrsets)
      if (r.type != rrtype::NSEC && r.type != rrtype::NSEC3 && r.type != rrtype::RRSIG)
        types.push_back(r.type);
  }
  types.push_back(rrtype::RRSIG);
  types.push_back(rrtype::NSEC);
  std::sort(types.begin(), types.end());
  return types;
}

Bytes nsec_rdata(const Name& next, const Node& node) {
  Name low = next.lowered();
  Bytes out(low.wire().begin(), low.wire().end());
  append_type_bitmap(nsec_types(node), out);
  return out;
}

Zone::NodeMap::const_iterator next_nsec_owner(const Zone& zone, Zone::NodeMap::const_iterator it) {
  const auto& nodes = zone.nodes();
  for (++it; it != nodes.end(); ++it)
    if (is_signed_owner(it->second)) return it;
  return nodes.find(zone.origin());
}

void remove_nsec_chain(Zone& zone) {
  for (auto& [name, node] : zone.nodes()) drop_rrset(node, rrtype::NSEC);
}

Status build_nsec_chain(Zone& zone, uint32_t ttl) {
  remove_nsec_chain(zone);
  auto& nodes = zone.nodes();
  auto apex = nodes.find(zone.origin());
  if (apex == nodes.end()) return fail("zone has no apex node");
  Node* prev = nullptr;
  for (auto it = apex; it != nodes.end(); ++it) {
    if (!is_signed_owner(it->second)) continue;
    if (prev) put_rrset(*prev, RRset{rrtype::NSEC, ttl, {nsec_rdata(it->first, *prev)}, {}});
    prev = &it->second;
  }
  if (prev) put_rrset(*prev, RRset{rrtype::NSEC, ttl, {nsec_rdata(apex->first, *prev)}, {}});
  return {};
}

}  // namespace ts::signer
