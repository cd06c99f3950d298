// trustsync keygen: not yet implemented.
#include <iostream>

#include "agent/commands.h"

namespace ts::agent {

int cmd_keygen(int, char**) {
  std::cerr << "trustsync keygen: not implemented yet\n";
  return 70;
}

}  // namespace ts::agent
