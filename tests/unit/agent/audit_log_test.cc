// Audit log: line format, chain and head file; every kind of tampering is reported with the
// line at fault. Also the JSON writer's escaping and HMAC-SHA256 (RFC 4231 vectors).
#include "agent/audit_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "agent/json_writer.h"
#include "common/atomic_file.h"
#include "signer/mac.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ts_audit_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "audit.jsonl").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_entries(int n) {
    auto log = AuditLog::open(path_, clock_);
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE((*log)->append({AuditEvent::KeyActivated,
                                  "example.test.",
                                  kAuditActorAgent,
                                  {{"tag", int64_t{1000 + i}}, {"role", "zsk"}}}));
      clock_.advance(60);
    }
  }
  std::vector<std::string> lines() {
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  void rewrite(const std::vector<std::string>& ls, bool final_newline = true) {
    std::ofstream out(path_, std::ios::trunc);
    for (size_t i = 0; i < ls.size(); ++i)
      out << ls[i] << (i + 1 < ls.size() || final_newline ? "\n" : "");
  }
  AuditVerifyReport verify() {
    auto r = verify_audit_log(path_, path_ + ".head");
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }

  fs::path dir_;
  std::string path_;
  SimulatedClock clock_{1796000000};  // 2026-11-30T00:53:20Z
};

TEST_F(AuditLogTest, WritesChainedLinesWithTimeActorAndDetails) {
  {
    auto log = AuditLog::open(path_, clock_);
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->append(
        {AuditEvent::ConfigLoad, "", audit_actor_uid(0), {{"file", "/etc/trustsync.toml"}}}));
    ASSERT_TRUE((*log)->append({AuditEvent::RogueDsFound,
                                "example.test.",
                                kAuditActorAgent,
                                {{"ds", "12345 13 2 AB\"CD"}, {"action", "removed"}}}));
    EXPECT_EQ((*log)->entries(), 2u);
  }
  auto ls = lines();
  ASSERT_EQ(ls.size(), 2u);
  EXPECT_EQ(ls[0], "{\"seq\":1,\"prev\":\"" + audit_genesis() +
                       "\",\"time\":\"2026-11-30T00:53:20Z\",\"zone\":null,\"actor\":\"uid:0\","
                       "\"event\":\"config-load\",\"details\":{\"file\":\"/etc/trustsync.toml\"}}");
  EXPECT_NE(ls[1].find("\"prev\":\"" + audit_line_hash(ls[0]) + "\""), std::string::npos);
  EXPECT_NE(ls[1].find("\"ds\":\"12345 13 2 AB\\\"CD\""), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto r = verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 2u);
  EXPECT_TRUE(r.head_checked);
}

TEST_F(AuditLogTest, ReopenContinuesTheChain) {
  write_entries(3);
  write_entries(2);
  auto r = verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 5u);
}

TEST_F(AuditLogTest, EditedFieldIsFound) {
  write_entries(5);
  auto ls = lines();
  ls[2].replace(ls[2].find("1002"), 4, "6666");
  rewrite(ls);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
  EXPECT_NE(r.problem.find("line 3 was changed"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, EditedLastLineIsFoundThroughTheHead) {
  write_entries(4);
  auto ls = lines();
  ls[3].replace(ls[3].find("zsk"), 3, "ksk");
  rewrite(ls);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 4u);
  // Without the head the last line cannot be checked: the chain alone is intact.
  auto chain_only = verify_audit_log(path_, "");
  ASSERT_TRUE(chain_only);
  EXPECT_TRUE(chain_only->ok);
}

TEST_F(AuditLogTest, DeletedLineIsFound) {
  write_entries(5);
  auto ls = lines();
  ls.erase(ls.begin() + 1);
  rewrite(ls);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 2u);
  EXPECT_NE(r.problem.find("entry 2 removed"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, DeletedLineWithRenumberingIsFound) {
  write_entries(5);
  auto ls = lines();
  ls.erase(ls.begin() + 1);
  for (size_t i = 1; i < ls.size(); ++i)  // forge seq numbers, keep the rest
    ls[i].replace(7, 1, std::to_string(i + 1));
  rewrite(ls);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 1u) << r.problem;  // line 1's hash no longer matches line 2's prev
}

TEST_F(AuditLogTest, ReorderedLinesAreFound) {
  write_entries(5);
  auto ls = lines();
  std::swap(ls[2], ls[3]);
  rewrite(ls);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u) << r.problem;
}

