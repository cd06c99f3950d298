// The control socket: a UNIX stream socket (mode 0600) on which the CLI sends one request
// line and reads the reply until the daemon closes the connection. Requests are words
// separated by spaces:
//   status [ZONE] [json] | rollover ZONE ksk|zsk|csk | ds-seen ZONE TAG [gone] | reload
//   zone-add ZONE FILE [OUTPUT] | zone-remove ZONE
// The reply's first line is "ok" or "error: <message>", the rest is the command's output.
//
//   ControlServer srv(path, [&](const std::string& req) { return route(daemon, req); });
//   if (auto st = srv.start(); !st) ...;  ...  srv.stop();
//   auto reply = control_request(path, "status example. json");   // Result<ControlReply>
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "common/result.h"

namespace ts::agent {

class Daemon;

struct ControlReply {
  bool ok = false;
  std::string error;  ///< when !ok
  std::string body;
};

class ControlServer {
 public:
  /// `handler` gets a request line and returns the full reply text ("ok\n..." / "error: ...").
  ControlServer(std::string path, std::function<std::string(const std::string&)> handler);
  ~ControlServer();
  Status start();
  void stop();
  const std::string& path() const { return path_; }

 private:
  void loop();
  std::string path_;
  std::function<std::string(const std::string&)> handler_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// Executes one request line against the daemon and returns the reply text.
std::string handle_control_request(Daemon& d, const std::string& request);

/// Sends one request and reads the reply.
Result<ControlReply> control_request(const std::string& socket_path, const std::string& request);

}  // namespace ts::agent
