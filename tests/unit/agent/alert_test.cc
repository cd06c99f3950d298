// Alerts: deduplication, rate limiting, recovery notices, backoff, the delivery worker with a
// failing target, the exec transport with real processes, masking, [agent.alerts] config.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "agent/alert_delivery.h"
#include "agent/alert_manager.h"
#include "agent/alert_transport.h"
#include "agent/config.h"
#include "common/atomic_file.h"

namespace ts::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Recorder final : AlertDispatcher {
  std::vector<std::pair<std::string, Notification>> got;
  size_t capacity = 1000;
  bool submit(const std::string& target, Notification n) override {
    if (got.size() >= capacity) return false;
    got.emplace_back(target, std::move(n));
    return true;
  }
};

AlertEvent chain_break(std::string zone = "example.test.") {
  return AlertEvent{.kind = AlertKind::ChainBroken,
                    .zone = zone,
                    .subject = zone,
                    .summary = "DS at the parent matches no DNSKEY",
                    .evidence = {{"ns1.test. 127.53.1.1", "DS 4711 13 2 ABCD"}},
                    .action = "",
                    .targets = {"mailto:ops@example.test", "exec:/bin/true"}};
}

TEST(AlertManager, DeduplicatesWhileActiveAndSendsOneRecoveryPerTarget) {
  SimulatedClock clock(1000);
  Recorder out;
  AlertManager m(clock, out, AlertSettings{});
  m.raise(chain_break());
  clock.advance(60);
  m.raise(chain_break());  // repeat: not re-sent
  ASSERT_EQ(out.got.size(), 2u);
  EXPECT_EQ(out.got[0].first, "mailto:ops@example.test");
  EXPECT_FALSE(out.got[0].second.resolved);
  EXPECT_EQ(out.got[0].second.since, 1000);
  EXPECT_EQ(m.active().size(), 1u);
  EXPECT_EQ(m.counts().active.at(AlertKind::ChainBroken), 1u);
  // A different subject is a different alert.
  auto other = chain_break();
  other.subject = "test.";
  m.raise(other);
  EXPECT_EQ(out.got.size(), 4u);
  clock.advance(600);
  m.resolve(chain_break());
  ASSERT_EQ(out.got.size(), 6u);
  EXPECT_TRUE(out.got[4].second.resolved);
  EXPECT_EQ(out.got[4].second.since, 1000);
  EXPECT_EQ(out.got[4].second.at, 1660);
  m.resolve(chain_break());  // not active any more: nothing
  EXPECT_EQ(out.got.size(), 6u);
  // Raised again after recovery: a new alert with a new since.
  m.raise(chain_break());
  EXPECT_EQ(out.got.size(), 8u);
  EXPECT_EQ(out.got[6].second.since, 1660);
  EXPECT_EQ(m.counts().raised_total.at(AlertKind::ChainBroken), 3u);
}

TEST(AlertManager, RateLimitsPerTargetAndReportsSuppressedCount) {
  SimulatedClock clock(0);
  Recorder out;
  AlertSettings s;
  s.rate_burst = 2;
  s.rate_interval = Duration::secs(100);
  AlertManager m(clock, out, s);
  for (int i = 0; i < 5; ++i) {
    auto e = chain_break("z" + std::to_string(i) + ".test.");
    e.targets = {"exec:/bin/true"};
    m.raise(e);
  }
  EXPECT_EQ(out.got.size(), 2u);  // burst of 2, three suppressed
  EXPECT_EQ(m.counts().suppressed_total, 3u);
  // Recovery of a sent alert is not rate-limited and pairs with its firing notice.
  auto z0 = chain_break("z0.test.");
  m.resolve(z0);
  ASSERT_EQ(out.got.size(), 3u);
  EXPECT_TRUE(out.got[2].second.resolved);
  EXPECT_EQ(out.got[2].second.suppressed, 3u);
  // Recovery of a suppressed alert sends nothing (its firing notice never went out).
  m.resolve(chain_break("z4.test."));
  EXPECT_EQ(out.got.size(), 3u);
  clock.advance(100);  // one token back
  auto e = chain_break("z9.test.");
  e.targets = {"exec:/bin/true"};
  m.raise(e);
  EXPECT_EQ(out.got.size(), 4u);
  // Other targets have their own buckets: the mail goes out, the hook is still limited.
  m.raise(chain_break("z8.test."));
  ASSERT_EQ(out.got.size(), 5u);
  EXPECT_EQ(out.got[4].first, "mailto:ops@example.test");
}

