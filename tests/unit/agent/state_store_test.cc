// State store: schema and pragmas, exact round trips, atomic steps under injected failures,
// and crash safety: a rollover run is killed (SIGKILL, in a forked child) at every write
// point of every step, then reopened and resumed; it must end exactly where an uninterrupted
// run ends, and every intermediate database must hold either the step before or the step
// after.
#include "agent/state_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "agent/rollover_planner.h"
#include "rollover_sim.h"
#include "validator_model.h"

namespace ts::agent {
namespace {

constexpr UnixTime T0 = 1'800'000'000;
constexpr int64_t kDay = 86400;

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // tmpfs when there is one: synchronous=FULL fsyncs every commit
    std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : ::testing::TempDir();
    dir_ = base / ("ts-state-" + std::to_string(getpid()) + "-" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string db(const std::string& name = "state.db") const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

std::unique_ptr<StateStore> open_ok(const std::string& path) {
  auto s = StateStore::open(path);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s ? std::move(*s) : nullptr;
}

Timing timing() {
  Timing t;
  t.dnskey_ttl = 3600;
  t.max_zone_ttl = 7200;
  t.ds_ttl = 3600;
  t.zone_propagation_delay = 60;
  t.parent_propagation_delay = 600;
  t.publish_safety = t.retire_safety = 300;
  return t;
}

RolloverPolicy policy(KskMethod method) {
  RolloverPolicy p;
  p.ksk_method = method;
  p.zsk_lifetime = Schedule::every(10 * kDay);
  p.ksk_lifetime = Schedule::every(15 * kDay);
  return p;
}

TEST_F(StateStoreTest, CreatesVersionedSchemaInWalMode) {
  auto store = open_ok(db());
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->schema_version(), StateStore::kSchemaVersion);
  store.reset();
  store = open_ok(db());  // reopening does not migrate again
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->schema_version(), 2);
  store.reset();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

TEST_F(StateStoreTest, MigratesAnOlderSchema) {
  { ASSERT_TRUE(open_ok(db())); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);  // make it a version-1 database
  ASSERT_EQ(sqlite3_exec(raw, "DROP TABLE key_pool; UPDATE schema_version SET version = 1", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto store = open_ok(db());
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->schema_version(), 2);
  EXPECT_TRUE(store->pool_add({"k1", 13, 0, 4711, 1}).ok());
  EXPECT_EQ(store->pool_list()->size(), 1u);
}

TEST_F(StateStoreTest, RefusesANewerSchemaAndNamesThePath) {
  { ASSERT_TRUE(open_ok(db())); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto store = StateStore::open(db());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find(db()), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("schema version 99"), std::string::npos);

  auto missing = StateStore::open(db("no/such/dir/state.db"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no/such/dir/state.db"), std::string::npos);
}

TEST_F(StateStoreTest, RoundTripsAZoneInTheMiddleOfARollover) {
  sim::ZoneSim s("example.", policy(KskMethod::DoubleKsk), timing(), T0);
  s.run_until(T0 + 10 * kDay + 3600);  // initial signing done, a ZSK rollover under way
  ASSERT_FALSE(s.state.rollovers.empty());
  s.state.serial = 2026112801;
  auto store = open_ok(db());
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->load_zone("example.")->has_value());
  ASSERT_TRUE(store->save_step(s.state, s.log).ok());
  auto loaded = store->load_zone("example.");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, s.state);
  EXPECT_EQ(*store->zones(), std::vector<std::string>{"example."});
  auto events = store->events("example.", 1000);
  ASSERT_EQ(events->size(), s.log.size());
  EXPECT_EQ((*events)[0].transition.to, s.log[0].to);
  ASSERT_TRUE(store->remove_zone("example.").ok());
  EXPECT_FALSE(store->load_zone("example.")->has_value());
}

TEST_F(StateStoreTest, DsSeenConfirmationFeedsTheParentView) {
  sim::ZoneSim s("example.", policy(KskMethod::DoubleKsk), timing(), T0);
  s.step_once();
  auto store = open_ok(db());
  ASSERT_TRUE(store->save_step(s.state, {}).ok());
  const KeyRecord& ksk = s.state.keys[0];
  ASSERT_EQ(ksk.role, KeyRole::KSK);
  auto wrong = store->confirm_ds_seen("example.", static_cast<uint16_t>(ksk.tag + 77), T0);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("no KSK or CSK with tag"), std::string::npos);
  ASSERT_TRUE(store->confirm_ds_seen("example.", ksk.tag, T0 + 100).ok());
  ASSERT_TRUE(store->confirm_ds_seen("example.", ksk.tag, T0 + 900).ok());  // keeps `since`
  auto view = store->parent_view("example.");
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE(view->all_servers);
  EXPECT_EQ(view->seen_since(ksk.algorithm, ksk.tag), std::optional<UnixTime>(T0 + 100));
  DsObservation gone{ksk.algorithm, ksk.tag, 2, false, T0 + 2000, true};
  ASSERT_TRUE(store->record_ds("example.", gone).ok());
  view = store->parent_view("example.");
  EXPECT_FALSE(view->seen_since(ksk.algorithm, ksk.tag));
  EXPECT_EQ(view->gone_since(ksk.algorithm, ksk.tag), std::optional<UnixTime>(T0 + 2000));
}

// The agent's tick for the crash tests: load, step (handing over keys whose id and tag
// derive from the state, as a key pool would), save. Returns when to tick next.
constexpr int64_t kParentDelay = 1800;

UnixTime tick(StateStore& store, const RolloverPolicy& p, UnixTime now) {
  auto loaded = store.load_zone("example.");
  if (!loaded.ok()) ADD_FAILURE() << loaded.error().message;
  ZoneKeyState z;
  z.zone = "example.";
  if (loaded.ok() && loaded->has_value()) z = **loaded;
  std::vector<Transition> log;
  for (int round = 0; round < 8; ++round) {
    ParentView parent = model::simulated_parent_view(z.keys, now, kParentDelay,
                                                     timing().parent_propagation_delay, kNever);
    Plan plan = step(z, p, timing(), now, parent);
    log.insert(log.end(), plan.transitions.begin(), plan.transitions.end());
    bool again = false;
    for (const auto& a : plan.actions) {
      if (a.kind != Action::Kind::GenerateKey) continue;
      KeyRecord k;
      k.id = "example.#" + std::to_string(z.keys.size() + 1);
      k.role = a.role;
      k.algorithm = a.algorithm;
      k.tag = static_cast<uint16_t>(5000 + z.keys.size());
      (void)add_key(z, p, k, now);
      again = true;
    }
    if (!again) break;
  }
  Status saved = store.save_step(z, log);
  if (!saved.ok()) return now;  // crashed or failed: the caller decides
  return std::min(z.next_event,
                  model::next_parent_event(z.keys, now, kParentDelay,
                                           timing().parent_propagation_delay, kNever));
}

struct Snapshot {
  std::optional<ZoneKeyState> zone;
  size_t events = 0;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const std::string& path) {
  auto store = open_ok(path);
  if (!store) return {};
  auto z = store->load_zone("example.");
  auto e = store->events("example.", 1 << 30);
  return {z.ok() ? *z : std::nullopt, e.ok() ? e->size() : 0};
}

void copy_db(const std::string& from, const std::string& to) {
  // only called with every connection closed: the WAL is checkpointed into the main file
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(to + suffix);
  if (std::filesystem::exists(from))
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

/// Ticks from T0 to `end`; with `crash`, every tick is first tried in a child killed at each
/// write point in turn (the database restored after each try). Returns the snapshots after
/// each tick.
std::vector<Snapshot> run(const std::string& path, const RolloverPolicy& p, UnixTime end,
                          bool crash, int* kills) {
  std::vector<Snapshot> after;
  UnixTime now = T0;
  const std::string backup = path + ".before";
  while (now <= end) {
    std::vector<Snapshot> committed;  // databases left by kills after COMMIT
    if (crash) {
      Snapshot before = snapshot(path);
      copy_db(path, backup);
      for (int kill_at = 1;; ++kill_at) {
        pid_t pid = fork();
        if (pid == 0) {
          auto child = StateStore::open(path);
          if (!child) _exit(2);
          int points = 0;
          (*child)->set_fault_hook([&](std::string_view) -> Status {
            if (++points == kill_at) raise(SIGKILL);
            return {};
          });
          tick(**child, p, now);
          _exit(3);  // every write point passed without a kill
        }
        int status = 0;
        waitpid(pid, &status, 0);
        bool finished = WIFEXITED(status);
        if (finished) {
          EXPECT_EQ(WEXITSTATUS(status), 3);
        } else {
          EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
          ++*kills;
          // The killed step left nothing of itself, or all of it; resuming is then a no-op.
          Snapshot left = snapshot(path);
          if (!(left == before)) {
            {
              auto store = open_ok(path);
              tick(*store, p, now);
            }
            EXPECT_EQ(snapshot(path), left) << "kill point " << kill_at << " at " << now;
            committed.push_back(left);
          }
        }
        copy_db(backup, path);
        if (finished) break;
      }
    }
    UnixTime next;
    {
      auto store = open_ok(path);
      next = tick(*store, p, now);
    }
    after.push_back(snapshot(path));
    for (const auto& c : committed) EXPECT_EQ(c, after.back()) << "at " << now;
    now = std::max(next, now + 1);
  }
  return after;
}

void crash_test(const std::string& ref_path, const std::string& crash_path,
                const RolloverPolicy& p) {
  UnixTime end = T0 + 22 * kDay;  // initial signing, two ZSK and one KSK rollover
  int kills = 0;
  auto reference = run(ref_path, p, end, false, &kills);
  auto crashed = run(crash_path, p, end, true, &kills);
  ASSERT_EQ(reference.size(), crashed.size());
  for (size_t i = 0; i < reference.size(); ++i) {
    ASSERT_TRUE(reference[i].zone && crashed[i].zone);
    EXPECT_EQ(*reference[i].zone, *crashed[i].zone) << "after tick " << i;
    EXPECT_EQ(reference[i].events, crashed[i].events) << "after tick " << i;
  }
  const ZoneKeyState& final_state = *crashed.back().zone;
  EXPECT_GE(kills, 100);
  int removed = 0;
  for (const auto& k : final_state.keys) removed += k.removed ? 1 : 0;
  EXPECT_GE(removed, 2);  // the rollovers really happened
  // and the resumed history never lets a validator fail
  model::ZoneHistory h;
  h.keys = final_state.keys;
  h.timing_at = [](UnixTime) { return timing(); };
  h.parent_registration_delay = kParentDelay;
  auto report = model::ValidatorModel(h, {}).run(T0, end);
  EXPECT_EQ(report.failures, 0u) << report.first_failures;
  auto store = open_ok(crash_path);
  auto events = store->events("example.", 1 << 30);
  int done = 0;
  for (const auto& e : *events) {
    done += e.transition.to == "done" ? 1 : 0;
    if (getenv("TS_DEBUG_EVENTS"))
      std::cout << e.transition.at - T0 << " " << e.transition.subject << ": " << e.transition.from
                << " -> " << e.transition.to << " (" << e.transition.reason << ")\n";
  }
  EXPECT_GE(done, 3);  // initial, ZSK, ZSK, KSK (CSK: initial, CSK, CSK)
  std::cout << "[ crash    ] " << done << " rollovers completed; " << kills
            << " kills at write points over " << reference.size() << " ticks\n";
}

TEST_F(StateStoreTest, KillAtEveryWritePointResumesToTheSameEndStateDoubleKsk) {
  crash_test(db("ref.db"), db("crash.db"), policy(KskMethod::DoubleKsk));
}

TEST_F(StateStoreTest, KillAtEveryWritePointResumesToTheSameEndStateDoubleDs) {
  crash_test(db("ref.db"), db("crash.db"), policy(KskMethod::DoubleDs));
}

TEST_F(StateStoreTest, KillAtEveryWritePointResumesToTheSameEndStateCsk) {
  RolloverPolicy p;
  p.csk = true;
  p.csk_lifetime = Schedule::every(10 * kDay);
  crash_test(db("ref.db"), db("crash.db"), p);
}

TEST_F(StateStoreTest, InjectedFailureRollsTheWholeStepBack) {
  sim::ZoneSim s("example.", policy(KskMethod::DoubleKsk), timing(), T0);
  s.step_once();
  auto store = open_ok(db());
  ASSERT_TRUE(store->save_step(s.state, s.log).ok());
  ZoneKeyState before = s.state;
  s.now += kDay;
  s.step_once();
  ASSERT_NE(s.state, before);
  size_t events_before = store->events("example.", 1000)->size();
  for (const char* at : {"begin", "zone", "keys", "key 1", "rollovers", "events", "commit"}) {
    store->set_fault_hook([&](std::string_view point) -> Status {
      if (point == at) return fail(std::string("injected at ") + at);
      return {};
    });
    Status saved = store->save_step(s.state, s.log);
    ASSERT_FALSE(saved.ok());
    EXPECT_EQ(saved.error().message, std::string("injected at ") + at);
    EXPECT_EQ(**store->load_zone("example."), before) << at;
    EXPECT_EQ(store->events("example.", 1000)->size(), events_before) << at;
  }
}

}  // namespace
}  // namespace ts::agent
