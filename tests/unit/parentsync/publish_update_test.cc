// The UPDATE message (RFC 2136 sections as built), backoff arithmetic, TSIG secret files, and
// server address parsing. The exchange with real servers is tested in tests/lab.
#include "parentsync/publish_update.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "tests/unit/parentsync/test_keys.h"

namespace ts::parentsync {
namespace {

using testing::ds_of;
using testing::fake_key;

struct FixedRandom final : RandomSource {
  double value;
  explicit FixedRandom(double v) : value(v) {}
  double uniform() override { return value; }
};

std::string section_text(const ldns_rr_list* list) {
  char* s = ldns_rr_list2str(list);
  std::string out = s ? s : "";
  free(s);
  return out;
}

TEST(BuildDsUpdate, ReplacesWithValueDependentPrerequisite) {
  Name zone = *Name::from_text("test.");
  Name child = *Name::from_text("example.test.");
  DsRecord old_ds = ds_of(child, fake_key(1, KeyState::Active));
  DsRecord new_ds = ds_of(child, fake_key(2, KeyState::Active));
  auto pkt = build_ds_update(zone, child, {old_ds}, {old_ds, new_ds}, 600);
  ASSERT_TRUE(pkt) << pkt.error().message;
  ldns_pkt* p = pkt->get();
  EXPECT_EQ(ldns_pkt_get_opcode(p), LDNS_PACKET_UPDATE);
  // Zone section = question section: test. SOA IN.
  ASSERT_EQ(ldns_pkt_qdcount(p), 1);
  EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)), LDNS_RR_TYPE_SOA);
  // Prerequisite: the old RRset, class IN, TTL 0.
  ASSERT_EQ(ldns_pkt_ancount(p), 1);
  ldns_rr* pre = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
  EXPECT_EQ(ldns_rr_get_class(pre), LDNS_RR_CLASS_IN);
  EXPECT_EQ(ldns_rr_ttl(pre), 0u);
  EXPECT_NE(section_text(ldns_pkt_answer(p)).find(old_ds.rdata_text().substr(0, 10)),
            std::string::npos);
  // Update: delete RRset (ANY, no rdata) then the two adds with the TTL.
  ASSERT_EQ(ldns_pkt_nscount(p), 3);
  ldns_rr* del = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
  EXPECT_EQ(ldns_rr_get_class(del), LDNS_RR_CLASS_ANY);
  EXPECT_EQ(ldns_rr_rd_count(del), 0u);
  EXPECT_EQ(ldns_rr_get_type(del), LDNS_RR_TYPE_DS);
  for (int i = 1; i < 3; ++i) {
    ldns_rr* add = ldns_rr_list_rr(ldns_pkt_authority(p), i);
    EXPECT_EQ(ldns_rr_get_class(add), LDNS_RR_CLASS_IN);
    EXPECT_EQ(ldns_rr_ttl(add), 600u);
  }
}

TEST(BuildDsUpdate, EmptyCurrentUsesRrsetDoesNotExist) {
  Name child = *Name::from_text("example.test.");
  auto pkt = build_ds_update(*Name::from_text("test."), child, {},
                             {ds_of(child, fake_key(1, KeyState::Active))}, 600);
  ASSERT_TRUE(pkt);
  ldns_rr* pre = ldns_rr_list_rr(ldns_pkt_answer(pkt->get()), 0);
  EXPECT_EQ(ldns_rr_get_class(pre), LDNS_RR_CLASS_NONE);
  EXPECT_EQ(ldns_rr_rd_count(pre), 0u);
  EXPECT_EQ(ldns_rr_get_type(pre), LDNS_RR_TYPE_DS);
}

TEST(BuildDsUpdate, EmptyDesiredOnlyDeletes) {
  Name child = *Name::from_text("example.test.");
  auto pkt = build_ds_update(*Name::from_text("test."), child,
                             {ds_of(child, fake_key(1, KeyState::Active))}, {}, 600);
  ASSERT_TRUE(pkt);
  EXPECT_EQ(ldns_pkt_nscount(pkt->get()), 1);
}

