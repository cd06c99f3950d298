// Batched durability of the daemon: one sync round serves many writers; the daemon's key
// pool hands a key out once (a key leaves the pool table only in the save that gives it to a
// zone); zones get pooled keys rewritten to their own origin and role; renames committed in
// a record are rolled forward by a restart; staged key files are 0600 and created O_EXCL.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "agent/daemon.h"
#include "agent/daemon_store.h"
#include "agent/key_files.h"
#include "agent/pool_keys.h"
#include "agent/sync_batch.h"
#include "common/atomic_file.h"
#include "signer/dnssec_records.h"
#include "signer/key_file.h"
#include "signer/keystore.h"
#include "tests/unit/agent/daemon_test_support.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
constexpr UnixTime kT0 = 1800000000;

class DurabilityTest : public test_support::DaemonFixture {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ts_durability_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "state" / "keys");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string config(int zones) {
    std::ofstream c(dir_ / "c.toml");
    c << test_support::agent_toml(dir_) << test_support::key_policies_toml()
      << test_support::timing_toml();
    for (int i = 0; i < zones; ++i) {
      std::string n = "p" + std::to_string(i) + ".test.";
      std::ofstream z(dir_ / (n + "zone"));
      z << "$ORIGIN " << n << "\n$TTL 10\n@ SOA ns host 1 3600 600 86400 5\n@ NS ns\n"
        << "ns A 127.0.0.1\n";
      c << "[[zone]]\nname = \"" << n << "\"\nfile = \"" << n << "zone\"\n";
    }
    return (dir_ / "c.toml").string();
  }
  std::unique_ptr<Daemon> make(const std::string& cfg_path) {
    return test_support::start_daemon(cfg_path, clock_, log_, DaemonOptions{.seed = 3});
  }
  std::string db() { return (dir_ / "state" / "trustsync.db").string(); }
};

// Temporary names and pool ids: hex of the asked length, and no two alike across threads
// (each thread's generator is seeded on its own from the OS).
TEST(RandomHex, HexOfTheAskedLengthAndUniqueAcrossThreads) {
  for (size_t n : {1u, 6u, 8u, 12u, 16u, 17u, 40u}) {
    std::string h = random_hex(n);
    EXPECT_EQ(h.size(), n);
    EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
  }
  std::mutex mu;
  std::set<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 5000; ++i) mine.push_back(random_hex(16));
      std::lock_guard lock(mu);
      seen.insert(mine.begin(), mine.end());
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(seen.size(), 20000u);
}

TEST_F(DurabilityTest, OneSyncRoundServesManyWriters) {
  SyncBatcher sync;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        if (!sync.sync(dir_.string())) ++failures;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(sync.rounds(), 10u);   // every caller waited for a round of its own
  EXPECT_LT(sync.rounds(), 160u);  // but rounds were shared
  uint64_t t = sync.ticket({dir_.string()});
  EXPECT_FALSE(sync.covered(t));
  ASSERT_TRUE(sync.sync(dir_.string()));
  EXPECT_TRUE(sync.covered(t));
  EXPECT_FALSE(sync.sync((dir_ / "missing").string()));
}

