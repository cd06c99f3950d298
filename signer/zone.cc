// Zone model: node map maintenance (ENTs, dedup, TTL merge), node classification and the
// canonical rdata form (through ldns, no per-type parsing here).
#include "signer/zone.h"

#include <ldns/ldns.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace ts::signer {
namespace {

bool has_type(const Node& node, uint16_t type) {
  return node.find(type) != nullptr;
}

// RRSIG rdata starts with the covered type (RFC 4034 3.1).
uint16_t covered_type(const Bytes& rrsig) {
  return rrsig.size() >= 2 ? static_cast<uint16_t>((rrsig[0] << 8) | rrsig[1]) : 0;
}

// The raw hash of an NSEC3 owner "<base32hex>.<origin>" (RFC 5155 3); throws otherwise.
Bytes nsec3_hash(const Name& owner, const Name& origin) {
  const std::string& w = owner.wire();
  size_t len = static_cast<unsigned char>(w[0]);
  Bytes hash(ldns_b32_pton_calculate_size(len) + 1);
  int n = len ? ldns_b32_pton_extended_hex(w.data() + 1, len, hash.data(), hash.size()) : -1;
  if (n <= 0 || owner.parent() != origin) {
    throw std::invalid_argument("Zone: NSEC3 owner " + owner.to_text() +
                                " is not <base32hex>.<origin>");
  }
  hash.resize(static_cast<size_t>(n));
  return hash;
}

// Inserts `value` into the sorted, duplicate-free vector `v`; false if already present.
bool insert_sorted(std::vector<Bytes>& v, const Bytes& value) {
  auto it = std::lower_bound(v.begin(), v.end(), value);
  if (it != v.end() && *it == value) return false;
  v.insert(it, value);
  return true;
}

RRset& find_or_create_rrset(Node& node, uint16_t type, uint32_t ttl, bool* created) {
  auto it = std::lower_bound(node.rrsets.begin(), node.rrsets.end(), type,
                             [](const RRset& s, uint16_t t) { return s.type < t; });
  if (it != node.rrsets.end() && it->type == type) {
    *created = false;
    return *it;
  }
  RRset set;
  set.type = type;
  set.ttl = ttl;
  *created = true;
  return *node.rrsets.insert(it, std::move(set));
}

// The kind of a node from its own data, given whether an ancestor occludes it.
NodeKind kind_of(const Node& node, bool is_apex, bool occluded) {
  if (occluded) return NodeKind::Occluded;
  if (is_apex) return NodeKind::Authoritative;
  if (has_type(node, rrtype::NS)) return NodeKind::Delegation;
  if (node.rrsets.empty()) return NodeKind::EmptyNonTerminal;
  return NodeKind::Authoritative;
}

// True if names below this node are occluded (zone cut or DNAME, RFC 6672 2.3).
bool occludes_below(const Node& node, bool is_apex) {
  return (!is_apex && has_type(node, rrtype::NS)) || has_type(node, rrtype::DNAME);
}

}  // namespace

RRset* Node::find(uint16_t type) {
  return const_cast<RRset*>(static_cast<const Node*>(this)->find(type));
}

const RRset* Node::find(uint16_t type) const {
  auto it = std::lower_bound(rrsets.begin(), rrsets.end(), type,
                             [](const RRset& s, uint16_t t) { return s.type < t; });
  return (it != rrsets.end() && it->type == type) ? &*it : nullptr;
}

