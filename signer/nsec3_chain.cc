// NSEC3 hashing and chain construction (RFC 5155 5, 7.1).
#include "signer/nsec3_chain.h"

#include <algorithm>

#include "signer/crypto.h"
#include "signer/nsec_chain.h"
#include "signer/type_bitmap.h"

// ldns last: its C headers define macros (bool) that break <optional> if included first.
#include <ldns/ldns.h>

namespace ts::signer {

Bytes nsec3_hash(const Name& name, const Bytes& salt, uint16_t iterations) {
  Name low = name.lowered();
  Bytes buf(low.wire().begin(), low.wire().end());
  buf.insert(buf.end(), salt.begin(), salt.end());
  Bytes h = digest(DigestType::SHA1, buf);
  for (uint16_t i = 0; i < iterations; ++i) {
    buf.assign(h.begin(), h.end());
    buf.insert(buf.end(), salt.begin(), salt.end());
    h = digest(DigestType::SHA1, buf);
  }
  return h;
}

std::string base32hex(const Bytes& data) {
  std::string out(ldns_b32_ntop_calculate_size(data.size()) + 1, '\0');
  int n = ldns_b32_ntop_extended_hex(data.data(), data.size(), out.data(), out.size());
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

Name nsec3_owner(const Bytes& hash, const Name& origin) {
  auto n = origin.prepend(base32hex(hash));
  return n ? *n : origin;  // a 20-byte hash is 32 characters: always a valid label
}

Bytes nsec3param_rdata(const Nsec3Params& p) {
  Bytes out{1, 0, static_cast<uint8_t>(p.iterations >> 8), static_cast<uint8_t>(p.iterations),
            static_cast<uint8_t>(p.salt.size())};
  out.insert(out.end(), p.salt.begin(), p.salt.end());
  return out;
}

Bytes nsec3_rdata(const Nsec3Params& p, const Bytes& next_hash,
                  const std::vector<uint16_t>& types) {
  Bytes out{1, static_cast<uint8_t>(p.opt_out ? 1 : 0), static_cast<uint8_t>(p.iterations >> 8),
            static_cast<uint8_t>(p.iterations), static_cast<uint8_t>(p.salt.size())};
  out.insert(out.end(), p.salt.begin(), p.salt.end());
  out.push_back(static_cast<uint8_t>(next_hash.size()));
  out.insert(out.end(), next_hash.begin(), next_hash.end());
  append_type_bitmap(types, out);
  return out;
}

std::vector<uint16_t> nsec3_types(const Node& node) {
  std::vector<uint16_t> types;
  if (node.kind == NodeKind::Delegation) {
    types.push_back(rrtype::NS);
    if (node.find(rrtype::DS)) {
      types.push_back(rrtype::DS);
      types.push_back(rrtype::RRSIG);
    }
    return types;
  }
  if (node.kind != NodeKind::Authoritative) return types;
  for (const auto& r : node.rrsets)
    if (r.type != rrtype::NSEC && r.type != rrtype::NSEC3 && r.type != rrtype::RRSIG)
      types.push_back(r.type);
  if (!types.empty()) types.push_back(rrtype::RRSIG);
  std::sort(types.begin(), types.end());
  return types;
}

namespace {

// A name that needs an NSEC3 for itself (not counting ENTs).
bool needs_own(const Node& node, bool opt_out) {
  if (node.kind == NodeKind::Delegation) return !opt_out || node.find(rrtype::DS);
  return node.kind == NodeKind::Authoritative && !node.empty();
}

}  // namespace

bool needs_nsec3(const Zone& zone, Zone::NodeMap::const_iterator it, bool opt_out) {
  const Node& node = it->second;
  if (node.kind != NodeKind::EmptyNonTerminal) return needs_own(node, opt_out);
  if (!opt_out) return true;
  // An ENT under opt-out: needed if some name below it needs an NSEC3 itself.
  const Name& ent = it->first;
  for (auto d = std::next(it); d != zone.nodes().end() && d->first.is_subdomain_of(ent); ++d)
    if (needs_own(d->second, opt_out)) return true;
  return false;
}

void remove_nsec3_chain(Zone& zone) {
  zone.nsec3().clear();
  if (Node* apex = zone.find(zone.origin())) drop_rrset(*apex, rrtype::NSEC3PARAM);
}

Status build_nsec3_chain(Zone& zone, const Nsec3Params& p, uint32_t ttl) {
  remove_nsec3_chain(zone);
  Node* apex = zone.find(zone.origin());
  if (!apex) return fail("zone has no apex node");
  put_rrset(*apex, RRset{rrtype::NSEC3PARAM, ttl, {nsec3param_rdata(p)}, {}});

  struct Item {
    Bytes hash;
    const Node* node;
    const Name* name;
  };
  std::vector<Item> items;
  const auto& nodes = zone.nodes();
  for (auto it = nodes.begin(); it != nodes.end(); ++it) {
    const Node& node = it->second;
    if (node.kind == NodeKind::EmptyNonTerminal) {
      if (needs_nsec3(zone, it, p.opt_out)) items.push_back({{}, &node, &it->first});
    } else if (needs_own(node, p.opt_out)) {
      items.push_back({{}, &node, &it->first});
    }
  }
  for (auto& item : items) item.hash = nsec3_hash(*item.name, p.salt, p.iterations);
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.hash < b.hash; });
  for (size_t i = 1; i < items.size(); ++i)
    if (items[i].hash == items[i - 1].hash)
      return fail("NSEC3 hash collision between " + items[i - 1].name->to_text() + " and " +
                  items[i].name->to_text() + "; choose another salt");
  auto& map = zone.nsec3();
  for (size_t i = 0; i < items.size(); ++i) {
    const Bytes& next = items[(i + 1) % items.size()].hash;
    map.emplace_hint(map.end(), items[i].hash,
                     Nsec3Entry{nsec3_rdata(p, next, nsec3_types(*items[i].node)), ttl, {}});
  }
  return {};
}

}  // namespace ts::signer
