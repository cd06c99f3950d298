// The daemon's self-check of a signed zone before it is written (daemon_sign.h explains the
// two modes and why "per-key" is enough).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/daemon_sign.h"
#include "signer/crypto.h"
#include "signer/denial_check.h"
#include "signer/dnskey_verifier.h"
#include "signer/nsec3_chain.h"
#include "signer/signing_input.h"
#include "signer/zone.h"

namespace ts::agent {
namespace {

using signer::Bytes;
namespace rrtype = signer::rrtype;

bool must_be_signed(const signer::Node& node, uint16_t type) {
  if (node.kind == signer::NodeKind::Authoritative) return true;
  if (node.kind == signer::NodeKind::Delegation) return type == rrtype::DS || type == rrtype::NSEC;
  return false;
}

/// One DNSKEY of the zone's apex RRset.
struct LiveKey {
  uint16_t tag = 0;
  uint16_t flags = 0;
  uint8_t alg = 0;
  Bytes pub;
  std::shared_ptr<signer::DnskeyVerifier> verifier;  // decoded once for all its RRSIGs
  const signer::PrivateKey* held = nullptr;          // or the key itself (same public key)
  bool crypto_checked = false;  // one of its signatures (not only DNSKEY) has verified
};

uint16_t key_tag(const Bytes& rd) {  // RFC 4034 Appendix B
  uint32_t ac = 0;
  for (size_t i = 0; i < rd.size(); ++i) ac += (i & 1) ? rd[i] : uint32_t(rd[i]) << 8;
  ac += (ac >> 16) & 0xFFFF;
  return static_cast<uint16_t>(ac & 0xFFFF);
}

class SelfCheck {
 public:
  SelfCheck(const signer::Zone& zone, UnixTime now, VerifyMode mode)
      : zone_(zone), now_(now), mode_(mode) {}

  Status load_keys(const signer::RRset& dnskeys, std::span<const signer::PrivateKey* const> held) {
    for (const Bytes& rd : dnskeys.rdatas) {
      if (rd.size() < 5) return fail("short DNSKEY rdata");
      LiveKey k;
      k.tag = key_tag(rd);
      k.flags = static_cast<uint16_t>((rd[0] << 8) | rd[1]);
      k.alg = rd[3];
      k.pub.assign(rd.begin() + 4, rd.end());
      for (const signer::PrivateKey* h : held)
        if (h && static_cast<uint8_t>(h->algorithm()) == k.alg && h->public_key() == k.pub)
          k.held = h;
      if (!k.held)  // else verified with the key object: its public key is the DNSKEY's
        if (auto v = signer::DnskeyVerifier::create(static_cast<signer::Algorithm>(k.alg), k.pub))
          k.verifier = std::make_shared<signer::DnskeyVerifier>(std::move(*v));
      keys_.push_back(std::move(k));
    }
    return {};
  }

