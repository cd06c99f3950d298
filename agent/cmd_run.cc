// trustsync run: loads the policy file; with --check validates it and exits (like
// named-checkconf); otherwise runs the daemon (agent/daemon.h) with its control socket
// (agent/control.h) until SIGTERM/SIGINT; SIGHUP reloads the configuration.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>

#include "agent/commands.h"
#include "agent/config.h"
#include "agent/daemon_run.h"

namespace ts::agent {
namespace {

void usage(std::ostream& out) {
  out << "usage: trustsync run --config FILE [--check [--print]]\n"
         "       trustsync run --config FILE [--foreground] [--log-format json|text] "
         "[--workers N]\n"
         "  --config FILE  the policy file (see conf/trustsync.toml)\n"
         "  --check        validate FILE, print warnings and errors, and exit:\n"
         "                 0 = valid, 1 = errors (each as FILE:LINE:COLUMN: error: KEY: ...)\n"
         "  --print        with --check: print the effective policy of every zone as TOML\n"
         "  --foreground   run in the foreground (the daemon never forks; run it under a\n"
         "                supervisor such as systemd)\n"
         "  --log-format   text or json lines on stderr (default: [agent] log-format)\n"
         "  --workers N    zones handled in parallel (default 32: a zone pass is CPU, then waits "
         "for the\n"
         "                 shared disk sync; 100,000 small zones start fastest with 128)\n";
}

}  // namespace

int cmd_run(int argc, char** argv) {
  std::string config;
  bool check = false;
  bool print = false;
  std::string log_format;
  unsigned workers = 32;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(std::cout);
      return 0;
    } else if (a == "--check") {
      check = true;
    } else if (a == "--print") {
      print = true;
    } else if (a == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else if (a == "--foreground") {
      // the daemon never forks
    } else if (a == "--log-format" && i + 1 < argc) {
      log_format = argv[++i];
      if (log_format != "json" && log_format != "text") {
        std::cerr << "trustsync run: --log-format must be json or text\n";
        return 64;
      }
    } else if (a == "--workers" && i + 1 < argc) {
      workers = static_cast<unsigned>(std::max(1, std::atoi(argv[++i])));
    } else if (a.rfind("--config=", 0) == 0) {
      config = a.substr(9);
    } else {
      std::cerr << "trustsync run: unexpected argument '" << a << "'\n";
      usage(std::cerr);
      return 64;
    }
  }
  if (print && !check) {
    std::cerr << "trustsync run: --print needs --check\n";
    return 64;
  }
  if (config.empty()) {
    std::cerr << "trustsync run: --config FILE is required\n";
    usage(std::cerr);
    return 64;
  }
  // The daemon reads (and checks) the file once itself: a second parse of a 100,000-zone
  // file here cost 1.6 s of single-threaded start-up.
  if (!check) return run_daemon(config, log_format, workers);
  auto cfg = load_config(config);
  if (!cfg) {
    std::cerr << cfg.error().message << "\n";
    return 1;
  }
  for (const auto& w : cfg->warnings) std::cerr << w << "\n";
  if (print) std::cout << config_to_toml(*cfg);
  std::cout << config << ": OK (" << cfg->zones.size() << " zone"
            << (cfg->zones.size() == 1 ? "" : "s") << ", " << cfg->warnings.size() << " warning"
            << (cfg->warnings.size() == 1 ? "" : "s") << ")\n";
  return 0;
}

}  // namespace ts::agent