TEST_F(DurabilityTest, StagedKeyFilesAreExclusiveOwnerOnlyAndHiddenUntilCommitted) {
  signer::FileKeyStore ks((dir_ / "state" / "keys").string());
  auto key = signer::PrivateKey::generate(signer::Algorithm::ECDSAP256SHA256, 0);
  ASSERT_TRUE(key);
  auto origin = *Name::from_text("example.");
  StagedFiles st;
  auto meta = stage_new_key(ks, origin, signer::KeyRole::KSK, *key, kT0, st);
  ASSERT_TRUE(meta) << meta.error().message;
  // One staged file under a temporary name, renamed to the key's name after the commit.
  ASSERT_EQ(st.created.size(), 1u);
  ASSERT_EQ(st.renames.size(), 1u);
  EXPECT_EQ(st.renames[0].first, st.created[0]);
  EXPECT_EQ(st.renames[0].second, ks.private_path(meta->id));
  EXPECT_TRUE(st.writes.empty());
  struct stat sb;
  ASSERT_EQ(::stat(st.created[0].c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(ks.private_path(meta->id)));
  EXPECT_TRUE(ks.list(origin)->empty());                   // not committed: not a key
  EXPECT_FALSE(write_new_file(st.created[0], "x", 0600));  // O_EXCL
  ASSERT_TRUE(apply_renames(st.renames));
  auto listed = ks.list(origin);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].tag, meta->tag);
  EXPECT_FALSE(fs::exists(ks.meta_path(meta->id)));  // the metadata is in the key file
  ASSERT_EQ(::stat(ks.private_path(meta->id).c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  ASSERT_TRUE(ks.load_private((*listed)[0]));
  ASSERT_TRUE(apply_renames(st.renames, true));  // roll-forward: applied already
  EXPECT_EQ(ks.list(origin)->size(), 1u);
  // A staged file never replaces another key: the same id staged for a different key fails.
  auto other_key = signer::PrivateKey::generate(signer::Algorithm::ECDSAP256SHA256, 0);
  ASSERT_TRUE(other_key);
  auto other_pem = other_key->to_pkcs8_pem();
  std::string clash = ks.private_path(meta->id) + ".tmp-0000beef";
  ASSERT_TRUE(write_new_file(clash, signer::format_key_file(*meta, other_pem->str()).str(), 0600));
  auto refused = apply_renames({{clash, ks.private_path(meta->id)}});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("holds another key"), std::string::npos);
  EXPECT_TRUE(fs::exists(clash));  // the new key is kept, too
  ASSERT_TRUE(ks.load_private((*listed)[0]));
  fs::remove(clash);

  // Both the staged file and an identical target (a crash between link and unlink, or a rename
  // applied before): the staged copy goes, the key stays.
  std::string again = ks.private_path(meta->id) + ".tmp-0000cafe";
  auto key_text = read_file(ks.private_path(meta->id));
  ASSERT_TRUE(key_text);
  ASSERT_TRUE(write_new_file(again, *key_text, 0600));
  ASSERT_TRUE(apply_renames({{again, ks.private_path(meta->id)}}, true));
  EXPECT_FALSE(fs::exists(again));
  EXPECT_EQ(*read_file(ks.private_path(meta->id)), *key_text);

  StagedFiles dropped;
  auto other = stage_new_key(ks, origin, signer::KeyRole::ZSK, *key, kT0, dropped);
  ASSERT_TRUE(other);
  std::vector<std::string> staged_files = dropped.created;
  ASSERT_EQ(staged_files.size(), 1u);
  EXPECT_TRUE(fs::exists(staged_files[0]));
  dropped.abandon();
  EXPECT_FALSE(fs::exists(staged_files[0]));
  EXPECT_EQ(ks.list(origin)->size(), 1u);
}

TEST_F(DurabilityTest, PoolKeyGivenToAZoneKeepsItsFileAndGetsAMetaFile) {
  signer::FileKeyStore ks((dir_ / "state" / "keys").string());
  SyncBatcher sync;
  PoolKeyCache cache;
  auto gen = pool_key_generator(ks, sync, clock_, cache);
  auto keys = gen({13, 0}, 1);
  ASSERT_TRUE(keys) << keys.error().message;
  const std::string id = (*keys)[0].id;
  auto bare = read_file(ks.private_path(id));
  ASSERT_TRUE(bare);
  auto key = load_pool_key(ks, cache, (*keys)[0]);
  ASSERT_TRUE(key);
  auto origin = *Name::from_text("example.");
  StagedFiles st;
  auto meta = stage_key_assignment(ks, id, *key, origin, signer::KeyRole::ZSK, kT0, st);
  ASSERT_TRUE(meta) << meta.error().message;
  EXPECT_TRUE(ks.list(origin)->empty());  // not committed yet
  EXPECT_TRUE(st.renames.empty());
  ASSERT_EQ(st.writes.size(), 1u);
  EXPECT_EQ(st.writes[0].first, ks.meta_path(id));
  ASSERT_TRUE(apply_writes(st.writes));
  auto listed = ks.list(origin);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, id);
  auto text = read_file(ks.private_path(id));
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, *bare);  // the pool file, untouched
  ASSERT_TRUE(ks.load_private((*listed)[0]));
  ASSERT_TRUE(apply_writes(st.writes, true));  // roll-forward after a crash: nothing to do
  EXPECT_EQ(ks.list(origin)->size(), 1u);
}