TEST_F(AuditLogTest, InsertedLineIsFound) {
  write_entries(3);
  auto ls = lines();
  ls.insert(ls.begin() + 1, ls[1]);  // a duplicate of entry 2
  rewrite(ls);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u) << r.problem;
  EXPECT_NE(r.problem.find("inserted"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, TruncationIsFound) {
  write_entries(5);
  auto ls = lines();
  ls.resize(3);
  rewrite(ls);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 4u);
  EXPECT_NE(r.problem.find("truncated"), std::string::npos) << r.problem;
  // Cut in the middle of a line.
  std::string text = *read_file(path_);
  rewrite({text.substr(0, text.size() - 20)}, false);
  r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u) << r.problem;
  // And the writer refuses to continue a torn log.
  EXPECT_FALSE(AuditLog::open(path_, clock_));
}

TEST_F(AuditLogTest, ReplacedBeginningIsFound) {
  write_entries(2);
  auto ls = lines();
  ls[0].replace(17, 4, "0000");  // inside prev of line 1
  rewrite(ls);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 1u) << r.problem;
}

TEST_F(AuditLogTest, MissingHeadIsReportedUnlessNotRequired) {
  write_entries(2);
  fs::remove(path_ + ".head");
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(AuditLog::open(path_, clock_));  // refuses to write over an unexplained state
}

TEST_F(AuditLogTest, HeadOneBehindAfterCrashIsRepairedOnOpen) {
  write_entries(2);
  std::string head_before = *read_file(path_ + ".head");
  write_entries(1);
  ASSERT_TRUE(write_file_atomically(path_ + ".head", head_before, 0600));  // the crash
  EXPECT_FALSE(verify().ok);
  write_entries(1);
  auto r = verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 4u);
}

TEST_F(AuditLogTest, HeadSeveralBehindAfterCrashInABatchIsRepairedOnOpen) {
  write_entries(2);
  std::string head_before = *read_file(path_ + ".head");
  write_entries(3);  // a batch whose head update the crash prevented
  ASSERT_TRUE(write_file_atomically(path_ + ".head", head_before, 0600));
  write_entries(1);  // opens: the head names line 2 of an intact chain -> repaired
  auto r = verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 6u);
  // A head naming a line that the log no longer has as it was is not "behind": refused.
  auto ls = lines();
  ls[3].replace(ls[3].find("\"tag\":") + 6, 4, "9999");
  rewrite(ls);
  ASSERT_TRUE(write_file_atomically(path_ + ".head", head_before, 0600));
  EXPECT_FALSE(AuditLog::open(path_, clock_));
}

TEST_F(AuditLogTest, TornLastLineOfACrashedBatchIsCutOnOpen) {
  write_entries(3);
  {
    std::ofstream out(path_, std::ios::app);
    out << "{\"seq\":4,\"prev\":\"ab";  // kill -9 in the middle of a batch write
  }
  write_entries(1);  // opens: the torn line (never in the head) is cut, the chain goes on
  auto r = verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 4u);
}

TEST(JsonWriter, EscapesStringsAndKeepsValidUtf8) {
  EXPECT_EQ(json_quote("a\"b\\c\n\t\x01\x7f"), "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\"");
  EXPECT_EQ(json_quote("caf\xc3\xa9 \xe2\x82\xac"), "\"caf\xc3\xa9 \xe2\x82\xac\"");
  EXPECT_EQ(json_quote("bad\xff\xc3"), "\"bad\\ufffd\\ufffd\"");
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a UTF-16 surrogate
  EXPECT_EQ(json_quote("\xc0\xaf"), "\"\\ufffd\\ufffd\"");             // overlong '/'
  // The plain-ASCII prefix is copied whole; escaping starts at the first special byte.
  EXPECT_EQ(json_quote(""), "\"\"");
  EXPECT_EQ(json_quote("KSK 1: none -> generated"), "\"KSK 1: none -> generated\"");
  EXPECT_EQ(json_quote("tail\""), "\"tail\\\"\"");
  EXPECT_EQ(json_quote("~\x7f"), "\"~\\u007f\"");
  JsonWriter w;
  w.begin_object().key("a").value(int64_t{-5}).key("b").begin_array().value(true).null();
  w.begin_object().end_object().end_array().key("c").value("x").end_object();
  EXPECT_EQ(w.str(), "{\"a\":-5,\"b\":[true,null,{}],\"c\":\"x\"}");
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00Z");
}

TEST(Mac, HmacSha256MatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(signer::hex_lower(signer::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 1: key = 20 x 0x0b, data "Hi There".
  std::string key(20, '\x0b');
  EXPECT_EQ(signer::hex_lower(signer::hmac_sha256(key, "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  auto a = signer::hmac_sha256("k", "m"), b = signer::hmac_sha256("k", "n");
  EXPECT_TRUE(signer::constant_time_equal(a, a));
  EXPECT_FALSE(signer::constant_time_equal(a, b));
}

}  // namespace
}  // namespace ts::agent
