// Validator model (test support): resolvers that cache a zone's DNSKEY RRset, its zone data
// RRsets and the parent's DS RRset with their RRSIGs and TTLs, as in RFC 7583 section 3,
// fetching from servers that lag behind the signer by up to the propagation delays. The
// served data at any instant is computed from the zone's key records (key_timing.h), so a
// finished simulation can be replayed against its final key history.
//
//   ValidatorModel model(history, {.resolvers = 4, .seed = 7});
//   ModelReport r = model.run(start, end);
//   EXPECT_EQ(r.failures, 0u) << r.first_failures;
//
// A resolver validates whenever a query arrives (every `query_period` seconds, staggered);
// it refetches each RRset whose cached copy expired (one fetch in four is evicted early, at a
// random time). Between two refetches its cache, and so the validation outcome, cannot
// change, and a refetch that brings identical data changes nothing either, so the model
// validates whenever the cached contents change: that covers every query instant at a
// fraction of the cost. The served data is precomputed as a timeline of segments between
// the instants at which anything can change (key timestamps shifted by the delays).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "agent/key_timing.h"
#include "agent/rollover_state.h"

namespace ts::agent::model {

/// What the signer and the parent did, as functions of time.
struct ZoneHistory {
  std::vector<KeyRecord> keys;                ///< final key records (with removed keys)
  std::function<Timing(UnixTime)> timing_at;  ///< the TTLs and delays in force at t
  std::vector<UnixTime> timing_changes;       ///< instants at which timing_at() changes
  int64_t parent_registration_delay = 3600;   ///< parent applies a DS change this late
  UnixTime parent_ignores_after = kNever;     ///< DS changes asked for from then on never happen
};

struct ModelOptions {
  int resolvers = 4;
  int64_t query_period = 97;  ///< each resolver gets a query this often (offsets staggered)
  uint64_t seed = 1;
  bool strict_algorithms = true;  ///< also demand a signature of every DNSKEY algorithm
  bool every_query = false;       ///< validate at every query, not only when the cache changed
};

struct ModelReport {
  uint64_t refetches = 0;      ///< RRsets fetched by all resolvers
  uint64_t checks = 0;         ///< validations of a cache whose contents changed
  uint64_t secure_checks = 0;  ///< checks where a DS was cached (so validation applied)
  uint64_t failures = 0;
  std::string first_failures;  ///< the first few, with time and cache contents
};

class ValidatorModel {
 public:
  ValidatorModel(const ZoneHistory& history, ModelOptions options)
      : history_(history), options_(options) {}
  ModelReport run(UnixTime start, UnixTime end) const;

 private:
  const ZoneHistory& history_;
  ModelOptions options_;
};

/// The parent as the rollover simulation sees it: DS changes are applied
/// `registration_delay` after submission and reach every parent server `propagation` later.
ParentView simulated_parent_view(const std::vector<KeyRecord>& keys, UnixTime now,
                                 int64_t registration_delay, int64_t propagation,
                                 UnixTime ignores_after);
/// The next instant after `now` at which simulated_parent_view() changes (kNever if none).
UnixTime next_parent_event(const std::vector<KeyRecord>& keys, UnixTime now,
                           int64_t registration_delay, int64_t propagation, UnixTime ignores_after);

}  // namespace ts::agent::model
