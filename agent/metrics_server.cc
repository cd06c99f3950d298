// The /metrics and /health endpoint on libmicrohttpd (see metrics_server.h).
#include "agent/metrics_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace ts::agent {

struct MetricsServerAccess {
  static MHD_Result reply(MHD_Connection* c, unsigned code, const std::string& body,
                          const char* type) {
    MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                      MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
  }

  static MHD_Result handle(void* cls, MHD_Connection* c, const char* url, const char* method,
                           const char*, const char*, size_t* upload_size, void** con_cls) {
    auto* self = static_cast<MetricsServer*>(cls);
    if (*con_cls == nullptr) {  // first call: headers only
      static int marker;
      *con_cls = &marker;
      return MHD_YES;
    }
    if (*upload_size != 0) {  // ignore any body
      *upload_size = 0;
      return MHD_YES;
    }
    const char* text = "text/plain; charset=utf-8";
    if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0)
      return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", text);
    std::string path = url;
    if (path == "/metrics")
      return reply(c, MHD_HTTP_OK, self->registry_.render(),
                   "text/plain; version=0.0.4; charset=utf-8");
    if (path == "/health") {
      Status s = self->health_ ? self->health_() : Status{};
      if (s) return reply(c, MHD_HTTP_OK, "ok\n", text);
      return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, s.error().message + "\n", text);
    }
    return reply(c, MHD_HTTP_NOT_FOUND, "not found (try /metrics or /health)\n", text);
  }
};

namespace {

// "127.0.0.1:9153" or "[::1]:9153" -> sockaddr.
Result<sockaddr_storage> parse_listen(const std::string& listen, bool& v6) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos)
    return fail("metrics-listen '" + listen + "': expected ADDRESS:PORT");
  std::string host = listen.substr(0, colon), port_text = listen.substr(colon + 1);
  char* end = nullptr;
  unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end || port > 65535)
    return fail("metrics-listen '" + listen + "': bad port");
  sockaddr_storage ss{};
  v6 = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a->sin6_addr) != 1)
      return fail("metrics-listen '" + listen + "': bad IPv6 address");
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1)
      return fail("metrics-listen '" + listen + "': bad IPv4 address (names are not resolved)");
  }
  return ss;
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& listen,
                                                            const MetricsRegistry& registry,
                                                            HealthCheck health) {
  bool v6 = false;
  auto addr = parse_listen(listen, v6);
  if (!addr) return addr.error();
  std::unique_ptr<MetricsServer> srv(new MetricsServer(registry, std::move(health)));
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (v6 ? MHD_USE_IPv6 : 0);
  srv->daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &MetricsServerAccess::handle,
                                  srv.get(), MHD_OPTION_SOCK_ADDR,
                                  reinterpret_cast<sockaddr*>(&*addr), MHD_OPTION_CONNECTION_LIMIT,
                                  32u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
  if (!srv->daemon_)
    return fail("metrics-listen '" + listen + "': cannot listen (address in use or not local?)");
  const MHD_DaemonInfo* info = MHD_get_daemon_info(srv->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  srv->port_ = info ? info->port : 0;
  return srv;
}

MetricsServer::~MetricsServer() {
  if (daemon_) MHD_stop_daemon(daemon_);
}

}  // namespace ts::agent
