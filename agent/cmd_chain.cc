// trustsync chain: not yet implemented.
#include <iostream>

#include "agent/commands.h"

namespace ts::agent {

int cmd_chain(int, char**) {
  std::cerr << "trustsync chain: not implemented yet\n";
  return 70;
}

}  // namespace ts::agent
