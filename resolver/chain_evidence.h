// The evidence gathered per delegation by the chain walk (internal to resolver/chain.cc):
// what each parent server serves for the DS, DS-to-DNSKEY matching, the DNSKEY set at each
// server of the zone, and RRSIG validity windows. Each function fills one part of a Level.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "resolver/chain.h"

namespace ts::resolver::chain_internal {

/// Records of `type` owned by `owner`.
std::vector<Record> of_type(const std::vector<Record>& rs, const Name& owner, uint16_t type);
/// RRSIGs owned by `owner` that cover `type`.
std::vector<Record> sigs_for(const std::vector<Record>& rrsigs, const Name& owner, uint16_t type);

/// Records the validity window of one RRSIG (and the level's first expiry).
void add_window(Level& lv, const std::string& rrset, const RrsigFields& f, UnixTime now);

/// Asks every parent server (lv.parent_servers) for the child's DS, validates each answer
/// against the parent's validated DNSKEY set (when the parent is secure), and records
/// whether the servers agree.
void check_parent_servers(Level& lv, DirectQuerier& direct, const std::vector<Record>& parent_keys,
                          bool parent_secure, UnixTime now);

/// Matches every DS seen (validator's set, anchor, each server) against the child's DNSKEYs.
void match_ds(Level& lv, const std::vector<Record>& validated_ds, const std::vector<Record>& keys,
              const std::vector<Record>& key_sigs);

/// The first DNSKEY set (and its RRSIGs) a zone server served directly.
struct ChildKeys {
  std::vector<Record> keys;
  std::vector<Record> sigs;
};
/// Asks every server of the zone (lv.zone_servers) for its DNSKEY set and checks it.
ChildKeys direct_child_check(Level& lv, DirectQuerier& direct, UnixTime now);

}  // namespace ts::resolver::chain_internal
