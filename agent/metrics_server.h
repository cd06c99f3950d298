// The metrics and health HTTP endpoint (libmicrohttpd, its own thread), off unless
// [agent] metrics-listen is set:
//   GET /metrics  -> 200, the registry in Prometheus text format 0.0.4
//   GET /health   -> 200 "ok", or 503 with the reason from the health check
// Anything else is 404 (405 for methods other than GET/HEAD). Listens on exactly the
// configured address ("127.0.0.1:9153", "[::1]:9153"; port 0 picks a free port).
//
//   auto srv = MetricsServer::start("127.0.0.1:9153", registry, [&] { return daemon.health(); });
//   if (!srv) ...;  // address in use, bad address
//   (*srv)->port();
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/metrics_registry.h"
#include "common/result.h"

struct MHD_Daemon;

namespace ts::agent {

class MetricsServer {
 public:
  /// Returns ok, or a failure whose message is the reason (served with 503).
  using HealthCheck = std::function<Status()>;

  static Result<std::unique_ptr<MetricsServer>> start(const std::string& listen,
                                                      const MetricsRegistry& registry,
                                                      HealthCheck health);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const { return port_; }

 private:
  MetricsServer(const MetricsRegistry& registry, HealthCheck health)
      : registry_(registry), health_(std::move(health)) {}
  friend struct MetricsServerAccess;
  const MetricsRegistry& registry_;
  HealthCheck health_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
};

}  // namespace ts::agent
