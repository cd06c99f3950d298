// The chain walk: zone cuts from the anchor down, per-delegation evidence (parent servers,
// per-server DS with direct validation, DS-to-DNSKEY matching, signature windows) and the
// verdict taken from the validator and explained by that evidence.
#include "resolver/chain.h"

#include <arpa/inet.h>

#include <cstdio>

#include "resolver/chain_evidence.h"

namespace ts::resolver {
namespace {

using chain_internal::of_type;
using chain_internal::sigs_for;

std::string key(const Name& n) {
  return n.lowered().to_text();
}

std::string ipv6_text(const std::string& raw) {
  if (raw.size() != 16) return "?";
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET6, raw.data(), buf, sizeof buf);
  return buf;
}

class Walker {
 public:
  Walker(Resolver& r, DirectQuerier& d, const ChainOptions& o) : res_(r), direct_(d), o_(o) {}

  // Name servers of `zone` with addresses: resolver first, glue/hints/stubs as fallback.
  std::vector<NameServer> servers_of(const Name& zone, const std::vector<NameServer>& parent) {
    std::vector<NameServer> out;
    std::vector<Record> glue;
    auto ns = res_.query(zone, kTypeNS);
    std::vector<Record> nsrecs = ns ? of_type(ns->records, zone, kTypeNS) : std::vector<Record>{};
    if (nsrecs.empty()) {
      // Ask the parent's servers for the delegation (referral: NS + glue).
      for (const auto& p : parent) {
        for (const auto& addr : p.addresses) {
          DirectAnswer a = direct_.query(addr, zone, kTypeNS, false);
          if (!a.ok()) continue;
          nsrecs = of_type(a.answer, zone, kTypeNS);
          if (nsrecs.empty()) nsrecs = of_type(a.authority, zone, kTypeNS);
          glue = a.additional;
          if (!nsrecs.empty()) break;
        }
        if (!nsrecs.empty()) break;
      }
    }
    for (const auto& r : nsrecs) {
      auto target = Name::from_wire(r.rdata);
      if (!target) continue;
      NameServer s{*target, {}, "resolver"};
      for (uint16_t t : {kTypeA, kTypeAAAA}) {
        auto a = res_.query(*target, t);
        if (!a) continue;
        for (const auto& rec : a->records)
          if (rec.type == t) s.addresses.push_back(address_text(rec));
      }
      if (s.addresses.empty()) {
        for (const auto& g : glue)
          if (g.owner == *target && (g.type == kTypeA || g.type == kTypeAAAA))
            s.addresses.push_back(address_text(g));
        s.source = "glue";
      }
      if (s.addresses.empty()) {
        if (auto it = o_.known_addresses.find(key(*target)); it != o_.known_addresses.end())
          s.addresses = it->second;
        s.source = "hints";
      }
      out.push_back(std::move(s));
    }
    if (out.empty()) {
      if (auto it = o_.zone_servers.find(key(zone)); it != o_.zone_servers.end())
        out.push_back(NameServer{zone, it->second, "stub"});
    }
    std::sort(out.begin(), out.end(),
              [](const NameServer& a, const NameServer& b) { return a.name < b.name; });
    return out;
  }

  // Is `name` (below `parent_zone`) a zone cut?
  bool is_cut(const Name& name, const std::vector<NameServer>& parent_servers) {
    auto ns = res_.query(name, kTypeNS);
    if (ns && !of_type(ns->records, name, kTypeNS).empty()) return true;
    for (const auto& p : parent_servers)
      for (const auto& addr : p.addresses) {
        DirectAnswer a = direct_.query(addr, name, kTypeNS, false);
        if (!a.ok()) continue;
        return !of_type(a.answer, name, kTypeNS).empty() ||
               !of_type(a.authority, name, kTypeNS).empty();
      }
    return false;
  }

