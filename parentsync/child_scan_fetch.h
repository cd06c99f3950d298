// Gathering for the parent-side child scan (child_scan.h holds the pure decision): for one
// delegation of a parent zone signed here, ask EVERY address of every NS of the child
// directly (TCP, RD=0, DO; glue addresses, else A and AAAA through the resolver) for the
// child's DNSKEY, CDS and CDNSKEY RRsets with their RRSIGs; ask the validating resolver
// for the child's CDS/CDNSKEY; and, when the child has no DS in the parent, look up the
// RFC 9615 signals _dsboot.<child>._signal.<ns> for every NS hostname through the resolver.
// Give it a resolver made with `fresh_context_per_query` for fresh observations.
//
// Bounds against a hostile child (ChildScanLimits): a failed or bogus A/AAAA look-up of an NS
// is a server error (the set of servers cannot be known, so consistency on all of them cannot
// be shown), as is an NS without any address; more than `max_addresses` addresses in all, or
// more than `budget_seconds` spent on one child (checked before each query), abandon the
// child's scan for this round (ChildScanInput::abandoned; decide_child_ds() rejects it).
//
//   NetworkChildScanSource src(*resolver, 3);
//   ChildDsDecision d = scan_child(src, delegation, clock.now(), ChildScanOptions{});
#pragma once

#include <cstddef>
#include <functional>

#include "parentsync/child_scan.h"

namespace ts::parentsync {

/// Where a ChildScanInput comes from (the network here; scripted in tests).
class ChildScanSource {
 public:
  virtual ~ChildScanSource() = default;
  virtual ChildScanInput gather(const ChildDelegation& delegation, UnixTime now) = 0;
};

/// What one child's scan may cost at most.
struct ChildScanLimits {
  size_t max_addresses = 64;     ///< addresses of all the child's NS together
  int64_t budget_seconds = 120;  ///< wall time for one child's gathering
  /// Monotonic seconds (empty: std::chrono::steady_clock); tests script it.
  std::function<double()> monotonic;
};

class NetworkChildScanSource : public ChildScanSource {
 public:
  NetworkChildScanSource(resolver::Resolver& resolver, int timeout_seconds = 3,
                         ChildScanLimits limits = {})
      : resolver_(resolver), timeout_(timeout_seconds), limits_(std::move(limits)) {}
  ChildScanInput gather(const ChildDelegation& delegation, UnixTime now) override;

  /// The answer of one address (also used by tests and the CLI; tests replace it).
  virtual ChildServerAnswer ask_server(const Name& child, const std::string& ns_name,
                                       const std::string& address);
  /// CDS and CDNSKEY at `name` through the resolver, with the worst of the two verdicts.
  ResolvedCds resolve_cds(const Name& name);

 private:
  /// The addresses of `ns` through the resolver (A and AAAA); error text when a look-up
  /// fails or is bogus (an NS with no address at all is the caller's error).
  std::string lookup_addresses(ChildDelegation::NameServer& ns);
  double monotonic() const;

  resolver::Resolver& resolver_;
  int timeout_;
  ChildScanLimits limits_;
};

/// gather() then decide_child_ds().
ChildDsDecision scan_child(ChildScanSource& source, const ChildDelegation& delegation, UnixTime now,
                           const ChildScanOptions& options);

}  // namespace ts::parentsync
