// Metrics: exposition format (HELP/TYPE, escaping, values), clock-relative gauges, the
// TrustSync setters, and the libmicrohttpd endpoint scraped over loopback with libcurl.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cmath>

#include "agent/metrics_registry.h"
#include "agent/metrics_server.h"
#include "agent/metrics_trustsync.h"

namespace ts::agent {
namespace {

#define EXPECT_CONTAINS(hay, needle)                          \
  EXPECT_NE(std::string(hay).find(needle), std::string::npos) \
      << "missing: " << (needle) << "\nin:\n"                 \
      << (hay)

TEST(MetricsRegistry, RendersTextFormatWithEscapedLabels) {
  SimulatedClock clock(1000);
  MetricsRegistry r(clock);
  r.declare("b_total", MetricType::Counter, "Line one\nback\\slash");
  r.declare("a", MetricType::Gauge, "A gauge.");
  r.add("b_total", {{"zone", "we\"ird\\\nzone."}}, 2);
  r.add("b_total", {{"zone", "we\"ird\\\nzone."}});
  r.set("a", {{"z", "1"}, {"b", "2"}}, 0.25);
  r.set("a", {}, std::nan(""));
  EXPECT_EQ(r.render(),
            "# HELP a A gauge.\n"
            "# TYPE a gauge\n"
            "a NaN\n"
            "a{b=\"2\",z=\"1\"} 0.25\n"
            "# HELP b_total Line one\\nback\\\\slash\n"
            "# TYPE b_total counter\n"
            "b_total{zone=\"we\\\"ird\\\\\\nzone.\"} 3\n");
  EXPECT_THROW(r.declare("bad-name", MetricType::Gauge, ""), std::invalid_argument);
  EXPECT_THROW(r.set("a", {{"__reserved", "x"}}, 1), std::invalid_argument);
  EXPECT_THROW(r.set("undeclared", {}, 1), std::invalid_argument);
  EXPECT_EQ(format_metric_value(1e300), "1.0000000000000001e+300");
  EXPECT_EQ(format_metric_value(-INFINITY), "-Inf");
  EXPECT_EQ(format_metric_value(-42), "-42");
}

TEST(MetricsRegistry, TimeRelativeGaugesMoveWithTheClock) {
  SimulatedClock clock(1000);
  MetricsRegistry r(clock);
  r.declare("until", MetricType::Gauge, "u");
  r.declare("since", MetricType::Gauge, "s");
  r.set_seconds_until("until", {{"zone", "z."}}, 5000);
  r.set_seconds_since("since", {{"zone", "z."}}, 400);
  EXPECT_EQ(r.value("until", {{"zone", "z."}}), 4000);
  EXPECT_EQ(r.value("since", {{"zone", "z."}}), 600);
  clock.advance(4500);
  EXPECT_EQ(r.value("until", {{"zone", "z."}}), -500);
  EXPECT_CONTAINS(r.render(), "since{zone=\"z.\"} 5100\n");
}

TEST(TrustSyncMetrics, SettersCoverTheIssueList) {
  SimulatedClock clock(1000);
  MetricsRegistry r(clock);
  TrustSyncMetrics m(r);
  m.set_keys("a.test.", "zsk", "active", 1);
  m.set_keys("a.test.", "zsk", "published", 1);
  m.set_signature_expiry("a.test.", 1000 + 7 * 86400);
  m.set_parent_observed("a.test.", 900);
  m.set_ds_state("a.test.", "weird-new-state");
  m.set_ds_state("a.test.", "rogue");
  m.set_rollover("a.test.", "ksk", "ds-submitted");
  m.set_rollover("a.test.", "ksk", "ds-seen");
  m.set_rollover("a.test.", "zsk", "pre-publish");
  m.add_signing("a.test.", 1000, 0.5);
  AlertCounts c;
  c.active[AlertKind::RogueDs] = 1;
  c.raised_total[AlertKind::RogueDs] = 3;
  m.set_alert_counts(c);
  m.set_delivery_stats({{"mailto:ops@a.test", DeliveryStats{2, 1, 0, ""}}}, 4);
  std::string text = r.render();
  EXPECT_CONTAINS(text, "trustsync_keys{role=\"zsk\",state=\"active\",zone=\"a.test.\"} 1\n");
  EXPECT_CONTAINS(text, "trustsync_signature_expiry_seconds{zone=\"a.test.\"} 604800\n");
  EXPECT_CONTAINS(text, "trustsync_parent_observation_age_seconds{zone=\"a.test.\"} 100\n");
  EXPECT_CONTAINS(text, "trustsync_ds_state{state=\"rogue\",zone=\"a.test.\"} 1\n");
  EXPECT_CONTAINS(text, "trustsync_ds_state{state=\"ok\",zone=\"a.test.\"} 0\n");
  EXPECT_CONTAINS(text, "trustsync_ds_state{state=\"weird-new-state\",zone=\"a.test.\"} 0\n");
  EXPECT_CONTAINS(
      text, "trustsync_rollover_in_progress{kind=\"ksk\",phase=\"ds-seen\",zone=\"a.test.\"} 1\n");
  EXPECT_EQ(text.find("phase=\"ds-submitted\""), std::string::npos);
  EXPECT_CONTAINS(text, "trustsync_signatures_total{zone=\"a.test.\"} 1000\n");
  EXPECT_CONTAINS(text, "trustsync_signing_seconds_total{zone=\"a.test.\"} 0.5\n");
  EXPECT_CONTAINS(text, "trustsync_alerts_active{kind=\"rogue-ds\"} 1\n");
  EXPECT_CONTAINS(text, "trustsync_alerts_active{kind=\"chain-broken\"} 0\n");
  EXPECT_CONTAINS(text, "trustsync_alerts_raised_total{kind=\"rogue-ds\"} 3\n");
  EXPECT_CONTAINS(
      text,
      "trustsync_alert_notifications_total{result=\"sent\",target=\"mailto:ops@a.test\"} 2\n");
  m.clear_rollover("a.test.", "ksk");
  EXPECT_EQ(r.render().find("kind=\"ksk\""), std::string::npos);
  EXPECT_NE(r.render().find("kind=\"zsk\""), std::string::npos);
  m.remove_zone("a.test.");
  EXPECT_EQ(r.render().find("a.test."), std::string::npos);
}

size_t collect(char* p, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}

long get(uint16_t port, const std::string& path, std::string& body, std::string* ctype = nullptr) {
  body.clear();
  CURL* c = curl_easy_init();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  long code = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  char* ct = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
  if (ctype && ct) *ctype = ct;
  curl_easy_cleanup(c);
  return code;
}

TEST(MetricsServer, ServesMetricsAndHealthOnLoopback) {
  SimulatedClock clock(1000);
  MetricsRegistry r(clock);
  TrustSyncMetrics m(r);
  m.set_signature_expiry("a.test.", 1000 + 3600);
  std::string reason;
  auto srv = MetricsServer::start("127.0.0.1:0", r, [&]() -> Status {
    if (reason.empty()) return {};
    return fail(reason);
  });
  ASSERT_TRUE(srv) << srv.error().message;
  uint16_t port = (*srv)->port();
  ASSERT_NE(port, 0);
  std::string body, ctype;
  EXPECT_EQ(get(port, "/metrics", body, &ctype), 200);
  EXPECT_EQ(ctype, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_CONTAINS(body, "trustsync_signature_expiry_seconds{zone=\"a.test.\"} 3600\n");
  clock.advance(600);
  EXPECT_EQ(get(port, "/metrics", body), 200);
  EXPECT_CONTAINS(body, "trustsync_signature_expiry_seconds{zone=\"a.test.\"} 3000\n");
  EXPECT_EQ(get(port, "/health", body), 200);
  EXPECT_EQ(body, "ok\n");
  reason = "signing failing for 2 zones";
  EXPECT_EQ(get(port, "/health", body), 503);
  EXPECT_EQ(body, "signing failing for 2 zones\n");
  EXPECT_EQ(get(port, "/nope", body), 404);
  // The same address again: in use.
  EXPECT_FALSE(MetricsServer::start("127.0.0.1:" + std::to_string(port), r, nullptr));
  EXPECT_FALSE(MetricsServer::start("localhost:9153", r, nullptr));
  EXPECT_FALSE(MetricsServer::start("127.0.0.1", r, nullptr));
}

}  // namespace
}  // namespace ts::agent
