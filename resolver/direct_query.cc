// Direct queries to one server: ldns builds and parses the messages; this file owns the
// sockets (UDP, TCP on truncation), timeouts, retries with backoff, and the checks that
// turn hostile or broken answers into typed problems.
#include "resolver/direct_query.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <thread>

#include "resolver/records.h"

namespace ts::resolver {
namespace {

using Clock = std::chrono::steady_clock;

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

bool to_sockaddr(const ServerAddress& s, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, s.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(s.port);
    len = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, s.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(s.port);
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

int remaining_ms(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, ms.count()));
}

bool wait_fd(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  int r;
  do r = poll(&p, 1, remaining_ms(deadline));
  while (r < 0 && errno == EINTR);
  return r > 0;
}

std::string build_query(const Name& name, uint16_t type, uint16_t id) {
  ldns_rdf* qname = ldns_dname_new_frm_data(name.wire().size(), name.wire().data());
  PktPtr q(ldns_pkt_query_new(qname, static_cast<ldns_rr_type>(type), LDNS_RR_CLASS_IN, 0));
  ldns_pkt_set_id(q.get(), id);
  ldns_pkt_set_rd(q.get(), false);
  ldns_pkt_set_edns_udp_size(q.get(), 1232);
  ldns_pkt_set_edns_do(q.get(), true);
  uint8_t* wire = nullptr;
  size_t size = 0;
  if (ldns_pkt2wire(&wire, q.get(), &size) != LDNS_STATUS_OK) return {};
  std::string out(reinterpret_cast<char*>(wire), size);
  free(wire);
  return out;
}

// Outcome of one transport exchange: a raw message or a problem.
struct Exchange {
  DirectProblem problem = DirectProblem::None;
  std::string detail;
  PktPtr pkt;
};

// Checks a raw message against the question; wrong ID / question become problems.
Exchange check_message(const std::string& msg, const Name& name, uint16_t type, uint16_t id) {
  Exchange e;
  ldns_pkt* p = nullptr;
  if (ldns_wire2pkt(&p, reinterpret_cast<const uint8_t*>(msg.data()), msg.size()) !=
      LDNS_STATUS_OK) {
    e.problem = DirectProblem::Malformed;
    e.detail = "answer does not parse as a DNS message";
    return e;
  }
  PktPtr pkt(p);
  if (ldns_pkt_id(p) != id) {
    e.problem = DirectProblem::IdMismatch;
    e.detail = "answer ID " + std::to_string(ldns_pkt_id(p)) + " != query ID " + std::to_string(id);
    return e;
  }
  if (!ldns_pkt_qr(p)) {
    e.problem = DirectProblem::Malformed;
    e.detail = "message is not a response (QR=0)";
    return e;
  }
  ldns_rr_list* q = ldns_pkt_question(p);
  bool same = ldns_rr_list_rr_count(q) == 1;
  if (same) {
    ldns_rr* qr = ldns_rr_list_rr(q, 0);
    const ldns_rdf* o = ldns_rr_owner(qr);
    auto qn = Name::from_wire(
        std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(o)), ldns_rdf_size(o)));
    same = qn && *qn == name && ldns_rr_get_type(qr) == type &&
           ldns_rr_get_class(qr) == LDNS_RR_CLASS_IN;
    if (!same && qn)
      e.detail = "answer is for " + qn->to_text() + " type " + std::to_string(ldns_rr_get_type(qr));
  }
  if (!same) {
    e.problem = DirectProblem::WrongQuestion;
    if (e.detail.empty()) e.detail = "answer does not repeat the question";
    return e;
  }
  e.pkt = std::move(pkt);
  return e;
}

