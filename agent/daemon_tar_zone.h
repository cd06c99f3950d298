// One zone's trust-anchor publication as the daemon drives it (issue 7): the current
// document goes to every target; a round that fails (target down, tampered copy) raises
// AlertKind::PublicationFailing through the alert callback and retries with backoff; the
// first round where every target serves the document resolves the alert. Once served, the
// targets are re-read every `recheck` seconds (tampering after publication is detected).
// `served()` is what the planner may count as "anchor seen". Driven by agent/daemon_tar.
//
//   TarZonePublisher z("island.plain.test.", std::move(*targets), daemon.alert_callback(), {});
//   z.set_publication(pub);             // whenever the KSK set changes
//   UnixTime next = z.tick(now);        // call again at `next`
//   if (z.served()) planner-sees-anchor;
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/alert_event.h"
#include "agent/daemon_tar_targets.h"

namespace ts::agent {

class TarZonePublisher {
 public:
  using AlertFn = std::function<void(const AlertEvent&, bool firing)>;
  TarZonePublisher(std::string zone, std::vector<std::unique_ptr<tar::TrustAnchorTarget>> targets,
                   AlertFn alert, std::vector<std::string> notify, int64_t recheck = 3600);

  /// The document to publish; a different one than before is published at the next tick.
  void set_publication(const tar::Publication& p);
  /// Runs a round when due; returns when to call again (0 = nothing to publish).
  UnixTime tick(UnixTime now);
  /// Every target served the current document in the last round.
  bool served() const { return served_; }
  bool alerting() const { return alerting_; }
  unsigned failures() const { return failures_; }
  const TarRound& last_round() const { return last_; }

 private:
  std::string zone_;
  std::vector<std::unique_ptr<tar::TrustAnchorTarget>> targets_;
  AlertFn alert_;
  std::vector<std::string> notify_;
  int64_t recheck_;
  std::optional<tar::Publication> pub_;
  std::string pub_xml_;
  bool served_ = false;
  bool alerting_ = false;
  unsigned failures_ = 0;
  UnixTime next_ = 0;
  TarRound last_;
  AlertEvent event(const std::string& summary) const;
};

}  // namespace ts::agent
