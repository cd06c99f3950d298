// The `command` method with real processes (the hook scripts in tests/data/parentsync):
// valid JSON on stdin, exit codes and output kept, retries with backoff, the timeout kill,
// output truncation. No DNS involved.
#include "parentsync/publish_command.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/unit/parentsync/test_keys.h"

namespace ts::parentsync {
namespace {

using testing::ds_of;
using testing::fake_key;

struct Recorder final : Sleeper {
  std::vector<int64_t> waits;
  void sleep_ms(int64_t ms) override { waits.push_back(ms); }
};
struct Zero final : RandomSource {
  double uniform() override { return 0; }
};

std::string Hook(const std::string& name) {
  return std::string(TS_TEST_DATA) + "/parentsync/" + name;
}
std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CommandHook : public ::testing::Test {
 protected:
  std::string tmp = ::testing::TempDir() + "/ts_hook_" + std::to_string(getpid());
  Name child = *Name::from_text("example.test.");
  Recorder sleeper;
  Zero random;
  void TearDown() override { unlink(tmp.c_str()); }
  CommandOptions Options(const std::string& hook, std::vector<std::string> args) {
    CommandOptions o;
    o.path = Hook(hook);
    o.args = std::move(args);
    o.timeout_seconds = 30;  // generous: a loaded CI machine starts shells slowly
    o.retry = {.attempts = 3, .initial_ms = 100, .max_ms = 1000};
    o.ttl = 60;
    o.dnskeys = [](const Name& c) {
      return std::vector<std::string>{c.to_text() + " 60 IN DNSKEY 257 3 13 AAAA"};
    };
    return o;
  }
};

TEST(HookDocument, IsJsonWithPresentationRecords) {
  Name child = *Name::from_text("example.test.");
  DsRecord ds = *DsRecord::from_rdata_text("1 13 2 AB");
  EXPECT_EQ(hook_document(child, {ds}, {"k \"q\""}, 60),
            "{\"zone\":\"example.test.\",\"action\":\"replace-ds\","
            "\"ds\":[\"example.test. 60 IN DS 1 13 2 AB\"],\"dnskey\":[\"k \\\"q\\\"\"]}\n");
  EXPECT_NE(hook_document(child, {}, {}, 60).find("\"action\":\"delete-ds\",\"ds\":[]"),
            std::string::npos);
}

TEST_F(CommandHook, HookReceivesValidJsonAndSucceeds) {
  CommandPublisher pub(Options("hook_record.sh", {tmp}), random, sleeper);
  DsRecord ds = ds_of(child, fake_key(1, KeyState::Active));
  Status s = pub.publish(child, {ds});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(pub.runs().size(), 1u);
  EXPECT_EQ(pub.runs()[0].exit_code, 0);
  EXPECT_NE(pub.runs()[0].output.find("registrar: accepted 1 DS"), std::string::npos)
      << pub.runs()[0].output;
  EXPECT_NE(pub.runs()[0].output.find("(stderr line)"), std::string::npos);
  // SIGPIPE not blocked in the hook (the runner blocks SIGPIPE in its own thread meanwhile).
  auto at = pub.runs()[0].output.find("SigBlk:\t");
  ASSERT_NE(at, std::string::npos) << pub.runs()[0].output;
  unsigned long long blocked = std::stoull(pub.runs()[0].output.substr(at + 8, 16), nullptr, 16);
  EXPECT_EQ(blocked & (1ull << (SIGPIPE - 1)), 0u) << pub.runs()[0].output;
  std::string doc = Slurp(tmp);
  EXPECT_NE(doc.find(ds.to_text(child, 60)), std::string::npos) << doc;
  EXPECT_NE(doc.find("IN DNSKEY 257 3 13 AAAA"), std::string::npos) << doc;
  EXPECT_TRUE(sleeper.waits.empty());
}

TEST_F(CommandHook, FailingHookIsRetriedWithBackoffUntilItSucceeds) {
  CommandPublisher pub(Options("hook_flaky.sh", {tmp, "3"}), random, sleeper);
  Status s = pub.publish(child, {});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(pub.runs().size(), 3u);
  EXPECT_EQ(pub.runs()[0].exit_code, 3);
  EXPECT_EQ(pub.runs()[0].output, "registrar: temporary failure (run 1)");
  EXPECT_EQ(pub.runs()[2].exit_code, 0);
  EXPECT_EQ(sleeper.waits, (std::vector<int64_t>{50, 100}));
}

TEST_F(CommandHook, PersistentFailureReportsLastExitAndOutput) {
  CommandPublisher pub(Options("hook_flaky.sh", {tmp, "10"}), random, sleeper);
  Status s = pub.publish(child, {});
  ASSERT_FALSE(s);
  EXPECT_EQ(pub.runs().size(), 3u);
  EXPECT_NE(s.error().message.find("failed 3 time(s); last: exit 3, output: registrar: "
                                   "temporary failure (run 3)"),
            std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("hook_flaky.sh"), std::string::npos);
}

TEST_F(CommandHook, HangingHookIsKilledAfterTheTimeoutAndRetried) {
  CommandOptions o = Options("hook_hang.sh", {tmp});
  o.timeout_seconds = 1;
  o.retry.attempts = 2;
  CommandPublisher pub(o, random, sleeper);
  Status s = pub.publish(child, {ds_of(child, fake_key(1, KeyState::Active))});
  ASSERT_FALSE(s);
  ASSERT_EQ(pub.runs().size(), 2u);
  EXPECT_TRUE(pub.runs()[0].timed_out);
  EXPECT_EQ(pub.runs()[0].exit_code, -1);
  EXPECT_EQ(pub.runs()[0].output, "registrar: connecting...");
  EXPECT_NE(s.error().message.find("timed out (killed)"), std::string::npos) << s.error().message;
  // The backgrounded `sleep 300` of its process group is gone too.
  pid_t sleeper_pid = static_cast<pid_t>(std::stol(Slurp(tmp)));
  ASSERT_GT(sleeper_pid, 1);
  // Gone, or a zombie waiting for init to reap it (SIGKILL was sent to the group; the
  // kernel may take a moment to take the process down: look for up to 2 s).
  std::string stat;
  bool dead = false;
  for (int i = 0; i < 200 && !dead; ++i) {
    stat = Slurp("/proc/" + std::to_string(sleeper_pid) + "/stat");
    dead = kill(sleeper_pid, 0) != 0 || stat.find(") Z ") != std::string::npos;
    if (!dead) usleep(10'000);
  }
  EXPECT_TRUE(dead) << stat;
}

TEST_F(CommandHook, OutputIsTruncated) {
  CommandOptions o = Options("hook_noisy.sh", {});
  o.retry.attempts = 1;
  o.max_output = 100;
  CommandPublisher pub(o, random, sleeper);
  ASSERT_FALSE(pub.publish(child, {}));
  ASSERT_EQ(pub.runs().size(), 1u);
  EXPECT_EQ(pub.runs()[0].exit_code, 1);
  EXPECT_EQ(pub.runs()[0].output.size(), 100u);
  EXPECT_TRUE(pub.runs()[0].truncated);
}

TEST_F(CommandHook, MissingOrRelativeHookIsAnError) {
  CommandOptions o = Options("no_such_hook.sh", {});
  CommandPublisher pub(o, random, sleeper);
  Status s = pub.publish(child, {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("not executable"), std::string::npos) << s.error().message;
  o.path = "relative/hook";
  CommandPublisher rel(o, random, sleeper);
  EXPECT_FALSE(rel.publish(child, {}));
}

}  // namespace
}  // namespace ts::parentsync
