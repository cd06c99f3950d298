// The chain-of-trust walk behind `trustsync chain ZONE`: from the trust anchor down to ZONE,
// one Level per zone cut. For each delegation it records the parent's name servers, what
// EACH of them serves for the child's DS (direct queries, directly validated against the
// parent's validated DNSKEY set) and whether they agree, the child's DNSKEY set, which DS
// matches which DNSKEY (digest checked) and which match none (rogue or stale), RRSIG
// validity windows, and a verdict. The verdict is the validator's (the Resolver answer for
// the zone's DNSKEY set); the direct evidence explains it. Time is `now`, passed in.
//
//   ChainOptions o;  o.now = clock.now();  o.anchors = *records_from_file(anchor_file);
//   auto report = walk_chain(resolver, direct, *Name::from_text("example.test."), o);
//   std::cout << format_chain_text(*report);     // or format_chain_json(*report)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/name.h"
#include "common/result.h"
#include "resolver/direct_query.h"
#include "resolver/direct_validate.h"
#include "resolver/records.h"
#include "resolver/resolver.h"

namespace ts::resolver {

struct ChainOptions {
  UnixTime now = 0;
  /// The trust anchors the resolver was given (DS or DNSKEY records): the walk starts at
  /// the deepest anchor owner above or at ZONE.
  std::vector<Record> anchors;
  /// Known addresses of server names (root hints, stubs): used when the resolver cannot
  /// give a name server's address and no glue is at hand. Keys: lower-case names "a.b.".
  std::map<std::string, std::vector<std::string>> known_addresses;
  /// Zone -> server addresses (from --stub); used as the zone's servers if its NS set
  /// cannot be resolved.
  std::map<std::string, std::vector<std::string>> zone_servers;
};

struct NameServer {
  Name name;
  std::vector<std::string> addresses;
  std::string source;  // "resolver", "glue", "hints", "stub"
};

/// What one parent server serves for the child's DS.
struct ServerView {
  std::string ns_name;
  std::string address;
  DirectProblem problem = DirectProblem::None;
  std::string detail;
  bool has_ds = false;
  std::vector<Record> ds;
  bool validated = false;  // a check against the parent's validated DNSKEY set was made
  RrsetCheck check;
};

enum class DsMatch { MatchesKey, DigestMismatch, NoSuchKey, UnsupportedDigest };
const char* ds_match_name(DsMatch m);

struct DsStatus {
  Record record;
  DsFields fields;
  DsMatch match = DsMatch::NoSuchKey;
  bool key_signs_dnskey = false;     // the matched key signs the child's DNSKEY set
  bool in_validated_set = false;     // in the validator's DS answer (or the trust anchor)
  std::vector<std::string> seen_at;  // "resolver", "anchor", server addresses
};

struct KeyStatus {
  uint16_t tag = 0;
  uint8_t algorithm = 0;
  uint16_t flags = 0;
  bool has_ds = false;
  bool signs_dnskey = false;
};

/// What one server of the zone itself serves for the zone's DNSKEY set.
struct ChildView {
  std::string ns_name;
  std::string address;
  DirectProblem problem = DirectProblem::None;
  std::string detail;
  size_t keys = 0;    // DNSKEY records served
  std::string check;  // "valid", "no DNSKEY (zone not signed)" or the precise reason
};

struct SigWindow {
  std::string rrset;  // "example.test. DNSKEY"
  uint16_t key_tag = 0;
  UnixTime inception = 0;
  UnixTime expiration = 0;
};

struct Level {
  Name zone;
  Name parent;
  bool from_anchor = false;  // DS/DNSKEY come from the trust anchor, not from a parent
  std::vector<NameServer> parent_servers;
  std::vector<ServerView> servers;
  bool servers_agree = true;
  Security ds_security = Security::Indeterminate;  // the validator's DS answer
  std::vector<DsStatus> ds;
  Security dnskey_security = Security::Indeterminate;
  std::string dnskey_why_bogus;
  std::vector<KeyStatus> keys;
  std::vector<NameServer> zone_servers;
  std::vector<ChildView> child_servers;  // each zone server asked directly for DNSKEY
  bool direct_dnskey_valid = false;      // every answering server's DNSKEY set validates
  std::string direct_dnskey_check;       // summary: "valid at N servers" or the reason
  std::vector<SigWindow> sigs;
  std::optional<UnixTime> first_expiry;
  Security verdict = Security::Indeterminate;
  std::string reason;
  std::vector<std::string> warnings;
};

struct ChainReport {
  Name zone;
  UnixTime now = 0;
  std::optional<Name> anchor_zone;
  std::vector<Level> levels;
  Security verdict = Security::Indeterminate;
  std::string reason;
  std::vector<std::string> warnings;  // all levels' warnings, prefixed with the zone
  std::optional<UnixTime> first_expiry;
  std::string first_expiry_rrset;  // whose RRSIG expires first ("test. DS")
};

/// Walks the chain. Fails only if nothing could be asked at all (resolver unusable).
Result<ChainReport> walk_chain(Resolver& resolver, DirectQuerier& direct, const Name& zone,
                               const ChainOptions& options);

/// Exit code of `trustsync chain`: 0 secure, 1 insecure, 2 bogus, 3 could not check.
int chain_exit_code(const ChainReport& report);

std::string format_chain_text(const ChainReport& report);
std::string format_chain_json(const ChainReport& report);

}  // namespace ts::resolver
