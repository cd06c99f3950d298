// Finding the parent's primary for `update` when none is configured: the zone's SOA MNAME
// (RFC 2136 4: "the primary master ... named in the SOA MNAME"), asked directly of one of the
// zone's own servers, and MNAME's addresses asked of the same server when MNAME is inside the
// zone (glue/in-zone data). An MNAME outside the zone must be resolved through the resolver
// by the caller (the agent); this function says so in its error.
//
//   UpdateOptions o;  // no o.primary
//   o.find_primary = [&](const Name& zone) { return primary_from_soa(any_parent_ns, zone, 3); };
#pragma once

#include <string>

#include "parentsync/dns_exchange.h"

namespace ts::parentsync {

/// "addr" of the SOA MNAME of `zone`, as told by `server` (IPv4 preferred, else IPv6).
Result<std::string> primary_from_soa(const ServerAddress& server, const Name& zone,
                                     int timeout_seconds);

}  // namespace ts::parentsync
