// ParentView derivation: classify every DS the parent serves against our keys, then check
// per key and per server. Pure: no I/O, no clock.
#include "parentsync/ds_assessment.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace ts::parentsync {

const char* to_string(Validation v) {
  switch (v) {
    case Validation::Secure:
      return "secure";
    case Validation::Insecure:
      return "insecure";
    case Validation::Bogus:
      return "bogus";
    case Validation::Indeterminate:
      return "indeterminate";
  }
  return "?";
}

const char* to_string(KeyState s) {
  switch (s) {
    case KeyState::Planned:
      return "planned";
    case KeyState::Published:
      return "published";
    case KeyState::Active:
      return "active";
    case KeyState::Retiring:
      return "retiring";
    case KeyState::Retired:
      return "retired";
  }
  return "?";
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// The key a DS belongs to, or nullptr; `why` explains a near miss.
const OurKey* owner_key(const DsRecord& ds, const Name& child, const std::vector<OurKey>& keys,
                        std::string* why) {
  for (const OurKey& k : keys) {
    if (ds_matches_dnskey(ds, child, k.dnskey_rdata)) return &k;
  }
  for (const OurKey& k : keys) {
    if (k.tag == ds.key_tag && k.algorithm == ds.algorithm) {
      *why = (ds.digest_type == 1 || ds.digest_type == 2 || ds.digest_type == 4)
                 ? "key tag " + std::to_string(k.tag) + " is ours but the digest does not match"
                 : "key tag " + std::to_string(k.tag) + " is ours but digest type " +
                       std::to_string(ds.digest_type) + " cannot be checked";
      return nullptr;
    }
  }
  *why = "matches no key we hold or plan";
  return nullptr;
}

bool in(const std::vector<DsRecord>& set, const DsRecord& ds) {
  return std::find(set.begin(), set.end(), ds) != set.end();
}

}  // namespace

std::string DsFinding::describe(const Name& child) const {
  std::string s = ds.to_text(child, 0) + ": " + reason;
  if (!servers.empty()) s += "; served by " + join(servers);
  if (in_validated_view) s += "; in the validated view";
  return s;
}

std::string MissingDs::describe(const Name& child) const {
  std::string s = "DS of key " + std::to_string(tag) + " for " + child.to_text();
  if (absent_everywhere) {
    s += " is absent from every parent server";
  } else if (!absent_from.empty()) {
    s += " is absent from " + join(absent_from);
  }
  if (!in_validated_view)
    s += (absent_from.empty() ? " is" : " and") + std::string(" not in the validated view");
  return s;
}

ParentView assess_ds(const Name& child, const std::vector<OurKey>& keys,
                     const ParentObservation& obs) {
  ParentView v;
  v.child = child;
  v.server_count = obs.servers.size();
  v.validated = obs.validated.validation;
  v.validated_reason = obs.validated.reason;
  v.parent_insecure = obs.validated.validation == Validation::Insecure;

  // Per server state.
  std::vector<const ServerDsAnswer*> answered;
  for (const ServerDsAnswer& s : obs.servers) {
    if (!s.answered) {
      v.unreachable.push_back(s.server + ": " + (s.error.empty() ? "no answer" : s.error));
      continue;
    }
    answered.push_back(&s);
    if (s.validation == Validation::Bogus || s.validation == Validation::Indeterminate)
      v.bogus.push_back(s.server + ": " + to_string(s.validation) +
                        (s.error.empty() ? "" : " (" + s.error + ")"));
  }
  v.servers_agree = !obs.servers.empty() && v.unreachable.empty() && v.bogus.empty();
  for (size_t i = 1; v.servers_agree && i < answered.size(); ++i) {
    if (canonical_set(answered[i]->ds) != canonical_set(answered[0]->ds)) v.servers_agree = false;
  }

  const bool validated_secure = obs.validated.validation == Validation::Secure;

  // Classify every DS served anywhere (servers and validated view), once.
  std::map<DsRecord, std::vector<std::string>> where;
  for (const ServerDsAnswer* s : answered)
    for (const DsRecord& ds : canonical_set(s->ds)) where[ds].push_back(s->server);
  for (const DsRecord& ds : obs.validated.ds) where.try_emplace(ds);
  for (const auto& [ds, servers] : where) {
    std::string why;
    const OurKey* k = owner_key(ds, child, keys, &why);
    DsFinding f{ds, servers, in(obs.validated.ds, ds), why};
    if (!k) {
      v.rogue.push_back(std::move(f));
    } else if (k->state == KeyState::Retired && !k->ds_submitted) {
      f.reason = "key " + std::to_string(k->tag) + " is retired";
      v.stale.push_back(std::move(f));
    }
  }

  // Per key: which servers serve a matching DS; in the validated view?
  for (const OurKey& k : keys) {
    auto matches = [&](const DsRecord& ds) { return ds_matches_dnskey(ds, child, k.dnskey_rdata); };
    ParentView::KeyPresence p{k.tag, k.algorithm, {}, {}, false, false};
    std::vector<std::string> lacking;
    for (const ServerDsAnswer* s : answered) {
      bool has = std::any_of(s->ds.begin(), s->ds.end(), matches);
      if (has) p.any_servers.push_back(s->server);
      if (has && s->validation == Validation::Secure) p.secure_servers.push_back(s->server);
      if (!has) lacking.push_back(s->server);
    }
    p.in_view = std::any_of(obs.validated.ds.begin(), obs.validated.ds.end(), matches);
    p.in_validated_view = validated_secure && p.in_view;
    if (k.ds_expected() && !v.parent_insecure && (!lacking.empty() || !p.in_validated_view)) {
      MissingDs m;
      m.tag = k.tag;
      m.absent_from = lacking;
      m.absent_everywhere = !answered.empty() && lacking.size() == answered.size();
      m.in_validated_view = p.in_validated_view;
      v.missing.push_back(std::move(m));
    }
    v.keys.push_back(std::move(p));
  }
  return v;
}

