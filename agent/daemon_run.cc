// `trustsync run` without --check: the daemon process (signals, control socket, scheduler).
#include "agent/daemon_run.h"

#include <unistd.h>

#include <csignal>
#include <iostream>

#include "agent/control.h"
#include "agent/daemon.h"

namespace ts::agent {

int run_daemon(const std::string& config, const std::string& log_format, unsigned workers) {
  auto dcfg = load_daemon_config(config, {});
  if (!dcfg) {
    std::cerr << dcfg.error().message << "\n";
    return 1;
  }
  // Signals are taken synchronously by this thread: block them before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  SystemClock clock;
  bool json = log_format.empty() ? dcfg->settings.json_logs : log_format == "json";
  Logger log(json ? LogStyle::Json : LogStyle::Text, stderr, clock);
  std::string socket = dcfg->settings.control_socket;
  DaemonOptions opt;
  opt.workers = workers;
  Daemon daemon(std::move(*dcfg), clock, log, opt);
  if (Status st = daemon.start(); !st) {
    log.error("", "start-up failed: " + st.error().message);
    return 1;
  }
  ControlServer control(
      socket, [&](const std::string& req) { return handle_control_request(daemon, req); });
  if (Status st = control.start(); !st) {
    log.error("", "control socket: " + st.error().message);
    return 1;
  }
  daemon.scheduler().start();
  log.info("", "running", {{"control", socket}, {"pid", std::to_string(::getpid())}});
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      if (Status st = daemon.reload(); !st) log.error("", "reload failed: " + st.error().message);
      continue;
    }
    log.info("", std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    break;
  }
  control.stop();
  daemon.scheduler().stop();
  daemon.scheduler().wait_idle();
  log.info("", "stopped");
  return 0;
}

}  // namespace ts::agent
