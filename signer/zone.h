// The in-memory zone model: every owner name in canonical order (RFC 4034 6.1) with its
// RRsets in wire format, its RRSIGs, and what the name is (apex, delegation point, glue or
// occluded, empty non-terminal). It is the one representation the loader fills, the
// signer signs, the writer prints and incremental changes edit; a std::map keeps a single
// insert or delete O(log n) even for a 14M-record zone.
//
//   Zone zone(origin);
//   zone.add(owner, type, ttl, rdata);      // builds nodes, keeps ENTs, dedups RRs
//   zone.classify();                         // marks apex / delegations / occluded
//   for (auto& [name, node] : zone.nodes()) ...
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/name.h"
#include "common/result.h"

namespace ts::signer {

using Bytes = std::vector<uint8_t>;

/// RR types the model treats specially (RFC 1035, 4034, 5155, 7344).
namespace rrtype {
inline constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, MX = 15, TXT = 16, AAAA = 28,
                          DNAME = 39, DS = 43, RRSIG = 46, NSEC = 47, DNSKEY = 48, NSEC3 = 50,
                          NSEC3PARAM = 51, CDS = 59, CDNSKEY = 60;
}

/// One RRset: the records of one owner and type. `rdatas` hold wire rdata with embedded
/// names in canonical (lower-case) form where RFC 4034 6.2 requires it, sorted in
/// canonical RR order and without duplicates. `rrsigs` hold full RRSIG rdata (wire) that
/// cover this RRset, one per signing key.
struct RRset {
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::vector<Bytes> rdatas;
  std::vector<Bytes> rrsigs;
};

/// What an owner name is inside the zone.
enum class NodeKind : uint8_t {
  Authoritative,    ///< ordinary authoritative data (or the apex)
  Delegation,       ///< has NS and is not the apex: a zone cut (NS, DS, NSEC are ours)
  Occluded,         ///< below a zone cut or DNAME: glue or occluded data, never signed
  EmptyNonTerminal  ///< no RRsets, but names exist below it
};

struct Node {
  std::vector<RRset> rrsets;  ///< sorted by type number; never contains NSEC3
  NodeKind kind = NodeKind::Authoritative;

  RRset* find(uint16_t type);
  const RRset* find(uint16_t type) const;
  bool empty() const { return rrsets.empty(); }
};

/// An NSEC3 record (RFC 5155) with its owner hash and signatures.
struct Nsec3Entry {
  Bytes rdata;  ///< full NSEC3 rdata (wire)
  uint32_t ttl = 0;
  std::vector<Bytes> rrsigs;  ///< RRSIG rdata over this NSEC3
};

class Zone {
 public:
  using NodeMap = std::map<Name, Node>;  // canonical order via Name's operator<=>
  /// Keyed by the raw hash (20 bytes for SHA-1): byte order = base32hex order.
  using Nsec3Map = std::map<Bytes, Nsec3Entry>;

  explicit Zone(Name origin, uint16_t klass = 1) : origin_(std::move(origin)), klass_(klass) {}

  const Name& origin() const { return origin_; }
  uint16_t klass() const { return klass_; }

  /// Adds one RR (owner must be at or below the origin). Creates the node and any empty
  /// non-terminals between it and the apex; merges into an existing RRset (the RRset TTL
  /// becomes the minimum, RFC 2181 5.2); ignores exact duplicates. Returns false if the
  /// RR was a duplicate.
  bool add(const Name& owner, uint16_t type, uint32_t ttl, const Bytes& rdata);
  /// Removes one RR; removes the node (and ENTs left empty) when nothing remains.
  /// Returns false if it was not present.
  bool remove(const Name& owner, uint16_t type, const Bytes& rdata);
  /// Removes a whole RRset.
  bool remove_rrset(const Name& owner, uint16_t type);

  /// Recomputes every node's kind from the data (apex, NS cuts, DNAME, ENTs).
  void classify();
  /// Recomputes the kinds of `owner` and of everything below it (after an edit there).
  void classify_subtree(const Name& owner);

  NodeMap& nodes() { return nodes_; }
  const NodeMap& nodes() const { return nodes_; }
  Node* find(const Name& owner);
  const Node* find(const Name& owner) const;
  Node& apex() { return nodes_.at(origin_); }
  const Node& apex() const { return nodes_.at(origin_); }

  Nsec3Map& nsec3() { return nsec3_; }
  const Nsec3Map& nsec3() const { return nsec3_; }

  /// Number of RRs, not counting RRSIG/NSEC/NSEC3.
  size_t record_count() const;

 private:
  Name origin_;
  uint16_t klass_;
  NodeMap nodes_;
  Nsec3Map nsec3_;
};

/// Converts rdata of `type` to its canonical form (RFC 4034 6.2: lower-case embedded
/// names for NS, CNAME, SOA, MX, PTR, ... ; RFC 6840 5.1 leaves others alone).
Bytes canonical_rdata(uint16_t type, const Bytes& rdata);

}  // namespace ts::signer
