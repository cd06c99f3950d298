// Entry point of the daemon process for `trustsync run` (agent/cmd_run.cc), kept apart so
// that cmd_run.cc (agent/config.h) and the daemon (agent/rollover_state.h) never meet in one
// file: both headers define ts::agent::KeyPolicy.
#pragma once

#include <string>

namespace ts::agent {

/// Runs until SIGTERM/SIGINT; SIGHUP reloads. `log_format` "" = from the config. Exit code.
int run_daemon(const std::string& config, const std::string& log_format, unsigned workers);

}  // namespace ts::agent
