// RFC 2136 UPDATE publisher: read current DS, build prerequisite + replace, TSIG-sign, send,
// verify the reply's TSIG, classify the outcome, retry with backoff.
#include "parentsync/publish_update.h"

#include <cstdlib>
#include <optional>

namespace ts::parentsync {
namespace {

struct RrListDeleter {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListDeleter>;

// An RR with no rdata (RFC 2136 class ANY / NONE forms).
ldns_rr* empty_rr(const Name& owner, ldns_rr_class cls) {
  ldns_rr* rr = ldns_rr_new();
  ldns_rr_set_owner(rr, to_ldns_dname(owner));
  ldns_rr_set_type(rr, LDNS_RR_TYPE_DS);
  ldns_rr_set_class(rr, cls);
  ldns_rr_set_ttl(rr, 0);
  return rr;
}

Result<ldns_rr*> ds_rr(const Name& owner, const DsRecord& ds, uint32_t ttl, ldns_rr_class cls) {
  ldns_rr* rr = nullptr;
  std::string text = ds.to_text(owner, ttl);
  if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK || !rr)
    return fail("cannot encode \"" + text + "\"");
  ldns_rr_set_class(rr, cls);
  return rr;
}

std::string rcode_text(ldns_pkt_rcode rc) {
  char* s = ldns_pkt_rcode2str(rc);
  std::string out = s ? s : "RCODE " + std::to_string(rc);
  free(s);
  return out;
}

std::string tsig_error_text(uint16_t e) {
  switch (e) {
    case 16:
      return "BADSIG";
    case 17:
      return "BADKEY";
    case 18:
      return "BADTIME";
    case 22:
      return "BADTRUNC";
    default:
      return "TSIG error " + std::to_string(e);
  }
}

}  // namespace

Result<PktPtr> build_ds_update(const Name& zone, const Name& child,
                               const std::vector<DsRecord>& current,
                               const std::vector<DsRecord>& desired, uint32_t ttl) {
  if (!child.is_subdomain_of(zone) || child == zone)
    return fail(child.to_text() + " is not below the zone " + zone.to_text());
  RrListPtr prereq(ldns_rr_list_new()), update(ldns_rr_list_new());
  if (current.empty()) {
    // RFC 2136 2.4.3: RRset does not exist (class NONE, TTL 0, no rdata).
    ldns_rr_list_push_rr(prereq.get(), empty_rr(child, LDNS_RR_CLASS_NONE));
  } else {
    // RFC 2136 2.4.2: RRset exists (value dependent): every RR, zone class, TTL 0.
    for (const DsRecord& ds : canonical_set(current)) {
      auto rr = ds_rr(child, ds, 0, LDNS_RR_CLASS_IN);
      if (!rr) return rr.error();
      ldns_rr_list_push_rr(prereq.get(), *rr);
    }
  }
  // RFC 2136 2.5.2: delete the RRset (class ANY, TTL 0, no rdata), then 2.5.1 add.
  ldns_rr_list_push_rr(update.get(), empty_rr(child, LDNS_RR_CLASS_ANY));
  for (const DsRecord& ds : canonical_set(desired)) {
    auto rr = ds_rr(child, ds, ttl, LDNS_RR_CLASS_IN);
    if (!rr) return rr.error();
    ldns_rr_list_push_rr(update.get(), *rr);
  }
  ldns_pkt* pkt = ldns_update_pkt_new(to_ldns_dname(zone), LDNS_RR_CLASS_IN, prereq.get(),
                                      update.get(), nullptr);
  if (!pkt) return fail("cannot build the UPDATE message");
  ldns_pkt_set_random_id(pkt);
  return PktPtr(pkt);
}

UpdateReply send_update(const ServerAddress& server, ldns_pkt* pkt, const TsigKey* key,
                        int timeout_seconds) {
  UpdateReply out;
  const std::string who = "parent primary " + server.to_string();
  ldns_rdf* query_mac = nullptr;
  if (key) {
    ldns_status st = ldns_pkt_tsig_sign(pkt, key->name().c_str(), key->secret(), 300,
                                        key->algorithm().c_str(), nullptr);
    if (st != LDNS_STATUS_OK) {
      out.error = "cannot TSIG-sign the UPDATE with key " + key->name() + " (" +
                  ldns_get_errorstr_by_id(st) + ")";
      return out;
    }
    query_mac = ldns_rr_rdf(ldns_pkt_tsig(pkt), 3);
  }
  auto reply = tcp_exchange(server, pkt, timeout_seconds);
  if (!reply) {
    out.error = reply.error().message;
    out.transport_error = true;
    return out;
  }
  ldns_pkt* r = reply->pkt.get();
  out.rcode = ldns_pkt_get_rcode(r);
  ldns_rr* tsig = ldns_pkt_tsig(r);
  uint16_t tsig_error = 0;
  if (tsig && ldns_rr_rd_count(tsig) > 5) tsig_error = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
  out.what = who + " answered " + rcode_text(out.rcode);
  if (tsig_error != 0) {
    out.error = out.what + " (" + tsig_error_text(tsig_error) + ": key " +
                (key ? key->name() : std::string("<none>")) +
                " or its secret is wrong, or the clocks differ)";
    return out;
  }
  if (key && !tsig) {
    out.error = out.what + ", without a TSIG signature (reply not authenticated)";
    return out;
  }
  if (key && !ldns_pkt_tsig_verify(r, reply->wire.data(), reply->wire.size(), key->name().c_str(),
                                   key->secret(), query_mac)) {
    out.error = out.what + ", but its TSIG signature does not verify (reply not authenticated)";
    return out;
  }
  out.authenticated = key != nullptr;
  return out;
}

UpdatePublisher::Outcome UpdatePublisher::attempt(const ServerAddress& server, const Name& zone,
                                                  const Name& child,
                                                  const std::vector<DsRecord>& desired,
                                                  std::string* error) {
  const std::string who = "parent primary " + server.to_string();
  auto current = query_ds(server, child, o_.timeout_seconds);
  if (!current) {
    *error = current.error().message;
    return Outcome::Retry;
  }
  if (canonical_set(current->ds) == canonical_set(desired)) return Outcome::Done;

  uint32_t ttl = current->ds.empty() ? o_.ttl : current->ttl;
  auto pkt = build_ds_update(zone, child, current->ds, desired, ttl);
  if (!pkt) {
    *error = pkt.error().message;
    return Outcome::Fatal;
  }
  std::optional<TsigKey> key;  // read for this attempt only; wiped when it goes out of scope
  if (!o_.tsig_name.empty() || !o_.tsig_key_file.empty()) {
    auto loaded = o_.tsig_key_file.empty()
                      ? TsigKey::load(o_.tsig_name, o_.tsig_algorithm, o_.tsig_secret_file)
                      : TsigKey::load_key_file(o_.tsig_key_file);
    if (!loaded) {
      *error = loaded.error().message;
      return Outcome::Fatal;
    }
    key.emplace(std::move(*loaded));
  }
  ++updates_sent_;
  UpdateReply reply = send_update(server, pkt->get(), key ? &*key : nullptr, o_.timeout_seconds);
  const std::string what = who + " answered the UPDATE of " + child.to_text() + " DS in zone " +
                           zone.to_text() + " with " + rcode_text(reply.rcode);
  if (!reply.error.empty()) {
    *error = reply.transport_error ? "UPDATE of " + child.to_text() + " DS: " + reply.error
                                   : "UPDATE of " + child.to_text() + " DS in zone " +
                                         zone.to_text() + ": " + reply.error;
    return reply.transport_error ? Outcome::Retry : Outcome::Fatal;
  }
  const ldns_pkt_rcode rc = reply.rcode;
  switch (rc) {
    case LDNS_RCODE_NOERROR:
      return Outcome::Done;  // the loop re-reads to confirm
    case LDNS_RCODE_NXRRSET:
    case LDNS_RCODE_YXRRSET:
    case LDNS_RCODE_SERVFAIL:
      *error = what + (rc == LDNS_RCODE_SERVFAIL ? "" : " (the DS changed since it was read)");
      return Outcome::Retry;
    case LDNS_RCODE_REFUSED:
      *error = what + " (not allowed: check the parent's update policy for key " +
               (key ? key->name() : std::string("<none>")) + ")";
      return Outcome::Fatal;
    case LDNS_RCODE_NOTAUTH:
      *error = what + " (not authoritative for " + zone.to_text() + ", or TSIG rejected)";
      return Outcome::Fatal;
    default:
      *error = what;
      return Outcome::Fatal;
  }
}

Status UpdatePublisher::publish(const Name& child, const std::vector<DsRecord>& desired) {
  updates_sent_ = 0;
  Name zone = o_.parent_zone.is_root() ? child.parent() : o_.parent_zone;
  std::string primary = o_.primary;
  if (primary.empty()) {
    if (!o_.find_primary) return fail("update: no primary configured for " + zone.to_text());
    auto p = o_.find_primary(zone);
    if (!p)
      return fail("update: cannot find the primary of " + zone.to_text() + ": " +
                  p.error().message);
    primary = *p;
  }
  auto server = ServerAddress::parse(primary);
  if (!server) return server.error();

  std::string error;
  const int attempts = o_.retry.attempts < 1 ? 1 : o_.retry.attempts;
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) sleeper_.sleep_ms(backoff_delay_ms(o_.retry, i, random_));
    Outcome out = attempt(*server, zone, child, desired, &error);
    if (out == Outcome::Fatal) return fail(error);
    if (out == Outcome::Done) {
      // Confirm: the primary must now serve exactly the desired set.
      auto now = query_ds(*server, child, o_.timeout_seconds);
      if (now && canonical_set(now->ds) == canonical_set(desired)) return {};
      error = now ? "parent primary " + server->to_string() + " accepted the UPDATE of " +
                        child.to_text() + " DS but does not serve the new set yet"
                  : now.error().message;
    }
  }
  return fail("update: gave up after " + std::to_string(attempts) + " attempt(s): " + error);
}

}  // namespace ts::parentsync
