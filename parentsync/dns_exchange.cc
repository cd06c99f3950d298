// TCP exchange with one server (ldns encodes and parses; one deadline bounds the whole
// exchange) and a direct DS query.
#include "parentsync/dns_exchange.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace ts::parentsync {

Result<ServerAddress> ServerAddress::parse(const std::string& text) {
  ServerAddress s;
  std::string addr = text;
  std::string port;
  if (!addr.empty() && addr[0] == '[') {
    auto close = addr.find(']');
    if (close == std::string::npos) return fail("bad server address \"" + text + "\"");
    if (close + 1 < addr.size()) {
      if (addr[close + 1] != ':' && addr[close + 1] != '#')
        return fail("bad server address \"" + text + "\"");
      port = addr.substr(close + 2);
    }
    addr = addr.substr(1, close - 1);
  } else if (auto hash = addr.find('#'); hash != std::string::npos) {
    port = addr.substr(hash + 1);
    addr = addr.substr(0, hash);
  }
  if (!port.empty()) {
    char* end = nullptr;
    long p = strtol(port.c_str(), &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535) return fail("bad port in \"" + text + "\"");
    s.port = static_cast<uint16_t>(p);
  }
  ldns_rdf* rdf = ldns_rdf_new_frm_str(
      addr.find(':') != std::string::npos ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, addr.c_str());
  if (!rdf) return fail("bad server address \"" + text + "\" (an IP address is needed)");
  ldns_rdf_deep_free(rdf);
  s.address = addr;
  return s;
}

std::string ServerAddress::to_string() const {
  return port == 53 ? address : address + "#" + std::to_string(port);
}

ldns_rdf* to_ldns_dname(const Name& name) {
  const std::string& w = name.wire();
  return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, w.size(), w.data());
}

namespace {

using Steady = std::chrono::steady_clock;

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

/// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool wait_until(int fd, short events, Steady::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 60000)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

/// Reads exactly `n` bytes before `deadline`: "" or why not.
std::string read_exactly(int fd, uint8_t* p, size_t n, Steady::time_point deadline) {
  while (n > 0) {
    if (!wait_until(fd, POLLIN, deadline)) return "timed out";
    ssize_t r = ::recv(fd, p, n, 0);
    if (r == 0) return "connection closed";
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return std::strerror(errno);
    }
    p += r;
    n -= static_cast<size_t>(r);
  }
  return "";
}

}  // namespace

Result<Reply> tcp_exchange(const ServerAddress& server, const ldns_pkt* query,
                           int timeout_seconds) {
  // One deadline for the whole exchange (connect, send, length, message): a server that
  // accepts and stays silent, or trickles its answer a byte at a time, cannot hold the agent
  // longer than `timeout_seconds` (ldns_tcp_send's timeout applies to each read only).
  const std::string who = server.to_string();
  const int secs = std::max(1, timeout_seconds);
  const auto deadline = Steady::now() + std::chrono::seconds(secs);
  const std::string within = " within " + std::to_string(secs) + " s";
  bool v6 = server.address.find(':') != std::string::npos;
  ldns_rdf* a =
      ldns_rdf_new_frm_str(v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, server.address.c_str());
  if (!a) return fail(who + ": bad address");
  size_t sa_len = 0;
  struct sockaddr_storage* sa = ldns_rdf2native_sockaddr_storage(a, server.port, &sa_len);
  ldns_rdf_deep_free(a);
  if (!sa) return fail(who + ": bad address");
  sockaddr_storage ss = *sa;
  free(sa);

  uint8_t* qwire = nullptr;
  size_t qsize = 0;
  if (ldns_pkt2wire(&qwire, query, &qsize) != LDNS_STATUS_OK || !qwire || qsize > 65535) {
    free(qwire);
    return fail(who + ": cannot encode the query");
  }
  std::vector<uint8_t> framed{static_cast<uint8_t>(qsize >> 8), static_cast<uint8_t>(qsize)};
  framed.insert(framed.end(), qwire, qwire + qsize);
  free(qwire);

  Fd sock(::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock.fd < 0) return fail(who + ": TCP socket: " + std::strerror(errno));
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(sa_len)) != 0 &&
      errno != EINPROGRESS)
    return fail(who + ": no answer over TCP (connect: " + std::strerror(errno) + ")");
  int err = 0;
  socklen_t elen = sizeof err;
  if (!wait_until(sock.fd, POLLOUT, deadline))
    return fail(who + ": no answer over TCP (connect timed out" + within + ")");
  if (::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0)
    return fail(who + ": no answer over TCP (connect: " + std::strerror(err ? err : errno) + ")");
  for (size_t sent = 0; sent < framed.size();) {
    if (!wait_until(sock.fd, POLLOUT, deadline))
      return fail(who + ": no answer over TCP (send timed out" + within + ")");
    ssize_t n = ::send(sock.fd, framed.data() + sent, framed.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n < 0) return fail(who + ": no answer over TCP (send: " + std::strerror(errno) + ")");
    sent += static_cast<size_t>(n);
  }
  uint8_t len[2];
  if (std::string why = read_exactly(sock.fd, len, 2, deadline); !why.empty())
    return fail(who + ": no answer over TCP (" + why + within + ")");
  Reply r;
  r.wire.resize((static_cast<size_t>(len[0]) << 8) | len[1]);
  if (std::string why = read_exactly(sock.fd, r.wire.data(), r.wire.size(), deadline); !why.empty())
    return fail(who + ": answer over TCP cut short (" + why + within + ")");
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, r.wire.data(), r.wire.size()) != LDNS_STATUS_OK || !pkt)
    return fail(who + ": malformed reply");
  r.pkt.reset(pkt);
  if (!ldns_pkt_qr(pkt) || ldns_pkt_id(pkt) != ldns_pkt_id(query))
    return fail(who + ": reply does not match the query (ID or QR)");
  return r;
}

