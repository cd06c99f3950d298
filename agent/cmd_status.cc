// trustsync status [ZONE] [--json]: what the running daemon does for each zone.
#include <iostream>

#include "agent/commands.h"
#include "agent/control_cli.h"

namespace ts::agent {

int cmd_status(int argc, char** argv) {
  CliArgs a = split_args(argc, argv, {"config", "socket"});
  if (a.flags.count("help") || !a.error.empty() || a.positional.size() > 1) {
    (a.flags.count("help") ? std::cout : std::cerr)
        << "usage: trustsync status [ZONE] [--json] (--config FILE | --socket PATH)\n"
           "  every key (state, role, algorithm, tag), rollovers, the next event and what the\n"
           "  zone waits for, with the operator action that unblocks it\n";
    return a.flags.count("help") ? 0 : 2;
  }
  std::string req = "status";
  if (!a.positional.empty()) req += " " + a.positional[0];
  if (a.flags.count("json")) req += " json";
  return control_command("status", a, req);
}

}  // namespace ts::agent
