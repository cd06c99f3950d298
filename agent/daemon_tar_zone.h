// One zone's trust-anchor publication as the daemon drives it (issue 7): the current
// document goes to every target; a round that fails (target down, tampered copy) raises
// AlertKind::PublicationFailing through the alert callback and retries with backoff; the
// first round where every target serves the document resolves the alert. Once served, the
// targets are re-read every `recheck` seconds (tampering after publication is detected).
// `served()` is what the planner may count as "anchor seen". Driven by agent/daemon_tar.
//
// Each target is published to only while it does not serve the current document: a target
// confirmed earlier (also before a restart: restore()) is only read back.
//
//   TarZonePublisher z("island.plain.test.", std::move(*targets), daemon.alert_callback(), {});
//   z.restore(durable_confirmations);   // target -> fingerprint, after a restart
//   z.set_publication(pub);             // whenever the KSK set changes
//   UnixTime next = z.tick(now);        // call again at `next`
//   if (z.served()) planner-sees-anchor;
#pragma once

#include <functional>
#include <map>
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
                   AlertFn alert, std::vector<std::string> notify, int64_t recheck = 3600,
                   int64_t retry_base = 30);

  /// The document to publish; a different one than before is published at the next tick.
  void set_publication(const tar::Publication& p);
  /// Targets (by describe()) known to serve the document with this fingerprint already.
  void restore(const std::map<std::string, std::string>& fingerprint_by_target);
  /// Runs a round when due; returns when to call again (0 = nothing to publish).
  UnixTime tick(UnixTime now);
  /// SHA-256 (hex) of the current document's XML ("" before set_publication()).
  const std::string& fingerprint() const { return pub_fp_; }
  /// Per target (by describe()): the fingerprint it was last confirmed to serve, "" = none.
  std::map<std::string, std::string> confirmed() const;
  /// Rounds run so far (a round = publish where needed + read back from every target).
  unsigned rounds() const { return rounds_; }
  /// Publications (uploads) made so far, over all targets.
  unsigned uploads() const { return uploads_; }
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
  int64_t recheck_, retry_base_;
  std::optional<tar::Publication> pub_;
  std::string pub_xml_, pub_fp_;
  std::vector<std::string> confirmed_;  // per target: fingerprint confirmed, "" = none
  unsigned rounds_ = 0, uploads_ = 0;
  bool served_ = false;
  bool alerting_ = false;
  unsigned failures_ = 0;
  UnixTime next_ = 0;
  TarRound last_;
  AlertEvent event(const std::string& summary) const;
};

}  // namespace ts::agent
