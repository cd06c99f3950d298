// Test helper: a DNS server on loopback (127.0.0.1 or ::1, random port) whose answers a
// test scripts, built with ldns: good, hostile or broken. Real sockets, so the code under
// test goes through its real UDP/TCP paths.
#pragma once

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

#include "resolver/direct_query.h"

namespace ts::resolver::testing {

// Builds a response to `query`; `edit` may change anything before it is encoded.
inline std::string respond(const std::string& query, const std::function<void(ldns_pkt*)>& edit) {
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

inline void add(ldns_pkt* p, ldns_pkt_section section, const char* text) {
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

}  // namespace ts::resolver::testing
