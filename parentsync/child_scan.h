// Parent side of CDS/CDNSKEY ("parent polls children"): for a delegation in a parent zone P
// that this agent signs, decide from what the child C publishes whether P's DS RRset for C
// changes. This file is the pure part: every per-server answer, the resolver's view and the
// RFC 9615 signals are gathered first (child_scan_fetch.h), then decide_child_ds() applies
// the acceptance rules with `now` passed in and returns a decision value.
//
// Rules (parentsync/README.md has the full list):
// - C secure (P has DS for C), RFC 7344 4.1 / RFC 8078: every child server answers and
//   serves the same CDS and CDNSKEY RRsets; at each server C's DNSKEY RRset and the
//   CDS/CDNSKEY RRsets are signed by a key that matches a DS currently in P; the resolver's
//   view is Secure and the same; CDS and CDNSKEY agree; at least one new DS matches a key
//   that signs C's DNSKEY RRset at every server (the chain does not break). The delete form
//   (CDS 0 0 0 00 / CDNSKEY 0 3 0 AA==) means "remove the DS" only when it is the whole RRset
//   (duplicates collapse); next to any other record the RRsets are rejected (RFC 8078 4).
// - Hostile children (both cases): more than kMaxChildCdsRecords distinct CDS or CDNSKEY, a CDS
//   digest whose length does not fit its type (SHA-1 20, SHA-256 32, SHA-384 48), or a scan
//   the gatherer abandoned (too many addresses, time budget spent) reject the RRsets. SHA-1 CDS
//   (digest type 1) are never put into P (RFC 8624: DS SHA-1 MUST NOT be generated): next to
//   other CDS they are left out (the reason says so); a SHA-1-only CDS RRset is rejected.
// - C unsigned or insecure (no DS in P), RFC 9615: the same consistency, the in-zone
//   CDS/CDNSKEY signed by a key they designate (self-signed), and for EVERY NS hostname of
//   the delegation (none inside C) the same CDS/CDNSKEY at _dsboot.<C>._signal.<ns>,
//   validated Secure by the resolver. RFC 8078 "accept after delay" only when configured
//   (ChildScanOptions::accept_after_delay, off by default): then unauthenticated CDS that
//   pass every other check are taken once unchanged for that long.
//
//   ChildScanInput in = fetcher.gather(delegation, now);
//   ChildDsDecision d = decide_child_ds(in, {});
//   if (d.kind == ChildDsDecision::Kind::Accept) parent.set_ds(child, d.ds);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/name.h"
#include "parentsync/ds_record.h"
#include "resolver/resolver.h"

namespace ts::parentsync {

inline constexpr uint16_t kTypeCDS = 59;
inline constexpr uint16_t kTypeCDNSKEY = 60;
/// At most this many distinct CDS (and CDNSKEY) records are taken from a child.
inline constexpr size_t kMaxChildCdsRecords = 32;

/// What P's own zone data says about C's delegation.
struct ChildDelegation {
  Name child;
  std::vector<DsRecord> ds;  // C's DS RRset in P now; empty = C is unsigned or insecure
  struct NameServer {
    Name name;                           // NS target, e.g. ns1.example.net.
    std::vector<std::string> addresses;  // glue, else resolved (A and AAAA)
  };
  std::vector<NameServer> ns;
  uint32_t ttl = 3600;  // TTL of the delegation's NS RRset (for a DS set taken)
};

/// What one child server address serves at C's apex (asked directly, TCP, RD=0, DO).
struct ChildServerAnswer {
  std::string server;  // "ns1.example.net./192.0.2.1"
  std::string error;   // non-empty: no usable answer (timeout, REFUSED, not authoritative)
  std::vector<resolver::Record> dnskey, cds, cdnskey;
  std::vector<resolver::Record> rrsigs;  // the answers' RRSIGs (any covered type)
};

/// CDS and CDNSKEY at one name through the validating resolver.
struct ResolvedCds {
  resolver::Security security = resolver::Security::Indeterminate;
  std::string error;  // the resolver could not answer, or why it is bogus
  std::vector<resolver::Record> cds, cdnskey;
};

/// RFC 9615 signal for one NS hostname: _dsboot.<child>._signal.<ns>.
struct BootstrapSignal {
  Name ns;
  Name name;
  ResolvedCds view;
};

struct ChildScanInput {
  ChildDelegation delegation;
  std::vector<ChildServerAnswer> servers;  // every address of every NS
  ResolvedCds validated;                   // C's CDS/CDNSKEY through the resolver
  std::vector<BootstrapSignal> signals;    // one per NS hostname (looked up when C has no DS)
  UnixTime now = 0;
  /// Since when the servers have served exactly these CDS/CDNSKEY (kept by the caller;
  /// 0 = unknown). Only used by ChildScanOptions::accept_after_delay.
  UnixTime unchanged_since = 0;
  /// Non-empty: the gatherer stopped early (too many addresses, time budget spent) and says
  /// why; the input is incomplete and is rejected for this round.
  std::string abandoned;
};

struct ChildScanOptions {
  /// Digest type of DS made from CDNSKEY when C publishes no CDS (2 = SHA-256).
  uint8_t digest_type = 2;
  /// Accept RFC 9615 bootstrapping for a child without DS (otherwise no new DS is taken).
  bool bootstrap = true;
  /// RFC 8078 3.3 "accept after delay", seconds; 0 = off (the default). For a child without
  /// DS whose CDS/CDNSKEY pass every check but RFC 9615: accept them once they have been the
  /// same for this long (unauthenticated: a deliberate operator choice).
  int64_t accept_after_delay = 0;
};

struct ChildDsDecision {
  enum class Kind { Accept, Delete, NoChange, Reject };
  Kind kind = Kind::NoChange;
  std::vector<DsRecord> ds;  // Accept: the new DS RRset (canonical)
  bool bootstrap = false;    // Accept through RFC 9615 (C had no DS)
  std::string reason;        // Reject: what is wrong and where; otherwise a summary
};
const char* child_ds_kind_name(ChildDsDecision::Kind k);  // "accept", "delete", ...

/// The acceptance rules above. Pure: no I/O, no clock.
ChildDsDecision decide_child_ds(const ChildScanInput& in, const ChildScanOptions& options);

/// _dsboot.<child>._signal.<ns> (RFC 9615 3.1); fails if the name would be too long.
Result<Name> bootstrap_signal_name(const Name& child, const Name& ns);

}  // namespace ts::parentsync
