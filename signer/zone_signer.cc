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

Status sign_targets(std::span<const SignTarget> targets, const Name& origin, uint16_t klass,
                    const SignOptions& o) {
  std::vector<const SigningKey*> key_set_keys, zone_keys;
  for (const auto& k : o.keys) {
    if (k.signs_dnskey) key_set_keys.push_back(&k);
    if (k.signs_zone) zone_keys.push_back(&k);
  }
  const size_t prefix = 18 + origin.wire().size();
  std::atomic<size_t> next{0};
  constexpr size_t kChunk = 128;
  unsigned nthreads = std::max(1u, o.threads);
  if (targets.size() < 2 * kChunk) nthreads = 1;
  std::vector<std::string> errors(nthreads);

  auto worker = [&](unsigned id) {
    Bytes input;
    input.reserve(4096);
    RrsigFields f;
    f.signer = origin;
    f.inception = static_cast<uint32_t>(o.inception);
    for (;;) {
      size_t begin = next.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= targets.size()) return;
      size_t end = std::min(targets.size(), begin + kChunk);
      for (size_t i = begin; i < end; ++i) {
        const SignTarget& t = targets[i];
        const auto& keys = signs_key_set(t.type) ? key_set_keys : zone_keys;
        t.rrsigs->clear();
        f.type_covered = t.type;
        f.labels = rrsig_labels(*t.owner);
        f.original_ttl = t.ttl;
        f.expiration = expiration_for(*t.owner, t.type, o);
        for (const SigningKey* k : keys) {
          f.algorithm = static_cast<uint8_t>(k->key->algorithm());
          f.key_tag = k->tag;
          build_signing_input(f, *t.owner, klass, t.rdatas, input);
          auto sig = k->key->sign(input);
          if (!sig) {
            errors[id] = t.owner->to_text() + ": signing failed: " + sig.error().message;
            next.store(targets.size());
            return;
          }
          Bytes rrsig;
          rrsig.reserve(prefix + sig->size());
          rrsig.assign(input.begin(), input.begin() + prefix);
          rrsig.insert(rrsig.end(), sig->begin(), sig->end());
          t.rrsigs->push_back(std::move(rrsig));
        }
      }
    }
  };
  if (nthreads == 1) {
    worker(0);
  } else {
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < nthreads; ++i) pool.emplace_back(worker, i);
    for (auto& th : pool) th.join();
  }
  for (const auto& e : errors)
    if (!e.empty()) return fail(e);
  return {};
}

Result<SignStats> sign_zone(Zone& zone, const SignOptions& o) {
  if (auto st = check_sign_options(o); !st) return st.error();
  if (!zone.find(zone.origin())) return fail("zone has no data at its origin");
  // Strip what signing produces (and RRsets that only held RRSIGs); keep everything else.
  remove_nsec_chain(zone);
  remove_nsec3_chain(zone);
  for (auto& [name, node] : zone.nodes()) {
    drop_rrset(node, rrtype::RRSIG);
    std::erase_if(node.rrsets, [](const RRset& r) { return r.rdatas.empty(); });
    for (auto& r : node.rrsets) r.rrsigs.clear();
  }
  zone.classify();
  SignStats stats;
  auto serial = apply_serial_policy(zone, o.serial, o.now);
  if (!serial) return serial.error();
  stats.serial = *serial;
  for (const auto& [name, node] : zone.nodes())
    for (const auto& r : node.rrsets) stats.records += r.rdatas.size();  // the input's RRs
  if (auto st = add_dnskeys(zone, o); !st) return st.error();
  auto ttl = denial_ttl(zone);
  if (!ttl) return ttl.error();
  Status chain = o.denial == Denial::Nsec ? build_nsec_chain(zone, *ttl)
                                          : build_nsec3_chain(zone, o.nsec3, *ttl);
  if (!chain) return chain.error();

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
  stats.denial = o.denial == Denial::Nsec ? 0 : zone.nsec3().size();
  if (o.denial == Denial::Nsec)
    for (const auto& t : targets) stats.denial += t.type == rrtype::NSEC;
  if (auto st = sign_targets(targets, zone.origin(), zone.klass(), o); !st) return st.error();
  for (const auto& t : targets) stats.rrsigs += t.rrsigs->size();
  return stats;
}

}  // namespace ts::signer