TEST(TokenBucket, RefillsOnePerIntervalUpToBurst) {
  TokenBucket b(3, 10, 0);
  EXPECT_TRUE(b.take(0));
  EXPECT_TRUE(b.take(0));
  EXPECT_TRUE(b.take(0));
  EXPECT_FALSE(b.take(9));
  EXPECT_TRUE(b.take(10));
  EXPECT_FALSE(b.take(19));
  EXPECT_TRUE(b.take(1000));  // long idle: full again, but never more than burst
  EXPECT_TRUE(b.take(1000));
  EXPECT_TRUE(b.take(1000));
  EXPECT_FALSE(b.take(1000));
}

TEST(Backoff, DoublesWithEqualJitterUpToTheCap) {
  EXPECT_DOUBLE_EQ(backoff_delay(1, 5, 900, 0.0), 2.5);
  EXPECT_DOUBLE_EQ(backoff_delay(1, 5, 900, 1.0), 5);
  EXPECT_DOUBLE_EQ(backoff_delay(3, 5, 900, 0.5), 15);
  EXPECT_DOUBLE_EQ(backoff_delay(20, 5, 900, 0.0), 450);
  EXPECT_DOUBLE_EQ(backoff_delay(20, 5, 900, 1.0), 900);
}

struct FlakyTransport final : AlertTransport {
  FlakyTransport(std::atomic<int>* c, int f, std::vector<std::string>* l)
      : calls(c), fail_first(f), log(l) {}
  std::atomic<int>* calls;
  int fail_first;
  std::vector<std::string>* log;
  Status deliver(const Notification& n) override {
    int c = ++*calls;
    if (c <= fail_first) return fail("refused (try " + std::to_string(c) + ")");
    log->push_back(std::string(n.resolved ? "resolved " : "firing ") + n.event.zone);
    return {};
  }
};

TEST(DeliveryWorker, RetriesAFailingTargetInOrderWithoutBlockingOthers) {
  AlertOptions o;
  o.backoff_base_s = 0.01;
  o.backoff_cap_s = 0.02;
  std::atomic<int> bad_calls{0}, good_calls{0};
  std::vector<std::string> bad_log, good_log, errors;
  std::vector<double> randoms;
  DeliveryWorker w(
      o,
      [&](const std::string& t) -> Result<std::unique_ptr<AlertTransport>> {
        if (t == "exec:/bad")
          return std::unique_ptr<AlertTransport>(new FlakyTransport(&bad_calls, 3, &bad_log));
        return std::unique_ptr<AlertTransport>(new FlakyTransport(&good_calls, 0, &good_log));
      },
      [&] {
        randoms.push_back(0.5);
        return 0.5;
      },
      [&](const std::string& e) { errors.push_back(e); });
  Notification fire{chain_break(), false, 1, 1, 0}, clear{chain_break(), true, 1, 2, 0};
  EXPECT_TRUE(w.submit("exec:/bad", fire));
  EXPECT_TRUE(w.submit("exec:/bad", clear));
  EXPECT_TRUE(w.submit("exec:/good", fire));
  ASSERT_TRUE(w.flush(10s));
  EXPECT_EQ(bad_log, (std::vector<std::string>{"firing example.test.", "resolved example.test."}));
  EXPECT_EQ(good_log.size(), 1u);
  EXPECT_EQ(bad_calls.load(), 5);  // 3 failures, then both delivered
  auto st = w.stats();
  EXPECT_EQ(st["exec:/bad"].failed_attempts, 3u);
  EXPECT_EQ(st["exec:/bad"].sent, 2u);
  EXPECT_EQ(errors.size(), 3u);
  EXPECT_FALSE(randoms.empty());  // jitter came from the injected source
}

TEST(DeliveryWorker, GivesUpAfterMaxAttemptsAndBoundsTheQueue) {
  AlertOptions o;
  o.backoff_base_s = 0.001;
  o.backoff_cap_s = 0.001;
  o.max_attempts = 2;
  o.queue_capacity = 3;
  std::atomic<int> calls{0};
  std::vector<std::string> log;
  std::mutex gate;  // holds the worker until every submit is done: the queue must fill up
  gate.lock();
  DeliveryWorker w(
      o,
      [&](const std::string&) -> Result<std::unique_ptr<AlertTransport>> {
        std::lock_guard hold(gate);
        return std::unique_ptr<AlertTransport>(new FlakyTransport(&calls, 1000, &log));
      },
      nullptr, [](const std::string&) {});
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += w.submit("exec:/x", Notification{chain_break()});
  gate.unlock();
  EXPECT_GE(accepted, 3);
  EXPECT_LT(accepted, 10);
  ASSERT_TRUE(w.flush(10s));
  auto st = w.stats()["exec:/x"];
  EXPECT_EQ(st.sent, 0u);
  EXPECT_EQ(st.dropped, 10u);  // given up + refused
  EXPECT_EQ(calls.load(), 2 * accepted);
}

