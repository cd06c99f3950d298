// JSON string literals: one escaping routine for every JSON TrustSync writes (logs, status,
// alerts, audit records, registrar hook documents). Valid UTF-8 passes through; control
// characters are escaped; invalid bytes become U+FFFD.
//
//   std::string doc = "{\"zone\":" + ts::json_quote(zone) + "}";
#pragma once

#include <string>
#include <string_view>

namespace ts {

/// `s` as a quoted JSON string.
std::string json_quote(std::string_view s);

}  // namespace ts
