// `trustsync run` without --check: the daemon process (signals, control socket, scheduler).
#include "agent/daemon_run.h"

#include <unistd.h>

#include <csignal>
#include <iostream>

#include "agent/audit_actor.h"  // alertwire
#include "agent/control.h"
#include "agent/daemon.h"
#include "agent/daemon_watch.h"  // alertwire

namespace ts::agent {

int run_daemon(const std::string& config, const std::string& log_format, unsigned workers) {
  auto dcfg = load_daemon_config(config, {});
  if (!dcfg) {
    std::cerr << dcfg.error().message << "\n";
    return 1;
  }
  for (const auto& w : dcfg->warnings) std::cerr << w << "\n";
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
  // ---- alertwire: audit log, metrics, alerts (declared first: outlives the daemon) ----
  auto watch = DaemonWatch::create(*dcfg, clock, log);
  if (!watch) {
    log.error("", "start-up failed: " + watch.error().message);
    return 1;
  }
  // ---- end alertwire ----
  Daemon daemon(std::move(*dcfg), clock, log, opt);
  daemon.set_events(watch->get());  // alertwire
  if (Status st = daemon.start(); !st) {
    log.error("", "start-up failed: " + st.error().message);
    return 1;
  }
  ControlServer control(socket, [&](const std::string& req) {
    std::string out = handle_control_request(daemon, req);
    (*watch)->command(req, out);  // alertwire: audited with the peer's uid
    return out;
  });
  if (Status st = control.start(); !st) {
    log.error("", "control socket: " + st.error().message);
    return 1;
  }
  if (Status st = (*watch)->start(); !st) {  // alertwire
    log.error("", "start-up failed: " + st.error().message);
    return 1;
  }
  daemon.scheduler().start();
  log.info("", "running", {{"control", socket}, {"pid", std::to_string(::getpid())}});
  for (;;) {
    siginfo_t info{};
    int sig = sigwaitinfo(&set, &info);  // alertwire: si_uid names the sender for the audit
    if (sig < 0) continue;
    if (sig == SIGHUP) {
      ActorScope who(audit_actor_uid(info.si_uid));  // alertwire
      Status st = daemon.reload();
      if (!st) log.error("", "reload failed: " + st.error().message);
      (*watch)->command("SIGHUP", st ? "ok" : "error: " + st.error().message);  // alertwire
      continue;
    }
    log.info("", std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    break;
  }
  control.stop();
  daemon.scheduler().stop();
  daemon.scheduler().wait_idle();
  (*watch)->stop();  // alertwire: waits up to 5 s for queued notifications
  log.info("", "stopped");
  return 0;
}

}  // namespace ts::agent
