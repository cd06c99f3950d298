// The daemon's trust-anchor publication round (issue 7): a zone's `trust-anchors` settings
// become tar/ targets; one document is published to all of them and read back from each.
// The anchor counts as seen (for the planner) only when every target serves exactly this
// document; a target that serves a different document is reported as tampered.
//
//   auto targets = make_tar_targets({policy.trust_anchors, policy.tar.ca_file, ...});
//   TarRound r = publish_and_confirm(*targets, publication, /*publish=*/true);
//   if (!r.all_served()) alert(r.summary()), retry in tar_retry_delay(failures) seconds;
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "tar/publisher.h"

namespace ts::agent {

struct TarTargetSettings {
  /// "https://HOST/PATH", "file:/DIR/", "dlv:DLV-ZONE@ADDR[#PORT]" (DLV, RFC 4431: historic,
  /// RFC 8749; for closed deployments that still run a DLV registry).
  std::vector<std::string> targets;
  std::string ca_file;     // for https:// targets; "" = system CAs
  std::string token_file;  // bearer token for https:// targets (0600)
  long timeout_seconds = 10;
  std::string http_method = "put";      // "put" | "post" for https:// targets
  std::string dlv_tsig_file;            // BIND key file (0600) signing the UPDATEs of dlv: targets
  std::string client_cert, client_key;  // PEM client certificate + key for https:// targets
};

/// One tar/ target per configured target string, in order. Errors name the target (never
/// the TSIG secret).
Result<std::vector<std::unique_ptr<tar::TrustAnchorTarget>>> make_tar_targets(
    const TarTargetSettings& s);

struct TarTargetOutcome {
  std::string target;     // describe() of the target
  bool served = false;    // it serves exactly this document
  bool tampered = false;  // it could be read but serves something else
  std::string why;        // "" when served
};

struct TarRound {
  std::vector<TarTargetOutcome> outcomes;
  bool all_served() const;
  bool any_tampered() const;
  /// "target: why; target: why" over the targets not serving the document.
  std::string summary() const;
};

/// Publishes `p` to every target (when `publish`) and reads it back from each.
TarRound publish_and_confirm(const std::vector<std::unique_ptr<tar::TrustAnchorTarget>>& targets,
                             const tar::Publication& p, bool publish);
/// The same with a choice per target: target i is published first only when `publish[i]`
/// (the others, already confirmed to serve `p`, are only read back).
TarRound publish_and_confirm(const std::vector<std::unique_ptr<tar::TrustAnchorTarget>>& targets,
                             const tar::Publication& p, const std::vector<bool>& publish);

/// Seconds to wait before retry number `failures` (1 = first retry): base * 2^(failures-1),
/// at most `cap`.
int64_t tar_retry_delay(unsigned failures, int64_t base = 30, int64_t cap = 3600);

}  // namespace ts::agent
