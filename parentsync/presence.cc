// track_presence: first-seen / first-gone timestamps per DsId.
#include "parentsync/presence.h"

namespace ts::parentsync {

void track_presence(const ParentView& view, UnixTime now, std::map<DsId, UnixTime>& present_since,
                    std::map<DsId, UnixTime>& absent_since) {
  for (const auto& k : view.keys) {
    const DsId id{k.algorithm, k.tag};
    if (view.seen_everywhere(k.algorithm, k.tag)) {
      present_since.try_emplace(id, now);
    } else {
      present_since.erase(id);
    }
    if (view.gone_everywhere(k.algorithm, k.tag)) {
      absent_since.try_emplace(id, now);
    } else {
      absent_since.erase(id);
    }
  }
}

}  // namespace ts::parentsync
