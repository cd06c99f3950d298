// ChainReport -> alert conditions with evidence (see alert_chain.h).
#include "agent/alert_chain.h"

#include <cctype>

namespace ts::agent {
namespace {

using resolver::ChainReport;
using resolver::Level;
using resolver::Security;

std::string upper_hex(const std::string& raw) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string server_label(const std::string& ns, const std::string& addr) {
  return ns.empty() ? addr : ns + " " + addr;
}

// What each parent server serves for the level's DS, and how each DS matches.
void level_evidence(const Level& l, std::vector<Evidence>& out) {
  for (const auto& s : l.servers) {
    std::string what;
    if (s.problem != resolver::DirectProblem::None) {
      what = std::string(resolver::direct_problem_name(s.problem)) +
             (s.detail.empty() ? "" : ": " + s.detail);
    } else if (!s.has_ds) {
      what = "no DS for " + l.zone.to_text();
    } else {
      for (const auto& r : s.ds) {
        auto f = resolver::parse_ds(r.rdata);
        if (!what.empty()) what += ", ";
        what += f ? ds_text(*f) : resolver::record_to_text(r);
      }
    }
    out.push_back({server_label(s.ns_name, s.address), what});
  }
  for (const auto& d : l.ds)
    out.push_back({"DS check " + l.zone.to_text(),
                   ds_text(d.fields) + " -> " + resolver::ds_match_name(d.match)});
  std::string v = std::string("DNSKEY ") + resolver::security_name(l.dnskey_security);
  if (!l.dnskey_why_bogus.empty()) v += ": " + l.dnskey_why_bogus;
  out.push_back({"validator, " + l.zone.to_text(), v});
}

}  // namespace

std::string ds_text(const resolver::DsFields& ds) {
  return "DS " + std::to_string(ds.key_tag) + " " + std::to_string(ds.algorithm) + " " +
         std::to_string(ds.digest_type) + " " + upper_hex(ds.digest);
}

std::vector<AlertCondition> chain_alert_conditions(const ChainReport& report,
                                                   const std::vector<std::string>& targets) {
  std::vector<AlertCondition> out;
  const std::string zone = report.zone.to_text();
  const Level* bogus = nullptr;
  for (const auto& l : report.levels)
    if (!bogus && l.verdict == Security::Bogus) bogus = &l;

  AlertCondition broken;
  broken.event.kind = AlertKind::ChainBroken;
  broken.event.zone = zone;
  broken.event.subject = zone;
  broken.event.targets = targets;
  broken.active = report.verdict == Security::Bogus;
  if (broken.active) {
    std::string at = bogus ? bogus->zone.to_text() : zone;
    broken.event.summary = "chain of trust broken at " + at + ": " +
                           (bogus && !bogus->reason.empty() ? bogus->reason : report.reason);
    if (bogus) level_evidence(*bogus, broken.event.evidence);
  } else {
    broken.event.summary =
        "chain of trust to " + zone + " is " + resolver::security_name(report.verdict) + " again";
    if (!report.levels.empty()) level_evidence(report.levels.back(), broken.event.evidence);
  }
  out.push_back(std::move(broken));

  for (const auto& l : report.levels) {
    if (l.from_anchor) continue;
    AlertCondition c;
    c.event.kind = AlertKind::DsInconsistent;
    c.event.zone = zone;
    c.event.subject = l.zone.to_text();
    c.event.targets = targets;
    c.active = !l.servers_agree;
    c.event.summary = "the servers of " + l.parent.to_text() + " " +
                      (c.active ? "disagree" : "agree again") + " about the DS of " +
                      l.zone.to_text();
    level_evidence(l, c.event.evidence);
    out.push_back(std::move(c));
    if (l.verdict == Security::Bogus) continue;  // the chain-broken alert says it all
    for (const auto& d : l.ds) {
      if (d.match != resolver::DsMatch::NoSuchKey) continue;
      AlertCondition r;
      r.event.kind = AlertKind::RogueDs;
      r.event.zone = zone;
      r.event.subject = l.zone.to_text() + " " + ds_text(d.fields);
      r.event.targets = targets;
      r.active = true;
      r.event.summary = "a DS for " + l.zone.to_text() + " at " + l.parent.to_text() +
                        " matches no DNSKEY: " + ds_text(d.fields);
      std::string seen;
      for (const auto& s : d.seen_at) seen += (seen.empty() ? "" : ", ") + s;
      r.event.evidence.push_back({"served by", seen.empty() ? "(unknown)" : seen});
      level_evidence(l, r.event.evidence);
      out.push_back(std::move(r));
    }
  }
  return out;
}

bool chain_walk_conclusive(const ChainReport& report) {
  return report.verdict != Security::Indeterminate;
}

bool chain_break_confirmed(bool broken, int confirm, int& streak) {
  if (!broken) {
    streak = 0;
    return true;
  }
  if (streak < confirm) ++streak;
  return streak >= confirm;
}

}  // namespace ts::agent
