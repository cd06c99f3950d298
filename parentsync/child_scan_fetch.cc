// NetworkChildScanSource: direct TCP queries to each child server, resolver look-ups.
#include "parentsync/child_scan_fetch.h"

#include <arpa/inet.h>

#include <chrono>

#include "parentsync/dns_exchange.h"
#include "resolver/records.h"

namespace ts::parentsync {
namespace {

namespace rs = ts::resolver;

std::string address_text(const std::string& rdata) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (rdata.size() == 4) inet_ntop(AF_INET, rdata.data(), buf, sizeof buf);
  if (rdata.size() == 16) inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf);
  return buf;
}

int rank(rs::Security s) {
  switch (s) {
    case rs::Security::Secure:
      return 0;
    case rs::Security::Insecure:
      return 1;
    case rs::Security::Indeterminate:
      return 2;
    case rs::Security::Bogus:
      return 3;
  }
  return 3;
}

}  // namespace

ChildServerAnswer NetworkChildScanSource::ask_server(const Name& child, const std::string& ns_name,
                                                     const std::string& address) {
  ChildServerAnswer a;
  a.server = ns_name + "/" + address;
  auto addr = ServerAddress::parse(address);
  if (!addr) {
    a.error = addr.error().message;
    return a;
  }
  for (uint16_t type : {rs::kTypeDNSKEY, kTypeCDS, kTypeCDNSKEY}) {
    auto reply = ask(*addr, child, static_cast<ldns_rr_type>(type), timeout_);
    if (!reply) {
      a.error = reply.error().message;
      return a;
    }
    ldns_pkt* p = reply->pkt.get();
    if (ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR) {
      char* rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(p));
      a.error = std::string("answered ") + (rc ? rc : "?") + " for " + child.to_text();
      free(rc);
      return a;
    }
    if (!ldns_pkt_aa(p)) {
      a.error = "not authoritative for " + child.to_text() + " (lame delegation?)";
      return a;
    }
    ldns_rr_list* ans = ldns_pkt_answer(p);
    for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); ++i) {
      auto r = rs::record_from_ldns(ldns_rr_list_rr(ans, i));
      if (!r || !(r->owner == child)) continue;
      if (r->type == rs::kTypeRRSIG) a.rrsigs.push_back(*r);
      if (r->type == type && type == rs::kTypeDNSKEY) a.dnskey.push_back(*r);
      if (r->type == type && type == kTypeCDS) a.cds.push_back(*r);
      if (r->type == type && type == kTypeCDNSKEY) a.cdnskey.push_back(*r);
    }
  }
  return a;
}

ResolvedCds NetworkChildScanSource::resolve_cds(const Name& name) {
  ResolvedCds v;
  v.security = rs::Security::Secure;
  for (uint16_t type : {kTypeCDS, kTypeCDNSKEY}) {
    auto a = resolver_.query(name, type);
    if (!a) {
      v.security = rs::Security::Indeterminate;
      v.error = a.error().message;
      return v;
    }
    if (rank(a->security) > rank(v.security)) {
      v.security = a->security;
      v.error = a->why_bogus;
    }
    if (a->rcode != 0 && a->rcode != 3 && v.error.empty())
      v.error = "answer code " + std::to_string(a->rcode);
    for (const auto& r : a->records)
      if (r.type == type && r.owner == name) (type == kTypeCDS ? v.cds : v.cdnskey).push_back(r);
  }
  return v;
}

double NetworkChildScanSource::monotonic() const {
  if (limits_.monotonic) return limits_.monotonic();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string NetworkChildScanSource::lookup_addresses(ChildDelegation::NameServer& ns) {
  for (uint16_t t : {rs::kTypeA, rs::kTypeAAAA}) {
    const std::string what =
        std::string(t == rs::kTypeA ? "A" : "AAAA") + " look-up of NS " + ns.name.to_text();
    auto a = resolver_.query(ns.name, t);
    if (!a) return "the " + what + " failed: " + a.error().message;
    if (a->security == rs::Security::Bogus) return "the " + what + " is bogus: " + a->why_bogus;
    if (a->rcode != 0 && a->rcode != 3)
      return "the " + what + " failed: answer code " + std::to_string(a->rcode);
    for (const auto& r : a->records)
      if (r.type == t && r.owner == ns.name)
        if (std::string text = address_text(r.rdata); !text.empty()) ns.addresses.push_back(text);
  }
  return "";
}

ChildScanInput NetworkChildScanSource::gather(const ChildDelegation& d, UnixTime now) {
  ChildScanInput in;
  in.delegation = d;
  in.now = now;
  const double start = monotonic();
  auto spent = [&]() {  // true (and `abandoned` says why) once the budget is used up
    if (monotonic() - start <= static_cast<double>(limits_.budget_seconds)) return false;
    in.abandoned = "its time budget of " + std::to_string(limits_.budget_seconds) +
                   " s is spent (" + std::to_string(in.servers.size()) + " server answers so far)";
    return true;
  };
  size_t addresses = 0;
  for (auto& ns : in.delegation.ns) {
    if (spent()) return in;
    std::string error = ns.addresses.empty() ? lookup_addresses(ns) : "";
    if (error.empty() && ns.addresses.empty()) error = "no address found for this NS (A or AAAA)";
    if (!error.empty())  // the server set is unknown: the decision rejects on this error
      in.servers.push_back(ChildServerAnswer{ns.name.to_text(), error, {}, {}, {}, {}});
    addresses += ns.addresses.size();
    if (addresses > limits_.max_addresses) {
      in.abandoned = "its name servers have more than " + std::to_string(limits_.max_addresses) +
                     " addresses; not every server can be checked";
      return in;
    }
  }
  if (!in.servers.empty()) return in;  // an NS without (known) addresses: no server is asked
  for (const auto& ns : in.delegation.ns)
    for (const auto& addr : ns.addresses) {
      if (spent()) return in;
      in.servers.push_back(ask_server(d.child, ns.name.to_text(), addr));
    }
  if (spent()) return in;
  in.validated = resolve_cds(d.child);
  if (d.ds.empty())
    for (const auto& ns : d.ns) {
      if (ns.name.is_subdomain_of(d.child)) continue;  // cannot be validated; decide() says so
      auto name = bootstrap_signal_name(d.child, ns.name);
      if (!name) continue;
      if (spent()) return in;
      in.signals.push_back(BootstrapSignal{ns.name, *name, resolve_cds(*name)});
    }
  return in;
}

ChildDsDecision scan_child(ChildScanSource& source, const ChildDelegation& delegation, UnixTime now,
                           const ChildScanOptions& options) {
  return decide_child_ds(source.gather(delegation, now), options);
}

}  // namespace ts::parentsync
