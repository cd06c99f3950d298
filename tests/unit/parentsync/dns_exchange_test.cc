// tcp_exchange() (parentsync/dns_exchange.h) against a local TCP listener: a server that
// accepts and stays silent, or trickles its answer a byte at a time, cannot hold the agent
// past the query's timeout (one deadline for the whole exchange, not per read); a normal
// answer, even in slow pieces within the bound, still comes through.
#include "parentsync/dns_exchange.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ts::parentsync {
namespace {

using Steady = std::chrono::steady_clock;
enum class Mode { Silent, Trickle, Answer, SlowAnswer };

/// One connection on 127.0.0.1 (ephemeral port), served by a thread in `mode`. Whatever the
/// client does, the thread gives up after 8 s, so a test without the bound still ends.
class Listener {
 public:
  explicit Listener(Mode mode) : mode_(mode) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), len), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Listener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  ServerAddress address() const { return {"127.0.0.1", port_}; }

 private:
  bool wait_in(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }
  void serve() {
    auto give_up = Steady::now() + std::chrono::seconds(8);
    while (!stop_ && Steady::now() < give_up && !wait_in(fd_, 50)) {
    }
    if (stop_ || Steady::now() >= give_up) return;
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::vector<uint8_t> query(2 + 512);
    ssize_t got = 0;
    if (wait_in(c, 2000)) got = ::recv(c, query.data(), query.size(), 0);
    if (mode_ == Mode::Answer || mode_ == Mode::SlowAnswer) {
      ldns_pkt* q = nullptr;
      if (got > 2 &&
          ldns_wire2pkt(&q, query.data() + 2, static_cast<size_t>(got - 2)) == LDNS_STATUS_OK) {
        ldns_pkt_set_qr(q, true);
        ldns_pkt_set_aa(q, true);
        uint8_t* wire = nullptr;
        size_t size = 0;
        if (ldns_pkt2wire(&wire, q, &size) == LDNS_STATUS_OK) {
          std::vector<uint8_t> out{static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)};
          out.insert(out.end(), wire, wire + size);
          free(wire);
          size_t step = mode_ == Mode::SlowAnswer ? out.size() / 3 + 1 : out.size();
          for (size_t i = 0; i < out.size(); i += step) {
            ::send(c, out.data() + i, std::min(step, out.size() - i), MSG_NOSIGNAL);
            if (mode_ == Mode::SlowAnswer)
              std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }
        ldns_pkt_free(q);
      }
    } else if (mode_ == Mode::Trickle) {
      const uint8_t len[2] = {0xff, 0xff};  // a 65535-byte answer, one byte per 200 ms
      ::send(c, len, 2, MSG_NOSIGNAL);
      while (!stop_ && Steady::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        uint8_t b = 0;
        if (::send(c, &b, 1, MSG_NOSIGNAL) != 1) break;
      }
    }
    while (!stop_ && Steady::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::close(c);
  }

  Mode mode_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

double seconds_since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

TEST(TcpExchange, SilentServerTimesOutWithinTheBound) {
  Listener l(Mode::Silent);
  auto t = Steady::now();
  auto r = query_ds(l.address(), *Name::from_text("c.test."), 1);
  double took = seconds_since(t);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("127.0.0.1#"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 2.5);
}

TEST(TcpExchange, TricklingServerCannotHoldTheQuery) {
  Listener l(Mode::Trickle);
  auto t = Steady::now();
  auto r = query_ds(l.address(), *Name::from_text("c.test."), 1);
  double took = seconds_since(t);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cut short"), std::string::npos) << r.error().message;
  EXPECT_LT(took, 2.5) << "a byte every 200 ms kept the query for " << took << " s";
}

TEST(TcpExchange, AnswerComesThroughAlsoInSlowPieces) {
  for (Mode m : {Mode::Answer, Mode::SlowAnswer}) {
    Listener l(m);
    auto r = query_ds(l.address(), *Name::from_text("c.test."), 2);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->ds.empty());
  }
}

TEST(TcpExchange, ClosedPortFailsAtOnce) {
  uint16_t port;
  {
    Listener l(Mode::Silent);  // a port that was just free; nobody listens after this
    port = l.address().port;
  }
  auto t = Steady::now();
  auto r = query_ds({"127.0.0.1", port}, *Name::from_text("c.test."), 2);
  EXPECT_FALSE(r);
  EXPECT_LT(seconds_since(t), 1.0);
}

}  // namespace
}  // namespace ts::parentsync
