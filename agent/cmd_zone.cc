// trustsync zone add ZONE --file F [--output O] | zone remove ZONE: zones managed in
// addition to those of the configuration file ([defaults] policy; kept across restarts).
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "agent/commands.h"
#include "agent/control_cli.h"

namespace ts::agent {
namespace {

std::string absolute(const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  char* cwd = ::getcwd(nullptr, 0);
  std::string out = std::string(cwd ? cwd : ".") + "/" + p;
  std::free(cwd);
  return out;
}

}  // namespace

int cmd_zone(int argc, char** argv) {
  CliArgs a = split_args(argc, argv, {"config", "socket", "file", "output"});
  auto usage = [&](bool ok) {
    (ok ? std::cout : std::cerr)
        << "usage: trustsync zone add ZONE --file FILE [--output FILE] (--config F | --socket P)\n"
           "       trustsync zone remove ZONE (--config F | --socket P)\n";
    return ok ? 0 : 2;
  };
  if (a.flags.count("help")) return usage(true);
  if (!a.error.empty() || a.positional.size() != 2) return usage(false);
  const std::string& sub = a.positional[0];
  if (sub == "add") {
    if (!a.values.count("file")) return usage(false);
    std::string req = "zone-add " + a.positional[1] + " " + absolute(a.values["file"]);
    if (a.values.count("output")) req += " " + absolute(a.values["output"]);
    return control_command("zone", a, req);
  }
  if (sub == "remove") return control_command("zone", a, "zone-remove " + a.positional[1]);
  return usage(false);
}

}  // namespace ts::agent