namespace {

template <typename Pred>
const ParentView::KeyPresence* find_key(const ParentView& v, Pred pred) {
  for (const auto& k : v.keys)
    if (pred(k)) return &k;
  return nullptr;
}

bool seen(const ParentView& v, const ParentView::KeyPresence* k) {
  if (!k || v.parent_insecure || v.server_count == 0 || !v.unreachable.empty()) return false;
  return v.validated == Validation::Secure && k->in_validated_view &&
         k->secure_servers.size() == v.server_count;
}

bool gone(const ParentView& v, const ParentView::KeyPresence* k) {
  if (!v.unreachable.empty() || !v.bogus.empty() || v.server_count == 0) return false;
  if (v.validated != Validation::Secure && v.validated != Validation::Insecure) return false;
  return !k || (k->any_servers.empty() && !k->in_view);
}

}  // namespace

bool ParentView::seen_everywhere(uint16_t tag) const {
  return seen(*this, find_key(*this, [&](const KeyPresence& k) { return k.tag == tag; }));
}

bool ParentView::seen_everywhere(uint8_t alg, uint16_t tag) const {
  return seen(*this, find_key(*this, [&](const KeyPresence& k) {
    return k.tag == tag && k.algorithm == alg;
  }));
}

bool ParentView::gone_everywhere(uint16_t tag) const {
  return gone(*this, find_key(*this, [&](const KeyPresence& k) { return k.tag == tag; }));
}

bool ParentView::gone_everywhere(uint8_t alg, uint16_t tag) const {
  return gone(*this, find_key(*this, [&](const KeyPresence& k) {
    return k.tag == tag && k.algorithm == alg;
  }));
}

bool ParentView::healthy() const {
  return servers_agree && missing.empty() && rogue.empty() && stale.empty() &&
         (validated == Validation::Secure || parent_insecure);
}

std::string ParentView::summary() const {
  std::ostringstream o;
  o << child.to_text() << ": parent validated view " << parentsync::to_string(validated);
  if (!validated_reason.empty()) o << " (" << validated_reason << ")";
  o << "\n";
  if (parent_insecure) o << "  parent is unsigned: no DS can secure this zone; use trust anchors\n";
  o << "  " << server_count << " parent server(s), " << (servers_agree ? "agree" : "DO NOT agree")
    << "\n";
  for (const auto& u : unreachable) o << "  unreachable: " << u << "\n";
  for (const auto& b : bogus) o << "  not validated: " << b << "\n";
  for (const auto& m : missing) o << "  missing: " << m.describe(child) << "\n";
  for (const auto& f : rogue) o << "  rogue: " << f.describe(child) << "\n";
  for (const auto& f : stale) o << "  stale: " << f.describe(child) << "\n";
  for (const auto& k : keys)
    o << "  key " << k.tag << " (algorithm " << int(k.algorithm) << "): validated on "
      << k.secure_servers.size() << "/" << server_count << " server(s)"
      << (seen(*this, &k) ? ", everywhere and in the validated view" : "") << "\n";
  return o.str();
}

}  // namespace ts::parentsync