TEST_F(DurabilityTest, PoolKeyLeavesThePoolOnlyWithTheSaveThatUsesIt) {
  signer::FileKeyStore ks((dir_ / "state" / "keys").string());
  SyncBatcher sync;
  PoolKeyCache cache;
  auto gen = pool_key_generator(ks, sync, clock_, cache);
  std::vector<PooledKey> made;
  std::string used;
  {
    auto store = DaemonStore::open(db());
    ASSERT_TRUE(store);
    auto keys = gen({13, 0}, 3);
    ASSERT_TRUE(keys) << keys.error().message;
    made = *keys;
    ASSERT_TRUE((*store)->pool_put(*keys));
    auto a = (*store)->pool_get({13, 0});
    auto b = (*store)->pool_get({13, 0});
    ASSERT_TRUE(a && a->has_value() && b && b->has_value());
    EXPECT_NE((*a)->id, (*b)->id);
    used = (*a)->id;
    EXPECT_EQ((*store)->pool_keys()->size(), 1u);  // reserved keys are not offered again
    ZoneRecord rec;
    rec.keys.zone = "x.";
    rec.keys.keys.push_back(to_key_record(**a, KeyRole::ZSK, kT0));
    ASSERT_TRUE((*store)->save(rec, {}));
    // `b` was never saved: the "crash" below returns it to the pool.
  }
  auto store = DaemonStore::open(db());
  ASSERT_TRUE(store);
  auto left = (*store)->pool_keys();
  ASSERT_TRUE(left);
  EXPECT_EQ(left->size(), 2u);
  for (const auto& k : *left) EXPECT_NE(k.id, used);
  // Pool key files: a private file (0600), no metadata, so no zone lists them; the key
  // loads from the cache once, then from its file.
  for (const auto& k : made) {
    EXPECT_FALSE(fs::exists(ks.meta_path(k.id)));
    EXPECT_EQ(fs::status(ks.private_path(k.id)).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    auto a = load_pool_key(ks, cache, k);
    auto b = load_pool_key(ks, cache, k);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->public_key(), b->public_key());
  }
}

TEST_F(DurabilityTest, ZonesTakePooledKeysUnderTheirOwnOriginAndRole) {
  signer::FileKeyStore ks((dir_ / "state" / "keys").string());
  {
    SyncBatcher sync;
    PoolKeyCache cache;
    auto store = DaemonStore::open(db());
    ASSERT_TRUE(store);
    auto keys = pool_key_generator(ks, sync, clock_, cache)({13, 0}, 4);
    ASSERT_TRUE(keys);
    ASSERT_TRUE((*store)->pool_put(*keys));
  }
  auto d = make(config(2));
  d->scheduler().run_due();
  EXPECT_EQ(d->signed_zones(), 2u);
  int pooled = 0;
  for (std::string zone : {"p0.test.", "p1.test."}) {
    auto rec = d->record(zone);
    ASSERT_TRUE(rec);
    auto listed = ks.list(*Name::from_text(zone));
    ASSERT_TRUE(listed) << listed.error().message;
    EXPECT_EQ(listed->size(), rec->keys.keys.size());  // every key under the zone's origin
    for (const auto& k : rec->keys.keys) {
      pooled += k.id.rfind("pool-", 0) == 0;
      bool found = false;
      for (const auto& m : *listed)
        if (m.id == k.id) {
          found = true;
          EXPECT_EQ(m.tag, k.tag);
          EXPECT_EQ(m.flags, k.role == KeyRole::ZSK ? 256 : 257);
        }
      EXPECT_TRUE(found) << k.id;
    }
    EXPECT_TRUE(fs::exists(dir_ / (zone + "zone.signed")));
  }
  EXPECT_EQ(pooled, 4);  // the four pooled keys went first
  d.reset();
  auto store = DaemonStore::open(db());
  ASSERT_TRUE(store);
  auto left = (*store)->pool_keys();
  auto all = (*store)->load_all();
  ASSERT_TRUE(left && all);
  for (const auto& k : *left) {
    EXPECT_EQ(k.id.rfind("pool-", 0), 0u);
    for (std::string zone : {"p0.test.", "p1.test."})
      for (const auto& zk : all->at(zone).keys.keys) EXPECT_NE(k.id, zk.id);
  }
}

