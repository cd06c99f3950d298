// TarZonePublisher: rounds, backoff and the PublicationFailing alert (see daemon_tar.h).
#include "agent/daemon_tar_zone.h"

#include <algorithm>

#include "signer/crypto.h"

namespace ts::agent {
namespace {

std::string to_hex(const signer::Bytes& b) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (uint8_t c : b) out += kDigits[c >> 4], out += kDigits[c & 15];
  return out;
}

}  // namespace

TarZonePublisher::TarZonePublisher(std::string zone,
                                   std::vector<std::unique_ptr<tar::TrustAnchorTarget>> targets,
                                   AlertFn alert, std::vector<std::string> notify, int64_t recheck,
                                   int64_t retry_base)
    : zone_(std::move(zone)),
      targets_(std::move(targets)),
      alert_(std::move(alert)),
      notify_(std::move(notify)),
      recheck_(recheck),
      retry_base_(retry_base),
      confirmed_(targets_.size()) {}

void TarZonePublisher::set_publication(const tar::Publication& p) {
  std::string xml = tar::to_xml(p.document);
  if (pub_ && xml == pub_xml_) return;
  pub_ = p;
  pub_xml_ = std::move(xml);
  pub_fp_ = to_hex(signer::digest(
      signer::DigestType::SHA256,
      std::span(reinterpret_cast<const uint8_t*>(pub_xml_.data()), pub_xml_.size())));
  served_ = false;
  next_ = 0;  // publish at the next tick
}

void TarZonePublisher::restore(const std::map<std::string, std::string>& fingerprint_by_target) {
  for (size_t i = 0; i < targets_.size(); ++i)
    if (auto it = fingerprint_by_target.find(targets_[i]->describe());
        it != fingerprint_by_target.end())
      confirmed_[i] = it->second;
}

std::map<std::string, std::string> TarZonePublisher::confirmed() const {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < targets_.size(); ++i)
    if (!confirmed_[i].empty()) out[targets_[i]->describe()] = confirmed_[i];
  return out;
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
  // Targets serving this document are only read back; the others are (re)published first.
  std::vector<bool> publish(targets_.size());
  for (size_t i = 0; i < targets_.size(); ++i) {
    publish[i] = confirmed_[i] != pub_fp_;
    if (publish[i]) ++uploads_;
  }
  last_ = publish_and_confirm(targets_, *pub_, publish);
  ++rounds_;
  for (size_t i = 0; i < targets_.size() && i < last_.outcomes.size(); ++i)
    confirmed_[i] = last_.outcomes[i].served ? pub_fp_ : "";
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
  next_ = now + tar_retry_delay(failures_, retry_base_, std::max(retry_base_, recheck_));
  return next_;
}

}  // namespace ts::agent
