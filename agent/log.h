// Structured logging of the agent: one line per event, either text
// ("2026-11-28T10:00:00Z info zone=example. msg") or JSON lines ({"ts":...,"level":...}).
// Every key or rollover state change is logged through transition() as `from -> to` with
// its reason. Thread-safe. Callers never pass secrets: only key ids, tags and states.
//
//   Logger log(LogStyle::Json, stderr);
//   log.info("example.", "signed", {{"serial", "42"}});
//   log.transition("example.", now, "ZSK 4711", "published", "active", "successor is cached");
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/json_quote.h"

namespace ts::agent {

enum class LogStyle { Text, Json };

using LogFields = std::vector<std::pair<std::string, std::string>>;

class Logger {
 public:
  Logger(LogStyle style, FILE* out, const Clock& clock) : style_(style), out_(out), clock_(clock) {}
  void set_style(LogStyle s) { style_ = s; }

  void log(const char* level, const std::string& zone, const std::string& msg,
           const LogFields& fields = {});
  void info(const std::string& zone, const std::string& msg, const LogFields& f = {}) {
    log("info", zone, msg, f);
  }
  void warn(const std::string& zone, const std::string& msg, const LogFields& f = {}) {
    log("warning", zone, msg, f);
  }
  void error(const std::string& zone, const std::string& msg, const LogFields& f = {}) {
    log("error", zone, msg, f);
  }
  /// "subject: from -> to (reason)", with from/to/reason also as fields.
  void transition(const std::string& zone, const std::string& subject, const std::string& from,
                  const std::string& to, const std::string& reason);

  /// The line log() / transition() would write (with its newline), for write_lines().
  std::string format(const char* level, const std::string& zone, const std::string& msg,
                     const LogFields& fields = {}) const;
  std::string format_transition(const std::string& zone, const std::string& subject,
                                const std::string& from, const std::string& to,
                                const std::string& reason) const;
  /// Writes several formatted lines at once (one write for a zone's transitions).
  void write_lines(const std::string& lines);

 private:
  LogStyle style_;
  FILE* out_;
  const Clock& clock_;
  std::mutex mu_;
};

using ts::json_quote;  // common/json_quote.h
/// "2026-11-28T10:00:00Z".
std::string iso_time(UnixTime t);

}  // namespace ts::agent