bool Zone::add(const Name& owner, uint16_t type, uint32_t ttl, const Bytes& rdata) {
  if (!owner.is_subdomain_of(origin_)) {
    throw std::invalid_argument("Zone::add: " + owner.to_text() + " is outside the zone");
  }
  if (type == rrtype::NSEC3) {
    auto [it, inserted] = nsec3_.try_emplace(nsec3_hash(owner, origin_));
    if (inserted || it->second.rdata.empty()) {
      if (inserted) it->second.ttl = ttl;
      it->second.rdata = rdata;
      it->second.ttl = std::min(it->second.ttl, ttl);
      return true;
    }
    it->second.ttl = std::min(it->second.ttl, ttl);
    return false;
  }
  if (type == rrtype::RRSIG && covered_type(rdata) == rrtype::NSEC3) {
    auto [it, inserted] = nsec3_.try_emplace(nsec3_hash(owner, origin_));
    if (inserted) it->second.ttl = ttl;
    return insert_sorted(it->second.rrsigs, canonical_rdata(type, rdata));
  }

  auto it = nodes_.find(owner);
  bool occluded;
  if (it == nodes_.end()) {
    it = nodes_.emplace(owner, Node{}).first;
    // Create the missing ancestors (ENTs) up to the apex; an existing one ends the walk
    // because every node's ancestors exist. New nodes inherit occlusion from it.
    std::vector<Node*> fresh;
    Name cur = owner;
    occluded = false;
    while (!(cur == origin_)) {
      cur = cur.parent();
      auto [pit, created] = nodes_.try_emplace(cur);
      if (!created) {
        occluded =
            pit->second.kind == NodeKind::Occluded || occludes_below(pit->second, cur == origin_);
        break;
      }
      fresh.push_back(&pit->second);
    }
    for (Node* n : fresh) n->kind = occluded ? NodeKind::Occluded : NodeKind::EmptyNonTerminal;
    if (!fresh.empty() && cur == origin_ && fresh.back() == &nodes_.find(origin_)->second) {
      fresh.back()->kind = NodeKind::Authoritative;  // a freshly created apex
    }
  } else {
    occluded = it->second.kind == NodeKind::Occluded;
  }
  Node& node = it->second;
  Bytes canon = canonical_rdata(type, rdata);
  bool created = false;
  bool added;
  if (type == rrtype::RRSIG) {
    // Signatures attach to the RRset they cover (created empty if it is not there yet).
    RRset& set = find_or_create_rrset(node, covered_type(canon), ttl, &created);
    added = insert_sorted(set.rrsigs, canon);
  } else {
    RRset& set = find_or_create_rrset(node, type, ttl, &created);
    if (!created) set.ttl = std::min(set.ttl, ttl);
    added = insert_sorted(set.rdatas, canon);
  }
  // The owner's own kind is right now; names below it need classify_subtree(owner) when
  // this add created a zone cut or DNAME above existing names.
  node.kind = kind_of(node, owner == origin_, occluded);
  return added;
}

bool Zone::remove(const Name& owner, uint16_t type, const Bytes& rdata) {
  if (type == rrtype::NSEC3 || (type == rrtype::RRSIG && covered_type(rdata) == rrtype::NSEC3)) {
    auto n3 = nsec3_.find(nsec3_hash(owner, origin_));
    if (n3 == nsec3_.end()) return false;
    if (type == rrtype::NSEC3) {
      if (n3->second.rdata != rdata) return false;
      nsec3_.erase(n3);
      return true;
    }
    Bytes canon = canonical_rdata(type, rdata);
    auto& sigs = n3->second.rrsigs;
    auto pos = std::lower_bound(sigs.begin(), sigs.end(), canon);
    if (pos == sigs.end() || *pos != canon) return false;
    sigs.erase(pos);
    return true;
  }
  auto it = nodes_.find(owner);
  if (it == nodes_.end()) return false;
  if (type == rrtype::RRSIG) {
    Bytes canon = canonical_rdata(type, rdata);
    RRset* set = it->second.find(covered_type(canon));
    if (!set) return false;
    auto pos = std::lower_bound(set->rrsigs.begin(), set->rrsigs.end(), canon);
    if (pos == set->rrsigs.end() || *pos != canon) return false;
    set->rrsigs.erase(pos);
    if (set->rdatas.empty() && set->rrsigs.empty()) remove_rrset(owner, set->type);
    return true;
  }
  RRset* set = it->second.find(type);
  if (!set) return false;
  Bytes canon = canonical_rdata(type, rdata);
  auto pos = std::lower_bound(set->rdatas.begin(), set->rdatas.end(), canon);
  if (pos == set->rdatas.end() || *pos != canon) return false;
  set->rdatas.erase(pos);
  if (set->rdatas.empty()) return remove_rrset(owner, type);
  return true;
}