struct BlockedTransport final : AlertTransport {
  std::mutex* gate;
  explicit BlockedTransport(std::mutex* g) : gate(g) {}
  Status deliver(const Notification&) override {
    std::lock_guard hold(*gate);  // blocks until the test opens the gate
    return {};
  }
};

TEST(DeliveryWorker, SubmitNeverWaitsForAHangingTarget) {
  std::mutex gate;
  gate.lock();
  AlertOptions o;
  o.queue_capacity = 50;
  DeliveryWorker w(o, [&](const std::string&) -> Result<std::unique_ptr<AlertTransport>> {
    return std::unique_ptr<AlertTransport>(new BlockedTransport(&gate));
  });
  SimulatedClock clock(0);
  AlertSettings s;
  s.rate_burst = 1000;
  AlertManager m(clock, w, s);
  // The first delivery hangs inside the transport; raising keeps returning at once and the
  // bounded queue drops what does not fit (counted) instead of growing or blocking.
  for (int i = 0; i < 200; ++i) {
    auto e = chain_break("z" + std::to_string(i) + ".test.");
    e.targets = {"exec:/hang"};
    m.raise(e);
  }
  EXPECT_LE(w.queued(), 50u);
  EXPECT_GE(m.counts().dropped_total, 150u);
  gate.unlock();
  ASSERT_TRUE(w.flush(10s));
  EXPECT_GE(w.stats()["exec:/hang"].sent, 50u);
}

class ExecTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ts_alert_exec_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string script(const std::string& name, const std::string& body) {
    std::string p = (dir_ / name).string();
    std::ofstream(p) << "#!/bin/sh\n" << body;
    chmod(p.c_str(), 0700);
    return p;
  }
  fs::path dir_;
};

TEST_F(ExecTransportTest, HookGetsJsonOnStdinAndEnvironment) {
  std::string out = (dir_ / "got").string();
  auto p = script(
      "hook",
      "cat > " + out + "\necho \"$TRUSTSYNC_ALERT_STATUS $TRUSTSYNC_ALERT_KIND\" >> " + out + "\n");
  AlertOptions o;
  auto t = make_transport("exec:" + p, o);
  ASSERT_TRUE(t) << t.error().message;
  Notification n{chain_break(), false, 1796000000, 1796000000, 0};
  ASSERT_TRUE((*t)->deliver(n));
  std::string got = *read_file(out);
  EXPECT_NE(got.find("\"status\":\"firing\",\"kind\":\"chain-broken\""), std::string::npos) << got;
  EXPECT_NE(got.find("{\"source\":\"ns1.test. 127.53.1.1\",\"observation\":\"DS 4711 13 2 ABCD\"}"),
            std::string::npos);
  EXPECT_NE(got.find("firing chain-broken"), std::string::npos);
}

TEST_F(ExecTransportTest, FailureTimeoutAndEarlyExitAreErrors) {
  AlertOptions o;
  o.settings.timeout = Duration::secs(1);
  auto failing = make_transport("exec:" + script("f", "echo 'registrar said no' >&2\nexit 3\n"), o);
  ASSERT_TRUE(failing);
  auto s = (*failing)->deliver(Notification{chain_break()});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("exit status 3: registrar said no"), std::string::npos)
      << s.error().message;
  auto slow = make_transport("exec:" + script("s", "exec sleep 30\n"), o);
  s = (*slow)->deliver(Notification{chain_break()});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("timeout"), std::string::npos) << s.error().message;
  // Exits without reading stdin: no SIGPIPE for us.
  auto early = make_transport("exec:" + script("e", "exit 0\n"), o);
  EXPECT_TRUE((*early)->deliver(Notification{chain_break()}));
  EXPECT_FALSE(make_transport("exec:relative/path", o));
  EXPECT_FALSE(make_transport("http://plain.example/", o));
}

