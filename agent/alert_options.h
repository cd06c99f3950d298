// The alert module's own options: delivery settings from [agent.alerts] (AlertSettings in
// agent/policy.h) plus the queue, retry and rate-limit knobs that only tests change.
//
//   AlertOptions o = alert_options(cfg->global.alerts);
#pragma once

#include <cstddef>
#include <string>

#include "agent/policy.h"

namespace ts::agent {

struct AlertOptions {
  AlertSettings settings;
  size_t queue_capacity = 1000;     // notifications waiting in all target queues together
  double backoff_base_s = 5;        // first retry after [base/2, base] seconds
  double backoff_cap_s = 900;       // retries never wait longer than this
  int max_attempts = 12;            // then the notification is dropped (and counted)
  size_t exec_output_limit = 4096;  // bytes of an exec hook's output kept for the error text
};

inline AlertOptions alert_options(const AlertSettings& s) {
  AlertOptions o;
  o.settings = s;
  return o;
}

}  // namespace ts::agent
