// Whole-zone signing: serial, DNSKEYs, denial chain, and the multi-threaded RRSIG pass.
#include "signer/zone_signer.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "signer/nsec_chain.h"
#include "signer/signing_input.h"

namespace ts::signer {
namespace {

bool signs_key_set(uint16_t type) {
  return type == rrtype::DNSKEY || type == rrtype::CDS || type == rrtype::CDNSKEY;
}

// Offset of the serial in SOA rdata (after MNAME and RNAME); 0 if malformed.
size_t soa_serial_offset(const Bytes& r) {
  size_t i = 0;
  for (int names = 0; names < 2; ++names) {
    while (i < r.size() && r[i] != 0) i += 1 + r[i];
    if (i >= r.size()) return 0;
    ++i;
  }
  return i + 20 <= r.size() ? i : 0;
}

// Days since 1970-01-01 -> y/m/d (proleptic Gregorian; Howard Hinnant's civil algorithm).
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

bool serial_gt(uint32_t a, uint32_t b) {  // RFC 1982
  return a != b && static_cast<int32_t>(a - b) > 0;
}

}  // namespace

uint32_t next_serial(uint32_t current, SerialPolicy policy, UnixTime now) {
  uint32_t candidate = current + 1;
  switch (policy) {
    case SerialPolicy::Keep:
      return current;
    case SerialPolicy::Increment:
      return candidate;
    case SerialPolicy::UnixTime:
      candidate = static_cast<uint32_t>(now);
      break;
    case SerialPolicy::Date: {
      int64_t y;
      unsigned m, d;
      civil_from_days(now >= 0 ? now / 86400 : (now - 86399) / 86400, y, m, d);
      candidate = static_cast<uint32_t>((y * 10000 + m * 100 + d) * 100);
      break;
    }
  }
  return serial_gt(candidate, current) ? candidate : current + 1;
}

Result<uint32_t> soa_serial(const Zone& zone) {
  const Node* apex = zone.find(zone.origin());
  const RRset* soa = apex ? apex->find(rrtype::SOA) : nullptr;
  if (!soa || soa->rdatas.size() != 1) return fail("zone needs exactly one SOA at the apex");
  const Bytes& r = soa->rdatas[0];
  size_t off = soa_serial_offset(r);
  if (off == 0) return fail("malformed SOA rdata");
  return static_cast<uint32_t>(r[off]) << 24 | static_cast<uint32_t>(r[off + 1]) << 16 |
         static_cast<uint32_t>(r[off + 2]) << 8 | r[off + 3];
}

Result<uint32_t> apply_serial_policy(Zone& zone, SerialPolicy policy, UnixTime now) {
  Node* apex = zone.find(zone.origin());
  RRset* soa = apex ? apex->find(rrtype::SOA) : nullptr;
  if (!soa || soa->rdatas.size() != 1) return fail("zone needs exactly one SOA at the apex");
  Bytes& r = soa->rdatas[0];
  size_t off = soa_serial_offset(r);
  if (off == 0) return fail("malformed SOA rdata");
  uint32_t cur = static_cast<uint32_t>(r[off]) << 24 | static_cast<uint32_t>(r[off + 1]) << 16 |
                 static_cast<uint32_t>(r[off + 2]) << 8 | r[off + 3];
  uint32_t next = next_serial(cur, policy, now);
  for (int i = 0; i < 4; ++i) r[off + i] = static_cast<uint8_t>(next >> (24 - 8 * i));
  return next;
}

Status add_dnskeys(Zone& zone, const SignOptions& o) {
  Node* apex = zone.find(zone.origin());
  if (!apex) return fail("zone has no apex");
  auto ttl = denial_ttl(zone);
  if (!ttl) return ttl.error();
  const Node& capex = *apex;
  const RRset* soa = capex.find(rrtype::SOA);
  uint32_t minimum = *ttl;
  if (soa) {  // the SOA MINIMUM itself
    const Bytes& r = soa->rdatas[0];
    size_t n = r.size();
    minimum = static_cast<uint32_t>(r[n - 4]) << 24 | static_cast<uint32_t>(r[n - 3]) << 16 |
              static_cast<uint32_t>(r[n - 2]) << 8 | r[n - 1];
  }
  RRset* existing = apex->find(rrtype::DNSKEY);
  RRset set = existing ? *existing : RRset{rrtype::DNSKEY, minimum, {}, {}};
  if (o.dnskey_ttl) set.ttl = o.dnskey_ttl;
  for (const auto& k : o.keys) {
    Bytes rd{static_cast<uint8_t>(k.flags >> 8), static_cast<uint8_t>(k.flags), 3,
             static_cast<uint8_t>(k.key->algorithm())};
    Bytes pub = k.key->public_key();
    rd.insert(rd.end(), pub.begin(), pub.end());
    set.rdatas.push_back(std::move(rd));
  }
  std::sort(set.rdatas.begin(), set.rdatas.end(), canonical_rdata_less);
  set.rdatas.erase(std::unique(set.rdatas.begin(), set.rdatas.end()), set.rdatas.end());
  set.rrsigs.clear();
  put_rrset(*apex, std::move(set));
  return {};
}

uint32_t expiration_for(const Name& owner, uint16_t type, const SignOptions& o) {
  uint32_t exp = static_cast<uint32_t>(o.expiration);
  if (o.jitter_seconds == 0) return exp;
  uint64_t h = 1469598103934665603ull;  // FNV-1a over lowered owner and type
  for (char c : owner.wire()) {
    uint8_t b = static_cast<uint8_t>(c);
    if (b >= 'A' && b <= 'Z') b += 32;
    h = (h ^ b) * 1099511628211ull;
  }
  h = (h ^ (type >> 8)) * 1099511628211ull;
  h = (h ^ (type & 0xff)) * 1099511628211ull;
  return exp - static_cast<uint32_t>(h % (static_cast<uint64_t>(o.jitter_seconds) + 1));
}

void collect_node_targets(const Name& owner, Node& node, std::vector<SignTarget>& out) {
  for (auto& r : node.rrsets) {
    bool sign = false;
    if (node.kind == NodeKind::Authoritative)
      sign = true;
    else if (node.kind == NodeKind::Delegation)
      sign = r.type == rrtype::DS || r.type == rrtype::NSEC;
    if (sign)
      out.push_back(SignTarget{&owner, r.type, r.ttl, r.rdatas, &r.rrsigs});
    else
      r.rrsigs.clear();
  }
}

Status check_sign_options(const SignOptions& o) {
  bool zone_key = false, key_set_key = false;
  for (const auto& k : o.keys) {
    if (!k.key) return fail("signing key without private key");
    zone_key |= k.signs_zone;
    key_set_key |= k.signs_dnskey;
  }
  if (!zone_key) return fail("no key signs the zone data (need a ZSK or CSK)");
  if (!key_set_key) return fail("no key signs the DNSKEY RRset (need a KSK or CSK)");
  if (o.expiration <= o.inception) return fail("signature expiration is not after inception");
  if (static_cast<int64_t>(o.jitter_seconds) >= o.expiration - o.inception)
    return fail("jitter is larger than the validity period");
  return {};
}

namespace {

// One thread's signing state: signs targets one at a time, reusing its buffers.
class TargetSigner {
 public:
  TargetSigner(const Name& origin, uint16_t klass, const SignOptions& o)
      : klass_(klass), o_(o), prefix_(18 + origin.wire().size()) {
    for (const auto& k : o.keys) {
      if (k.signs_dnskey) key_set_keys_.push_back(&k);
      if (k.signs_zone) zone_keys_.push_back(&k);
    }
    input_.reserve(4096);
    f_.signer = origin;
    f_.inception = static_cast<uint32_t>(o.inception);
  }