bool Zone::remove_rrset(const Name& owner, uint16_t type) {
  if (type == rrtype::NSEC3) return nsec3_.erase(nsec3_hash(owner, origin_)) > 0;
  auto it = nodes_.find(owner);
  if (it == nodes_.end()) return false;
  auto& sets = it->second.rrsets;
  auto pos = std::find_if(sets.begin(), sets.end(), [&](const RRset& s) { return s.type == type; });
  if (pos == sets.end()) return false;
  sets.erase(pos);
  if (!sets.empty()) {  // the owner's own kind stays right (a removed NS, say)
    Node& n = it->second;
    n.kind = kind_of(n, it->first == origin_, n.kind == NodeKind::Occluded);
    return true;
  }
  // Drop nodes left empty without descendants, walking up through ENTs; keep the apex.
  while (it != nodes_.end() && it->second.rrsets.empty() && !(it->first == origin_)) {
    auto next = std::next(it);
    if (next != nodes_.end() && next->first.is_subdomain_of(it->first)) {
      if (it->second.kind != NodeKind::Occluded) it->second.kind = NodeKind::EmptyNonTerminal;
      break;
    }
    Name parent = it->first.parent();
    nodes_.erase(it);
    it = nodes_.find(parent);
  }
  return true;
}

void Zone::classify() {
  classify_subtree(origin_);
}

void Zone::classify_subtree(const Name& owner) {
  // Occlusion from strict ancestors (judged by their data, not their possibly stale kind).
  const Name* cut = nullptr;
  Name cut_holder;
  if (!(owner == origin_)) {
    Name cur = owner;
    while (!(cur == origin_) && !cur.is_root()) {
      cur = cur.parent();
      auto pit = nodes_.find(cur);
      if (pit != nodes_.end() && occludes_below(pit->second, cur == origin_)) {
        cut_holder = cur;  // keep the highest cut: it occludes everything below
        cut = &cut_holder;
      }
    }
  }
  // Canonical order is a pre-order walk: descendants follow their ancestor directly.
  for (auto it = nodes_.lower_bound(owner); it != nodes_.end(); ++it) {
    const Name& name = it->first;
    if (!name.is_subdomain_of(owner)) break;
    if (cut && !name.is_subdomain_of(*cut)) cut = nullptr;
    bool is_apex = name == origin_;
    bool occluded = cut != nullptr && !(name == *cut);
    it->second.kind = kind_of(it->second, is_apex, occluded);
    if (!occluded && occludes_below(it->second, is_apex)) cut = &name;
  }
}

Node* Zone::find(const Name& owner) {
  auto it = nodes_.find(owner);
  return it == nodes_.end() ? nullptr : &it->second;
}

const Node* Zone::find(const Name& owner) const {
  auto it = nodes_.find(owner);
  return it == nodes_.end() ? nullptr : &it->second;
}

size_t Zone::record_count() const {
  size_t n = 0;
  for (const auto& [name, node] : nodes_) {
    for (const auto& set : node.rrsets) {
      if (set.type != rrtype::RRSIG && set.type != rrtype::NSEC && set.type != rrtype::NSEC3) {
        n += set.rdatas.size();
      }
    }
  }
  return n;
}

Bytes canonical_rdata(uint16_t type, const Bytes& rdata) {
  // Canonical form only lowers ASCII letters: without any upper-case byte it is a no-op,
  // which spares ldns the work for almost every record of a real zone.
  if (std::none_of(rdata.begin(), rdata.end(), [](uint8_t c) { return c >= 'A' && c <= 'Z'; })) {
    return rdata;
  }
  if (rdata.size() > 0xffff) return rdata;
  // A full RR (root owner, class IN, TTL 0) so ldns can parse the rdata by type.
  Bytes wire = {
      0, static_cast<uint8_t>(type >> 8),         static_cast<uint8_t>(type),        0, 1, 0, 0, 0,
      0, static_cast<uint8_t>(rdata.size() >> 8), static_cast<uint8_t>(rdata.size())};
  wire.insert(wire.end(), rdata.begin(), rdata.end());
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  if (ldns_wire2rr(&rr, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK) {
    return rdata;  // not parseable as this type: leave it as it is
  }
  std::unique_ptr<ldns_rr, decltype(&ldns_rr_free)> guard(rr, ldns_rr_free);
  ldns_rr2canonical(rr);
  Bytes out;
  out.reserve(rdata.size());
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr, i);
    out.insert(out.end(), ldns_rdf_data(f), ldns_rdf_data(f) + ldns_rdf_size(f));
  }
  return out.size() == rdata.size() ? out : rdata;
}

}  // namespace ts::signer
