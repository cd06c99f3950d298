// Shared libcurl set-up for the SMTP and webhook alert transports (see alert_curl.h).
#include "agent/alert_curl.h"

#include <mutex>

namespace ts::agent::alert_curl {

Easy new_handle(const AlertOptions& o, const char* protocols, char* errbuf) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Easy c(curl_easy_init());
  if (!c) return c;
  CURL* h = c.get();
  errbuf[0] = 0;
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  long timeout = static_cast<long>(o.settings.timeout.seconds);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, std::min(timeout, 10L));
  // TLS is always verified; a private CA bundle may replace the system store.
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.settings.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.settings.ca_file.c_str());
  return c;
}

std::string error_text(CURLcode rc, const char* errbuf) {
  std::string s = curl_easy_strerror(rc);
  if (errbuf && errbuf[0]) s += std::string(": ") + errbuf;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace ts::agent::alert_curl