  void verdict(Level& lv, const Answer& dnskey, const Level* parent) {
    lv.dnskey_security = dnskey.security;
    lv.dnskey_why_bogus = dnskey.why_bogus;
    lv.verdict = dnskey.security;
    bool any_match = false;
    for (const auto& d : lv.ds)
      any_match |= d.in_validated_set && d.match == DsMatch::MatchesKey && d.key_signs_dnskey;
    bool has_validated_ds = std::any_of(lv.ds.begin(), lv.ds.end(),
                                        [](const DsStatus& d) { return d.in_validated_set; });
    switch (dnskey.security) {
      case Security::Secure:
        lv.reason = "DS matches a DNSKEY that signs the DNSKEY set";
        for (const auto& d : lv.ds)
          if (d.match == DsMatch::MatchesKey && d.key_signs_dnskey) {
            lv.reason = (lv.from_anchor ? "trust anchor " : "DS ") +
                        std::to_string(d.fields.key_tag) + " matches DNSKEY " +
                        std::to_string(d.fields.key_tag) + ", which signs the DNSKEY set";
            break;
          }
        break;
      case Security::Insecure:
        if (parent && parent->verdict != Security::Secure)
          lv.reason = "parent " + lv.parent.to_text() + " is " + security_name(parent->verdict);
        else if (!has_validated_ds)
          lv.reason = "no DS for " + lv.zone.to_text() + " in " + lv.parent.to_text() +
                      " (unsigned delegation)";
        else
          lv.reason = "the validator found the delegation insecure";
        if (dnskey.records.empty()) lv.reason += "; zone has no DNSKEY";
        break;
      case Security::Bogus: {
        std::string why;
        if (!any_match && has_validated_ds)
          why = "no DS of " + lv.parent.to_text() + " matches a DNSKEY of " + lv.zone.to_text() +
                " that signs the DNSKEY set";
        if (!lv.direct_dnskey_valid && !lv.direct_dnskey_check.empty())
          why += (why.empty() ? "" : "; ") + std::string("DNSKEY set: ") + lv.direct_dnskey_check;
        lv.reason = why.empty() ? dnskey.why_bogus : why;
        if (!dnskey.why_bogus.empty() && !why.empty())
          lv.reason += " (validator: " + dnskey.why_bogus + ")";
        break;
      }
      case Security::Indeterminate:
        lv.reason = "could not check: " +
                    (dnskey.why_bogus.empty() ? std::string("no answer") : dnskey.why_bogus);
        break;
    }
  }

