// Zone file loading: RFC 1035 master files parsed by ldns ($ORIGIN, $TTL, relative names,
// escapes, parentheses; $INCLUDE is handled here because ldns 1.8 does not implement it)
// into a classified ts::signer::Zone, with every RR's rdata in canonical form and owner
// names as written. Malformed input is a failure whose message starts with "file:line: ".
//
//   LoadOptions opt{.origin = *Name::from_text("example.")};
//   Result<Zone> zone = load_zone_file("example.zone", opt);
//   if (!zone) { std::cerr << zone.error().message << "\n"; return 1; }
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/name.h"
#include "common/result.h"
#include "signer/zone.h"

namespace ts::signer {

/// What to do with DNSSEC records (DNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM) in the input.
enum class DnssecInput : uint8_t {
  Reject,  ///< any of them is an error naming file and line (default: unsigned input)
  Strip,   ///< drop RRSIG/NSEC/NSEC3/NSEC3PARAM (re-signing a signed zone); see keep_dnskey
  Keep     ///< load them: RRSIGs onto the covered RRsets, NSEC3 into Zone::nsec3()
};

struct LoadOptions {
  Name origin;                  ///< the zone apex; relative names are completed with it
  uint32_t default_ttl = 3600;  ///< TTL of records without one before any $TTL
  uint16_t klass = 1;           ///< every record must have this class (IN)
  DnssecInput dnssec = DnssecInput::Reject;
  bool keep_dnskey = false;  ///< with Strip: keep DNSKEY records (else drop them)
  /// Parse threads. With more than one, a large file without $INCLUDE is split at safe
  /// line boundaries and the parts are parsed (still by ldns) in parallel.
  unsigned threads = 1;
  /// Receives warnings ("file:line: ..."), e.g. an RRset TTL merge. May be empty.
  std::function<void(const std::string&)> warn;
};

/// Loads, validates and classifies a zone file. A relative $INCLUDE path is taken relative
/// to the including file's directory (BIND uses its working directory); an optional
/// $INCLUDE origin is relative to the current one; the included file's $ORIGIN/$TTL do not
/// leak back. Duplicate RRs are dropped; an RRset whose RRs have different TTLs gets the
/// minimum and a warning. Names below a zone cut or DNAME (glue, occluded data) are kept
/// and classified NodeKind::Occluded. Errors: syntax (the ldns status text),
/// no SOA, two SOAs or an SOA below the apex, names outside the zone, CNAME beside other
/// data or more than one CNAME, a class other than options.klass, DNSSEC records under
/// DnssecInput::Reject, $INCLUDE that cannot be opened or nests too deep.
Result<Zone> load_zone_file(const std::string& path, const LoadOptions& options);

}  // namespace ts::signer
