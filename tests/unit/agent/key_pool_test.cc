// Key pool: refills below the low-water mark, hands out the oldest key once, survives a
// restart through the state store, reports generator failures, and refills in background.
#include "agent/key_pool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

namespace ts::agent {
namespace {

class KeyPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : ::testing::TempDir();
    dir_ = base / ("ts-pool-" + std::to_string(getpid()) + "-" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<StateStore> open() {
    auto s = StateStore::open((dir_ / "state.db").string());
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  KeyGenerator counting() {
    return [this](const KeySpec& spec) -> Result<PooledKey> {
      if (fail_) return fail("keystore: disk full");
      int n = ++generated_;
      return PooledKey{"key-" + std::to_string(n), spec.algorithm, spec.bits,
                       static_cast<uint16_t>(n), 1000 + n};
    };
  }

  std::filesystem::path dir_;
  std::unique_ptr<StateStore> store_;
  std::atomic<int> generated_{0};
  std::atomic<bool> fail_{false};
};

TEST_F(KeyPoolTest, RefillsToHighWaterOnlyBelowLowWater) {
  KeyPool pool(*store_, counting(), {.low_water = 2, .high_water = 5});
  pool.want({13, 0});
  pool.want({8, 2048});
  EXPECT_EQ(*pool.refill_once(), 10);
  EXPECT_EQ(*pool.available({13, 0}), 5);
  EXPECT_EQ(*pool.available({8, 2048}), 5);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.take({13, 0}).ok());
  EXPECT_EQ(*pool.refill_once(), 0);  // 2 left: not below the low-water mark
  ASSERT_TRUE(pool.take({13, 0}).ok());
  EXPECT_EQ(*pool.refill_once(), 4);
  EXPECT_EQ(*pool.available({13, 0}), 5);
}

TEST_F(KeyPoolTest, HandsOutTheOldestKeyOnceEvenAcrossARestart) {
  {
    KeyPool pool(*store_, counting(), {.low_water = 3, .high_water = 3});
    pool.want({13, 0});
    ASSERT_EQ(*pool.refill_once(), 3);
    auto first = pool.take({13, 0});
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->id, "key-1");
  }
  store_ = open();  // restart
  KeyPool pool(*store_, counting(), {.low_water = 1, .high_water = 3});
  EXPECT_EQ(pool.take({13, 0})->id, "key-2");
  EXPECT_EQ(pool.take({13, 0})->id, "key-3");
  EXPECT_EQ(pool.take({13, 0})->id, "key-4");  // empty: generated on the spot
  EXPECT_EQ(*pool.available({8, 2048}), 0);
}

TEST_F(KeyPoolTest, PooledKeyBecomesAPlannerKeyRecord) {
  KeyRecord k = to_key_record({"key-9", 13, 0, 4711, 5}, KeyRole::CSK, 1000);
  EXPECT_EQ(k.id, "key-9");
  EXPECT_EQ(k.role, KeyRole::CSK);
  EXPECT_EQ(k.tag, 4711);
  EXPECT_EQ(k.generated, std::optional<UnixTime>(1000));
  EXPECT_FALSE(k.published);
}

TEST_F(KeyPoolTest, GeneratorFailureIsAValueNotACrash) {
  KeyPool pool(*store_, counting(), {.low_water = 1, .high_water = 2});
  pool.want({13, 0});
  fail_ = true;
  auto r = pool.refill_once();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("disk full"), std::string::npos);
  EXPECT_FALSE(pool.take({13, 0}).ok());
  pool.start();
  pool.want({13, 0});
  pool.wait_idle();
  ASSERT_TRUE(pool.last_error().has_value());
  fail_ = false;
  pool.want({13, 0});
  pool.wait_idle();
  EXPECT_FALSE(pool.last_error().has_value());
  EXPECT_EQ(*pool.available({13, 0}), 2);
}

TEST_F(KeyPoolTest, BackgroundWorkerRefillsAfterTakes) {
  KeyPool pool(*store_, counting(), {.low_water = 4, .high_water = 8});
  pool.start();
  pool.want({13, 0});
  pool.wait_idle();
  EXPECT_EQ(*pool.available({13, 0}), 8);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(pool.take({13, 0}).ok());
  pool.wait_idle();
  // when the worker ran depends on thread timing; what it must guarantee does not
  int left = *pool.available({13, 0});
  EXPECT_GE(left, 4);
  EXPECT_LE(left, 8);
  EXPECT_EQ(left + 6, generated_.load());  // no key lost, none handed out twice
  pool.stop();
}

TEST_F(KeyPoolTest, WorkerSharesTheStoreWithStepSaves) {
  // The worker writes through the same connection while the daemon saves steps (whose
  // transactions must not absorb the worker's statements).
  KeyPool pool(*store_, counting(), {.low_water = 200, .high_water = 400});
  pool.start();
  pool.want({13, 0});
  ZoneKeyState z;
  z.zone = "example.";
  KeyRecord k;
  k.id = "ksk";
  k.role = KeyRole::KSK;
  k.algorithm = 13;
  z.keys.push_back(k);
  for (int i = 0; i < 200; ++i) {
    z.serial = static_cast<uint32_t>(i);
    Status saved = store_->save_step(z, {{i, "KSK 0", "a", "b", "test"}});
    ASSERT_TRUE(saved.ok()) << saved.error().message;
  }
  pool.wait_idle();
  EXPECT_FALSE(pool.last_error().has_value());
  EXPECT_EQ(*pool.available({13, 0}), 400);
  EXPECT_EQ((*store_->load_zone("example."))->serial, 199u);
  EXPECT_EQ(store_->events("example.", 1000)->size(), 200u);
}

}  // namespace
}  // namespace ts::agent
