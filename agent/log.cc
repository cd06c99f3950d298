// Structured log lines (text or JSON) for the agent.
#include "agent/log.h"

#include <ctime>

namespace ts::agent {

std::string iso_time(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Logger::format(const char* level, const std::string& zone, const std::string& msg,
                           const LogFields& fields) const {
  std::string line;
  std::string ts = iso_time(clock_.now());
  if (style_ == LogStyle::Json) {
    line = "{\"ts\":" + json_quote(ts) + ",\"level\":" + json_quote(level);
    if (!zone.empty()) line += ",\"zone\":" + json_quote(zone);
    line += ",\"msg\":" + json_quote(msg);
    for (const auto& [k, v] : fields) line += "," + json_quote(k) + ":" + json_quote(v);
    line += "}\n";
  } else {
    line = ts + " " + level;
    if (!zone.empty()) line += " zone=" + zone;
    line += " " + msg;
    for (const auto& [k, v] : fields)
      line += " " + k + "=" + (v.find(' ') == std::string::npos ? v : json_quote(v));
    line += "\n";
  }
  return line;
}

void Logger::write_lines(const std::string& lines) {
  if (lines.empty()) return;
  std::lock_guard lock(mu_);
  std::fputs(lines.c_str(), out_);
  std::fflush(out_);
}

void Logger::log(const char* level, const std::string& zone, const std::string& msg,
                 const LogFields& fields) {
  write_lines(format(level, zone, msg, fields));
}

std::string Logger::format_transition(const std::string& zone, const std::string& subject,
                                      const std::string& from, const std::string& to,
                                      const std::string& reason) const {
  return format("info", zone, subject + ": " + from + " -> " + to + " (" + reason + ")",
                {{"subject", subject}, {"from", from}, {"to", to}, {"reason", reason}});
}

void Logger::transition(const std::string& zone, const std::string& subject,
                        const std::string& from, const std::string& to, const std::string& reason) {
  write_lines(format_transition(zone, subject, from, to, reason));
}

}  // namespace ts::agent
