// Target parsing, masking, secret files; dispatches to the SMTP, webhook and exec transports.
#include "agent/alert_transport.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/atomic_file.h"

namespace ts::agent {

Result<std::unique_ptr<AlertTransport>> make_transport(const std::string& target,
                                                       const AlertOptions& options) {
  if (target.starts_with("mailto:")) return make_smtp_transport(target.substr(7), options);
  if (target.starts_with("https://")) return make_webhook_transport(target, options);
  if (target.starts_with("exec:")) return make_exec_transport(target.substr(5), options);
  return fail("alert target '" + mask_target(target) +
              "': expected mailto:, https:// or exec: (plain http is not allowed)");
}

std::string mask_target(std::string_view target) {
  size_t scheme = target.find("://");
  if (scheme == std::string_view::npos) return std::string(target);
  size_t host_start = scheme + 3;
  size_t host_end = target.find_first_of("/?#", host_start);
  std::string_view authority = target.substr(host_start, host_end - host_start);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);
  std::string out(target.substr(0, host_start));
  out += authority;
  if (host_end != std::string_view::npos && host_end + 1 < target.size()) out += "/...";
  return out;
}

Result<std::string> read_secret_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return fail(path + ": " + std::strerror(errno));
  struct stat st {};
  fstat(fd, &st);
  close(fd);
  if (!S_ISREG(st.st_mode)) return fail(path + ": not a regular file");
  if (st.st_mode & 077)
    return fail(path + ": secret file is accessible by group or others (chmod 600)");
  auto text = read_file(path);
  if (!text) return text.error();
  std::string s = std::move(*text);
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  if (s.empty()) return fail(path + ": secret file is empty");
  return s;
}

std::string redact(std::string text, std::initializer_list<std::string_view> secrets) {
  for (std::string_view s : secrets) {
    if (s.empty()) continue;
    for (size_t p = text.find(s); p != std::string::npos; p = text.find(s, p + 3))
      text.replace(p, s.size(), "***");
  }
  return text;
}

}  // namespace ts::agent
