// Direct-answer validation: RRSIG selection, key matching, window checks and ldns
// cryptographic verification, with one precise reason when nothing validates.
#include "resolver/direct_validate.h"

#include <ldns/ldns.h>

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

}  // namespace ts::resolver