  /// Every RRSIG of one RRset: structure always, crypto as the mode says.
  Status check(const Name& owner, uint16_t type, uint32_t ttl, std::span<const Bytes> rdatas,
               const std::vector<Bytes>& rrsigs) {
    auto where = [&] { return owner.to_text() + " type " + std::to_string(type); };
    if (rrsigs.empty()) return fail(where() + ": not signed");
    uint8_t labels = signer::rrsig_labels(owner);
    for (const Bytes& sig : rrsigs) {
      signer::RrsigFields f;
      if (!signer::parse_rrsig_fields(sig, f)) return fail(where() + ": malformed RRSIG");
      if (f.type_covered != type) return fail(where() + ": RRSIG covers another type");
      if (f.signer.lowered() != zone_.origin().lowered())
        return fail(where() + ": RRSIG signer " + f.signer.to_text() + " is not the zone");
      if (f.labels != labels) return fail(where() + ": RRSIG labels field is wrong");
      if (f.original_ttl != ttl) return fail(where() + ": RRSIG original TTL is not the TTL");
      if (static_cast<int64_t>(f.inception) > now_ || static_cast<int64_t>(f.expiration) <= now_)
        return fail(where() + ": RRSIG not valid now");
      ++checked_;
      // Candidate keys: the zone's DNSKEYs with this tag and algorithm (SEP keys for the
      // DNSKEY RRset). A tag no live key has is an error in both modes.
      bool any = false, need_crypto = mode_ == VerifyMode::Full || type == rrtype::DNSKEY;
      for (const LiveKey& k : keys_) {
        if (k.tag != f.key_tag || k.alg != f.algorithm) continue;
        if (type == rrtype::DNSKEY && !(k.flags & 1)) continue;
        any = true;
        need_crypto = need_crypto || !k.crypto_checked;
      }
      if (!any)
        return fail(where() + ": RRSIG by key " + std::to_string(f.key_tag) +
                    " matches no DNSKEY of the zone");
      if (!need_crypto) continue;
      size_t prefix = 18 + f.signer.wire().size();
      auto sigbytes = std::span<const uint8_t>(sig).subspan(prefix);
      bool ok = false;
      for (LiveKey& k : keys_) {
        if (ok) break;
        if (k.tag != f.key_tag || k.alg != f.algorithm) continue;
        if (type == rrtype::DNSKEY && !(k.flags & 1)) continue;
        signer::build_signing_input(f, owner, zone_.klass(), rdatas, input_);
        auto v = k.held       ? k.held->verify(input_, sigbytes)
                 : k.verifier ? k.verifier->verify(input_, sigbytes)
                              : signer::verify_signature(static_cast<signer::Algorithm>(k.alg),
                                                         k.pub, input_, sigbytes);
        ok = v && *v;
        if (ok && type != rrtype::DNSKEY) k.crypto_checked = true;
      }
      if (!ok)
        return fail(where() + ": RRSIG by key " + std::to_string(f.key_tag) +
                    " does not verify with any DNSKEY of the zone");
      ++verified_;
    }
    return {};
  }

  size_t verified() const { return verified_; }

 private:
  const signer::Zone& zone_;
  UnixTime now_;
  VerifyMode mode_;
  std::vector<LiveKey> keys_;
  Bytes input_;  // reused signing-input buffer
  size_t checked_ = 0, verified_ = 0;
};

}  // namespace

Result<size_t> verify_signed_zone(const signer::Zone& zone, UnixTime now, VerifyMode mode,
                                  std::span<const signer::PrivateKey* const> held) {
  const signer::Node* apex = zone.find(zone.origin());
  if (!apex) return fail("no apex");
  const signer::RRset* dnskeys = apex->find(rrtype::DNSKEY);
  if (!dnskeys || dnskeys->rdatas.empty()) return fail("no DNSKEY RRset at the apex");
  SelfCheck sc(zone, now, mode);
  if (Status s = sc.load_keys(*dnskeys, held); !s) return s.error();
  // The DNSKEY RRset first: its signatures are always verified, and a key's first data
  // signature is then checked against a DNSKEY set already known to be authentic.
  if (Status s =
          sc.check(zone.origin(), rrtype::DNSKEY, dnskeys->ttl, dnskeys->rdatas, dnskeys->rrsigs);
      !s)
    return s.error();
  for (const auto& [owner, node] : zone.nodes()) {
    for (const auto& rr : node.rrsets) {
      if (rr.type == rrtype::DNSKEY && &node == apex) continue;
      if (!must_be_signed(node, rr.type)) {
        if (!rr.rrsigs.empty())  // a delegation's NS, glue, occluded data: never signed
          return fail(owner.to_text() + " type " + std::to_string(rr.type) +
                      ": RRSIG over data that is not authoritative (delegation NS or glue)");
        continue;
      }
      if (Status s = sc.check(owner, rr.type, rr.ttl, rr.rdatas, rr.rrsigs); !s) return s.error();
    }
  }
  for (const auto& [hash, e] : zone.nsec3()) {
    Name owner = signer::nsec3_owner(hash, zone.origin());
    if (Status s =
            sc.check(owner, rrtype::NSEC3, e.ttl, std::span<const Bytes>(&e.rdata, 1), e.rrsigs);
        !s)
      return s.error();
  }
  if (Status s = signer::check_denial_chain(zone); !s)
    return fail("denial chain: " + s.error().message);
  return sc.verified();
}

}  // namespace ts::agent
