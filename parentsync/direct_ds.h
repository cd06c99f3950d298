// DirectDs: the DS RRset of CHILD as ONE parent server serves it (TCP, RD=0, DO), checked
// against the parent's validated DNSKEY set at `now`: RRSIGs over the DS RRset through ldns
// (ldns_verify_rrsig_keylist_time); for an empty answer, the NSEC/NSEC3 denial through
// ldns_dnssec_verify_denial(_nsec3) plus the RRSIGs over those records. An unsigned parent
// gives Insecure answers. Until resolver/direct_validate.h (branch resolver) lands this is
// the module's own check; it should then delegate.
#pragma once

#include "parentsync/observer.h"

namespace ts::parentsync {

class DirectDs final : public DirectDsSource {
 public:
  explicit DirectDs(int timeout_seconds = 3) : timeout_(timeout_seconds) {}
  ServerDsAnswer fetch(const ParentServer& server, const Name& child, const ParentServers& parent,
                       UnixTime now) override;

 private:
  int timeout_;
};

}  // namespace ts::parentsync
