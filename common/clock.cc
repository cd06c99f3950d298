// The system clock, the one place outside agent/ that reads real time.
#include "common/clock.h"

#include <ctime>

namespace ts {

UnixTime SystemClock::now() const {
  return static_cast<UnixTime>(::time(nullptr));
}

}  // namespace ts