  /// Replaces the RRSIGs of `t`; an error message on failure.
  std::string sign(const SignTarget& t) {
    const auto& keys = signs_key_set(t.type) ? key_set_keys_ : zone_keys_;
    t.rrsigs->clear();
    f_.type_covered = t.type;
    f_.labels = rrsig_labels(*t.owner);
    f_.original_ttl = t.ttl;
    f_.expiration = expiration_for(*t.owner, t.type, o_);
    for (const SigningKey* k : keys) {
      f_.algorithm = static_cast<uint8_t>(k->key->algorithm());
      f_.key_tag = k->tag;
      build_signing_input(f_, *t.owner, klass_, t.rdatas, input_);
      auto sig = k->key->sign(input_);
      if (!sig) return t.owner->to_text() + ": signing failed: " + sig.error().message;
      Bytes rrsig;
      rrsig.reserve(prefix_ + sig->size());
      rrsig.assign(input_.begin(), input_.begin() + prefix_);
      rrsig.insert(rrsig.end(), sig->begin(), sig->end());
      t.rrsigs->push_back(std::move(rrsig));
      ++count_;
    }
    return {};
  }

  size_t count() const { return count_; }

 private:
  std::vector<const SigningKey*> key_set_keys_, zone_keys_;
  uint16_t klass_;
  const SignOptions& o_;
  size_t prefix_;
  Bytes input_;
  RrsigFields f_;
  size_t count_ = 0;
};

// Runs worker(id) on `n` threads (new ones when n > 1: the calling thread only waits).
template <typename F>
void run_threads(unsigned n, F&& worker) {
  if (n <= 1) return worker(0u);
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < n; ++i) pool.emplace_back(worker, i);
  for (auto& th : pool) th.join();
}

using NodeRef = std::pair<const Name*, Node*>;

// Splits [0, n) into `parts` contiguous ranges and runs fn(part, begin, end) on each, in
// parallel.
template <typename F>
void for_ranges(size_t n, unsigned parts, F&& fn) {
  run_threads(parts, [&](unsigned id) { fn(id, n * id / parts, n * (id + 1) / parts); });
}

// Strips what signing produces from every node (RRSIG and NSEC RRsets, RRsets left empty,
// RRSIGs), in parallel; counts the remaining RRs. Returns true if any RRset was removed.
bool strip_nodes(const std::vector<NodeRef>& all, unsigned threads, size_t* records) {
  std::vector<size_t> counts(threads);
  std::vector<char> changed(threads);
  for_ranges(all.size(), threads, [&](unsigned id, size_t begin, size_t end) {
    size_t n = 0;
    bool ch = false;
    for (size_t i = begin; i < end; ++i) {
      Node& node = *all[i].second;
      ch |= drop_rrset(node, rrtype::RRSIG);
      ch |= drop_rrset(node, rrtype::NSEC);
      ch |= std::erase_if(node.rrsets, [](const RRset& r) { return r.rdatas.empty(); }) > 0;
      for (auto& r : node.rrsets) {
        r.rrsigs.clear();
        n += r.rdatas.size();
      }
    }
    counts[id] = n;
    changed[id] = ch;
  });
  *records = 0;
  for (size_t c : counts) *records += c;
  return std::any_of(changed.begin(), changed.end(), [](char c) { return c != 0; });
}

// The signed owners (NSEC chain members) of `all` from the apex on, in canonical order;
// filtered in parallel.
std::vector<NodeRef> signed_owners(const std::vector<NodeRef>& all, size_t apex, unsigned threads) {
  std::vector<std::vector<NodeRef>> parts(threads);
  for_ranges(all.size() - apex, threads, [&](unsigned id, size_t begin, size_t end) {
    for (size_t i = apex + begin; i < apex + end; ++i)
      if (is_signed_owner(*all[i].second)) parts[id].push_back(all[i]);
  });
  if (threads == 1) return std::move(parts[0]);
  std::vector<NodeRef> out;
  size_t n = 0;
  for (const auto& p : parts) n += p.size();
  out.reserve(n);
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// NSEC zones: the chain, the collection of targets and the signing in one parallel pass
// over the signed owners in canonical order (each node is touched by one thread only; the
// next owner's name is read-only). Returns the number of RRSIGs.
Result<size_t> nsec_and_sign(const Zone& zone, const std::vector<NodeRef>& owners, uint32_t ttl,
                             const SignOptions& o, SignedChunks* observer) {
  if (owners.empty()) return fail("zone has no apex node");
  constexpr size_t kChunk = 256;
  std::atomic<size_t> next{0};
  unsigned nthreads = owners.size() < 4 * kChunk ? 1 : std::max(1u, o.threads);
  std::vector<std::string> errors(nthreads);
  std::vector<size_t> counts(nthreads);
  // Chunk c covers the nodes from owner c * kChunk (the map's start for c = 0) up to the
  // next chunk's first owner (the map's end for the last chunk).
  const size_t nchunks = (owners.size() + kChunk - 1) / kChunk;
  std::vector<Zone::NodeMap::const_iterator> bounds;
  if (observer) {
    bounds.reserve(nchunks + 1);
    bounds.push_back(zone.nodes().begin());
    for (size_t c = 1; c < nchunks; ++c)
      bounds.push_back(zone.nodes().find(*owners[c * kChunk].first));
    bounds.push_back(zone.nodes().end());
    observer->start(nchunks, nthreads);
  }
  run_threads(nthreads, [&](unsigned id) {
    TargetSigner signer(zone.origin(), zone.klass(), o);
    std::vector<SignTarget> targets;
    for (;;) {
      size_t begin = next.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= owners.size()) break;
      size_t end = std::min(owners.size(), begin + kChunk);
      for (size_t i = begin; i < end; ++i) {
        auto [name, node] = owners[i];
        const Name& next_name = *owners[i + 1 == owners.size() ? 0 : i + 1].first;
        put_rrset(*node, RRset{rrtype::NSEC, ttl, {nsec_rdata(next_name, *node)}, {}});
        targets.clear();
        collect_node_targets(*name, *node, targets);
        for (const SignTarget& t : targets) {
          if (std::string e = signer.sign(t); !e.empty()) {
            errors[id] = std::move(e);
            next.store(owners.size());
            return;
          }
        }
      }
      size_t c = begin / kChunk;
      if (observer && !observer->done(id, c, bounds[c], bounds[c + 1])) {
        errors[id] = "stopped: the output could not be written";
        next.store(owners.size());
        return;
      }
    }
    counts[id] = signer.count();
  });
  for (const auto& e : errors)
    if (!e.empty()) return fail(e);
  size_t total = 0;
  for (size_t c : counts) total += c;
  return total;
}

}  // namespace