Result<Reply> ask(const ServerAddress& server, const Name& qname, ldns_rr_type type,
                  int timeout_seconds, bool recursion) {
  const std::string who = server.to_string();
  ldns_pkt* q = ldns_pkt_query_new(to_ldns_dname(qname), type, LDNS_RR_CLASS_IN, 0);
  if (!q) return fail(who + ": cannot build the query");
  PktPtr query(q);
  ldns_pkt_set_random_id(q);
  ldns_pkt_set_rd(q, recursion);
  ldns_pkt_set_ad(q, recursion);
  ldns_pkt_set_edns_udp_size(q, 1232);
  ldns_pkt_set_edns_do(q, true);
  return tcp_exchange(server, q, timeout_seconds);
}

Result<DsAnswer> query_ds(const ServerAddress& server, const Name& child, int timeout_seconds) {
  const std::string who = server.to_string();
  auto reply = ask(server, child, LDNS_RR_TYPE_DS, timeout_seconds);
  if (!reply) return reply.error();
  ldns_pkt* p = reply->pkt.get();
  ldns_pkt_rcode rc = ldns_pkt_get_rcode(p);
  if (rc != LDNS_RCODE_NOERROR) {
    char* s = ldns_pkt_rcode2str(rc);
    std::string msg = who + ": DS query for " + child.to_text() + " answered " + (s ? s : "?");
    free(s);
    return fail(msg);
  }
  if (!ldns_pkt_aa(p))
    return fail(who + ": not authoritative for the DS of " + child.to_text() + " (lame?)");
  DsAnswer out;
  ldns_rr_list* ans = ldns_pkt_answer(p);
  for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(ans, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DS) continue;
    auto owner = Name::from_wire(
        std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(ldns_rr_owner(rr))),
                         ldns_rdf_size(ldns_rr_owner(rr))));
    if (!owner || !(*owner == child)) continue;
    ldns_buffer* b = ldns_buffer_new(512);
    ldns_rr_rdata2buffer_wire(b, rr);
    auto ds = DsRecord::from_rdata(
        std::span<const uint8_t>(ldns_buffer_begin(b), ldns_buffer_position(b)));
    ldns_buffer_free(b);
    if (!ds) return fail(who + ": malformed DS: " + ds.error().message);
    out.ds.push_back(*ds);
    out.ttl = ldns_rr_ttl(rr);
  }
  out.ds = canonical_set(std::move(out.ds));
  return out;
}

}  // namespace ts::parentsync
