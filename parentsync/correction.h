// What to publish to put the parent right (issue 5, "Rogue DS" and "missing DS"): a pure
// function from our keys and the ParentView to the DS set a publisher should make the parent
// serve, and the reasons, in words for the log. Every key whose DS is expected gets its DS
// (the digest the parent already serves for it, else `digest_type`); DS of our other live
// keys that are there stay (never withdraw what a rollover still relies on); stale DS go;
// rogue DS go only when policy allows (`remove_rogue`), otherwise they are kept and the
// operator is alerted. `needed` is false when the parent already serves exactly that set.
//
//   Correction c = plan_correction(child, keys, view, {.remove_rogue = true});
//   if (c.needed) publisher.publish(child, c.desired);
#pragma once

#include <string>
#include <vector>

#include "parentsync/ds_assessment.h"

namespace ts::parentsync {

struct CorrectionPolicy {
  bool remove_rogue = false;  // the agent has authority (managed/update) and policy allows
  bool remove_stale = true;
  uint8_t digest_type = 2;  // for DS we add (SHA-256)
};

struct Correction {
  bool needed = false;
  std::vector<DsRecord> desired;
  std::vector<std::string> reasons;  // "add DS of key 12345 (missing on ns2...)", ...
};

/// Nothing is planned (needed = false) while a server is unreachable or bogus, or the parent
/// is unsigned: acting on a partial view could withdraw a DS that is in use.
Correction plan_correction(const Name& child, const std::vector<OurKey>& keys,
                           const ParentObservation& observation, const ParentView& view,
                           const CorrectionPolicy& policy);

}  // namespace ts::parentsync
