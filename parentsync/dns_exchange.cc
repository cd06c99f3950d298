// TCP exchange with one server and a direct DS query, through ldns.
#include "parentsync/dns_exchange.h"

#include <cstdlib>

namespace ts::parentsync {

Result<ServerAddress> ServerAddress::parse(const std::string& text) {
  ServerAddress s;
  std::string addr = text;
  std::string port;
  if (!addr.empty() && addr[0] == '[') {
    auto close = addr.find(']');
    if (close == std::string::npos) return fail("bad server address \"" + text + "\"");
    if (close + 1 < addr.size()) {
      if (addr[close + 1] != ':' && addr[close + 1] != '#')
        return fail("bad server address \"" + text + "\"");
      port = addr.substr(close + 2);
    }
    addr = addr.substr(1, close - 1);
  } else if (auto hash = addr.find('#'); hash != std::string::npos) {
    port = addr.substr(hash + 1);
    addr = addr.substr(0, hash);
  }
  if (!port.empty()) {
    char* end = nullptr;
    long p = strtol(port.c_str(), &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535) return fail("bad port in \"" + text + "\"");
    s.port = static_cast<uint16_t>(p);
  }
  ldns_rdf* rdf = ldns_rdf_new_frm_str(
      addr.find(':') != std::string::npos ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, addr.c_str());
  if (!rdf) return fail("bad server address \"" + text + "\" (an IP address is needed)");
  ldns_rdf_deep_free(rdf);
  s.address = addr;
  return s;
}

std::string ServerAddress::to_string() const {
  return port == 53 ? address : address + "#" + std::to_string(port);
}

ldns_rdf* to_ldns_dname(const Name& name) {
  const std::string& w = name.wire();
  return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, w.size(), w.data());
}

Result<Reply> tcp_exchange(const ServerAddress& server, const ldns_pkt* query,
                           int timeout_seconds) {
  const std::string who = server.to_string();
  bool v6 = server.address.find(':') != std::string::npos;
  ldns_rdf* a =
      ldns_rdf_new_frm_str(v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, server.address.c_str());
  if (!a) return fail(who + ": bad address");
  size_t sa_len = 0;
  struct sockaddr_storage* sa = ldns_rdf2native_sockaddr_storage(a, server.port, &sa_len);
  ldns_rdf_deep_free(a);
  if (!sa) return fail(who + ": bad address");

  ldns_buffer* qbin = ldns_buffer_new(LDNS_MAX_PACKETLEN);
  if (ldns_pkt2buffer_wire(qbin, query) != LDNS_STATUS_OK) {
    ldns_buffer_free(qbin);
    free(sa);
    return fail(who + ": cannot encode the query");
  }
  uint8_t* answer = nullptr;
  size_t answer_size = 0;
  struct timeval tv {
    timeout_seconds, 0
  };
  ldns_status st =
      ldns_tcp_send(&answer, qbin, sa, static_cast<socklen_t>(sa_len), tv, &answer_size);
  ldns_buffer_free(qbin);
  free(sa);
  if (st != LDNS_STATUS_OK || !answer)
    return fail(who + ": no answer over TCP (" + ldns_get_errorstr_by_id(st) + ")");
  Reply r;
  r.wire.assign(answer, answer + answer_size);
  free(answer);
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, r.wire.data(), r.wire.size()) != LDNS_STATUS_OK || !pkt)
    return fail(who + ": malformed reply");
  r.pkt.reset(pkt);
  if (!ldns_pkt_qr(pkt) || ldns_pkt_id(pkt) != ldns_pkt_id(query))
    return fail(who + ": reply does not match the query (ID or QR)");
  return r;
}

Result<Reply> ask(const ServerAddress& server, const Name& qname, ldns_rr_type type,
                  int timeout_seconds, bool recursion) {
  const std::string who = server.to_string();
  ldns_pkt* q = ldns_pkt_query_new(to_ldns_dname(qname), type, LDNS_RR_CLASS_IN, 0);
  if (!q) return fail(who + ": cannot build the query");
  PktPtr query(q);
  ldns_pkt_set_random_id(q);
  ldns_pkt_set_rd(q, recursion);
  ldns_pkt_set_ad(q, recursion);
  ldns_pkt_set_edns_udp_size(q, 1232);
  ldns_pkt_set_edns_do(q, true);
  return tcp_exchange(server, q, timeout_seconds);
}

Result<DsAnswer> query_ds(const ServerAddress& server, const Name& child, int timeout_seconds) {
  const std::string who = server.to_string();
  auto reply = ask(server, child, LDNS_RR_TYPE_DS, timeout_seconds);
  if (!reply) return reply.error();
  ldns_pkt* p = reply->pkt.get();
  ldns_pkt_rcode rc = ldns_pkt_get_rcode(p);
  if (rc != LDNS_RCODE_NOERROR) {
    char* s = ldns_pkt_rcode2str(rc);
    std::string msg = who + ": DS query for " + child.to_text() + " answered " + (s ? s : "?");
    free(s);
    return fail(msg);
  }
  if (!ldns_pkt_aa(p))
    return fail(who + ": not authoritative for the DS of " + child.to_text() + " (lame?)");
  DsAnswer out;
  ldns_rr_list* ans = ldns_pkt_answer(p);
  for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(ans, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DS) continue;
    auto owner = Name::from_wire(
        std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(ldns_rr_owner(rr))),
                         ldns_rdf_size(ldns_rr_owner(rr))));
    if (!owner || !(*owner == child)) continue;
    ldns_buffer* b = ldns_buffer_new(512);
    ldns_rr_rdata2buffer_wire(b, rr);
    auto ds = DsRecord::from_rdata(
        std::span<const uint8_t>(ldns_buffer_begin(b), ldns_buffer_position(b)));
    ldns_buffer_free(b);
    if (!ds) return fail(who + ": malformed DS: " + ds.error().message);
    out.ds.push_back(*ds);
    out.ttl = ldns_rr_ttl(rr);
  }
  out.ds = canonical_set(std::move(out.ds));
  return out;
}

}  // namespace ts::parentsync