TEST_F(DurabilityTest, RestartRollsCommittedRenamesForward) {
  std::string cfg = config(1);
  const std::string zone = "p0.test.";
  std::string output = (dir_ / (zone + "zone.signed")).string();
  {
    auto d = make(cfg);
    d->scheduler().run_due();
    ASSERT_EQ(d->signed_zones(), 1u);
  }
  // As if killed after the commit and before the rename: the record names a temporary.
  std::string temp = output + ".ts-test";
  auto signed_text = read_file(output);
  ASSERT_TRUE(signed_text);
  ASSERT_TRUE(write_file_atomically(temp, *signed_text + "; rolled forward\n", 0644));
  std::string key_path, key_before, legacy_meta;
  {
    auto store = DaemonStore::open(db());
    ASSERT_TRUE(store);
    auto rec = (*store)->load_all()->at(zone);
    rec.pending = {{temp, output}, {output + ".ts-gone", output}};  // second: already applied
    // A key file committed but not yet renamed to its name when the process died.
    signer::FileKeyStore ks((dir_ / "state" / "keys").string());
    const auto& id = rec.keys.keys.at(0).id;
    key_path = ks.private_path(id);
    auto key_text = read_file(key_path);
    ASSERT_TRUE(key_text);
    key_before = *key_text;
    std::string staged = key_path + ".tmp-0badcafe";
    ASSERT_EQ(::rename(key_path.c_str(), staged.c_str()), 0);
    rec.pending.emplace_back(staged, key_path);
    // A metadata write committed by a version before 2026-11-30 (two files per key).
    legacy_meta = (dir_ / "state" / "keys" / "Klegacy.meta").string();
    rec.pending_writes = {{legacy_meta, "written from the record\n"}};
    ASSERT_TRUE((*store)->save(rec, {}));
  }
  // Temporaries of passes that never committed (no record names them) go at start.
  std::string stale_out = output + ".ts-0123456789ab";
  std::string stale_meta = (dir_ / "state" / "keys" / "Kx.meta.tmp-89abcdef").string();
  std::string stale_key = (dir_ / "state" / "keys" / "Ky.private.pem.tmp-89abcdef").string();
  ASSERT_TRUE(write_new_file(stale_out, "uncommitted", 0644));
  ASSERT_TRUE(write_new_file(stale_meta, "uncommitted", 0600));
  ASSERT_TRUE(write_new_file(stale_key, "uncommitted", 0600));
  auto d = make(cfg);  // start() rolls forward before anything is scheduled
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(stale_out));
  EXPECT_FALSE(fs::exists(stale_meta));
  EXPECT_FALSE(fs::exists(stale_key));
  auto now_text = read_file(output);
  ASSERT_TRUE(now_text);
  EXPECT_NE(now_text->find("; rolled forward"), std::string::npos);
  auto pending = d->record(zone)->pending;
  EXPECT_TRUE(pending.empty());
  EXPECT_TRUE(d->record(zone)->pending_writes.empty());
  auto key_after = read_file(key_path);  // renamed into place from the record
  ASSERT_TRUE(key_after);
  EXPECT_EQ(*key_after, key_before);
  auto legacy = read_file(legacy_meta);
  ASSERT_TRUE(legacy);
  EXPECT_EQ(*legacy, "written from the record\n");
}

