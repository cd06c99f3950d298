// Validation of one RRset taken from a direct answer (say, the DS set one parent server
// serves) against a DNSKEY set the caller already trusts (the parent's validated DNSKEYs):
// an RRSIG must be present, made by a zone key of that set, cryptographically valid (ldns
// verifies), inside its validity window at `now`, with an algorithm we know. Otherwise the
// result names the precise reason. `now` is passed in: no clock is read here.
//
//   RrsetCheck c = validate_rrset(ds_records, ds_rrsigs, parent_dnskeys, now);
//   RrsetCheck d = validate_denial(child, kTypeDS, false, answer.authority, parent_dnskeys, now);
//   if (!c.valid) std::cerr << sig_problem_name(c.problem) << ": " << c.reason;
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "resolver/resolver.h"

namespace ts::resolver {

enum class SigProblem {
  None,
  NoRrsig,           // no RRSIG covering the RRset
  NoMatchingKey,     // no DNSKEY of the set with the RRSIG's tag, algorithm and zone flag
  UnknownAlgorithm,  // algorithm no validator supports
  BadSignature,      // the signature does not verify
  Expired,           // verifies, but `now` is after the expiration
  NotYetValid,       // verifies, but `now` is before the inception
  Malformed,         // RRSIG or DNSKEY rdata does not parse
  NoDenialProof,     // a negative answer without NSEC/NSEC3 records
  DenialFails,       // NSEC/NSEC3 records (validly signed) do not prove the absence
};
const char* sig_problem_name(SigProblem p);

/// What was learned about one RRSIG.
struct SigCheck {
  uint16_t key_tag = 0;
  uint8_t algorithm = 0;
  Name signer;
  UnixTime inception = 0;
  UnixTime expiration = 0;
  SigProblem problem = SigProblem::None;  // None = this RRSIG validates the RRset
};

struct RrsetCheck {
  bool valid = false;                     // at least one RRSIG validates at `now`
  SigProblem problem = SigProblem::None;  // when !valid: the most telling problem
  std::string reason;                     // when !valid: words for an operator
  std::vector<SigCheck> sigs;             // one per RRSIG covering the RRset
};

/// Validates `rrset` (all records of one owner and type) with the RRSIGs among `rrsigs`
/// that cover its type, against `dnskeys`.
RrsetCheck validate_rrset(const std::vector<Record>& rrset, const std::vector<Record>& rrsigs,
                          const std::vector<Record>& dnskeys, UnixTime now);

/// Validates a direct negative answer (NODATA, or NXDOMAIN if `nxdomain`) for
/// (qname, qtype): the NSEC or NSEC3 RRsets of its authority section must be signed by
/// `dnskeys` at `now` (as validate_rrset) and prove the absence (ldns checks the proof).
/// `sigs` lists the checks of the NSEC/NSEC3 RRSIGs.
RrsetCheck validate_denial(const Name& qname, uint16_t qtype, bool nxdomain,
                           const std::vector<Record>& authority, const std::vector<Record>& dnskeys,
                           UnixTime now);

}  // namespace ts::resolver
