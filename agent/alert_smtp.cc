// The `mailto:` transport: one text/plain mail per notification, submitted with libcurl's
// SMTP client to [agent.alerts] smtp-server, with STARTTLS ("try": if offered, "require":
// or fail; smtps:// is TLS from the start) and AUTH from smtp-user / smtp-password-file.
// Header values are single lines (CR/LF removed): no header injection from alert text.
#include <algorithm>
#include <cstring>
#include <ctime>
#include <string>

#include "agent/alert_curl.h"
#include "agent/alert_transport.h"
#include "signer/crypto.h"
#include "signer/mac.h"

namespace ts::agent {
namespace {

std::string rfc5322_date(UnixTime t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

bool valid_address(const std::string& a) {
  if (a.empty() || a.size() > 254 || a.find('@') == std::string::npos) return false;
  for (unsigned char c : a)
    if (c <= ' ' || c >= 0x7F || c == '<' || c == '>' || c == ',' || c == '"' || c == '\\')
      return false;
  return true;
}

// Normalises line ends to CRLF.
std::string crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    if (c != '\r') out += c;
  }
  return out;
}

struct Upload {
  const std::string* data;
  size_t pos = 0;
};

size_t read_cb(char* buf, size_t size, size_t n, void* userp) {
  auto* u = static_cast<Upload*>(userp);
  size_t len = std::min(size * n, u->data->size() - u->pos);
  std::memcpy(buf, u->data->data() + u->pos, len);
  u->pos += len;
  return len;
}

class SmtpTransport final : public AlertTransport {
 public:
  SmtpTransport(std::string to, AlertOptions o, std::string password)
      : to_(std::move(to)), o_(std::move(o)), password_(std::move(password)) {}
  ~SmtpTransport() override { std::fill(password_.begin(), password_.end(), '\0'); }

  Status deliver(const Notification& n) override {
    const AlertSettings& s = o_.settings;
    std::string message = "Date: " + rfc5322_date(n.at) + "\r\n";
    message += "From: TrustSync <" + s.smtp_from + ">\r\n";
    message += "To: <" + to_ + ">\r\n";
    message += "Subject: " + render_subject(n) + "\r\n";
    message += "Message-ID: <" + signer::hex_lower(signer::random_bytes(12)) + "@trustsync>\r\n";
    message += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n";
    message += "Content-Transfer-Encoding: 8bit\r\n";
    message += std::string("X-TrustSync-Alert: ") + (n.resolved ? "resolved " : "firing ") +
               to_string(n.event.kind) + "\r\n\r\n";
    message += crlf(render_text(n));

    char errbuf[CURL_ERROR_SIZE];
    auto c = alert_curl::new_handle(o_, "smtp,smtps", errbuf);
    if (!c) return fail("mailto:" + to_ + ": curl_easy_init failed");
    CURL* h = c.get();
    curl_easy_setopt(h, CURLOPT_URL, s.smtp_server.c_str());
    std::string from = "<" + s.smtp_from + ">";
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
    alert_curl::Slist rcpt(curl_slist_append(nullptr, ("<" + to_ + ">").c_str()));
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
    long use_ssl = s.smtp_starttls == SmtpStartTls::Require ? CURLUSESSL_ALL
                   : s.smtp_starttls == SmtpStartTls::Try   ? CURLUSESSL_TRY
                                                            : CURLUSESSL_NONE;
    curl_easy_setopt(h, CURLOPT_USE_SSL, use_ssl);
    if (!s.smtp_user.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, s.smtp_user.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, password_.c_str());
    }
    Upload up{&message};
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
      return fail(
          redact("mailto:" + to_ + " via " + mask_target(s.smtp_server) + ": " +
                     alert_curl::error_text(rc, errbuf),
                 {password_, mask_target(s.smtp_server) != s.smtp_server ? s.smtp_server : ""}));
    return {};
  }

 private:
  std::string to_;
  AlertOptions o_;
  std::string password_;
};

}  // namespace

Result<std::unique_ptr<AlertTransport>> make_smtp_transport(const std::string& address,
                                                            const AlertOptions& options) {
  std::string to = address.substr(0, address.find('?'));
  if (!valid_address(to)) return fail("mailto:" + to + ": not a plain mail address");
  if (!valid_address(options.settings.smtp_from))
    return fail("[agent.alerts] smtp-from '" + options.settings.smtp_from +
                "': not a plain mail address");
  std::string password;
  if (!options.settings.smtp_user.empty()) {
    if (options.settings.smtp_password_file.empty())
      return fail("[agent.alerts] smtp-user is set but smtp-password-file is not");
    auto p = read_secret_file(options.settings.smtp_password_file);
    if (!p) return p.error();
    password = std::move(*p);
  }
  return std::unique_ptr<AlertTransport>(
      new SmtpTransport(std::move(to), options, std::move(password)));
}

}  // namespace ts::agent
