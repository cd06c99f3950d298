// A ParentDirectory that asks ONE validating resolver (e.g. a local Unbound or BIND) over TCP
// and trusts its AD bit: the stopgap until the agent wires resolver/ (branch `resolver`,
// libunbound, our own validation) into parentsync. Deviation, stated openly: RFC 6840 5.7
// lets a stub trust AD only from a resolver it reaches over a secure path, so use it with a
// resolver on loopback. Finds the parent zone by walking up from the child's parent with
// SOA queries, then its NS names and their A and AAAA addresses, and its DNSKEY set (Secure
// when AD; Insecure when NOERROR without AD; Bogus on SERVFAIL).
//
//   ResolverDirectory dir(*ServerAddress::parse("127.0.0.1"), 3);
//   DirectDs direct(3);
//   DirectParentObserver obs(dir, direct);
#pragma once

#include "parentsync/dns_exchange.h"
#include "parentsync/observer.h"

namespace ts::parentsync {

class ResolverDirectory final : public ParentDirectory {
 public:
  ResolverDirectory(ServerAddress resolver, int timeout_seconds)
      : resolver_(std::move(resolver)), timeout_(timeout_seconds) {}
  Result<ParentServers> parent_servers(const Name& child) override;
  ValidatedDs validated_ds(const Name& child) override;
  /// CHILD's DNSKEY RRset as validated by the resolver (rdata), with its status.
  Result<std::pair<Validation, std::vector<Bytes>>> dnskeys(const Name& zone);

 private:
  ServerAddress resolver_;
  int timeout_;
};

}  // namespace ts::parentsync
