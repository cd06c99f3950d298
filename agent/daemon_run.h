// Entry point of the daemon process for `trustsync run` (agent/cmd_run.cc).
#pragma once

#include <string>

namespace ts::agent {

/// Runs until SIGTERM/SIGINT; SIGHUP reloads. `log_format` "" = from the config. Exit code.
int run_daemon(const std::string& config, const std::string& log_format, unsigned workers);

}  // namespace ts::agent
