// The ParentDirectory over the project's validating resolver (resolver/resolver.h, libunbound
// or a FakeResolver in tests): the parent apex (closest ancestor of the child's parent with
// its own SOA), its NS names and their A and AAAA addresses, its DNSKEY set with the
// validator's verdict, and the validated DS view. For fresh observations, give it a resolver
// made with `fresh_context_per_query` (libunbound caches and has no flush).
//
//   auto r = resolver::make_unbound_resolver(opts);
//   ValidatingDirectory dir(**r);
//   DirectDs direct(3);
//   DirectParentObserver observer(dir, direct);
#pragma once

#include "parentsync/observer.h"
#include "resolver/resolver.h"

namespace ts::parentsync {

class ValidatingDirectory final : public ParentDirectory {
 public:
  explicit ValidatingDirectory(resolver::Resolver& resolver) : resolver_(resolver) {}
  Result<ParentServers> parent_servers(const Name& child) override;
  ValidatedDs validated_ds(const Name& child) override;

 private:
  resolver::Resolver& resolver_;
};

/// resolver::Security -> Validation.
Validation to_validation(resolver::Security s);

}  // namespace ts::parentsync
