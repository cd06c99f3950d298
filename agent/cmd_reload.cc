// trustsync reload: the daemon re-reads its configuration (same as SIGHUP).
#include <iostream>

#include "agent/commands.h"
#include "agent/control_cli.h"

namespace ts::agent {

int cmd_reload(int argc, char** argv) {
  CliArgs a = split_args(argc, argv, {"config", "socket"});
  if (a.flags.count("help") || !a.error.empty() || !a.positional.empty()) {
    (a.flags.count("help") ? std::cout : std::cerr)
        << "usage: trustsync reload (--config FILE | --socket PATH)\n";
    return a.flags.count("help") ? 0 : 2;
  }
  return control_command("reload", a, "reload");
}

}  // namespace ts::agent
