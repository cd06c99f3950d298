// Incremental signing: snapshot the region a diff can touch, edit, repair the denial chain
// locally, re-sign what changed, and diff the region before/after.
#include "signer/incremental.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "signer/nsec3_chain.h"
#include "signer/nsec_chain.h"

namespace ts::signer {
namespace {

bool is_denial_type(uint16_t t) {
  return t == rrtype::RRSIG || t == rrtype::NSEC || t == rrtype::NSEC3 || t == rrtype::NSEC3PARAM;
}

uint32_t soa_minimum(const Bytes& r) {
  size_t n = r.size();
  return static_cast<uint32_t>(r[n - 4]) << 24 | static_cast<uint32_t>(r[n - 3]) << 16 |
         static_cast<uint32_t>(r[n - 2]) << 8 | r[n - 1];
}

// The denial TTL the zone will have after `d` (removes, then adds, as Zone applies them).
Result<uint32_t> denial_ttl_after(const Zone& z, const Diff& d) {
  const Node* apex = z.find(z.origin());
  const RRset* cur = apex ? apex->find(rrtype::SOA) : nullptr;
  if (!cur) return fail("zone has no SOA");
  RRset soa = *cur;
  for (const auto& rr : d.removes)
    if (rr.type == rrtype::SOA && rr.owner == z.origin())
      std::erase(soa.rdatas, canonical_rdata(rrtype::SOA, rr.rdata));
  bool fresh = soa.rdatas.empty();
  for (const auto& rr : d.adds)
    if (rr.type == rrtype::SOA && rr.owner == z.origin()) {
      soa.ttl = fresh ? rr.ttl : std::min(soa.ttl, rr.ttl);
      fresh = false;
      soa.rdatas.push_back(rr.rdata);
    }
  if (soa.rdatas.size() != 1 || soa.rdatas[0].size() < 22)
    return fail("the diff leaves the zone without exactly one SOA");
  return std::min(soa.ttl, soa_minimum(soa.rdatas[0]));
}

// The last node before `name` (exclusive) that carries an NSEC, wrapping to the end.
const Name* nsec_pred(const Zone& z, const Name& name) {
  const auto& nodes = z.nodes();
  auto it = nodes.lower_bound(name);
  for (size_t guard = 0; guard <= nodes.size(); ++guard) {
    if (it == nodes.begin()) it = nodes.end();
    --it;
    if (is_signed_owner(it->second)) return &it->first;
  }
  return nullptr;
}

// The NSEC3 entry before hash `h` (exclusive) in hash order, wrapping.
const Bytes* nsec3_pred(const Zone& z, const Bytes& h) {
  const auto& m = z.nsec3();
  if (m.empty()) return nullptr;
  auto it = m.lower_bound(h);
  if (it == m.begin()) it = m.end();
  --it;
  return &it->first;
}

void sort_rrs(std::vector<RR>& v) {
  std::sort(v.begin(), v.end(), [](const RR& a, const RR& b) {
    return std::tie(a.type, a.rdata, a.ttl) < std::tie(b.type, b.rdata, b.ttl);
  });
}

void nsec3_rrs(const Bytes& hash, const Nsec3Entry& e, const Name& origin, std::vector<RR>& out) {
  Name owner = nsec3_owner(hash, origin);
  out.push_back(RR{owner, rrtype::NSEC3, e.ttl, e.rdata});
  for (const auto& s : e.rrsigs) out.push_back(RR{owner, rrtype::RRSIG, e.ttl, s});
}

// Appends (before - after) to removed and (after - before) to added; both get sorted.
void diff_rrs(std::vector<RR> before, std::vector<RR> after, SignedDiff& out) {
  sort_rrs(before);
  sort_rrs(after);
  auto less = [](const RR& a, const RR& b) {
    return std::tie(a.type, a.rdata, a.ttl) < std::tie(b.type, b.rdata, b.ttl);
  };
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(out.removed), less);
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(out.added), less);
}

bool same_data(const RRset& a, const RRset& b) {
  return a.type == b.type && a.ttl == b.ttl && a.rdatas == b.rdatas;
}

Bytes next_hash(const Nsec3Entry& e) {
  size_t off = 5 + e.rdata[4];
  return Bytes(e.rdata.begin() + off + 1, e.rdata.begin() + off + 1 + e.rdata[off]);
}

void patch_next_hash(Nsec3Entry& e, const Bytes& next) {
  size_t off = 5 + e.rdata[4];
  size_t len = e.rdata[off];
  if (len == next.size()) std::copy(next.begin(), next.end(), e.rdata.begin() + off + 1);
}

Status apply_edits(Zone& z, const Diff& d) {
  for (const auto& rr : d.removes) z.remove(rr.owner, rr.type, rr.rdata);
  for (const auto& rr : d.adds) z.add(rr.owner, rr.type, rr.ttl, rr.rdata);
  return {};
}

