// trustsync ds-seen ZONE TAG [--gone]: the operator confirms that the parent serves the DS
// of key TAG (or, with --gone, no longer serves it), for parents the agent cannot observe.
#include <iostream>

#include "agent/commands.h"
#include "agent/control_cli.h"

namespace ts::agent {

int cmd_ds_seen(int argc, char** argv) {
  CliArgs a = split_args(argc, argv, {"config", "socket"});
  if (a.flags.count("help") || !a.error.empty() || a.positional.size() != 2) {
    (a.flags.count("help") ? std::cout : std::cerr)
        << "usage: trustsync ds-seen ZONE TAG [--gone] (--config FILE | --socket PATH)\n"
           "  confirm that every parent server serves the DS of key TAG (--gone: no longer)\n";
    return a.flags.count("help") ? 0 : 2;
  }
  std::string req = "ds-seen " + a.positional[0] + " " + a.positional[1];
  if (a.flags.count("gone")) req += " gone";
  return control_command("ds-seen", a, req);
}

}  // namespace ts::agent
