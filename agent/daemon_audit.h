// From what the daemon did to a zone to audit records: compares a zone's record before and
// after a change (planner step, imported keys, operator command) and names every key event
// (generated, published, activated, retired, removed) and DS event (submitted, seen,
// withdrawn, gone; operator confirmations from `trustsync ds-seen`) in between. Pure: the
// caller (DaemonWatch) appends the records to the AuditLog.
//
//   for (auto& r : zone_audit_records(spec.name, before, after, "planner", current_actor()))
//     (void)audit_log.append(r);
#pragma once

#include <string>
#include <vector>

#include "agent/audit_log.h"
#include "agent/daemon_store.h"

namespace ts::agent {

/// One record per timestamp newly set in `after` (a key new in `after` counts as generated).
/// `how` goes into each record's details as "by"; `actor` is the record's actor.
std::vector<AuditRecord> zone_audit_records(const std::string& zone, const ZoneRecord& before,
                                            const ZoneRecord& after, const std::string& how,
                                            const std::string& actor);

}  // namespace ts::agent
