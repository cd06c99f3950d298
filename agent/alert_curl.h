// Private to agent/alert_smtp.cc and agent/alert_webhook.cc: libcurl handles with RAII,
// one-time global initialisation and the settings both transports share (timeouts, TLS
// verification with an optional private CA bundle, no signals, protocol allow-list).
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "agent/alert_options.h"

namespace ts::agent::alert_curl {

struct EasyFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyFree>;
using Slist = std::unique_ptr<curl_slist, SlistFree>;

/// A new handle with the common settings; `protocols` e.g. "https" or "smtp,smtps".
/// `errbuf` must outlive the handle's use (CURL_ERROR_SIZE bytes).
Easy new_handle(const AlertOptions& o, const char* protocols, char* errbuf);

/// curl's message for `rc`, with the error buffer's detail when there is one.
std::string error_text(CURLcode rc, const char* errbuf);

}  // namespace ts::agent::alert_curl
