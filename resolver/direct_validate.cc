// Direct-answer validation: RRSIG selection, key matching, window checks and ldns
// cryptographic verification, with one precise reason when nothing validates.
#include "resolver/direct_validate.h"

#include <ldns/ldns.h>

#include <algorithm>

#include "resolver/records.h"

namespace ts::resolver {
namespace {

// Problems ranked by how much they tell an operator (higher wins when nothing validates):
// an expired but otherwise good signature says more than "no matching key".
int rank(SigProblem p) {
  switch (p) {
    case SigProblem::Expired:
      return 7;
    case SigProblem::NotYetValid:
      return 6;
    case SigProblem::BadSignature:
      return 5;
    case SigProblem::UnknownAlgorithm:
      return 4;
    case SigProblem::NoMatchingKey:
      return 3;
    case SigProblem::Malformed:
      return 2;
    case SigProblem::NoRrsig:
      return 1;
    case SigProblem::NoDenialProof:
    case SigProblem::DenialFails:
    case SigProblem::None:
      return 0;
  }
  return 0;
}

std::string describe(const SigCheck& s, const std::string& what, UnixTime now) {
  std::string by = "RRSIG " + what + " by " + s.signer.to_text() + " key " +
                   std::to_string(s.key_tag) + " alg " + std::to_string(s.algorithm);
  switch (s.problem) {
    case SigProblem::Expired:
      return by + " expired at " + format_time(s.expiration) + " (" +
             std::to_string(now - s.expiration) + " s ago)";
    case SigProblem::NotYetValid:
      return by + " not valid before " + format_time(s.inception);
    case SigProblem::BadSignature:
      return by + " does not verify (bad signature)";
    case SigProblem::UnknownAlgorithm:
      return by + ": unknown or unsupported algorithm";
    case SigProblem::NoMatchingKey:
      return by + ": no such key in the DNSKEY set";
    case SigProblem::Malformed:
      return by + ": malformed";
    default:
      return by + " is valid";
  }
}

}  // namespace

const char* sig_problem_name(SigProblem p) {
  switch (p) {
    case SigProblem::None:
      return "ok";
    case SigProblem::NoRrsig:
      return "no-rrsig";
    case SigProblem::NoMatchingKey:
      return "no-matching-key";
    case SigProblem::UnknownAlgorithm:
      return "unknown-algorithm";
    case SigProblem::BadSignature:
      return "bad-signature";
    case SigProblem::Expired:
      return "expired";
    case SigProblem::NotYetValid:
      return "not-yet-valid";
    case SigProblem::Malformed:
      return "malformed";
    case SigProblem::NoDenialProof:
      return "no-denial-proof";
    case SigProblem::DenialFails:
      return "denial-fails";
  }
  return "?";
}

RrsetCheck validate_rrset(const std::vector<Record>& rrset, const std::vector<Record>& rrsigs,
                          const std::vector<Record>& dnskeys, UnixTime now) {
  RrsetCheck out;
  if (rrset.empty()) {
    out.problem = SigProblem::NoRrsig;
    out.reason = "empty RRset";
    return out;
  }
  const Name& owner = rrset.front().owner;
  uint16_t type = rrset.front().type;
  std::string what = owner.to_text() + " " + std::to_string(type);
  if (char* t = ldns_rr_type2str(static_cast<ldns_rr_type>(type))) {
    what = owner.to_text() + " " + t;
    free(t);
  }
  ldns_rr_list* set = records_to_ldns(rrset);
  for (const auto& sigrec : rrsigs) {
    if (!(sigrec.owner == owner)) continue;
    auto f = parse_rrsig(sigrec.rdata);
    if (!f) continue;
    if (f->type_covered != type) continue;
    SigCheck s{f->key_tag,
               f->algorithm,
               f->signer,
               rrsig_time(f->inception, now),
               rrsig_time(f->expiration, now),
               SigProblem::NoMatchingKey};
    if (!algorithm_supported(f->algorithm)) {
      s.problem = SigProblem::UnknownAlgorithm;
    } else {
      ldns_rr* sig = record_to_ldns(sigrec);
      bool bad_sig = false;
      for (const auto& k : dnskeys) {
        auto kf = parse_dnskey(k.rdata);
        if (!kf || !kf->zone_key() || kf->algorithm != f->algorithm ||
            dnskey_key_tag(k.rdata) != f->key_tag || !(k.owner == f->signer))
          continue;
        ldns_rr* key = record_to_ldns(k);
        if (!sig || !key) {
          s.problem = SigProblem::Malformed;
          if (key) ldns_rr_free(key);
          continue;
        }
        ldns_rr_list* clone = ldns_rr_list_clone(set);
        ldns_status st = ldns_verify_rrsig_time(clone, sig, key, static_cast<time_t>(now));
        ldns_rr_list_deep_free(clone);
        ldns_rr_free(key);
        if (st == LDNS_STATUS_OK) {
          s.problem = SigProblem::None;
          break;
        }
        if (st == LDNS_STATUS_CRYPTO_SIG_EXPIRED)
          s.problem = SigProblem::Expired;
        else if (st == LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED)
          s.problem = SigProblem::NotYetValid;
        else if (st == LDNS_STATUS_CRYPTO_UNKNOWN_ALGO || st == LDNS_STATUS_CRYPTO_ALGO_NOT_IMPL)
          s.problem = SigProblem::UnknownAlgorithm;
        else
          bad_sig = true;
      }
      if (bad_sig && s.problem == SigProblem::NoMatchingKey) s.problem = SigProblem::BadSignature;
      if (sig) ldns_rr_free(sig);
    }
    out.sigs.push_back(s);
  }
  ldns_rr_list_deep_free(set);
  if (out.sigs.empty()) {
    out.problem = SigProblem::NoRrsig;
    out.reason = "no RRSIG covers " + what;
    return out;
  }
  const SigCheck* worst = nullptr;
  for (const auto& s : out.sigs) {
    if (s.problem == SigProblem::None) {
      out.valid = true;
      return out;
    }
    if (!worst || rank(s.problem) > rank(worst->problem)) worst = &s;
  }
  out.problem = worst->problem;
  out.reason = describe(*worst, what, now);
  return out;
}

RrsetCheck validate_denial(const Name& qname, uint16_t qtype, bool nxdomain,
                           const std::vector<Record>& authority, const std::vector<Record>& dnskeys,
                           UnixTime now) {
  RrsetCheck out;
  std::vector<Record> sigs, proof;
  for (const auto& r : authority) {
    if (r.type == kTypeRRSIG) sigs.push_back(r);
    if (r.type == kTypeNSEC || r.type == kTypeNSEC3) proof.push_back(r);
  }
  if (proof.empty()) {
    out.problem = SigProblem::NoDenialProof;
    out.reason = "negative answer without NSEC/NSEC3 records";
    return out;
  }
  bool nsec3 = false;
  // Each NSEC/NSEC3 RRset (one per owner) must itself validate.
  std::vector<Name> owners;
  for (const auto& r : proof)
    if (std::find(owners.begin(), owners.end(), r.owner) == owners.end()) owners.push_back(r.owner);
  for (const auto& owner : owners) {
    std::vector<Record> set;
    for (const auto& r : proof)
      if (r.owner == owner) {
        set.push_back(r);
        nsec3 |= r.type == kTypeNSEC3;
      }
    RrsetCheck c = validate_rrset(set, sigs, dnskeys, now);
    out.sigs.insert(out.sigs.end(), c.sigs.begin(), c.sigs.end());
    if (!c.valid) {
      c.reason = "denial of existence: " + c.reason;
      c.sigs = out.sigs;
      return c;
    }
  }
  ldns_rr* q = ldns_rr_new();
  ldns_rr_set_owner(q, ldns_dname_new_frm_data(qname.wire().size(), qname.wire().data()));
  ldns_rr_set_type(q, static_cast<ldns_rr_type>(qtype));
  ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
  ldns_rr_set_question(q, true);
  ldns_rr_list* nsecs = records_to_ldns(proof);
  ldns_rr_list* rrsigs = records_to_ldns(sigs);
  ldns_status st =
      nsec3 ? ldns_dnssec_verify_denial_nsec3(q, nsecs, rrsigs,
                                              nxdomain ? LDNS_RCODE_NXDOMAIN : LDNS_RCODE_NOERROR,
                                              static_cast<ldns_rr_type>(qtype), !nxdomain)
            : ldns_dnssec_verify_denial(q, nsecs, rrsigs);
  ldns_rr_list_deep_free(nsecs);
  ldns_rr_list_deep_free(rrsigs);
  ldns_rr_free(q);
  if (st != LDNS_STATUS_OK) {
    out.problem = SigProblem::DenialFails;
    out.reason = std::string(nsec3 ? "NSEC3" : "NSEC") + " records do not prove that " +
                 qname.to_text() + " has no such record: " + ldns_get_errorstr_by_id(st);
    return out;
  }
  out.valid = true;
  return out;
}

}  // namespace ts::resolver
