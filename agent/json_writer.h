// A minimal streaming JSON writer (RFC 8259) for the audit log, alert bodies and the exec
// hook's stdin: compact output, correct string escaping (quotes, backslash, control
// characters as \uXXXX, invalid UTF-8 replaced by U+FFFD so the output is always valid JSON).
// It writes, it does not parse. Also the ISO 8601 UTC time format used in those documents.
//
//   JsonWriter w;
//   w.begin_object().key("zone").value("example.test.").key("tag").value(int64_t{12345});
//   w.key("evidence").begin_array().value("a").value("b").end_array().end_object();
//   std::string line = w.str();   // {"zone":"example.test.","tag":12345,"evidence":["a","b"]}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/json_quote.h"

namespace ts::agent {

using ts::json_quote;  // common/json_quote.h

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// An object member's name; the next call writes its value.
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t n);
  JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
  JsonWriter& value(bool b);
  JsonWriter& null();
  /// Appends already-serialised JSON as one value (caller guarantees validity).
  JsonWriter& raw(std::string_view json);

  const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no member written yet
  bool after_key_ = false;
};

/// One `details` member: a string, an integer or a boolean.
struct JsonField {
  std::string key;
  std::variant<std::string, int64_t, bool> value;
};
using JsonFields = std::vector<JsonField>;

/// Writes `fields` as one JSON object.
void write_fields(JsonWriter& w, const JsonFields& fields);

/// "2026-11-28T11:02:37Z"
std::string iso8601_utc(UnixTime t);

}  // namespace ts::agent
