// DLV trust-anchor target (RFC 4431 records, RFC 5074 owner names): the DLV RRset of
// <zone>.<dlv-zone> is replaced by one RFC 2136 UPDATE (delete RRset + adds) signed with
// TSIG, built and sent with ldns; confirm() asks the registry's server directly and
// compares the served DLV rdata with the DS of the keys valid now. DLV is historic
// (RFC 8749): this is for closed deployments that still run a DLV registry.
#include <stdbool.h>  // before ldns: keeps ldns from #defining bool
// clang-format off
#include <ldns/ldns.h>
// clang-format on

#include <algorithm>
#include <memory>
#include <set>

#include "resolver/direct_query.h"
#include "tar/publisher.h"

namespace ts::tar {
namespace {

constexpr uint16_t kTypeDlv = 32769;

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct ResFree {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct ListFree {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};

// The DS rdata (wire) of the keys valid at p.now.
std::set<Bytes> expected_rdata(const Publication& p) {
  std::set<Bytes> out;
  for (const KeyDigest& k : p.document.keys)
    if (k.valid_at(p.now))
      out.insert(signer::ds_rdata(
          {k.key_tag, static_cast<signer::Algorithm>(k.algorithm), k.digest_type, k.digest}));
  return out;
}

std::string rdata_text(const Bytes& rd) {
  auto t = signer::rdata_to_text(signer::kTypeDs, rd);
  return t ? *t : std::string("?");
}

class DlvTarget final : public TrustAnchorTarget {
 public:
  explicit DlvTarget(DlvOptions o) : o_(std::move(o)) {}
  std::string describe() const override { return "DLV " + o_.dlv_zone + " at " + o_.server; }

  Result<Name> owner(const Publication& p) const {
    auto dlv = Name::from_text(o_.dlv_zone);
    if (!dlv) return dlv.error();
    std::string z = p.document.zone.lowered().to_text();
    if (z == ".") return *dlv;
    return Name::from_text(z + dlv->to_text());
  }

  Status update(const Publication& p, bool add) {
    auto own = owner(p);
    if (!own) return own.error();
    auto server = resolver::parse_server(o_.server);
    if (!server) return server.error();
    std::unique_ptr<ldns_rr_list, ListFree> up(ldns_rr_list_new());
    ldns_rr* del = ldns_rr_new();
    ldns_rr_set_owner(del, ldns_dname_new_frm_str(own->to_text().c_str()));
    ldns_rr_set_class(del, LDNS_RR_CLASS_ANY);
    ldns_rr_set_type(del, static_cast<ldns_rr_type>(kTypeDlv));
    ldns_rr_set_ttl(del, 0);
    ldns_rr_list_push_rr(up.get(), del);
    if (add) {
      for (const Bytes& rd : expected_rdata(p)) {
        auto text = signer::rdata_to_text(signer::kTypeDs, rd);
        if (!text) return text.error();
        std::string line = own->to_text() + " " + std::to_string(p.ttl) + " IN DLV " + *text;
        ldns_rr* rr = nullptr;
        if (ldns_rr_new_frm_str(&rr, line.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK)
          return fail("DLV record does not parse: " + line);
        ldns_rr_list_push_rr(up.get(), rr);
      }
    }
    ldns_rdf* zone = ldns_dname_new_frm_str(o_.dlv_zone.c_str());
    if (!zone) return fail("bad DLV zone name " + o_.dlv_zone);
    std::unique_ptr<ldns_pkt, PktFree> pkt(
        ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, nullptr, up.get(), nullptr));
    if (!pkt) return fail("cannot build the UPDATE");
    std::unique_ptr<ldns_resolver, ResFree> res(ldns_resolver_new());
    ldns_rdf* addr = ldns_rdf_new_frm_str(
        server->address.find(':') == std::string::npos ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
        server->address.c_str());
    if (!addr) return fail("bad server address " + server->address);
    ldns_resolver_push_nameserver(res.get(), addr);
    ldns_rdf_deep_free(addr);
    ldns_resolver_set_port(res.get(), server->port);
    ldns_resolver_set_usevc(res.get(), true);
    ldns_resolver_set_retry(res.get(), 2);
    timeval tv{5, 0};
    ldns_resolver_set_timeout(res.get(), tv);
    std::string alg = o_.tsig_alg;
    if (alg.empty() || alg.back() != '.') alg += ".";
    ldns_resolver_set_tsig_keyname(res.get(), o_.tsig_name.c_str());
    ldns_resolver_set_tsig_algorithm(res.get(), alg.c_str());
    ldns_resolver_set_tsig_keydata(res.get(), o_.tsig_secret.str().c_str());
    if (ldns_update_pkt_tsig_add(pkt.get(), res.get()) != LDNS_STATUS_OK)
      return fail("cannot TSIG-sign the UPDATE (key " + o_.tsig_name + ")");
    ldns_pkt* answer = nullptr;
    ldns_status st = ldns_resolver_send_pkt(&answer, res.get(), pkt.get());
    std::unique_ptr<ldns_pkt, PktFree> ans(answer);
    if (st != LDNS_STATUS_OK)
      return fail("UPDATE to " + server->to_text() + ": " + ldns_get_errorstr_by_id(st));
    if (!ans) return fail("UPDATE to " + server->to_text() + ": no answer");
    ldns_pkt_rcode rc = ldns_pkt_get_rcode(ans.get());
    if (rc != LDNS_RCODE_NOERROR) {
      char* s = ldns_pkt_rcode2str(rc);
      std::string name = s ? s : std::to_string(rc);
      free(s);
      return fail("UPDATE of " + own->to_text() + " DLV refused by " + server->to_text() + ": " +
                  name);
    }
    return {};
  }

  Status publish(const Publication& p) override { return update(p, true); }
  Status withdraw(const Publication& p) override { return update(p, false); }

  Result<std::vector<DocumentProblem>> confirm(const Publication& p) override {
    auto own = owner(p);
    if (!own) return own.error();
    auto server = resolver::parse_server(o_.server);
    if (!server) return server.error();
    resolver::DirectQueryOptions qo;
    auto a = resolver::direct_query(*server, *own, kTypeDlv, qo);
    if (!a.ok() && !a.nodata && !a.nxdomain)
      return fail("DLV query to " + server->to_text() + ": " +
                  resolver::direct_problem_name(a.problem) + " " + a.detail);
    std::set<Bytes> served;
    for (const auto& r : a.answer)
      if (r.type == kTypeDlv) served.insert(Bytes(r.rdata.begin(), r.rdata.end()));
    std::set<Bytes> want = expected_rdata(p);
    std::vector<DocumentProblem> out;
    for (const Bytes& w : want)
      if (!served.count(w))
        out.push_back({DocumentProblem::Kind::MissingKey, "DLV " + rdata_text(w) + " not served"});
    for (const Bytes& s : served)
      if (!want.count(s))
        out.push_back({DocumentProblem::Kind::ExtraKey, "DLV " + rdata_text(s) + " unexpected"});
    return out;
  }

 private:
  DlvOptions o_;
};

}  // namespace

std::unique_ptr<TrustAnchorTarget> make_dlv_target(DlvOptions o) {
  return std::make_unique<DlvTarget>(std::move(o));
}

}  // namespace ts::tar