TEST_F(ExecTransportTest, SecretFilesMustBePrivateAndNeverAppearInErrors) {
  std::string secret = (dir_ / "secret").string();
  std::ofstream(secret) << "s3cr3t-value\n";
  chmod(secret.c_str(), 0644);
  auto r = read_secret_file(secret);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos);
  chmod(secret.c_str(), 0600);
  ASSERT_TRUE(read_secret_file(secret));
  EXPECT_EQ(*read_secret_file(secret), "s3cr3t-value");
  AlertOptions o;
  o.settings.webhook_secret_file = secret;
  o.settings.timeout = Duration::secs(2);
  auto t = make_transport("https://user:pw@127.0.0.1:1/hook/s3cr3t-value?token=abc", o);
  ASSERT_TRUE(t);
  auto s = (*t)->deliver(Notification{chain_break()});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message.find("s3cr3t"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.find("pw"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.find("token"), std::string::npos) << s.error().message;
  EXPECT_EQ(mask_target("https://u:p@h.example:8443/x/y?t=1"), "https://h.example:8443/...");
  EXPECT_EQ(redact("a secret b secret", {"secret", ""}), "a *** b ***");
}

TEST(AlertRender, TextHasWhatSinceEvidenceAndActionJsonIsEscaped) {
  auto e = chain_break();
  e.summary = "line1\r\nBcc: evil@example";
  Notification n{e, false, 1796000000, 1796000000, 0};
  std::string subject = render_subject(n);
  EXPECT_EQ(subject.find('\n'), std::string::npos);
  EXPECT_EQ(subject.find('\r'), std::string::npos);
  std::string text = render_text(n);
  EXPECT_NE(text.find("Since:    2026-11-30T00:53:20Z"), std::string::npos) << text;
  EXPECT_NE(text.find("  - ns1.test. 127.53.1.1: DS 4711 13 2 ABCD"), std::string::npos);
  EXPECT_NE(text.find("What to do:"), std::string::npos);
  EXPECT_NE(render_json(n).find("\"summary\":\"line1\\r\\nBcc: evil@example\""), std::string::npos);
  n.resolved = true;
  n.at += 3660;
  EXPECT_NE(render_text(n).find("(after 1h1m)"), std::string::npos) << render_text(n);
  AlertKind k;
  for (AlertKind kind : all_alert_kinds()) {
    ASSERT_TRUE(alert_kind_from_string(to_string(kind), k));
    EXPECT_EQ(k, kind);
  }
}

TEST(AlertConfig, AgentAlertsTableIsReadCheckedAndPrinted) {
  auto c = load_config_string(R"([agent.alerts]
smtp-server = "smtp://127.0.0.1:2525"
smtp-from = "dnssec@example.test"
smtp-starttls = "require"
smtp-user = "agent"
smtp-password-file = "pw"
webhook-secret-file = "/etc/ts/hook.key"
timeout = "10s"
rate-burst = 3
rate-interval = "1m"
)",
                              "/etc/ts/trustsync.toml");
  ASSERT_TRUE(c) << c.error().message;
  const AlertSettings& a = c->global.alerts;
  EXPECT_EQ(a.smtp_server, "smtp://127.0.0.1:2525");
  EXPECT_EQ(a.smtp_starttls, SmtpStartTls::Require);
  EXPECT_EQ(a.smtp_password_file, "/etc/ts/pw");
  EXPECT_EQ(a.timeout, Duration::secs(10));
  EXPECT_EQ(a.rate_burst, 3);
  EXPECT_EQ(a.rate_interval, Duration::minutes(1));
  std::string printed = config_to_toml(*c);
  auto again = load_config_string(printed, "/etc/ts/trustsync.toml");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(config_to_toml(*again), printed);
  auto bad = load_config_string(
      "[agent.alerts]\nsmtp-server = \"http://x\"\nsmtp-starttls = \"maybe\"\nrate-brust = 1\n",
      "/etc/ts/t.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("agent.alerts.smtp-server"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("agent.alerts.smtp-starttls"), std::string::npos);
  EXPECT_NE(bad.error().message.find("did you mean 'rate-burst'"), std::string::npos);
  auto no_pw = load_config_string("[agent.alerts]\nsmtp-user = \"agent\"\n", "/etc/ts/t.toml");
  ASSERT_FALSE(no_pw);
  EXPECT_NE(no_pw.error().message.find("needs smtp-password-file"), std::string::npos);
}

}  // namespace
}  // namespace ts::agent
