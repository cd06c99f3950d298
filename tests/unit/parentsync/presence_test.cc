// track_presence over a sequence of observations: first-seen times kept, reset on a gap.
#include "parentsync/presence.h"

#include <gtest/gtest.h>

#include "tests/unit/parentsync/test_keys.h"

namespace ts::parentsync {
namespace {

using testing::ds_of;
using testing::fake_key;
using testing::secure_answer;

const Name kChild = *Name::from_text("example.test.");

ParentView View(const std::vector<OurKey>& keys, std::vector<DsRecord> a, std::vector<DsRecord> b) {
  ParentObservation o;
  o.servers = {secure_answer("ns1", a), secure_answer("ns2", b)};
  o.validated = {Validation::Secure, "", a};
  return assess_ds(kChild, keys, o);
}

TEST(TrackPresence, FirstSeenIsKeptAndAGapResetsIt) {
  OurKey old_k = fake_key(1, KeyState::Active), new_k = fake_key(2, KeyState::Published, true);
  std::vector<OurKey> keys{old_k, new_k};
  const DsId old_id{old_k.algorithm, old_k.tag}, new_id{new_k.algorithm, new_k.tag};
  std::map<DsId, UnixTime> present, absent;
  DsRecord o = ds_of(kChild, old_k), n = ds_of(kChild, new_k);

  track_presence(View(keys, {o, n}, {o}), 100, present, absent);  // ns2 lags
  EXPECT_EQ(present.count(new_id), 0u);
  EXPECT_EQ(absent.count(new_id), 0u);
  EXPECT_EQ(present.at(old_id), 100);

  track_presence(View(keys, {o, n}, {o, n}), 200, present, absent);
  track_presence(View(keys, {o, n}, {o, n}), 300, present, absent);
  EXPECT_EQ(present.at(new_id), 200);
  EXPECT_EQ(present.at(old_id), 100);

  track_presence(View(keys, {n}, {n}), 400, present, absent);  // old DS withdrawn
  EXPECT_EQ(present.count(old_id), 0u);
  EXPECT_EQ(absent.at(old_id), 400);
  EXPECT_EQ(present.at(new_id), 200);

  track_presence(View(keys, {n}, {}), 500, present, absent);  // new DS vanished from ns2
  EXPECT_EQ(present.count(new_id), 0u);
  track_presence(View(keys, {n}, {n}), 600, present, absent);
  EXPECT_EQ(present.at(new_id), 600);
}

}  // namespace
}  // namespace ts::parentsync
