// Signs a whole zone: DNSKEY RRset from the keys, SOA serial policy, the NSEC or NSEC3
// chain, and an RRSIG per key on every authoritative RRset (RFC 4035 2): not on the NS
// RRset of a delegation, never on glue or occluded data; DNSKEY/CDS/CDNSKEY by the keys
// that sign the key set (KSK/CSK), the rest by the zone-signing keys (ZSK/CSK). Signing
// runs on `threads` threads over a prepared work list, without locks. Expirations carry a
// jitter derived from owner and type, so the output is reproducible (and Ed25519 output
// is identical byte for byte across runs).
//
//   SignOptions o;
//   o.keys = {{&ksk, 257, ksk_tag, true, false}, {&zsk, 256, zsk_tag, false, true}};
//   o.inception = now - 3600; o.expiration = now + 30 * 86400; o.now = now;
//   auto stats = sign_zone(zone, o);     // Result<SignStats>
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/clock.h"
#include "signer/crypto.h"
#include "signer/nsec3_chain.h"
#include "signer/zone.h"

namespace ts::signer {

struct SigningKey {
  const PrivateKey* key = nullptr;
  uint16_t flags = 256;  ///< DNSKEY flags (257 = SEP)
  uint16_t tag = 0;      ///< key tag of its DNSKEY (RFC 4034 B)
  bool signs_dnskey = false;
  bool signs_zone = false;
};

enum class Denial : uint8_t { Nsec, Nsec3 };
enum class SerialPolicy : uint8_t { Keep, Increment, UnixTime, Date };

struct SignOptions {
  std::vector<SigningKey> keys;
  UnixTime inception = 0;
  UnixTime expiration = 0;
  uint32_t jitter_seconds = 0;  ///< expirations drop by up to this much, per RRset
  Denial denial = Denial::Nsec;
  Nsec3Params nsec3;
  unsigned threads = 1;
  SerialPolicy serial = SerialPolicy::Keep;
  UnixTime now = 0;         ///< for the unixtime and date serial policies
  uint32_t dnskey_ttl = 0;  ///< 0: keep an existing DNSKEY TTL, else the SOA MINIMUM
  /// The zone's node kinds are current (e.g. straight from load_zone_file): when stripping
  /// old DNSSEC data removes no RRset, sign_zone skips Zone::classify().
  bool zone_classified = false;
};

struct SignStats {
  size_t records = 0;  ///< RRs of the input (before DNSKEYs and denial were added)
  size_t rrsigs = 0;
  size_t denial = 0;  ///< NSEC or NSEC3 records
  uint32_t serial = 0;
};

/// Checks the options (keys present for both roles, validity window sane).
Status check_sign_options(const SignOptions& o);

/// Watches an NSEC signing pass chunk by chunk, so that the output can be written while
/// signing goes on (signer/sign_to_file.h). NSEC3 zones are not signed in chunks: for them
/// it is never called.
class SignedChunks {
 public:
  virtual ~SignedChunks() = default;
  /// Before signing starts: the number of chunks and of signing threads.
  virtual void start(size_t chunks, unsigned threads) = 0;
  /// From signing thread `thread` (< threads) when chunk `index` is signed: the nodes
  /// [first, last) in canonical order are final (NSEC and RRSIGs included, and the unsigned
  /// nodes between signed owners); the chunks partition the whole node map. Returning false
  /// stops the signing (sign_zone fails).
  virtual bool done(unsigned thread, size_t index, Zone::NodeMap::const_iterator first,
                    Zone::NodeMap::const_iterator last) = 0;
};

/// Signs `zone` in place (existing RRSIG, NSEC, NSEC3 and NSEC3PARAM are replaced).
/// `chunks`, if given, sees each signed chunk of an NSEC zone as soon as it is final.
Result<SignStats> sign_zone(Zone& zone, const SignOptions& o, SignedChunks* chunks = nullptr);

// ---- building blocks shared with incremental signing ----

/// One RRset to sign: owner, type, TTL, rdatas, and where its RRSIGs go.
struct SignTarget {
  const Name* owner;
  uint16_t type;
  uint32_t ttl;
  std::span<const Bytes> rdatas;
  std::vector<Bytes>* rrsigs;
};

/// New SOA serial for `policy` (RFC 1982 arithmetic: always moves forward except Keep).
uint32_t next_serial(uint32_t current, SerialPolicy policy, UnixTime now);
/// The serial of the apex SOA.
Result<uint32_t> soa_serial(const Zone& zone);
/// Applies the serial policy to the apex SOA; returns the new serial.
Result<uint32_t> apply_serial_policy(Zone& zone, SerialPolicy policy, UnixTime now);
/// Adds the DNSKEYs of `o.keys` to the apex DNSKEY RRset.
Status add_dnskeys(Zone& zone, const SignOptions& o);
/// The expiration for one RRset: o.expiration minus a jitter from (owner, type).
uint32_t expiration_for(const Name& owner, uint16_t type, const SignOptions& o);
/// Appends the RRsets of `node` that are signed (clearing the RRSIGs of those that are not).
void collect_node_targets(const Name& owner, Node& node, std::vector<SignTarget>& out);
/// Signs every target (replacing its RRSIGs) on o.threads threads.
Status sign_targets(std::span<const SignTarget> targets, const Name& origin, uint16_t klass,
                    const SignOptions& o);

}  // namespace ts::signer
