// Client side of the control socket for the trustsync subcommands.
#include "agent/control_cli.h"

#include <iostream>

#include "agent/control.h"
#include "agent/daemon_policy.h"

namespace ts::agent {

CliArgs split_args(int argc, char** argv, const std::set<std::string>& with_value) {
  CliArgs a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0 && s.size() > 2) {
      std::string name = s.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        a.values[name.substr(0, eq)] = name.substr(eq + 1);
      } else if (with_value.count(name)) {
        if (i + 1 >= argc)
          a.error = "--" + name + " needs a value";
        else
          a.values[name] = argv[++i];
      } else {
        a.flags.insert(name);
      }
    } else if (s == "-h") {
      a.flags.insert("help");
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

Result<std::string> find_socket(const CliArgs& a) {
  if (auto it = a.values.find("socket"); it != a.values.end()) return it->second;
  auto it = a.values.find("config");
  if (it == a.values.end()) return fail("--config FILE or --socket PATH is required");
  auto cfg = load_daemon_config(it->second, {});
  if (!cfg) return cfg.error();
  return cfg->settings.control_socket;
}

int control_command(const char* command, const CliArgs& a, const std::string& request) {
  auto sock = find_socket(a);
  if (!sock) {
    std::cerr << "trustsync " << command << ": " << sock.error().message << "\n";
    return 2;
  }
  auto r = control_request(*sock, request);
  if (!r) {
    std::cerr << "trustsync " << command << ": " << r.error().message << "\n";
    return 1;
  }
  if (!r->ok) {
    std::cerr << "trustsync " << command << ": " << r->error << "\n";
    return 1;
  }
  std::cout << r->body;
  return 0;
}

}  // namespace ts::agent