// A committed key file whose name another key took before the rename (an operator's keygen in
// the daemon's key directory, say): the daemon still starts, that zone keeps its rename to
// retry (and fails visibly), nothing is overwritten or deleted.
TEST_F(DurabilityTest, AKeyNameTakenBeforeTheRollForwardHoldsUpOnlyThatZone) {
  std::string cfg = config(2);
  {
    auto d = make(cfg);
    d->scheduler().run_due();
    ASSERT_EQ(d->signed_zones(), 2u);
  }
  signer::FileKeyStore ks((dir_ / "state" / "keys").string());
  std::string key_path, staged, squatter;
  {
    auto store = DaemonStore::open(db());
    ASSERT_TRUE(store);
    auto rec = (*store)->load_all()->at("p0.test.");
    const auto& k = rec.keys.keys.at(0);
    key_path = ks.private_path(k.id);
    staged = key_path + ".tmp-0badf00d";
    ASSERT_EQ(::rename(key_path.c_str(), staged.c_str()), 0);
    auto other = signer::PrivateKey::generate(signer::Algorithm::ECDSAP256SHA256, 0);
    ASSERT_TRUE(other);
    auto meta = ks.meta(k.id);  // gone with the rename: build the squatter's own metadata
    ASSERT_TRUE(meta);
    EXPECT_FALSE(*meta);
    signer::KeyMeta m;
    m.id = k.id;
    m.origin = *Name::from_text("p0.test.");
    m.algorithm = other->algorithm();
    m.bits = other->bits();
    m.flags = 256;
    m.public_key = other->public_key();
    m.tag = signer::key_tag(signer::dnskey_rdata(m));
    squatter = signer::format_key_file(m, other->to_pkcs8_pem()->str()).str();
    ASSERT_TRUE(write_new_file(key_path, squatter, 0600));
    rec.pending.emplace_back(staged, key_path);
    ASSERT_TRUE((*store)->save(rec, {}));
  }
  auto d = make(cfg);  // starts (EXPECTs inside): one zone's conflict does not stop the others
  EXPECT_TRUE(fs::exists(staged));                       // p0's key is kept
  EXPECT_EQ(*read_file(key_path), squatter);             // the other key is untouched
  EXPECT_FALSE(d->record("p0.test.")->pending.empty());  // still to do
  EXPECT_TRUE(d->record("p1.test.")->pending.empty());
}