// Full path: edit, re-sign everything, diff whole zones.
Result<SignedDiff> full_resign(Zone& z, const Diff& d, const SignOptions& o, SignedDiff out) {
  std::vector<RR> before = zone_rrs(z);
  if (auto st = apply_edits(z, d); !st) return st.error();
  bool soa_in_diff = false;
  for (const auto& rr : d.adds) soa_in_diff |= rr.type == rrtype::SOA;
  SignOptions full = o;
  if (soa_in_diff) full.serial = SerialPolicy::Keep;
  auto stats = sign_zone(z, full);
  if (!stats) return stats.error();
  out.new_serial = stats->serial;
  out.rrsigs_made = stats->rrsigs;
  std::vector<RR> after = zone_rrs(z);
  // Owners differ across nodes: diff per owner by sorting on the owner first.
  auto by_owner = [](const RR& a, const RR& b) {
    return std::tie(a.owner, a.type, a.rdata, a.ttl) < std::tie(b.owner, b.type, b.rdata, b.ttl);
  };
  std::sort(before.begin(), before.end(), by_owner);
  std::sort(after.begin(), after.end(), by_owner);
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(out.removed), by_owner);
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(out.added), by_owner);
  return out;
}

}  // namespace

void node_rrs(const Name& name, const Node& node, std::vector<RR>& out) {
  for (const auto& r : node.rrsets) {
    for (const auto& rd : r.rdatas) out.push_back(RR{name, r.type, r.ttl, rd});
    for (const auto& s : r.rrsigs) out.push_back(RR{name, rrtype::RRSIG, r.ttl, s});
  }
}

std::vector<RR> zone_rrs(const Zone& zone) {
  std::vector<RR> out;
  for (const auto& [name, node] : zone.nodes()) node_rrs(name, node, out);
  for (const auto& [hash, e] : zone.nsec3()) nsec3_rrs(hash, e, zone.origin(), out);
  return out;
}

