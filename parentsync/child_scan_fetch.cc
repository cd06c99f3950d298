// NetworkChildScanSource: direct TCP queries to each child server, resolver look-ups.
#include "parentsync/child_scan_fetch.h"

#include <arpa/inet.h>

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

ChildScanInput NetworkChildScanSource::gather(const ChildDelegation& d, UnixTime now) {
  ChildScanInput in;
  in.delegation = d;
  in.now = now;
  for (auto& ns : in.delegation.ns) {
    if (ns.addresses.empty())
      for (uint16_t t : {rs::kTypeA, rs::kTypeAAAA}) {
        auto a = resolver_.query(ns.name, t);
        if (!a) continue;
        for (const auto& r : a->records)
          if (r.type == t && r.owner == ns.name)
            if (std::string text = address_text(r.rdata); !text.empty())
              ns.addresses.push_back(text);
      }
    if (ns.addresses.empty()) {
      in.servers.push_back(
          ChildServerAnswer{ns.name.to_text(), "no address found for this NS", {}, {}, {}, {}});
      continue;
    }
    for (const auto& addr : ns.addresses)
      in.servers.push_back(ask_server(d.child, ns.name.to_text(), addr));
  }
  in.validated = resolve_cds(d.child);
  if (d.ds.empty())
    for (const auto& ns : d.ns) {
      if (ns.name.is_subdomain_of(d.child)) continue;  // cannot be validated; decide() says so
      auto name = bootstrap_signal_name(d.child, ns.name);
      if (!name) continue;
      in.signals.push_back(BootstrapSignal{ns.name, *name, resolve_cds(*name)});
    }
  return in;
}

ChildDsDecision scan_child(ChildScanSource& source, const ChildDelegation& delegation, UnixTime now,
                           const ChildScanOptions& options) {
  return decide_child_ds(source.gather(delegation, now), options);
}

}  // namespace ts::parentsync