TEST_F(DurabilityTest, WrittenFilesAppearWholeAndRollForwardRewritesOnlyWhatDiffers) {
  fs::path keys = dir_ / "state" / "keys";
  std::string p = (keys / "a.meta").string();
  ASSERT_TRUE(apply_writes({{p, "one\n"}}));
  EXPECT_EQ(*read_file(p), "one\n");
  struct stat sb;
  ASSERT_EQ(::stat(p.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  ASSERT_TRUE(apply_writes({{p, "two\n"}}));  // already there: replaced whole
  EXPECT_EQ(*read_file(p), "two\n");
  ASSERT_EQ(::stat(p.c_str(), &sb), 0);
  ASSERT_TRUE(apply_writes({{p, "two\n"}}, true));  // roll-forward, same content: untouched
  struct stat again;
  ASSERT_EQ(::stat(p.c_str(), &again), 0);
  EXPECT_EQ(again.st_ino, sb.st_ino);
  ASSERT_TRUE(apply_writes({{p, "three\n"}}, true));  // differs (torn): written again
  EXPECT_EQ(*read_file(p), "three\n");
  ASSERT_EQ(::unlink(p.c_str()), 0);
  ASSERT_TRUE(apply_writes({{p, "four\n"}}, true));  // missing: written again
  EXPECT_EQ(*read_file(p), "four\n");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(keys)) ++entries;
  EXPECT_EQ(entries, 1u);  // no temporaries left behind
  EXPECT_FALSE(apply_writes({{(keys / "missing-dir" / "b.meta").string(), "x"}}));
}

// A pass that fails after its commit (here: before its renames) leaves them to the next pass
// of the same process, which applies them, makes them durable and only then forgets them.
TEST_F(DurabilityTest, RenamesOfAPassThatFailedAfterItsCommitAreDoneByTheNext) {
  std::string cfg = config(1);
  const std::string zone = "p0.test.";
  bool fired = false;
  DaemonOptions o{.seed = 3};
  o.crash_at = [&](std::string_view p) {
    if (fired || p != "committed") return false;
    return fired = true;
  };
  auto d = test_support::start_daemon(cfg, clock_, log_, o);
  d->scheduler().run_due();
  ASSERT_TRUE(fired);
  auto rec = d->record(zone);
  ASSERT_TRUE(rec);
  std::vector<std::string> keys;  // the key files committed with the record, not yet named
  for (const auto& [from, to] : rec->pending)
    if (to.ends_with(".private.pem")) {
      EXPECT_TRUE(fs::exists(from)) << from;
      EXPECT_FALSE(fs::exists(to)) << to;
      keys.push_back(to);
    }
  ASSERT_EQ(keys.size(), 2u);  // KSK and ZSK
  signer::FileKeyStore ks((dir_ / "state" / "keys").string());
  EXPECT_TRUE(ks.list(*Name::from_text(zone))->empty());
  clock_.advance(24 * 3600);
  d->scheduler().run_due();
  rec = d->record(zone);
  for (const auto& [from, to] : rec->pending)  // this pass's own output rename may be there
    EXPECT_FALSE(to.ends_with(".private.pem")) << to;
  for (const auto& k : keys) EXPECT_TRUE(fs::exists(k)) << k;
  EXPECT_EQ(ks.list(*Name::from_text(zone))->size(), 2u);
}

TEST_F(DurabilityTest, StaleTemporariesMatchOnlyTheirExactPattern) {
  auto mk = [&](const std::string& n) {
    ASSERT_TRUE(write_new_file((dir_ / n).string(), "", 0600));
  };
  for (auto n : {"a.signed.ts-0123456789ab", "b.signed.ts-0123456789ab", "a.signed.ts-0123456789",
                 "a.signed.ts-0123456789xy", "a.signed", ".ts-0123456789ab"})
    mk(n);
  std::set<std::string> bases = {"a.signed"};
  EXPECT_EQ(remove_stale_temporaries(dir_.string(), ".ts-", 12, &bases), 1u);
  EXPECT_FALSE(fs::exists(dir_ / "a.signed.ts-0123456789ab"));
  for (auto n : {"b.signed.ts-0123456789ab", "a.signed.ts-0123456789", "a.signed.ts-0123456789xy",
                 "a.signed", ".ts-0123456789ab"})
    EXPECT_TRUE(fs::exists(dir_ / n)) << n;
  EXPECT_EQ(remove_stale_temporaries(dir_.string(), ".ts-", 12, nullptr), 1u);  // b.signed's
}

TEST(DaemonStoreTest, PendingRenamesRoundTrip) {
  ZoneRecord r;
  r.keys.zone = "example.";
  r.pending = {{"/o/example.signed.ts-1", "/o/example.signed"}, {"/k/a.meta.tmp-2", "/k/a.meta"}};
  r.pending_writes = {{"/k/b.meta", "id: b\norigin: example.\n\ttab\n"}};
  auto back = decode_zone_record(encode_zone_record(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);
}

}  // namespace
}  // namespace ts::agent
