// trustsync ds: not yet implemented.
#include <iostream>

#include "agent/commands.h"

namespace ts::agent {

int cmd_ds(int, char**) {
  std::cerr << "trustsync ds: not implemented yet\n";
  return 70;
}

}  // namespace ts::agent