Status sign_targets(std::span<const SignTarget> targets, const Name& origin, uint16_t klass,
                    const SignOptions& o) {
  std::atomic<size_t> next{0};
  constexpr size_t kChunk = 128;
  unsigned nthreads = std::max(1u, o.threads);
  if (targets.size() < 2 * kChunk) nthreads = 1;
  std::vector<std::string> errors(nthreads);
  run_threads(nthreads, [&](unsigned id) {
    TargetSigner signer(origin, klass, o);
    for (;;) {
      size_t begin = next.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= targets.size()) return;
      size_t end = std::min(targets.size(), begin + kChunk);
      for (size_t i = begin; i < end; ++i) {
        if (std::string e = signer.sign(targets[i]); !e.empty()) {
          errors[id] = std::move(e);
          next.store(targets.size());
          return;
        }
      }
    }
  });
  for (const auto& e : errors)
    if (!e.empty()) return fail(e);
  return {};
}

Result<SignStats> sign_zone(Zone& zone, const SignOptions& o, SignedChunks* chunks) {
  if (auto st = check_sign_options(o); !st) return st.error();
  if (!zone.find(zone.origin())) return fail("zone has no data at its origin");
  // Strip what signing produces (and RRsets that only held RRSIGs); keep everything else.
  // The same pass counts the input's RRs. One serial walk of the map, the rest in parallel.
  remove_nsec3_chain(zone);
  const unsigned threads = zone.nodes().size() < 8192 ? 1 : std::max(1u, o.threads);
  std::vector<NodeRef> all;
  all.reserve(zone.nodes().size());
  size_t apex = 0;
  for (auto& [name, node] : zone.nodes()) {
    if (name == zone.origin()) apex = all.size();
    all.emplace_back(&name, &node);
  }
  SignStats stats;
  bool stripped = strip_nodes(all, threads, &stats.records);
  if (stripped || !o.zone_classified) zone.classify();
  auto serial = apply_serial_policy(zone, o.serial, o.now);
  if (!serial) return serial.error();
  stats.serial = *serial;
  if (auto st = add_dnskeys(zone, o); !st) return st.error();
  auto ttl = denial_ttl(zone);
  if (!ttl) return ttl.error();
  if (o.denial == Denial::Nsec) {
    std::vector<NodeRef> owners = signed_owners(all, apex, threads);
    std::vector<NodeRef>().swap(all);
    stats.denial = owners.size();
    auto rrsigs = nsec_and_sign(zone, owners, *ttl, o, chunks);
    if (!rrsigs) return rrsigs.error();
    stats.rrsigs = *rrsigs;
    return stats;
  }
  if (Status chain = build_nsec3_chain(zone, o.nsec3, *ttl); !chain) return chain.error();
  std::vector<SignTarget> targets;
  targets.reserve(zone.nodes().size() + zone.nsec3().size() + 16);
  for (auto& [name, node] : zone.nodes()) {
    collect_node_targets(name, node, targets);
  }
  std::vector<Name> nsec3_names;
  nsec3_names.reserve(zone.nsec3().size());
  for (auto& [hash, e] : zone.nsec3()) {
    nsec3_names.push_back(nsec3_owner(hash, zone.origin()));
    targets.push_back(SignTarget{&nsec3_names.back(), rrtype::NSEC3, e.ttl,
                                 std::span<const Bytes>(&e.rdata, 1), &e.rrsigs});
  }
  stats.denial = zone.nsec3().size();
  if (auto st = sign_targets(targets, zone.origin(), zone.klass(), o); !st) return st.error();
  for (const auto& t : targets) stats.rrsigs += t.rrsigs->size();
  return stats;
}

}  // namespace ts::signer
