// Control socket server and client, and the routing of requests to the Daemon.
#include "agent/control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <vector>

#include "agent/audit_actor.h"  // alertwire
#include "agent/audit_log.h"    // alertwire
#include "agent/daemon.h"

namespace ts::agent {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

Result<sockaddr_un> make_addr(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return fail(path + ": socket path too long");
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string s; in >> s;) w.push_back(s);
  return w;
}

std::string absolute_name(std::string n) {
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n.empty() || n.back() != '.') n += '.';
  return n;
}

std::string reply(const Status& s, const std::string& ok_body = "") {
  return s ? "ok\n" + ok_body : "error: " + s.error().message + "\n";
}

}  // namespace

std::string handle_control_request(Daemon& d, const std::string& request) {
  auto w = words(request);
  if (w.empty()) return "error: empty request\n";
  const std::string& cmd = w[0];
  if (cmd == "status") {
    std::string zone;
    bool json = false;
    for (size_t i = 1; i < w.size(); ++i) {
      if (w[i] == "json")
        json = true;
      else
        zone = absolute_name(w[i]);
    }
    std::string body = json ? d.status_json(zone) : d.status_text(zone);
    if (!zone.empty() && body.empty()) return "error: no zone " + zone + "\n";
    return "ok\n" + body;
  }
  if (cmd == "rollover" && w.size() == 3)
    return reply(d.rollover(absolute_name(w[1]), w[2]), "rollover of " + w[2] + " started\n");
  if (cmd == "ds-seen" && (w.size() == 3 || (w.size() == 4 && w[3] == "gone"))) {
    char* end = nullptr;
    unsigned long tag = std::strtoul(w[2].c_str(), &end, 10);
    if (*end || tag > 65535) return "error: bad key tag '" + w[2] + "'\n";
    return reply(d.ds_seen(absolute_name(w[1]), static_cast<uint16_t>(tag), w.size() == 4),
                 "recorded\n");
  }
  if (cmd == "parent-poll" && w.size() == 2)  // branch parent
    return reply(d.parent_poll(absolute_name(w[1])),
                 "observing the parent of " + absolute_name(w[1]) + " now; see `trustsync status " +
                     absolute_name(w[1]) + "`\n");
  if (cmd == "reload" && w.size() == 1) return reply(d.reload(), "configuration reloaded\n");
  if (cmd == "zone-add" && (w.size() == 3 || w.size() == 4))
    return reply(d.zone_add({absolute_name(w[1]), w[2], w.size() == 4 ? w[3] : ""}),
                 "zone " + absolute_name(w[1]) + " added\n");
  if (cmd == "zone-remove" && w.size() == 2)
    return reply(d.zone_remove(absolute_name(w[1])), "zone " + absolute_name(w[1]) + " removed\n");
  return "error: unknown or malformed request '" + request + "'\n";
}

ControlServer::ControlServer(std::string path,
                             std::function<std::string(const std::string&)> handler)
    : path_(std::move(path)), handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
  stop();
}

Status ControlServer::start() {
  auto addr = make_addr(path_);
  if (!addr) return addr.error();
  // A socket left by a crashed daemon is stale unless something answers on it.
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe >= 0) {
    bool live = ::connect(probe, reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) == 0;
    ::close(probe);
    if (live) return fail(path_ + ": another daemon is listening on this control socket");
  }
  ::unlink(path_.c_str());
  if (auto slash = path_.rfind('/'); slash != std::string::npos && slash > 0)
    ::mkdir(path_.substr(0, slash).c_str(), 0755);  // e.g. /run/trustsync; fine if present
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail("control socket: " + errno_text());
  mode_t old = ::umask(0177);
  int rc = ::bind(fd_, reinterpret_cast<sockaddr*>(&*addr), sizeof *addr);
  ::umask(old);
  if (rc != 0 || ::chmod(path_.c_str(), 0600) != 0 || ::listen(fd_, 16) != 0) {
    std::string e = errno_text();
    ::close(fd_);
    fd_ = -1;
    return fail(path_ + ": cannot listen: " + e);
  }
  thread_ = std::thread([this] { loop(); });
  return {};
}

void ControlServer::stop() {
  if (stop_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
  }
}

void ControlServer::loop() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string line;
    char buf[512];
    while (line.find('\n') == std::string::npos && line.size() < 4096) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    if (auto nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
    std::string out;
    // ---- alertwire: the request acts for the peer's uid (audit log) ----
    ucred cred{};
    socklen_t cred_len = sizeof cred;
    std::string who = ::getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0
                          ? audit_actor_uid(cred.uid)
                          : "uid:unknown";
    ActorScope actor(who);
    // ---- end alertwire ----
    try {
      out = handler_(line);
    } catch (const std::exception& e) {
      out = std::string("error: internal: ") + e.what() + "\n";
    }
    (void)write_all(c, out);
    ::close(c);
  }
}

Result<ControlReply> control_request(const std::string& socket_path, const std::string& request) {
  auto addr = make_addr(socket_path);
  if (!addr) return addr.error();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket: " + errno_text());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) != 0) {
    std::string e = errno_text();
    ::close(fd);
    return fail(socket_path + ": cannot reach the daemon: " + e);
  }
  if (!write_all(fd, request + "\n")) {
    ::close(fd);
    return fail(socket_path + ": write failed");
  }
  std::string all;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  ControlReply r;
  auto nl = all.find('\n');
  std::string first = all.substr(0, nl);
  r.body = nl == std::string::npos ? "" : all.substr(nl + 1);
  if (first == "ok") {
    r.ok = true;
  } else if (first.rfind("error: ", 0) == 0) {
    r.error = first.substr(7);
  } else {
    return fail(socket_path + ": unexpected reply '" + first + "'");
  }
  return r;
}

}  // namespace ts::agent
