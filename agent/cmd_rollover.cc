// trustsync rollover ZONE --ksk|--zsk|--csk: start a key rollover now.
#include <iostream>

#include "agent/commands.h"
#include "agent/control_cli.h"

namespace ts::agent {

int cmd_rollover(int argc, char** argv) {
  CliArgs a = split_args(argc, argv, {"config", "socket"});
  int roles = int(a.flags.count("ksk") + a.flags.count("zsk") + a.flags.count("csk"));
  if (a.flags.count("help") || !a.error.empty() || a.positional.size() != 1 || roles != 1) {
    (a.flags.count("help") ? std::cout : std::cerr)
        << "usage: trustsync rollover ZONE --ksk|--zsk|--csk (--config FILE | --socket PATH)\n";
    return a.flags.count("help") ? 0 : 2;
  }
  std::string role = a.flags.count("ksk") ? "ksk" : a.flags.count("zsk") ? "zsk" : "csk";
  return control_command("rollover", a, "rollover " + a.positional[0] + " " + role);
}

}  // namespace ts::agent
