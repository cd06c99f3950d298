// trustsync sign: not yet implemented.
#include <iostream>

#include "agent/commands.h"

namespace ts::agent {

int cmd_sign(int, char**) {
  std::cerr << "trustsync sign: not implemented yet\n";
  return 70;
}

}  // namespace ts::agent
