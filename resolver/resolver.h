// The validating resolver as the rest of TrustSync sees it: an interface that answers one
// question with the validator's security verdict (Secure / Insecure / Bogus / Indeterminate
// and, when bogus, why), configured with trust anchors and, for private hierarchies, root
// hints or stubs. The real implementation is libunbound (unbound_resolver.cc, the only file
// that includes it); tests of logic above it use FakeResolver (fake_resolver.h).
//
//   ResolverOptions o;  o.trust_anchor_files = {"/tmp/lab/root.ds"};  o.root_hints = "...";
//   auto r = make_unbound_resolver(o);                        // Result<unique_ptr<Resolver>>
//   auto a = (*r)->query(*Name::from_text("example.test."), kTypeDNSKEY);
//   if (a && a->security == Security::Bogus) std::cerr << a->why_bogus;
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/name.h"
#include "common/result.h"

namespace ts::resolver {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeNS = 2;
inline constexpr uint16_t kTypeSOA = 6;
inline constexpr uint16_t kTypeAAAA = 28;
inline constexpr uint16_t kTypeDS = 43;
inline constexpr uint16_t kTypeRRSIG = 46;
inline constexpr uint16_t kTypeNSEC = 47;
inline constexpr uint16_t kTypeDNSKEY = 48;
inline constexpr uint16_t kTypeNSEC3 = 50;

enum class Security { Secure, Insecure, Bogus, Indeterminate };
/// "secure", "insecure", "bogus", "indeterminate".
const char* security_name(Security s);

/// One resource record; rdata in uncompressed wire format.
struct Record {
  Name owner;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string rdata;
};

/// A validator's answer to one question.
struct Answer {
  int rcode = 0;  // RCODE of the answer (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN)
  Security security = Security::Indeterminate;
  std::string why_bogus;        // the validator's reason when Bogus (or Indeterminate)
  std::vector<Record> records;  // answer-section records of the asked type (CNAMEs too)
  std::vector<Record> rrsigs;   // answer-section RRSIGs
  bool nxdomain = false;
  bool nodata = false;  // NOERROR, no record of the asked type
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  /// Asks (name, type, class IN). Fails only when no answer could be had at all.
  virtual Result<Answer> query(const Name& name, uint16_t type) = 0;
};

/// Where the validator starts and what it trusts.
struct ResolverOptions {
  /// Files of DS or DNSKEY records in zone-file format (trust anchors).
  std::vector<std::string> trust_anchor_files;
  /// Trust anchors given as text records (". IN DS 20326 8 2 E06D...").
  std::vector<std::string> trust_anchors;
  /// RFC 5011 managed anchor file (read and updated by libunbound); optional.
  std::string auto_trust_anchor_file;
  /// Root hints file; empty = libunbound's built-in (the real root servers).
  std::string root_hints;
  /// Stub zones: zone name -> server addresses ("127.53.1.1", "::1@5353").
  struct Stub {
    std::string zone;
    std::vector<std::string> addresses;
  };
  std::vector<Stub> stubs;
  /// Extra unbound.conf lines placed in the server: clause (power users, tests).
  std::vector<std::string> extra_config;
  /// Use a new libunbound context for every query: no cache between observations
  /// (libunbound keeps a bogus verdict about 60 s and has no flush call).
  bool fresh_context_per_query = false;
  /// Give up on one query after this long (the validator keeps trying unreachable
  /// servers for minutes otherwise); 0 = wait as long as libunbound does.
  int query_timeout_ms = 15000;
};

/// The IANA root trust anchors (KSK-2017 tag 20326 and KSK-2024 tag 38696), as DS text.
const std::vector<std::string>& iana_root_anchors();

/// A libunbound-backed resolver. Fails on unusable options (missing file, bad anchor).
Result<std::unique_ptr<Resolver>> make_unbound_resolver(const ResolverOptions& options);

}  // namespace ts::resolver
