// The planner's view of the trust-anchor repositories (agent/daemon_tar_rollover.h): the
// confirmations in a zone's record open the island rollover's gates only for the targets
// they were read back from; after the `trust-anchors` targets change (a target added,
// replaced) they count for nothing until a round over the new set confirms them again. The
// record keeps which targets they cover across a restart.
#include "agent/daemon_tar_rollover.h"

#include <gtest/gtest.h>

#include "agent/daemon_tar.h"

namespace ts::agent {
namespace {

ZoneSpec island(std::vector<std::string> targets) {
  ZoneSpec s;
  s.name = "island.test.";
  s.parent.method = "tar";
  s.trust_anchor_targets = std::move(targets);
  return s;
}

TEST(AnchorView, ConfirmationsCountOnlyForTheTargetsTheyCameFrom) {
  ZoneSpec before = island({"file:/srv/a/"});
  ZoneRecord rec;
  rec.keys.zone = "island.test.";
  rec.anchor_current[{13, 4711}] = 1000;
  rec.anchor_ended[{13, 815}] = 1100;
  rec.anchor_for = anchor_targets_id(before);

  ParentView v;
  add_anchor_view(before, rec, v);
  EXPECT_EQ(v.anchor_served_since(13, 4711), 1000);
  EXPECT_EQ(v.anchor_ended(13, 815), 1100);

  // A second repository configured: it has not been read back yet, the gates stay shut.
  for (const auto& spec :
       {island({"file:/srv/a/", "file:/srv/b/"}), island({"file:/srv/b/"}), island({})}) {
    ParentView w;
    add_anchor_view(spec, rec, w);
    EXPECT_FALSE(w.anchor_served_since(13, 4711));
    EXPECT_FALSE(w.anchor_ended(13, 815));
    EXPECT_FALSE(w.seen_since(13, 4711));
  }

  // Durable: which targets the confirmations cover survives the record's encoding.
  auto again = decode_zone_record(encode_zone_record(rec));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->anchor_for, rec.anchor_for);
  ParentView r;
  add_anchor_view(before, *again, r);
  EXPECT_EQ(r.anchor_served_since(13, 4711), 1000);
}

}  // namespace
}  // namespace ts::agent