Result<SignedDiff> apply_diff(Zone& z, const Diff& d, const SignOptions& o) {
  if (auto st = check_sign_options(o); !st) return st.error();
  for (const auto* list : {&d.removes, &d.adds})
    for (const auto& rr : *list) {
      if (!rr.owner.is_subdomain_of(z.origin()))
        return fail(rr.owner.to_text() + " is outside zone " + z.origin().to_text());
      if (is_denial_type(rr.type))
        return fail(rr.owner.to_text() + ": a diff may not carry RRSIG/NSEC/NSEC3 records");
    }
  SignedDiff out;
  auto old_serial = soa_serial(z);
  if (!old_serial) return old_serial.error();
  out.old_serial = out.new_serial = *old_serial;
  auto old_ttl = denial_ttl(z);
  if (!old_ttl) return old_ttl.error();
  auto new_ttl = denial_ttl_after(z, d);
  if (!new_ttl) return new_ttl.error();
  if (*new_ttl != *old_ttl) return full_resign(z, d, o, std::move(out));

  // 1. The region: changed owners, their ancestors (ENTs, opt-out), and the subtree of any
  //    name whose zone cut or DNAME changes (occlusion).
  bool soa_in_diff = false;
  std::set<Name> touched, cuts;
  for (const auto* list : {&d.removes, &d.adds})
    for (const auto& rr : *list) {
      touched.insert(rr.owner);
      soa_in_diff |= rr.type == rrtype::SOA;
      if ((rr.type == rrtype::NS && !(rr.owner == z.origin())) || rr.type == rrtype::DNAME)
        cuts.insert(rr.owner);
    }
  if (o.serial != SerialPolicy::Keep && !soa_in_diff) touched.insert(z.origin());
  std::set<Name> region;
  for (const Name& t : touched) {
    for (Name cur = t;; cur = cur.parent()) {
      if (!region.insert(cur).second && !(cur == t)) break;
      if (cur == z.origin() || cur.is_root()) break;
    }
  }
  for (const Name& c : cuts)
    for (auto it = z.nodes().lower_bound(c); it != z.nodes().end() && it->first.is_subdomain_of(c);
         ++it)
      region.insert(it->first);

  // 2. Snapshot the region and its denial predecessors.
  bool nsec3 = o.denial == Denial::Nsec3;
  std::map<Name, Node> before;
  std::map<Bytes, Nsec3Entry> before3;
  std::map<Name, Bytes> hashes;
  auto snap = [&](const Name& n) {
    if (before.count(n)) return;
    if (const Node* node = z.find(n)) before.emplace(n, *node);
  };
  auto snap3 = [&](const Bytes& h) {
    auto it = z.nsec3().find(h);
    if (it != z.nsec3().end()) before3.emplace(h, it->second);
  };
  for (const Name& n : region) {
    snap(n);
    if (nsec3) {
      Bytes h = nsec3_hash(n, o.nsec3.salt, o.nsec3.iterations);
      snap3(h);
      if (const Bytes* p = nsec3_pred(z, h)) snap3(*p);
      hashes.emplace(n, std::move(h));
    } else if (const Name* p = nsec_pred(z, n)) {
      snap(*p);
    }
  }

  // 3. Edit, fix kinds, serial.
  if (auto st = apply_edits(z, d); !st) return st.error();
  for (const Name& c : cuts)
    if (z.find(c)) z.classify_subtree(c);
  if (!soa_in_diff) {
    auto serial = apply_serial_policy(z, o.serial, o.now);
    if (!serial) return serial.error();
  }
  auto new_serial = soa_serial(z);
  if (!new_serial) return new_serial.error();
  out.new_serial = *new_serial;

  // 4. Repair the denial chain around the region.
  std::set<Name> affected(region.begin(), region.end());
  std::set<Bytes> affected3;
  if (!nsec3) {
    for (const Name& n : region)
      if (const Name* p = nsec_pred(z, n)) affected.insert(*p);
    for (const Name& n : affected) {
      auto it = z.nodes().find(n);
      if (it == z.nodes().end()) continue;
      Node& node = z.nodes().find(n)->second;
      if (is_signed_owner(node)) {
        Bytes rd = nsec_rdata(next_nsec_owner(z, it)->first, node);
        RRset* cur = node.find(rrtype::NSEC);
        if (!cur || cur->rdatas.size() != 1 || cur->rdatas[0] != rd || cur->ttl != *new_ttl)
          put_rrset(node, RRset{rrtype::NSEC, *new_ttl, {std::move(rd)}, {}});
      } else {
        drop_rrset(node, rrtype::NSEC);
      }
    }
  } else {
    auto& m = z.nsec3();
    for (const Name& n : region) {
      const Bytes& h = hashes.at(n);
      auto it = z.nodes().find(n);
      if (it != z.nodes().end() && needs_nsec3(z, it, o.nsec3.opt_out)) {
        auto e = m.find(h);
        // Keep the current next hash for now; the pointers are repaired below.
        Bytes rd =
            nsec3_rdata(o.nsec3, e == m.end() ? h : next_hash(e->second), nsec3_types(it->second));
        if (e == m.end())
          m.emplace(h, Nsec3Entry{std::move(rd), *new_ttl, {}});
        else if (e->second.rdata != rd)
          e->second.rdata = std::move(rd);
      } else {
        m.erase(h);
      }
    }
    for (const Name& n : region) {
      const Bytes& h = hashes.at(n);
      if (m.count(h)) affected3.insert(h);
      if (const Bytes* p = nsec3_pred(z, h)) affected3.insert(*p);
    }
    for (const Bytes& h : affected3) {
      auto it = m.find(h);
      auto nx = std::next(it);
      if (nx == m.end()) nx = m.begin();
      patch_next_hash(it->second, nx->first);
    }
  }

  // 5. Re-sign what changed; keep the signatures of RRsets that did not.
  std::vector<SignTarget> targets, all;
  for (const Name& n : affected) {
    auto it = z.nodes().find(n);
    if (it == z.nodes().end()) continue;
    all.clear();
    collect_node_targets(it->first, it->second, all);
    auto b = before.find(n);
    for (const auto& t : all) {
      const RRset* old = b == before.end() ? nullptr : b->second.find(t.type);
      RRset* now = it->second.find(t.type);
      if (old && !old->rrsigs.empty() && same_data(*old, *now))
        now->rrsigs = old->rrsigs;
      else
        targets.push_back(t);
    }
  }
  std::vector<Name> owners3;
  owners3.reserve(affected3.size());
  for (const Bytes& h : affected3) {
    Nsec3Entry& e = z.nsec3().at(h);
    auto b = before3.find(h);
    if (b != before3.end() && !b->second.rrsigs.empty() && b->second.rdata == e.rdata &&
        b->second.ttl == e.ttl) {
      e.rrsigs = b->second.rrsigs;
      continue;
    }
    owners3.push_back(nsec3_owner(h, z.origin()));
    targets.push_back(SignTarget{&owners3.back(), rrtype::NSEC3, e.ttl,
                                 std::span<const Bytes>(&e.rdata, 1), &e.rrsigs});
  }
  if (auto st = sign_targets(targets, z.origin(), z.klass(), o); !st) return st.error();
  for (const auto& t : targets) out.rrsigs_made += t.rrsigs->size();

  // 6. The signed diff: per owner and per hash, before vs after.
  for (const auto& [n, node] : before) affected.insert(n);
  for (const Name& n : affected) {
    std::vector<RR> b, a;
    if (auto it = before.find(n); it != before.end()) node_rrs(n, it->second, b);
    if (const Node* node = z.find(n)) node_rrs(n, *node, a);
    diff_rrs(std::move(b), std::move(a), out);
  }
  for (const auto& [h, e] : before3) affected3.insert(h);
  for (const Bytes& h : affected3) {
    std::vector<RR> b, a;
    if (auto it = before3.find(h); it != before3.end()) nsec3_rrs(h, it->second, z.origin(), b);
    if (auto it = z.nsec3().find(h); it != z.nsec3().end()) nsec3_rrs(h, it->second, z.origin(), a);
    diff_rrs(std::move(b), std::move(a), out);
  }
  return out;
}

}  // namespace ts::signer
