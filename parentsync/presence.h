// Turning successive ParentViews into "since when" facts, the form the rollover planner
// (agent/rollover_state.h, branch rollover: ParentView::present_since / absent_since keyed by
// DsId = {algorithm, tag}) consumes. Pure; the maps have exactly the planner's types so the
// agent passes its own maps in.
//
//   parentsync::track_presence(view, now, planner_view.present_since, planner_view.absent_since);
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "common/clock.h"
#include "parentsync/ds_assessment.h"

namespace ts::parentsync {

using DsId = std::pair<uint8_t, uint16_t>;  // {algorithm, key tag}

/// For every key in `view`: seen everywhere -> present_since keeps its first time (or gets
/// `now`); otherwise it is erased. Gone everywhere -> absent_since likewise. A key neither
/// seen nor gone everywhere (partial, a server down or bogus) is in neither map: the planner
/// waits. Keys not in `view` are left alone.
void track_presence(const ParentView& view, UnixTime now, std::map<DsId, UnixTime>& present_since,
                    std::map<DsId, UnixTime>& absent_since);

}  // namespace ts::parentsync
