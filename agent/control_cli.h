// Shared by the CLI commands that talk to a running daemon (status, rollover, zone, reload,
// ds-seen): argument splitting (flags may follow positional arguments, as in
// `trustsync rollover ZONE --ksk`), finding the control socket from --socket PATH or
// --config FILE, and sending one request.
//
//   CliArgs a = split_args(argc, argv, {"config", "socket"});
//   return control_command("status", a, "status example. json");
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace ts::agent {

struct CliArgs {
  std::map<std::string, std::string> values;  ///< --name VALUE / --name=VALUE
  std::set<std::string> flags;                ///< --name
  std::vector<std::string> positional;
  std::string error;  ///< set when an option lacks its value
};

/// `with_value` lists the options that take a value.
CliArgs split_args(int argc, char** argv, const std::set<std::string>& with_value);

/// The control socket: --socket, else the [agent] settings of --config.
Result<std::string> find_socket(const CliArgs& a);

/// Sends `request`, prints the reply body to stdout (errors to stderr), returns the exit code.
int control_command(const char* command, const CliArgs& a, const std::string& request);

}  // namespace ts::agent
