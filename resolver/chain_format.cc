// Rendering of a ChainReport: readable text for operators and JSON (same data) for programs.
#include <cstdio>
#include <sstream>

#include "resolver/chain.h"

namespace ts::resolver {
namespace {

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\t':
        o += "\\t";
        break;
      case '\r':
        o += "\\r";
        break;
      default:
        if (c < 0x20) {
          char b[8];
          snprintf(b, sizeof b, "\\u%04x", c);
          o += b;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o + "\"";
}

template <typename T, typename F>
std::string json_array(const std::vector<T>& v, F f) {
  std::string o = "[";
  for (size_t i = 0; i < v.size(); ++i) o += (i ? "," : "") + f(v[i]);
  return o + "]";
}

std::string json_strings(const std::vector<std::string>& v) {
  return json_array(v, [](const std::string& s) { return json_str(s); });
}

std::string span(int64_t d) {
  char b[64];
  if (d >= 86400)
    snprintf(b, sizeof b, "%lldd%02lldh", static_cast<long long>(d / 86400),
             static_cast<long long>(d % 86400 / 3600));
  else
    snprintf(b, sizeof b, "%lldh%02lldm%02llds", static_cast<long long>(d / 3600),
             static_cast<long long>(d % 3600 / 60), static_cast<long long>(d % 60));
  return b;
}

// "expires in 3d04h" / "EXPIRED 2d01h ago"
std::string until(UnixTime t, UnixTime now) {
  return t >= now ? "expires in " + span(t - now) : "EXPIRED " + span(now - t) + " ago";
}

std::string ds_short(const DsFields& f) {
  return std::to_string(f.key_tag) + " " + std::to_string(f.algorithm) + " " +
         std::to_string(f.digest_type) + " " + to_hex(f.digest);
}

}  // namespace

std::string format_chain_text(const ChainReport& r) {
  std::ostringstream o;
  o << "chain of trust for " << r.zone.to_text() << " at " << format_time(r.now) << "\n";
  if (r.anchor_zone) o << "trust anchor: " << r.anchor_zone->to_text() << "\n";
  for (const auto& lv : r.levels) {
    o << "\n== " << lv.zone.to_text();
    if (!lv.from_anchor) o << "  (delegated from " << lv.parent.to_text() << ")";
    o << "  " << security_name(lv.verdict) << "\n";
    if (!lv.from_anchor) {
      o << "  parent servers:\n";
      for (const auto& v : lv.servers) {
        o << "    " << v.ns_name << " " << v.address << ": ";
        if (v.problem != DirectProblem::None) {
          o << direct_problem_name(v.problem) << " (" << v.detail << ")\n";
          continue;
        }
        if (!v.has_ds) {
          o << "no DS";
          if (v.validated)
            o << (v.check.valid ? " (denial of existence valid)"
                                : ", denial INVALID: " + v.check.reason);
          o << "\n";
          continue;
        }
        o << v.ds.size() << " DS";
        if (v.validated)
          o << (v.check.valid ? ", signature valid" : ", INVALID: " + v.check.reason);
        o << "\n";
        for (const auto& d : v.ds)
          if (auto f = parse_ds(d.rdata)) o << "      DS " << ds_short(*f) << "\n";
      }
      o << "  parent servers agree: " << (lv.servers_agree ? "yes" : "NO") << "\n";
      o << "  validated DS answer: " << security_name(lv.ds_security) << "\n";
    }
    o << "  " << (lv.from_anchor ? "anchor" : "DS") << " records:\n";
    if (lv.ds.empty()) o << "    (none)\n";
    for (const auto& d : lv.ds) {
      o << "    DS " << ds_short(d.fields) << "\n      -> " << ds_match_name(d.match);
      if (d.match == DsMatch::MatchesKey)
        o << " DNSKEY " << d.fields.key_tag
          << (d.key_signs_dnskey ? " (signs DNSKEY set)" : " (does not sign the DNSKEY set)");
      else if (d.match == DsMatch::NoSuchKey)
        o << " (rogue or stale: no DNSKEY with this tag and algorithm)";
      o << "; seen at";
      for (const auto& s : d.seen_at) o << " " << s;
      o << "\n";
    }
    o << "  servers of " << lv.zone.to_text() << ":";
    for (const auto& ns : lv.zone_servers) {
      o << " " << ns.name.to_text();
      for (const auto& a : ns.addresses) o << " " << a;
      if (ns.source != "resolver") o << " (" << ns.source << ")";
      o << ";";
    }
    o << "\n";
    o << "  DNSKEY (" << security_name(lv.dnskey_security) << "):\n";
    if (lv.keys.empty()) o << "    (none)\n";
    for (const auto& k : lv.keys)
      o << "    " << k.tag << " alg " << unsigned(k.algorithm) << " flags " << k.flags
        << (k.flags & 1 ? " (KSK/SEP)" : " (ZSK)") << (k.has_ds ? ", has DS" : "")
        << (k.signs_dnskey ? ", signs DNSKEY set" : "") << "\n";
    if (!lv.child_servers.empty()) {
      o << "  DNSKEY set at each server of " << lv.zone.to_text() << ":\n";
      for (const auto& c : lv.child_servers) {
        o << "    " << c.ns_name << " " << c.address << ": ";
        if (c.problem != DirectProblem::None)
          o << direct_problem_name(c.problem) << " (" << c.detail << ")\n";
        else
          o << c.keys << " DNSKEY, " << c.check << "\n";
      }
    }
    if (!lv.sigs.empty()) {
      o << "  signatures:\n";
      for (const auto& s : lv.sigs)
        o << "    " << s.rrset << " key " << s.key_tag << ": " << format_time(s.inception) << " .. "
          << format_time(s.expiration) << " (" << until(s.expiration, r.now) << ")\n";
    }
    o << "  verdict: " << security_name(lv.verdict) << ": " << lv.reason << "\n";
    if (!lv.dnskey_why_bogus.empty()) o << "  validator says: " << lv.dnskey_why_bogus << "\n";
  }
  if (!r.warnings.empty()) {
    o << "\nwarnings:\n";
    for (const auto& w : r.warnings) o << "  ! " << w << "\n";
  }
  o << "\nVERDICT: " << security_name(r.verdict) << ": " << r.reason << "\n";
  if (r.first_expiry)
    o << "first signature expiry: " << r.first_expiry_rrset << " at "
      << format_time(*r.first_expiry) << " (" << until(*r.first_expiry, r.now) << ")\n";
  return o.str();
}

std::string format_chain_json(const ChainReport& r) {
  std::ostringstream o;
  auto opt_time = [](const std::optional<UnixTime>& t) {
    return t ? std::to_string(*t) : std::string("null");
  };
  o << "{\"zone\":" << json_str(r.zone.to_text()) << ",\"now\":" << r.now
    << ",\"trust_anchor\":" << (r.anchor_zone ? json_str(r.anchor_zone->to_text()) : "null")
    << ",\"verdict\":" << json_str(security_name(r.verdict)) << ",\"reason\":" << json_str(r.reason)
    << ",\"exit_code\":" << chain_exit_code(r) << ",\"first_expiry\":" << opt_time(r.first_expiry)
    << ",\"first_expiry_rrset\":" << json_str(r.first_expiry_rrset)
    << ",\"seconds_to_first_expiry\":"
    << (r.first_expiry ? std::to_string(*r.first_expiry - r.now) : "null")
    << ",\"warnings\":" << json_strings(r.warnings) << ",\"levels\":";
  o << json_array(r.levels, [&](const Level& lv) {
    std::ostringstream l;
    l << "{\"zone\":" << json_str(lv.zone.to_text())
      << ",\"parent\":" << json_str(lv.parent.to_text())
      << ",\"from_anchor\":" << (lv.from_anchor ? "true" : "false")
      << ",\"verdict\":" << json_str(security_name(lv.verdict))
      << ",\"reason\":" << json_str(lv.reason)
      << ",\"ds_security\":" << json_str(security_name(lv.ds_security))
      << ",\"dnskey_security\":" << json_str(security_name(lv.dnskey_security))
      << ",\"why_bogus\":" << json_str(lv.dnskey_why_bogus)
      << ",\"servers_agree\":" << (lv.servers_agree ? "true" : "false");
    l << ",\"parent_servers\":" << json_array(lv.servers, [](const ServerView& v) {
      return "{\"name\":" + json_str(v.ns_name) + ",\"address\":" + json_str(v.address) +
             ",\"status\":" + json_str(direct_problem_name(v.problem)) +
             ",\"detail\":" + json_str(v.detail) + ",\"has_ds\":" + (v.has_ds ? "true" : "false") +
             ",\"ds\":" +
             json_array(v.ds, [](const Record& d) { return json_str(record_to_text(d)); }) +
             ",\"validated\":" + (v.validated ? "true" : "false") + ",\"signature\":" +
             json_str(!v.validated    ? "not-checked"
                      : v.check.valid ? "valid"
                                      : sig_problem_name(v.check.problem)) +
             ",\"signature_reason\":" + json_str(v.check.reason) + "}";
    });
    l << ",\"ds\":" << json_array(lv.ds, [](const DsStatus& d) {
      return "{\"key_tag\":" + std::to_string(d.fields.key_tag) +
             ",\"algorithm\":" + std::to_string(d.fields.algorithm) +
             ",\"digest_type\":" + std::to_string(d.fields.digest_type) +
             ",\"digest\":" + json_str(to_hex(d.fields.digest)) +
             ",\"match\":" + json_str(ds_match_name(d.match)) +
             ",\"rogue\":" + (d.match == DsMatch::NoSuchKey ? "true" : "false") +
             ",\"key_signs_dnskey\":" + (d.key_signs_dnskey ? "true" : "false") +
             ",\"in_validated_set\":" + (d.in_validated_set ? "true" : "false") +
             ",\"seen_at\":" + json_strings(d.seen_at) + "}";
    });
    l << ",\"dnskeys\":" << json_array(lv.keys, [](const KeyStatus& k) {
      return "{\"key_tag\":" + std::to_string(k.tag) +
             ",\"algorithm\":" + std::to_string(k.algorithm) +
             ",\"flags\":" + std::to_string(k.flags) +
             ",\"has_ds\":" + (k.has_ds ? "true" : "false") +
             ",\"signs_dnskey\":" + (k.signs_dnskey ? "true" : "false") + "}";
    });
    l << ",\"zone_servers\":" << json_array(lv.zone_servers, [](const NameServer& ns) {
      return "{\"name\":" + json_str(ns.name.to_text()) +
             ",\"addresses\":" + json_strings(ns.addresses) + ",\"source\":" + json_str(ns.source) +
             "}";
    });
    l << ",\"zone_server_dnskey\":" << json_array(lv.child_servers, [](const ChildView& c) {
      return "{\"name\":" + json_str(c.ns_name) + ",\"address\":" + json_str(c.address) +
             ",\"status\":" + json_str(direct_problem_name(c.problem)) +
             ",\"detail\":" + json_str(c.detail) + ",\"dnskeys\":" + std::to_string(c.keys) +
             ",\"check\":" + json_str(c.check) + "}";
    });
    l << ",\"direct_dnskey_valid\":" << (lv.direct_dnskey_valid ? "true" : "false")
      << ",\"direct_dnskey_check\":" << json_str(lv.direct_dnskey_check);
    l << ",\"signatures\":" << json_array(lv.sigs, [](const SigWindow& s) {
      return "{\"rrset\":" + json_str(s.rrset) + ",\"key_tag\":" + std::to_string(s.key_tag) +
             ",\"inception\":" + std::to_string(s.inception) +
             ",\"expiration\":" + std::to_string(s.expiration) + "}";
    });
    l << ",\"first_expiry\":" << opt_time(lv.first_expiry)
      << ",\"warnings\":" << json_strings(lv.warnings) << "}";
    return l.str();
  });
  o << "}\n";
  return o.str();
}

}  // namespace ts::resolver
