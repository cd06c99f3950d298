// Per-delegation evidence for the chain walk: parent servers' DS, DS/DNSKEY matching, zone
// servers' DNSKEY sets, signature windows.
#include "resolver/chain_evidence.h"

#include <algorithm>
#include <future>
#include <set>

namespace ts::resolver::chain_internal {
namespace {

std::vector<std::string> sorted_rdata(const std::vector<Record>& rs) {
  std::vector<std::string> v;
  for (const auto& r : rs) v.push_back(r.rdata);
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string ds_summary(const std::vector<Record>& ds) {
  if (ds.empty()) return "no DS";
  std::string s;
  for (const auto& r : ds) {
    auto f = parse_ds(r.rdata);
    if (!f) continue;
    if (!s.empty()) s += ", ";
    s += "DS " + std::to_string(f->key_tag) + " " + std::to_string(f->algorithm) + " " +
         std::to_string(f->digest_type) + " " + to_hex(f->digest).substr(0, 8) + "...";
  }
  return s;
}

}  // namespace

std::vector<Record> of_type(const std::vector<Record>& rs, const Name& owner, uint16_t type) {
  std::vector<Record> out;
  for (const auto& r : rs)
    if (r.type == type && r.owner == owner) out.push_back(r);
  return out;
}

std::vector<Record> sigs_for(const std::vector<Record>& rrsigs, const Name& owner, uint16_t type) {
  std::vector<Record> out;
  for (const auto& r : rrsigs) {
    auto f = parse_rrsig(r.rdata);
    if (f && r.owner == owner && f->type_covered == type) out.push_back(r);
  }
  return out;
}

void check_parent_servers(Level& lv, DirectQuerier& direct, const std::vector<Record>& parent_keys,
                          bool parent_secure, UnixTime now) {
  std::vector<std::pair<const NameServer*, std::string>> targets;
  for (const auto& ns : lv.parent_servers)
    for (const auto& a : ns.addresses) targets.emplace_back(&ns, a);
  std::vector<std::future<DirectAnswer>> futs;
  for (const auto& t : targets)
    futs.push_back(std::async(std::launch::async, [&direct, &t, &lv] {
      return direct.query(t.second, lv.zone, kTypeDS, true);
    }));
  for (size_t i = 0; i < targets.size(); ++i) {
    DirectAnswer a = futs[i].get();
    ServerView v;
    v.ns_name = targets[i].first->name.to_text();
    v.address = targets[i].second;
    v.problem = a.problem;
    v.detail = a.detail;
    if (a.ok()) {
      v.ds = of_type(a.answer, lv.zone, kTypeDS);
      v.has_ds = !v.ds.empty();
      if (v.has_ds && parent_secure) {
        v.validated = true;
        v.check = validate_rrset(v.ds, a.answer_rrsigs, parent_keys, now);
        if (!v.check.valid)
          lv.warnings.push_back(v.ns_name + " (" + v.address + ") serves a DS set that does " +
                                "not validate: " + v.check.reason);
        for (const auto& s : sigs_for(a.answer_rrsigs, lv.zone, kTypeDS)) {
          auto f = parse_rrsig(s.rdata);
          if (f) add_window(lv, lv.zone.to_text() + " DS", *f, now);
        }
      } else if (!v.has_ds && parent_secure) {
        // "No DS" from a secure parent must be a signed, valid denial of existence.
        v.validated = true;
        v.check = validate_denial(lv.zone, kTypeDS, a.nxdomain, a.authority, parent_keys, now);
        if (!v.check.valid)
          lv.warnings.push_back(v.ns_name + " (" + v.address + ") says there is no DS without " +
                                "a valid proof: " + v.check.reason);
      }
    } else {
      lv.warnings.push_back(v.ns_name + " (" + v.address + "): " + direct_problem_name(a.problem) +
                            ": " + a.detail);
    }
    lv.servers.push_back(std::move(v));
  }
  std::set<std::vector<std::string>> views;
  for (const auto& v : lv.servers)
    if (v.problem == DirectProblem::None) views.insert(sorted_rdata(v.ds));
  lv.servers_agree = views.size() <= 1;
  if (!lv.servers_agree) {
    std::string w = "the servers of " + lv.parent.to_text() + " disagree on the DS for " +
                    lv.zone.to_text() + ":";
    for (const auto& v : lv.servers)
      if (v.problem == DirectProblem::None)
        w += " " + v.address + " serves " + ds_summary(v.ds) + ";";
    w.pop_back();
    lv.warnings.push_back(w);
  }
}

void add_window(Level& lv, const std::string& rrset, const RrsigFields& f, UnixTime now) {
  SigWindow w{rrset, f.key_tag, rrsig_time(f.inception, now), rrsig_time(f.expiration, now)};
  for (const auto& e : lv.sigs)
    if (e.rrset == w.rrset && e.key_tag == w.key_tag && e.expiration == w.expiration) return;
  lv.sigs.push_back(w);
  if (!lv.first_expiry || w.expiration < *lv.first_expiry) lv.first_expiry = w.expiration;
}

// DS -> DNSKEY matching over every DS seen (validator, anchor, each parent server).
void match_ds(Level& lv, const std::vector<Record>& validated_ds, const std::vector<Record>& keys,
              const std::vector<Record>& key_sigs) {
  std::set<uint16_t> signing_tags;
  for (const auto& s : sigs_for(key_sigs, lv.zone, kTypeDNSKEY))
    if (auto f = parse_rrsig(s.rdata)) signing_tags.insert(f->key_tag);
  auto add = [&](const Record& r, const std::string& where, bool validated) {
    for (auto& d : lv.ds)
      if (d.record.rdata == r.rdata) {
        if (std::find(d.seen_at.begin(), d.seen_at.end(), where) == d.seen_at.end())
          d.seen_at.push_back(where);
        d.in_validated_set |= validated;
        return;
      }
    auto f = parse_ds(r.rdata);
    if (!f) return;
    DsStatus s{r, *f, DsMatch::NoSuchKey, false, validated, {where}};
    lv.ds.push_back(std::move(s));
  };
  for (const auto& r : validated_ds) add(r, lv.from_anchor ? "anchor" : "resolver", true);
  for (const auto& v : lv.servers)
    for (const auto& r : v.ds) add(r, v.address, false);
  for (auto& d : lv.ds) {
    if (!digest_type_supported(d.fields.digest_type)) d.match = DsMatch::UnsupportedDigest;
    for (const auto& k : keys) {
      auto kf = parse_dnskey(k.rdata);
      if (!kf || kf->algorithm != d.fields.algorithm || dnskey_key_tag(k.rdata) != d.fields.key_tag)
        continue;
      if (d.match == DsMatch::UnsupportedDigest) break;
      auto expect = ds_for_dnskey(lv.zone, k.rdata, d.fields.digest_type);
      if (expect && *expect == d.record.rdata) {
        d.match = DsMatch::MatchesKey;
        d.key_signs_dnskey = signing_tags.count(d.fields.key_tag) > 0;
        break;
      }
      d.match = DsMatch::DigestMismatch;
    }
    std::string id = "DS " + std::to_string(d.fields.key_tag) + " alg " +
                     std::to_string(d.fields.algorithm) + " digest type " +
                     std::to_string(d.fields.digest_type);
    if (d.match == DsMatch::NoSuchKey)
      lv.warnings.push_back(id + " matches no DNSKEY of " + lv.zone.to_text() +
                            " (rogue or stale DS)");
    else if (d.match == DsMatch::DigestMismatch)
      lv.warnings.push_back(id + ": digest does not match DNSKEY " +
                            std::to_string(d.fields.key_tag) + " (wrong DS)");
    else if (d.match == DsMatch::UnsupportedDigest)
      lv.warnings.push_back(id + ": unsupported digest type");
  }
  for (const auto& k : keys) {
    auto kf = parse_dnskey(k.rdata);
    if (!kf) continue;
    KeyStatus ks{dnskey_key_tag(k.rdata), kf->algorithm, kf->flags, false,
                 signing_tags.count(dnskey_key_tag(k.rdata)) > 0};
    for (const auto& d : lv.ds)
      ks.has_ds |= d.match == DsMatch::MatchesKey && d.fields.key_tag == ks.tag;
    lv.keys.push_back(ks);
  }
}

// Asks every server of the zone for its DNSKEY set: is it self-signed and valid at `now`,
// and do the servers serve the same set?
ChildKeys direct_child_check(Level& lv, DirectQuerier& direct, UnixTime now) {
  ChildKeys out;
  std::vector<std::pair<std::string, std::string>> targets;  // NS name, address
  for (const auto& ns : lv.zone_servers)
    for (const auto& addr : ns.addresses) targets.emplace_back(ns.name.to_text(), addr);
  std::vector<std::future<DirectAnswer>> futs;
  for (const auto& t : targets)
    futs.push_back(std::async(std::launch::async, [&direct, &t, &lv] {
      return direct.query(t.second, lv.zone, kTypeDNSKEY, true);
    }));
  std::set<std::vector<std::string>> key_sets;
  std::string first_bad;
  size_t answered = 0, signed_sets = 0, bad = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    DirectAnswer a = futs[i].get();
    ChildView v{targets[i].first, targets[i].second, a.problem, a.detail, 0, ""};
    if (!a.ok()) {
      v.check = direct_problem_name(a.problem);
      lv.warnings.push_back(v.ns_name + " (" + v.address +
                            "): DNSKEY query: " + direct_problem_name(a.problem) + ": " + a.detail);
      lv.child_servers.push_back(std::move(v));
      continue;
    }
    ++answered;
    auto keys = of_type(a.answer, lv.zone, kTypeDNSKEY);
    v.keys = keys.size();
    key_sets.insert(sorted_rdata(keys));
    if (keys.empty()) {
      v.check = "no DNSKEY (zone not signed)";
    } else {
      ++signed_sets;
      RrsetCheck c = validate_rrset(keys, a.answer_rrsigs, keys, now);
      v.check = c.valid ? "valid" : c.reason;
      if (!c.valid) {
        ++bad;
        if (first_bad.empty()) first_bad = c.reason;
        lv.warnings.push_back("DNSKEY set from " + v.address + ": " + c.reason);
      }
      for (const auto& s : sigs_for(a.answer_rrsigs, lv.zone, kTypeDNSKEY))
        if (auto f = parse_rrsig(s.rdata)) add_window(lv, lv.zone.to_text() + " DNSKEY", *f, now);
      if (out.keys.empty()) {
        out.keys = keys;
        out.sigs = a.answer_rrsigs;
      }
    }
    lv.child_servers.push_back(std::move(v));
  }
  if (key_sets.size() > 1)
    lv.warnings.push_back("the servers of " + lv.zone.to_text() + " serve different DNSKEY sets");
  lv.direct_dnskey_valid = answered > 0 && signed_sets == answered && bad == 0;
  if (answered == 0)
    lv.direct_dnskey_check = "no server of the zone answered";
  else if (signed_sets == 0)
    lv.direct_dnskey_check = "no DNSKEY (zone not signed)";
  else if (bad > 0)
    lv.direct_dnskey_check =
        first_bad + " (" + std::to_string(bad) + " of " + std::to_string(answered) + " servers)";
  else if (signed_sets < answered)
    lv.direct_dnskey_check = "some servers serve no DNSKEY";
  else
    lv.direct_dnskey_check = "valid at " + std::to_string(answered) + " server(s)";
  return out;
}

}  // namespace ts::resolver::chain_internal
