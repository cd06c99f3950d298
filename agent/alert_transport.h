// Delivering one notification to one target: `mailto:` (SMTP via libcurl, STARTTLS, auth),
// `https://` (JSON POST via libcurl, TLS verified, X-TrustSync-Signature HMAC header) and
// `exec:` (fork/exec without a shell, JSON on stdin, timeout). make_transport() reads the
// secret files (which must not be group/other accessible) once; error texts never contain a
// secret, and name a webhook by scheme and host only (its path often is a token).
//
//   auto t = make_transport("https://hooks.example/abc", options);
//   if (t) Status s = (*t)->deliver(notification);
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "agent/alert_event.h"
#include "agent/alert_options.h"
#include "common/result.h"

namespace ts::agent {

class AlertTransport {
 public:
  virtual ~AlertTransport() = default;
  /// Delivers `n`; a failure may be retried later.
  virtual Status deliver(const Notification& n) = 0;
};

/// The transport for `target` ("mailto:a@b", "https://...", "exec:/path").
Result<std::unique_ptr<AlertTransport>> make_transport(const std::string& target,
                                                       const AlertOptions& options);

/// A target as it may appear in logs and metrics: "https://host:port/..." (no user info, path
/// or query), mailto: and exec: as they are.
std::string mask_target(std::string_view target);

/// Reads a secret file: must be a regular file without group/other permissions (0600 or
/// 0400); trailing whitespace removed; never empty.
Result<std::string> read_secret_file(const std::string& path);

/// Replaces each occurrence of each non-empty secret in `text` by "***".
std::string redact(std::string text, std::initializer_list<std::string_view> secrets);

// The three transports (alert_smtp.cc, alert_webhook.cc, alert_exec.cc).
Result<std::unique_ptr<AlertTransport>> make_smtp_transport(const std::string& address,
                                                            const AlertOptions& options);
Result<std::unique_ptr<AlertTransport>> make_webhook_transport(const std::string& url,
                                                               const AlertOptions& options);
Result<std::unique_ptr<AlertTransport>> make_exec_transport(const std::string& path,
                                                            const AlertOptions& options);

}  // namespace ts::agent