Exchange udp_exchange(const ServerAddress& s, const std::string& query, const Name& name,
                      uint16_t type, uint16_t id, int timeout_ms) {
  Exchange e;
  sockaddr_storage ss;
  socklen_t len;
  to_sockaddr(s, ss, len);
  Fd sock(socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.fd < 0 || connect(sock.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      send(sock.fd, query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
    e.problem = DirectProblem::Network;
    e.detail = std::string("UDP: ") + std::strerror(errno);
    return e;
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  // Keep listening until the deadline: a spoofed or stray answer must not end the wait.
  Exchange last_bad;
  last_bad.problem = DirectProblem::Timeout;
  last_bad.detail = "no answer within " + std::to_string(timeout_ms) + " ms (UDP)";
  while (wait_fd(sock.fd, POLLIN, deadline)) {
    std::string buf(65535, '\0');
    ssize_t n = recv(sock.fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      last_bad.problem = DirectProblem::Network;
      last_bad.detail = std::string("UDP: ") + std::strerror(errno);
      break;  // ICMP port unreachable and the like
    }
    buf.resize(static_cast<size_t>(n));
    Exchange got = check_message(buf, name, type, id);
    if (got.problem == DirectProblem::None) return got;
    last_bad = std::move(got);
  }
  return last_bad;
}

bool read_all(int fd, char* p, size_t n, Clock::time_point deadline) {
  while (n > 0) {
    if (!wait_fd(fd, POLLIN, deadline)) return false;
    ssize_t r = recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

Exchange tcp_exchange(const ServerAddress& s, const std::string& query, const Name& name,
                      uint16_t type, uint16_t id, int timeout_ms) {
  Exchange e;
  e.problem = DirectProblem::Network;
  sockaddr_storage ss;
  socklen_t len;
  to_sockaddr(s, ss, len);
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Fd sock(socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (sock.fd < 0) {
    e.detail = std::string("TCP: ") + std::strerror(errno);
    return e;
  }
  if (connect(sock.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    e.detail = std::string("TCP connect: ") + std::strerror(errno);
    return e;
  }
  int err = 0;
  socklen_t elen = sizeof err;
  if (!wait_fd(sock.fd, POLLOUT, deadline) ||
      getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
    e.problem = err ? DirectProblem::Network : DirectProblem::Timeout;
    e.detail = std::string("TCP connect: ") + (err ? std::strerror(err) : "timed out");
    return e;
  }
  std::string framed;
  framed.push_back(static_cast<char>(query.size() >> 8));
  framed.push_back(static_cast<char>(query.size() & 0xff));
  framed += query;
  if (send(sock.fd, framed.data(), framed.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(framed.size())) {
    e.detail = std::string("TCP send: ") + std::strerror(errno);
    return e;
  }
  unsigned char lenbuf[2];
  if (!read_all(sock.fd, reinterpret_cast<char*>(lenbuf), 2, deadline)) {
    e.problem = DirectProblem::Timeout;
    e.detail = "TCP: no answer within " + std::to_string(timeout_ms) + " ms";
    return e;
  }
  std::string msg((lenbuf[0] << 8) | lenbuf[1], '\0');
  if (!read_all(sock.fd, msg.data(), msg.size(), deadline)) {
    e.problem = DirectProblem::Timeout;
    e.detail = "TCP: answer cut short";
    return e;
  }
  return check_message(msg, name, type, id);
}

void split_section(ldns_rr_list* list, std::vector<Record>& out, std::vector<Record>* sigs) {
  for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    auto rec = record_from_ldns(ldns_rr_list_rr(list, i));
    if (!rec) continue;
    if (sigs && rec->type == kTypeRRSIG)
      sigs->push_back(std::move(*rec));
    else
      out.push_back(std::move(*rec));
  }
}

// Fills the answer from an accepted message and classifies rcode / AA / referral.
void classify(ldns_pkt* p, const Name& name, uint16_t type, bool require_aa, DirectAnswer& a) {
  a.rcode = ldns_pkt_get_rcode(p);
  a.authoritative = ldns_pkt_aa(p);
  split_section(ldns_pkt_answer(p), a.answer, &a.answer_rrsigs);
  split_section(ldns_pkt_authority(p), a.authority, nullptr);
  split_section(ldns_pkt_additional(p), a.additional, nullptr);
  if (a.rcode == LDNS_RCODE_REFUSED) {
    a.problem = DirectProblem::Refused;
    a.detail = "server REFUSED the query";
    return;
  }
  if (a.rcode == LDNS_RCODE_SERVFAIL) {
    a.problem = DirectProblem::ServFail;
    a.detail = "server answered SERVFAIL";
    return;
  }
  if (a.rcode != LDNS_RCODE_NOERROR && a.rcode != LDNS_RCODE_NXDOMAIN) {
    a.problem = DirectProblem::OtherRcode;
    a.detail = "server answered RCODE " + std::to_string(a.rcode);
    return;
  }
  bool has_data = false, has_soa = false, has_ns = false;
  for (const auto& r : a.answer) has_data |= r.owner == name && (r.type == type || r.type == 5);
  for (const auto& r : a.authority) {
    has_soa |= r.type == kTypeSOA;
    has_ns |= r.type == kTypeNS;
  }
  if (!require_aa) {
    a.nxdomain = a.rcode == LDNS_RCODE_NXDOMAIN;
    a.nodata = !a.nxdomain && !has_data;
    return;
  }
  if (!a.authoritative) {
    a.problem = (!has_data && has_ns) ? DirectProblem::Referral : DirectProblem::Lame;
    a.detail = a.problem == DirectProblem::Referral
                   ? "server sent a referral instead of an authoritative answer"
                   : "answer is not authoritative (AA bit clear): lame server";
    return;
  }
  a.nxdomain = a.rcode == LDNS_RCODE_NXDOMAIN;
  if (!has_data && !has_soa) {
    a.problem = DirectProblem::NoAnswer;
    a.detail =
        a.nxdomain ? "NXDOMAIN without SOA" : "empty answer without SOA (no proof of absence)";
    return;
  }
  a.nodata = !a.nxdomain && !has_data;
}

}  // namespace

std::string ServerAddress::to_text() const {
  return port == 53 ? address : address + "@" + std::to_string(port);
}

Result<ServerAddress> parse_server(std::string_view text) {
  ServerAddress s;
  std::string t(text);
  if (auto at = t.rfind('@'); at != std::string::npos) {
    int port = 0;
    try {
      port = std::stoi(t.substr(at + 1));
    } catch (...) {
      port = 0;
    }
    if (port <= 0 || port > 65535) return fail("'" + t + "': bad port");
    s.port = static_cast<uint16_t>(port);
    t = t.substr(0, at);
  }
  s.address = t;
  sockaddr_storage ss;
  socklen_t len;
  if (!to_sockaddr(s, ss, len)) return fail("'" + t + "' is not a numeric IPv4/IPv6 address");
  return s;
}

const char* direct_problem_name(DirectProblem p) {
  switch (p) {
    case DirectProblem::None:
      return "ok";
    case DirectProblem::Timeout:
      return "timeout";
    case DirectProblem::Network:
      return "network-error";
    case DirectProblem::Truncated:
      return "truncated";
    case DirectProblem::IdMismatch:
      return "id-mismatch";
    case DirectProblem::WrongQuestion:
      return "wrong-question";
    case DirectProblem::Malformed:
      return "malformed";
    case DirectProblem::Lame:
      return "lame";
    case DirectProblem::Referral:
      return "referral";
    case DirectProblem::NoAnswer:
      return "no-answer";
    case DirectProblem::Refused:
      return "refused";
    case DirectProblem::ServFail:
      return "servfail";
    case DirectProblem::OtherRcode:
      return "bad-rcode";
  }
  return "?";
}

int backoff_delay_ms(const DirectQueryOptions& o, int try_index) {
  int64_t d = o.backoff_initial_ms;
  for (int i = 1; i < try_index && d < o.backoff_max_ms; ++i) d *= 2;
  d = std::min<int64_t>(d, o.backoff_max_ms);
  if (o.random && d > 1)
    d = d / 2 + static_cast<int64_t>(o.random() % static_cast<uint32_t>(d / 2 + 1));
  return static_cast<int>(d);
}

DirectAnswer direct_query(const ServerAddress& server, const Name& name, uint16_t type,
                          const DirectQueryOptions& o) {
  DirectAnswer a;
  a.server = server.to_text();
  static thread_local std::mt19937 id_rng{std::random_device{}()};
  Exchange last;
  for (int t = 0; t < std::max(1, o.tries); ++t) {
    if (t > 0) {
      int ms = backoff_delay_ms(o, t);
      if (o.sleep_ms)
        o.sleep_ms(ms);
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    a.tries = t + 1;
    uint16_t id = static_cast<uint16_t>(id_rng());
    std::string q = build_query(name, type, id);
    if (q.empty()) {
      a.problem = DirectProblem::Malformed;
      a.detail = "could not build the query";
      return a;
    }
    last = udp_exchange(server, q, name, type, id, o.timeout_ms);
    if (last.problem == DirectProblem::None && ldns_pkt_tc(last.pkt.get())) {
      a.truncated_udp = true;
      a.used_tcp = true;
      Exchange tcp = tcp_exchange(server, q, name, type, id, o.timeout_ms);
      if (tcp.problem != DirectProblem::None) {
        tcp.detail = "UDP answer truncated and TCP failed: " + tcp.detail;
        tcp.problem =
            tcp.problem == DirectProblem::IdMismatch || tcp.problem == DirectProblem::WrongQuestion
                ? tcp.problem
                : DirectProblem::Truncated;
        last = std::move(tcp);
      } else {
        last = std::move(tcp);
      }
    }
    if (last.problem == DirectProblem::None) break;
  }
  if (last.problem != DirectProblem::None) {
    a.problem = last.problem;
    a.detail = last.detail;
    return a;
  }
  classify(last.pkt.get(), name, type, o.require_authoritative, a);
  return a;
}

DirectAnswer NetworkDirectQuerier::query(const std::string& server, const Name& name, uint16_t type,
                                         bool require_authoritative) {
  auto s = parse_server(server);
  if (!s) {
    DirectAnswer a;
    a.server = server;
    a.problem = DirectProblem::Network;
    a.detail = s.error().message;
    return a;
  }
  DirectQueryOptions o = options_;
  o.require_authoritative = require_authoritative;
  return direct_query(*s, name, type, o);
}

}  // namespace ts::resolver
