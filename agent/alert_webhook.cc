// The `https://` transport: POSTs the notification's JSON document with
//   Content-Type: application/json
//   X-TrustSync-Signature: sha256=<hex HMAC-SHA256 of the exact body, key = webhook secret>
// TLS is always verified (system store, or [agent.alerts] ca-file for a private CA); no
// redirects, https only. Any 2xx status is success. Errors name the URL masked.
#include <string>

#include "agent/alert_curl.h"
#include "agent/alert_transport.h"
#include "signer/mac.h"

namespace ts::agent {
namespace {

size_t discard_cb(char*, size_t size, size_t n, void*) {
  return size * n;
}

class WebhookTransport final : public AlertTransport {
 public:
  WebhookTransport(std::string url, AlertOptions o, std::string secret)
      : url_(std::move(url)), o_(std::move(o)), secret_(std::move(secret)) {}
  ~WebhookTransport() override { std::fill(secret_.begin(), secret_.end(), '\0'); }

  Status deliver(const Notification& n) override {
    std::string body = render_json(n);
    std::string where = mask_target(url_);
    char errbuf[CURL_ERROR_SIZE];
    auto c = alert_curl::new_handle(o_, "https", errbuf);
    if (!c) return fail(where + ": curl_easy_init failed");
    CURL* h = c.get();
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "trustsync/0.1.0");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
    curl_slist* l = curl_slist_append(nullptr, "Content-Type: application/json");
    l = curl_slist_append(l, "Expect:");
    std::string sig =
        "X-TrustSync-Signature: sha256=" + signer::hex_lower(signer::hmac_sha256(secret_, body));
    l = curl_slist_append(l, sig.c_str());
    std::string status = std::string("X-TrustSync-Status: ") + (n.resolved ? "resolved" : "firing");
    l = curl_slist_append(l, status.c_str());
    alert_curl::Slist headers(l);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
      return fail(redact(where + ": " + alert_curl::error_text(rc, errbuf),
                         {secret_, where != url_ ? url_ : ""}));
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299) return fail(where + ": HTTP status " + std::to_string(code));
    return {};
  }

 private:
  std::string url_;
  AlertOptions o_;
  std::string secret_;
};

}  // namespace

Result<std::unique_ptr<AlertTransport>> make_webhook_transport(const std::string& url,
                                                               const AlertOptions& options) {
  if (options.settings.webhook_secret_file.empty())
    return fail(mask_target(url) + ": webhooks are signed: set [agent.alerts] webhook-secret-file");
  auto secret = read_secret_file(options.settings.webhook_secret_file);
  if (!secret) return secret.error();
  return std::unique_ptr<AlertTransport>(new WebhookTransport(url, options, std::move(*secret)));
}

}  // namespace ts::agent
