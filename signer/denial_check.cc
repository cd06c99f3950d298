// The denial-chain closure check of the self-check (see denial_check.h).
#include "signer/denial_check.h"

#include <algorithm>
#include <string>
#include <vector>

#include "signer/nsec3_chain.h"
#include "signer/nsec_chain.h"
#include "signer/type_bitmap.h"

namespace ts::signer {
namespace {

Status check_nsec(const Zone& zone) {
  const auto& nodes = zone.nodes();
  for (auto it = nodes.begin(); it != nodes.end(); ++it) {
    const RRset* nsec = it->second.find(rrtype::NSEC);
    auto where = [&] { return it->first.to_text(); };  // only for an error: to_text is dear
    if (!is_signed_owner(it->second)) {
      if (nsec) return fail(where() + ": NSEC at a name that must have none");
      continue;
    }
    if (!nsec || nsec->rdatas.size() != 1) return fail(where() + ": not exactly one NSEC");
    auto next = next_nsec_owner(zone, it);
    if (next == nodes.end()) return fail("no apex node");
    if (nsec->rdatas[0] != nsec_rdata(next->first, it->second))
      return fail(where() + ": NSEC does not point to " + next->first.to_text() +
                  " with this name's type bit map (chain not closed)");
  }
  return {};
}

// The NSEC3 rdata fields this check needs.
struct Nsec3Fields {
  uint8_t alg = 0, flags = 0;
  uint16_t iterations = 0;
  Bytes salt, next;
  size_t bitmap_at = 0;
};

bool parse_nsec3(const Bytes& rd, Nsec3Fields& f) {
  if (rd.size() < 5) return false;
  f.alg = rd[0];
  f.flags = rd[1];
  f.iterations = static_cast<uint16_t>((rd[2] << 8) | rd[3]);
  size_t p = 5 + rd[4];
  if (p >= rd.size()) return false;
  f.salt.assign(rd.begin() + 5, rd.begin() + static_cast<std::ptrdiff_t>(p));
  size_t hl = rd[p++];
  if (p + hl > rd.size()) return false;
  f.next.assign(rd.begin() + static_cast<std::ptrdiff_t>(p),
                rd.begin() + static_cast<std::ptrdiff_t>(p + hl));
  f.bitmap_at = p + hl;
  return true;
}

Status check_nsec3(const Zone& zone, const Bytes& param) {
  if (param.size() < 5 || param.size() != 5u + param[4]) return fail("malformed NSEC3PARAM");
  Nsec3Params p;
  p.iterations = static_cast<uint16_t>((param[2] << 8) | param[3]);
  p.salt.assign(param.begin() + 5, param.end());
  const auto& chain = zone.nsec3();
  if (chain.empty()) return fail("NSEC3PARAM but no NSEC3 records");
  p.opt_out = chain.begin()->second.rdata.size() > 1 && (chain.begin()->second.rdata[1] & 1);
  // Each record: the zone's parameters, and its next hash is the following owner hash.
  for (auto it = chain.begin(); it != chain.end(); ++it) {
    Nsec3Fields f;
    auto where = [&] { return nsec3_owner(it->first, zone.origin()).to_text(); };
    if (!parse_nsec3(it->second.rdata, f)) return fail(where() + ": malformed NSEC3");
    if (f.alg != param[0] || f.iterations != p.iterations || f.salt != p.salt ||
        (f.flags & 1) != (p.opt_out ? 1 : 0))
      return fail(where() + ": NSEC3 parameters differ from the NSEC3PARAM or opt-out flags mix");
    auto next = std::next(it) == chain.end() ? chain.begin() : std::next(it);
    if (f.next != next->first)
      return fail(where() + ": NSEC3 next hash is not the following owner (chain not closed)");
  }
  // Each name that needs one has it, with its bit map; nothing else has one.
  size_t needed = 0;
  const auto& nodes = zone.nodes();
  for (auto it = nodes.begin(); it != nodes.end(); ++it) {
    auto where = [&] { return it->first.to_text(); };
    if (it->second.find(rrtype::NSEC)) return fail(where() + ": NSEC in an NSEC3 zone");
    if (!needs_nsec3(zone, it, p.opt_out)) continue;
    ++needed;
    auto e = chain.find(nsec3_hash(it->first, p.salt, p.iterations));
    if (e == chain.end()) return fail(where() + ": no NSEC3 for this name");
    Nsec3Fields f;
    parse_nsec3(e->second.rdata, f);
    Bytes want = encode_type_bitmap(nsec3_types(it->second));
    if (!std::equal(e->second.rdata.begin() + static_cast<std::ptrdiff_t>(f.bitmap_at),
                    e->second.rdata.end(), want.begin(), want.end()))
      return fail(where() + ": NSEC3 type bit map does not match the name's types");
  }
  if (needed != chain.size())
    return fail("the NSEC3 chain has " + std::to_string(chain.size()) + " records for " +
                std::to_string(needed) + " names that need one");
  return {};
}

}  // namespace

Status check_denial_chain(const Zone& zone) {
  const Node* apex = zone.find(zone.origin());
  if (!apex) return fail("no apex node");
  const RRset* param = apex->find(rrtype::NSEC3PARAM);
  if (!param) {
    if (!zone.nsec3().empty()) return fail("NSEC3 records but no NSEC3PARAM at the apex");
    return check_nsec(zone);
  }
  if (param->rdatas.size() != 1) return fail("not exactly one NSEC3PARAM");
  return check_nsec3(zone, param->rdatas[0]);
}

}  // namespace ts::signer
