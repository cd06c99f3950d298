// Test helper: compares two zones field by field (names with their case, kinds, RRsets,
// signatures, NSEC3 entries) and says where they first differ.
#pragma once

#include <string>

#include "signer/zone.h"

namespace ts::signer {

// Empty when equal, else the first difference found.
inline std::string zone_diff(const Zone& a, const Zone& b) {
  if (!(a.origin() == b.origin())) return "origin";
  if (a.nodes().size() != b.nodes().size()) return "node count";
  for (auto ia = a.nodes().begin(), ib = b.nodes().begin(); ia != a.nodes().end(); ++ia, ++ib) {
    std::string at = ia->first.to_text();
    if (ia->first.wire() != ib->first.wire()) return "name " + at + " vs " + ib->first.to_text();
    if (ia->second.kind != ib->second.kind) return "kind at " + at;
    const auto& sa = ia->second.rrsets;
    const auto& sb = ib->second.rrsets;
    if (sa.size() != sb.size()) return "rrset count at " + at;
    for (size_t i = 0; i < sa.size(); ++i) {
      if (sa[i].type != sb[i].type || sa[i].ttl != sb[i].ttl || sa[i].rdatas != sb[i].rdatas ||
          sa[i].rrsigs != sb[i].rrsigs) {
        return "rrset " + std::to_string(sa[i].type) + " at " + at;
      }
    }
  }
  if (a.nsec3().size() != b.nsec3().size()) return "nsec3 count";
  for (auto ia = a.nsec3().begin(), ib = b.nsec3().begin(); ia != a.nsec3().end(); ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.rdata != ib->second.rdata ||
        ia->second.ttl != ib->second.ttl || ia->second.rrsigs != ib->second.rrsigs) {
      return "nsec3 entry";
    }
  }
  return "";
}

}  // namespace ts::signer
