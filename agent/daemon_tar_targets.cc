// Builds the tar/ targets of a zone and runs one publish + confirm round over all of them
// (see daemon_tar_targets.h).
#include "agent/daemon_tar_targets.h"

#include "parentsync/tsig_secret.h"
#include "resolver/direct_query.h"

namespace ts::agent {
namespace {

/// "dlv:DLV-ZONE@ADDR[#PORT]" -> a DLV target whose UPDATEs are signed with the key file.
Result<std::unique_ptr<tar::TrustAnchorTarget>> dlv_target(const std::string& t,
                                                           const TarTargetSettings& s) {
  auto at = t.find('@');
  if (at == std::string::npos || at <= 4 || at + 1 >= t.size())
    return fail("trust-anchors: target \"" + t + "\": expected dlv:DLV-ZONE@ADDRESS[#PORT]");
  if (s.dlv_tsig_file.empty())
    return fail("trust-anchors: target \"" + t + "\" needs dlv-tsig (a TSIG key file)");
  auto key = parentsync::TsigKey::load_key_file(s.dlv_tsig_file);
  if (!key) return fail("trust-anchors: dlv-tsig: " + key.error().message);
  tar::DlvOptions o;
  o.dlv_zone = t.substr(4, at - 4);
  if (o.dlv_zone.back() != '.') o.dlv_zone += '.';
  o.server = t.substr(at + 1);
  if (auto hash = o.server.find('#'); hash != std::string::npos) o.server[hash] = '@';
  if (auto addr = resolver::parse_server(o.server); !addr)
    return fail("trust-anchors: target \"" + t + "\": " + addr.error().message);
  o.tsig_name = key->name();
  o.tsig_alg = key->algorithm();
  o.tsig_secret = signer::SecretString(key->secret());
  return tar::make_dlv_target(std::move(o));
}

}  // namespace

Result<std::vector<std::unique_ptr<tar::TrustAnchorTarget>>> make_tar_targets(
    const TarTargetSettings& s) {
  std::vector<std::unique_ptr<tar::TrustAnchorTarget>> out;
  for (const std::string& t : s.targets) {
    if (t.rfind("https://", 0) == 0) {
      tar::HttpsOptions o;
      o.base_url = t;
      while (o.base_url.size() > 8 && o.base_url.back() == '/') o.base_url.pop_back();
      o.ca_file = s.ca_file;
      o.bearer_token_file = s.token_file;
      o.timeout_seconds = s.timeout_seconds;
      if (s.http_method != "put" && s.http_method != "post")
        return fail("trust-anchors: http-method \"" + s.http_method + "\": put or post");
      o.method = s.http_method == "post" ? "POST" : "PUT";
      if (s.client_cert.empty() != s.client_key.empty())
        return fail("trust-anchors: client-cert and client-key go together");
      o.client_cert = s.client_cert;
      o.client_key = s.client_key;
      out.push_back(tar::make_https_target(std::move(o)));
    } else if (t.rfind("dlv:", 0) == 0) {
      auto d = dlv_target(t, s);
      if (!d) return d.error();
      out.push_back(std::move(*d));
    } else if (t.rfind("file:/", 0) == 0) {
      std::string dir = t.substr(5);
      if (dir.rfind("///", 0) == 0) dir = dir.substr(2);  // file:///dir -> /dir
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      out.push_back(tar::make_local_directory_target({dir, 0644}));
    } else {
      return fail("trust-anchors: target \"" + t + "\": not supported by the daemon yet");
    }
  }
  return out;
}

bool TarRound::all_served() const {
  for (const auto& o : outcomes)
    if (!o.served) return false;
  return true;
}

bool TarRound::any_tampered() const {
  for (const auto& o : outcomes)
    if (o.tampered) return true;
  return false;
}

std::string TarRound::summary() const {
  std::string s;
  for (const auto& o : outcomes) {
    if (o.served) continue;
    if (!s.empty()) s += "; ";
    s += o.target + ": " + o.why;
  }
  return s;
}

TarRound publish_and_confirm(const std::vector<std::unique_ptr<tar::TrustAnchorTarget>>& targets,
                             const tar::Publication& p, bool publish) {
  return publish_and_confirm(targets, p, std::vector<bool>(targets.size(), publish));
}

TarRound publish_and_confirm(const std::vector<std::unique_ptr<tar::TrustAnchorTarget>>& targets,
                             const tar::Publication& p, const std::vector<bool>& publish) {
  TarRound r;
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    TarTargetOutcome o;
    o.target = t->describe();
    if (i >= publish.size() || publish[i]) {
      if (auto st = t->publish(p); !st.ok()) {
        o.why = "publish failed: " + st.error().message;
        r.outcomes.push_back(std::move(o));
        continue;
      }
    }
    auto problems = t->confirm(p);
    if (!problems.ok()) {
      o.why = "read back failed: " + problems.error().message;
    } else if (!problems->empty()) {
      o.tampered = true;
      o.why = "serves a different document:";
      for (const auto& d : *problems)
        o.why += std::string(" ") + tar::problem_kind_name(d.kind) + " (" + d.detail + ")";
    } else {
      o.served = true;
    }
    r.outcomes.push_back(std::move(o));
  }
  return r;
}

int64_t tar_retry_delay(unsigned failures, int64_t base, int64_t cap) {
  if (failures == 0) return 0;
  int64_t d = base;
  for (unsigned i = 1; i < failures && d < cap; ++i) d *= 2;
  return d < cap ? d : cap;
}

}  // namespace ts::agent
