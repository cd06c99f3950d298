// trustsync run: loads the policy file; with --check validates it and exits (like
// named-checkconf). The daemon itself comes with the agent daemon work (issue 4).
#include <cstring>
#include <iostream>
#include <string>

#include "agent/commands.h"
#include "agent/config.h"

namespace ts::agent {
namespace {

void usage(std::ostream& out) {
  out << "usage: trustsync run --config FILE [--check [--print]]\n"
         "  --config FILE  the policy file (see conf/trustsync.toml)\n"
         "  --check        validate FILE, print warnings and errors, and exit:\n"
         "                 0 = valid, 1 = errors (each as FILE:LINE:COLUMN: error: KEY: ...)\n"
         "  --print        with --check: print the effective policy of every zone as TOML\n";
}

}  // namespace

int cmd_run(int argc, char** argv) {
  std::string config;
  bool check = false;
  bool print = false;
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
  auto cfg = load_config(config);
  if (!cfg) {
    std::cerr << cfg.error().message << "\n";
    return 1;
  }
  for (const auto& w : cfg->warnings) std::cerr << w << "\n";
  if (check) {
    if (print) std::cout << config_to_toml(*cfg);
    std::cout << config << ": OK (" << cfg->zones.size() << " zone"
              << (cfg->zones.size() == 1 ? "" : "s") << ", " << cfg->warnings.size() << " warning"
              << (cfg->warnings.size() == 1 ? "" : "s") << ")\n";
    return 0;
  }
  std::cerr << "trustsync run: daemon not yet implemented\n";
  return 70;
}

}  // namespace ts::agent
