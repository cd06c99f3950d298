// Gathering for the parent-side child scan (child_scan.h holds the pure decision): for one
// delegation of a parent zone signed here, ask EVERY address of every NS of the child
// directly (TCP, RD=0, DO; glue addresses, else A and AAAA through the resolver) for the
// child's DNSKEY, CDS and CDNSKEY RRsets with their RRSIGs; ask the validating resolver
// for the child's CDS/CDNSKEY; and, when the child has no DS in the parent, look up the
// RFC 9615 signals _dsboot.<child>._signal.<ns> for every NS hostname through the resolver.
// Give it a resolver made with `fresh_context_per_query` for fresh observations.
//
//   NetworkChildScanSource src(*resolver, 3);
//   ChildDsDecision d = scan_child(src, delegation, clock.now(), ChildScanOptions{});
#pragma once

#include "parentsync/child_scan.h"

namespace ts::parentsync {

/// Where a ChildScanInput comes from (the network here; scripted in tests).
class ChildScanSource {
 public:
  virtual ~ChildScanSource() = default;
  virtual ChildScanInput gather(const ChildDelegation& delegation, UnixTime now) = 0;
};

class NetworkChildScanSource final : public ChildScanSource {
 public:
  NetworkChildScanSource(resolver::Resolver& resolver, int timeout_seconds = 3)
      : resolver_(resolver), timeout_(timeout_seconds) {}
  ChildScanInput gather(const ChildDelegation& delegation, UnixTime now) override;

  /// The answer of one address (also used by tests and the CLI).
  ChildServerAnswer ask_server(const Name& child, const std::string& ns_name,
                               const std::string& address);
  /// CDS and CDNSKEY at `name` through the resolver, with the worst of the two verdicts.
  ResolvedCds resolve_cds(const Name& name);

 private:
  resolver::Resolver& resolver_;
  int timeout_;
};

/// gather() then decide_child_ds().
ChildDsDecision scan_child(ChildScanSource& source, const ChildDelegation& delegation, UnixTime now,
                           const ChildScanOptions& options);

}  // namespace ts::parentsync