TEST(BuildDsUpdate, ChildMustBeBelowZone) {
  EXPECT_FALSE(
      build_ds_update(*Name::from_text("other."), *Name::from_text("example.test."), {}, {}, 1));
  EXPECT_FALSE(build_ds_update(*Name::from_text("test."), *Name::from_text("test."), {}, {}, 1));
}

TEST(Backoff, DoublesUpToTheCapWithJitterInTheUpperHalf) {
  RetryPolicy p{.attempts = 10, .initial_ms = 100, .max_ms = 1000};
  FixedRandom lo(0.0), hi(0.999999);
  EXPECT_EQ(backoff_delay_ms(p, 1, lo), 50);
  EXPECT_EQ(backoff_delay_ms(p, 1, hi), 99);
  EXPECT_EQ(backoff_delay_ms(p, 2, lo), 100);
  EXPECT_EQ(backoff_delay_ms(p, 3, lo), 200);
  EXPECT_EQ(backoff_delay_ms(p, 4, lo), 400);
  EXPECT_EQ(backoff_delay_ms(p, 5, lo), 500);  // capped at 1000, half of it
  EXPECT_EQ(backoff_delay_ms(p, 50, hi), 999);
}

class TsigSecretFile : public ::testing::Test {
 protected:
  std::string path = ::testing::TempDir() + "/ts_tsig_" + std::to_string(getpid());
  void Write(const std::string& content, mode_t mode) {
    unlink(path.c_str());
    std::ofstream(path) << content;
    chmod(path.c_str(), mode);
  }
  void TearDown() override { unlink(path.c_str()); }
};

TEST_F(TsigSecretFile, Reads0600FileAndTrims) {
  Write("  c2VjcmV0\n", 0600);
  auto key = TsigKey::load("lab-key", "hmac-sha256", path);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_STREQ(key->secret(), "c2VjcmV0");
  EXPECT_EQ(key->name(), "lab-key.");
}

TEST_F(TsigSecretFile, RefusesGroupReadableFileWithoutPrintingTheSecret) {
  Write("c2VjcmV0", 0640);
  auto key = TsigKey::load("k.", "hmac-sha256", path);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("chmod 600"), std::string::npos);
  EXPECT_NE(key.error().message.find("640"), std::string::npos);
  EXPECT_EQ(key.error().message.find("c2VjcmV0"), std::string::npos);
}

TEST_F(TsigSecretFile, MissingAndEmptyFilesFail) {
  EXPECT_FALSE(TsigKey::load("k.", "hmac-sha256", path + ".none"));
  Write("\n", 0600);
  EXPECT_FALSE(TsigKey::load("k.", "hmac-sha256", path));
}

TEST(ServerAddress, Parses) {
  EXPECT_EQ(ServerAddress::parse("127.0.0.1")->port, 53);
  EXPECT_EQ(ServerAddress::parse("127.0.0.1#5353")->port, 5353);
  EXPECT_EQ(ServerAddress::parse("[::1]:5353")->address, "::1");
  EXPECT_EQ(ServerAddress::parse("::1")->address, "::1");
  EXPECT_EQ(ServerAddress::parse("127.0.0.1#5353")->to_string(), "127.0.0.1#5353");
  EXPECT_FALSE(ServerAddress::parse("ns1.test."));
  EXPECT_FALSE(ServerAddress::parse("127.0.0.1#0"));
  EXPECT_FALSE(ServerAddress::parse("[::1"));
}

TEST(UpdatePublisher, UnreachablePrimaryIsRetriedWithBackoffAndNamed) {
  struct Recorder final : Sleeper {
    std::vector<int64_t> waits;
    void sleep_ms(int64_t ms) override { waits.push_back(ms); }
  } sleeper;
  FixedRandom random(0.0);
  // Port 9 on loopback (discard): nothing listens, the TCP connect is refused at once.
  UpdateOptions o;
  o.primary = "127.0.0.1#9";
  o.timeout_seconds = 1;
  o.retry = {.attempts = 3, .initial_ms = 100, .max_ms = 1000};
  UpdatePublisher pub(o, random, sleeper);
  Status s = pub.publish(*Name::from_text("example.test."), {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("127.0.0.1#9"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("3 attempt"), std::string::npos) << s.error().message;
  EXPECT_EQ(sleeper.waits, (std::vector<int64_t>{50, 100}));
}

}  // namespace
}  // namespace ts::parentsync
