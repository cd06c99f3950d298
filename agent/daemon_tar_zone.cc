// TarZonePublisher: rounds, backoff and the PublicationFailing alert (see daemon_tar.h).
#include "agent/daemon_tar_zone.h"

namespace ts::agent {

TarZonePublisher::TarZonePublisher(std::string zone,
                                   std::vector<std::unique_ptr<tar::TrustAnchorTarget>> targets,
                                   AlertFn alert, std::vector<std::string> notify, int64_t recheck)
    : zone_(std::move(zone)),
      targets_(std::move(targets)),
      alert_(std::move(alert)),
      notify_(std::move(notify)),
      recheck_(recheck) {}

void TarZonePublisher::set_publication(const tar::Publication& p) {
  std::string xml = tar::to_xml(p.document);
  if (pub_ && xml == pub_xml_) return;
  pub_ = p;
  pub_xml_ = std::move(xml);
  served_ = false;
  next_ = 0;  // publish at the next tick
}

AlertEvent TarZonePublisher::event(const std::string& summary) const {
  AlertEvent e;
  e.kind = AlertKind::PublicationFailing;
  e.zone = zone_;
  e.subject = "trust-anchors";
  e.summary = summary;
  e.targets = notify_;
  return e;
}

UnixTime TarZonePublisher::tick(UnixTime now) {
  if (!pub_) return 0;
  if (now < next_) return next_;
  pub_->now = now;
  // Served documents are only read back; anything else is (re)published first.
  last_ = publish_and_confirm(targets_, *pub_, !served_);
  if (last_.all_served()) {
    served_ = true;
    failures_ = 0;
    if (alerting_ && alert_) alert_(event("trust anchor served by every target again"), false);
    alerting_ = false;
    next_ = now + recheck_;
    return next_;
  }
  served_ = false;
  ++failures_;
  std::string what = last_.any_tampered() ? "trust-anchor repository serves a different document: "
                                          : "trust-anchor publication failing: ";
  if (alert_) alert_(event(what + last_.summary()), true);
  alerting_ = true;
  next_ = now + tar_retry_delay(failures_);
  return next_;
}

}  // namespace ts::agent
