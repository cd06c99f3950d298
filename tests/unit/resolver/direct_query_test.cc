// direct_query against a scripted server on loopback (real UDP/TCP sockets, ephemeral port):
// good answers, TCP fallback, and every hostile or broken answer as its typed problem
// (mismatched ID, wrong question, truncation without TCP, lame, referral, REFUSED,
// SERVFAIL, garbage, silence), plus the backoff schedule.
#include "resolver/direct_query.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/resolver/test_keys.h"

namespace ts::resolver {
namespace {

using testing::N;

// Builds a response to `query`; `edit` may change anything before it is encoded.
std::string respond(const std::string& query, const std::function<void(ldns_pkt*)>& edit) {
  ldns_pkt* q = nullptr;
  if (ldns_wire2pkt(&q, reinterpret_cast<const uint8_t*>(query.data()), query.size()) !=
      LDNS_STATUS_OK)
    return {};
  ldns_pkt* r = ldns_pkt_new();
  ldns_pkt_set_id(r, ldns_pkt_id(q));
  ldns_pkt_set_qr(r, true);
  ldns_pkt_set_aa(r, true);
  ldns_rr_list_deep_free(ldns_pkt_question(r));
  ldns_pkt_set_question(r, ldns_rr_list_clone(ldns_pkt_question(q)));
  ldns_pkt_set_qdcount(r, 1);
  edit(r);
  uint8_t* wire = nullptr;
  size_t size = 0;
  ldns_pkt2wire(&wire, r, &size);
  std::string out(reinterpret_cast<char*>(wire), size);
  free(wire);
  ldns_pkt_free(r);
  ldns_pkt_free(q);
  return out;
}

void add(ldns_pkt* p, ldns_pkt_section section, const char* text) {
  ldns_rr* rr = nullptr;
  ASSERT_EQ(ldns_rr_new_frm_str(&rr, text, 3600, nullptr, nullptr), LDNS_STATUS_OK) << text;
  ldns_pkt_push_rr(p, section, rr);
}

// A DNS server on 127.0.0.1 (random port) that answers UDP (and TCP when given a
// handler) with whatever the test's handler returns; an empty string means silence.
class ScriptedServer {
 public:
  using Handler = std::function<std::string(const std::string& query)>;
  ScriptedServer(Handler udp, Handler tcp = nullptr, bool ipv6 = false)
      : udp_(std::move(udp)), tcp_(tcp), ipv6_(ipv6) {
    sockaddr_storage ss{};
    socklen_t len;
    if (ipv6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_loopback;
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *a;
    }
    udp_fd_ = socket(ss.ss_family, SOCK_DGRAM, 0);
    bound_ = bind(udp_fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0;
    getsockname(udp_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                       : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    if (tcp_) {
      tcp_fd_ = socket(ss.ss_family, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(tcp_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      bind(tcp_fd_, reinterpret_cast<sockaddr*>(&ss), len);
      listen(tcp_fd_, 4);
    }
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    close(udp_fd_);
    if (tcp_fd_ >= 0) close(tcp_fd_);
  }
  ServerAddress address() const { return ServerAddress{ipv6_ ? "::1" : "127.0.0.1", port_}; }
  bool bound() const { return bound_; }
  int udp_queries() const { return udp_queries_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p[2] = {{udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}};
      if (poll(p, tcp_fd_ >= 0 ? 2 : 1, 20) <= 0) continue;
      if (p[0].revents & POLLIN) {
        char buf[4096];
        sockaddr_storage from;
        socklen_t flen = sizeof from;
        ssize_t n =
            recvfrom(udp_fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
        if (n <= 0) continue;
        ++udp_queries_;
        std::string out = udp_(std::string(buf, static_cast<size_t>(n)));
        if (!out.empty())
          sendto(udp_fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
      }
      if (tcp_fd_ >= 0 && (p[1].revents & POLLIN)) {
        int c = accept(tcp_fd_, nullptr, nullptr);
        if (c < 0) continue;
        unsigned char lb[2];
        if (recv(c, lb, 2, MSG_WAITALL) == 2) {
          std::string q((lb[0] << 8) | lb[1], '\0');
          if (recv(c, q.data(), q.size(), MSG_WAITALL) == static_cast<ssize_t>(q.size())) {
            std::string out = tcp_(q);
            std::string framed = {static_cast<char>(out.size() >> 8),
                                  static_cast<char>(out.size() & 0xff)};
            framed += out;
            send(c, framed.data(), framed.size(), MSG_NOSIGNAL);
          }
        }
        close(c);
      }
    }
  }
  Handler udp_, tcp_;
  bool ipv6_ = false;
  bool bound_ = false;
  int udp_fd_ = -1, tcp_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> udp_queries_{0};
  std::thread thread_;
};

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
