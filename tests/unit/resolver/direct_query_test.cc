// direct_query against a scripted server on loopback (real UDP/TCP sockets, ephemeral port):
// good answers, TCP fallback, and every hostile or broken answer as its typed problem
// (mismatched ID, wrong question, truncation without TCP, lame, referral, REFUSED,
// SERVFAIL, garbage, silence), plus the backoff schedule.
#include "resolver/direct_query.h"

#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/unit/resolver/scripted_server.h"
#include "tests/unit/resolver/test_keys.h"

namespace ts::resolver {
namespace {

using testing::add;
using testing::N;
using testing::respond;
using testing::ScriptedServer;

class DirectQuery : public ::testing::Test {
 protected:
  DirectQuery() {
    options.timeout_ms = 150;
    options.tries = 2;
    options.sleep_ms = [this](int ms) { waits.push_back(ms); };
  }
  DirectAnswer ask(ScriptedServer& s, uint16_t type = kTypeA) {
    return direct_query(s.address(), N("www.example.test."), type, options);
  }
  DirectQueryOptions options;
  std::vector<int> waits;
};

std::string good_answer(const std::string& q) {
  return respond(
      q, [](ldns_pkt* p) { add(p, LDNS_SECTION_ANSWER, "www.example.test. 60 IN A 127.0.0.7"); });
}

TEST_F(DirectQuery, AuthoritativeAnswer) {
  std::string seen;
  ScriptedServer s([&](const std::string& q) {
    seen = q;
    return good_answer(q);
  });
  DirectAnswer a = ask(s);
  ASSERT_TRUE(a.ok()) << a.detail;
  EXPECT_EQ(a.rcode, 0);
  EXPECT_TRUE(a.authoritative);
  ASSERT_EQ(a.answer.size(), 1u);
  EXPECT_EQ(a.answer[0].rdata, std::string("\x7f\x00\x00\x07", 4));
  EXPECT_FALSE(a.used_tcp);
  EXPECT_EQ(a.tries, 1);
  // The query went out with RD=0 and EDNS0 DO=1.
  ldns_pkt* q = nullptr;
  ASSERT_EQ(ldns_wire2pkt(&q, reinterpret_cast<const uint8_t*>(seen.data()), seen.size()),
            LDNS_STATUS_OK);
  EXPECT_FALSE(ldns_pkt_rd(q));
  EXPECT_TRUE(ldns_pkt_edns_do(q));
  ldns_pkt_free(q);
}

TEST_F(DirectQuery, OverIpv6WithTcpFallback) {
  ScriptedServer s(
      [](const std::string& q) {
        return respond(q, [](ldns_pkt* p) { ldns_pkt_set_tc(p, true); });
      },
      good_answer, /*ipv6=*/true);
  if (!s.bound()) GTEST_SKIP() << "no ::1 on this machine";
  DirectAnswer a = ask(s);
  ASSERT_TRUE(a.ok()) << a.detail;
  EXPECT_EQ(a.server.rfind("::1@", 0), 0u) << a.server;
  EXPECT_TRUE(a.used_tcp);
  EXPECT_EQ(a.answer.size(), 1u);
}

TEST_F(DirectQuery, MismatchedIdIsNotTrusted) {
  ScriptedServer s([](const std::string& q) {
    return respond(q, [](ldns_pkt* p) {
      ldns_pkt_set_id(p, static_cast<uint16_t>(ldns_pkt_id(p) + 1));
      add(p, LDNS_SECTION_ANSWER, "www.example.test. 60 IN A 6.6.6.6");
    });
  });
  DirectAnswer a = ask(s);
  EXPECT_EQ(a.problem, DirectProblem::IdMismatch) << a.detail;
  EXPECT_TRUE(a.answer.empty());
  EXPECT_EQ(a.tries, 2);
  EXPECT_EQ(waits.size(), 1u);
}

TEST_F(DirectQuery, WrongQuestionIsNotTrusted) {
  ScriptedServer s([](const std::string& q) {
    return respond(q, [](ldns_pkt* p) {
      ldns_rr_list_deep_free(ldns_pkt_question(p));
      ldns_rr_list* qs = ldns_rr_list_new();
      ldns_rr* rr = nullptr;
      ldns_rr_new_question_frm_str(&rr, "evil.test. IN A", nullptr, nullptr);
      ldns_rr_list_push_rr(qs, rr);
      ldns_pkt_set_question(p, qs);
      add(p, LDNS_SECTION_ANSWER, "evil.test. 60 IN A 6.6.6.6");
    });
  });
  DirectAnswer a = ask(s);
  EXPECT_EQ(a.problem, DirectProblem::WrongQuestion) << a.detail;
  EXPECT_NE(a.detail.find("evil.test."), std::string::npos);
}

TEST_F(DirectQuery, TruncatedWithoutTcpIsReported) {
  ScriptedServer s([](const std::string& q) {
    return respond(q, [](ldns_pkt* p) { ldns_pkt_set_tc(p, true); });
  });
  DirectAnswer a = ask(s);
  EXPECT_EQ(a.problem, DirectProblem::Truncated) << a.detail;
  EXPECT_TRUE(a.truncated_udp);
}

TEST_F(DirectQuery, TruncatedThenTcpSucceeds) {
  ScriptedServer s(
      [](const std::string& q) {
        return respond(q, [](ldns_pkt* p) { ldns_pkt_set_tc(p, true); });
      },
      good_answer);
  DirectAnswer a = ask(s);
  ASSERT_TRUE(a.ok()) << a.detail;
  EXPECT_TRUE(a.truncated_udp);
  EXPECT_TRUE(a.used_tcp);
  EXPECT_EQ(a.answer.size(), 1u);
}

TEST_F(DirectQuery, LameAndReferral) {
  ScriptedServer lame([](const std::string& q) {
    return respond(q, [](ldns_pkt* p) {
      ldns_pkt_set_aa(p, false);
      add(p, LDNS_SECTION_ANSWER, "www.example.test. 60 IN A 127.0.0.7");
    });
  });
  EXPECT_EQ(ask(lame).problem, DirectProblem::Lame);

  ScriptedServer referral([](const std::string& q) {
    return respond(q, [](ldns_pkt* p) {
      ldns_pkt_set_aa(p, false);
      add(p, LDNS_SECTION_AUTHORITY, "example.test. 60 IN NS ns.example.test.");
      add(p, LDNS_SECTION_ADDITIONAL, "ns.example.test. 60 IN A 127.0.0.4");
    });
  });
  EXPECT_EQ(ask(referral).problem, DirectProblem::Referral);
  options.require_authoritative = false;  // reading a delegation on purpose
  DirectAnswer a = ask(referral);
  ASSERT_TRUE(a.ok()) << a.detail;
  EXPECT_EQ(a.authority.size(), 1u);
  EXPECT_EQ(a.additional.size(), 1u);
}

TEST_F(DirectQuery, RefusedAndServfail) {
  ScriptedServer refused([](const std::string& q) {
    return respond(q, [](ldns_pkt* p) { ldns_pkt_set_rcode(p, LDNS_RCODE_REFUSED); });
  });
  EXPECT_EQ(ask(refused).problem, DirectProblem::Refused);
  ScriptedServer servfail([](const std::string& q) {
    return respond(q, [](ldns_pkt* p) { ldns_pkt_set_rcode(p, LDNS_RCODE_SERVFAIL); });
  });
  EXPECT_EQ(ask(servfail).problem, DirectProblem::ServFail);
}

TEST_F(DirectQuery, NodataNeedsSoa) {
  ScriptedServer with_soa([](const std::string& q) {
    return respond(q, [](ldns_pkt* p) {
      add(p, LDNS_SECTION_AUTHORITY,
          "example.test. 60 IN SOA ns.example.test. h.example.test. 1 10 5 100 5");
    });
  });
  DirectAnswer a = ask(with_soa, kTypeDS);
  ASSERT_TRUE(a.ok()) << a.detail;
  EXPECT_TRUE(a.nodata);
  ScriptedServer empty([](const std::string& q) { return respond(q, [](ldns_pkt*) {}); });
  EXPECT_EQ(ask(empty, kTypeDS).problem, DirectProblem::NoAnswer);
}

TEST_F(DirectQuery, GarbageAndSilence) {
  ScriptedServer garbage([](const std::string&) { return std::string("\x01\x02\x03", 3); });
  EXPECT_EQ(ask(garbage).problem, DirectProblem::Malformed);
  ScriptedServer silent([](const std::string&) { return std::string(); });
  options.tries = 3;
  DirectAnswer a = ask(silent);
  EXPECT_EQ(a.problem, DirectProblem::Timeout);
  EXPECT_EQ(a.tries, 3);
  EXPECT_EQ(silent.udp_queries(), 3);
  EXPECT_EQ(waits.size(), 1u + 2u);  // 1 wait for garbage (2 tries) + 2 for silence
}

TEST(DirectQueryBackoff, CappedExponentialWithJitter) {
  DirectQueryOptions o;
  o.backoff_initial_ms = 100;
  o.backoff_max_ms = 350;
  EXPECT_EQ(backoff_delay_ms(o, 1), 100);
  EXPECT_EQ(backoff_delay_ms(o, 2), 200);
  EXPECT_EQ(backoff_delay_ms(o, 3), 350);
  EXPECT_EQ(backoff_delay_ms(o, 10), 350);
  o.random = [] { return 0u; };
  EXPECT_EQ(backoff_delay_ms(o, 2), 100);  // lower end: half the delay
  o.random = [] { return 100u; };
  EXPECT_EQ(backoff_delay_ms(o, 2), 200);  // upper end: the full delay
}

TEST(DirectQueryServer, ParsesAddresses) {
  auto a = parse_server("127.53.1.2");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, 53);
  auto b = parse_server("::1@5353");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->address, "::1");
  EXPECT_EQ(b->port, 5353);
  EXPECT_EQ(b->to_text(), "::1@5353");
  EXPECT_FALSE(parse_server("ns1.example.").ok());
  EXPECT_FALSE(parse_server("127.0.0.1@0").ok());
}

}  // namespace
}  // namespace ts::resolver