  Result<ChainReport> walk(const Name& zone) {
    ChainReport rep;
    rep.zone = zone;
    rep.now = o_.now;
    for (const auto& a : o_.anchors)
      if ((a.type == kTypeDS || a.type == kTypeDNSKEY) && zone.is_subdomain_of(a.owner) &&
          (!rep.anchor_zone || a.owner.label_count() > rep.anchor_zone->label_count()))
        rep.anchor_zone = a.owner;
    if (!rep.anchor_zone) {
      auto k = res_.query(zone, kTypeDNSKEY);
      if (!k) return k.error();
      rep.verdict = k->security == Security::Secure ? Security::Secure : k->security;
      rep.reason = "no trust anchor covers " + zone.to_text();
      if (k->security == Security::Bogus) rep.reason += ": " + k->why_bogus;
      return rep;
    }
    // The anchor level.
    Name cur = *rep.anchor_zone;
    std::vector<NameServer> cur_servers;
    {
      Level lv;
      lv.zone = cur;
      lv.parent = cur.parent();
      lv.from_anchor = true;
      auto keys = res_.query(cur, kTypeDNSKEY);
      if (!keys) return keys.error();
      std::vector<Record> anchor_ds, anchor_keys;
      for (const auto& a : o_.anchors)
        if (a.owner == cur) (a.type == kTypeDS ? anchor_ds : anchor_keys).push_back(a);
      // A DNSKEY anchor stands for itself: represent it by its SHA-256 DS.
      for (const auto& k : anchor_keys)
        if (auto ds = ds_for_dnskey(cur, k.rdata, 2))
          anchor_ds.push_back(Record{cur, kTypeDS, 0, *ds});
      lv.ds_security = Security::Secure;
      lv.zone_servers = servers_of(cur, {});
      auto direct_keys = chain_internal::direct_child_check(lv, direct_, o_.now);
      auto krecs = of_type(keys->records, cur, kTypeDNSKEY);
      auto ksigs = keys->rrsigs;
      if (krecs.empty()) {
        krecs = direct_keys.keys;
        ksigs = direct_keys.sigs;
      }
      chain_internal::match_ds(lv, anchor_ds, krecs, ksigs);
      for (const auto& s : sigs_for(keys->rrsigs, cur, kTypeDNSKEY))
        if (auto f = parse_rrsig(s.rdata))
          chain_internal::add_window(lv, cur.to_text() + " DNSKEY", *f, o_.now);
      verdict(lv, *keys, nullptr);
      parent_keys_ = krecs;
      cur_servers = lv.zone_servers;
      rep.levels.push_back(std::move(lv));
    }
    // Zone cuts below the anchor.
    bool not_a_zone = false;
    std::vector<Name> below;
    for (Name n = zone; !(n == cur); n = n.parent()) below.insert(below.begin(), n);
    for (const auto& n : below) {
      if (!is_cut(n, cur_servers)) {
        if (n == zone) not_a_zone = true;
        continue;
      }
      Level lv;
      lv.zone = n;
      lv.parent = cur;
      lv.parent_servers = cur_servers;
      const Level& parent = rep.levels.back();
      bool parent_secure = parent.verdict == Security::Secure;
      chain_internal::check_parent_servers(lv, direct_, parent_keys_, parent_secure, o_.now);
      auto ds = res_.query(n, kTypeDS);
      if (!ds) return ds.error();
      lv.ds_security = ds->security;
      for (const auto& s : sigs_for(ds->rrsigs, n, kTypeDS))
        if (auto f = parse_rrsig(s.rdata))
          chain_internal::add_window(lv, n.to_text() + " DS", *f, o_.now);
      auto keys = res_.query(n, kTypeDNSKEY);
      if (!keys) return keys.error();
      lv.zone_servers = servers_of(n, cur_servers);
      auto direct_keys = chain_internal::direct_child_check(lv, direct_, o_.now);
      auto krecs = of_type(keys->records, n, kTypeDNSKEY);
      auto ksigs = keys->rrsigs;
      if (krecs.empty()) {
        krecs = direct_keys.keys;
        ksigs = direct_keys.sigs;
      }
      chain_internal::match_ds(lv,
                               ds->security == Security::Secure ? of_type(ds->records, n, kTypeDS)
                                                                : std::vector<Record>{},
                               krecs, ksigs);
      for (const auto& s : sigs_for(keys->rrsigs, n, kTypeDNSKEY))
        if (auto f = parse_rrsig(s.rdata))
          chain_internal::add_window(lv, n.to_text() + " DNSKEY", *f, o_.now);
      verdict(lv, *keys, &parent);
      parent_keys_ = keys->security == Security::Secure ? krecs : std::vector<Record>{};
      cur = n;
      cur_servers = lv.zone_servers;
      rep.levels.push_back(std::move(lv));
    }
    const Level& last = rep.levels.back();
    rep.verdict = last.verdict;
    rep.reason = last.zone.to_text() + ": " + last.reason;
    if (not_a_zone) {
      rep.reason = zone.to_text() + " is not a zone apex (no delegation); its zone " + rep.reason;
      rep.warnings.push_back(zone.to_text() + " is not a zone apex; the chain ends at its zone " +
                             last.zone.to_text());
    }
    for (const auto& lv : rep.levels) {
      for (const auto& w : lv.warnings) rep.warnings.push_back(lv.zone.to_text() + ": " + w);
      for (const auto& w : lv.sigs)
        if (!rep.first_expiry || w.expiration < *rep.first_expiry) {
          rep.first_expiry = w.expiration;
          rep.first_expiry_rrset = w.rrset + " (key " + std::to_string(w.key_tag) + ")";
        }
    }
    return rep;
  }

 private:
  std::string address_text(const Record& r) {
    char buf[64] = {0};
    if (r.type == kTypeA && r.rdata.size() == 4)
      snprintf(buf, sizeof buf, "%u.%u.%u.%u", static_cast<uint8_t>(r.rdata[0]),
               static_cast<uint8_t>(r.rdata[1]), static_cast<uint8_t>(r.rdata[2]),
               static_cast<uint8_t>(r.rdata[3]));
    else
      return ipv6_text(r.rdata);
    return buf;
  }

  Resolver& res_;
  DirectQuerier& direct_;
  const ChainOptions& o_;
  std::vector<Record> parent_keys_;
};

}  // namespace

const char* ds_match_name(DsMatch m) {
  switch (m) {
    case DsMatch::MatchesKey:
      return "matches-key";
    case DsMatch::DigestMismatch:
      return "digest-mismatch";
    case DsMatch::NoSuchKey:
      return "no-such-key";
    case DsMatch::UnsupportedDigest:
      return "unsupported-digest";
  }
  return "?";
}

Result<ChainReport> walk_chain(Resolver& resolver, DirectQuerier& direct, const Name& zone,
                               const ChainOptions& options) {
  Walker w(resolver, direct, options);
  return w.walk(zone);
}

int chain_exit_code(const ChainReport& r) {
  switch (r.verdict) {
    case Security::Secure:
      return 0;
    case Security::Insecure:
      return 1;
    case Security::Bogus:
      return 2;
    case Security::Indeterminate:
      return 3;
  }
  return 3;
}

}  // namespace ts::resolver
