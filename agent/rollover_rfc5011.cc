// The island KSK/CSK rollover (RFC 5011), one case per phase: for a zone whose parent is
// unsigned (parent method "tar") no DS carries trust; validators hold the key as a trust
// anchor, seeded from a trust-anchor repository and kept current by RFC 5011. So the
// rollover is gated on hold-down timers and on EVERY repository target serving the right
// document (ParentView::anchor_since / anchor_ended_since, confirmed by reading it back),
// never on the parent's DS.
//
//   need-keys        -> new key published, signs the DNSKEY RRset with the old one (a CSK
//                       also signs the zone data: double signatures, always valid)
//   add-hold-down    waits: published + Dprp + TTLkey + probe interval + add hold-down
//                    (RFC 5011 2.4.1 and 6.5, RFC 7583 3.3.4 margins) AND every repository
//                    serves the document listing the new key as a current anchor
//                    -> old key retired: no longer the trust anchor (documents give it
//                       validUntil); a CSK stops signing zone data, the DNSKEY RRset stays
//                       signed by both
//   switch           waits: every repository serves the document ending the old key
//                    -> old key revoked (Action::Kind::Revoke: flags |= 128, it self-signs
//                       the DNSKEY RRset, RFC 5011 2.1)
//   remove-hold-down waits: revoked + Dprp + TTLkey + probe interval + remove hold-down
//                    -> old key removed; done
//
// Deviation from tar/rfc5011_rollover (the tar/ state machine): the old key keeps signing
// the DNSKEY RRset until it is removed; a validator that still holds only the old anchor
// keeps validating until it sees the revocation. A repository down or serving a tampered
// document stops the rollover in add-hold-down or switch (the daemon alerts), never skips.
//
// An island's algorithm rollover (RFC 6781 4.1.4 order, agent/rollover_steps.cc) uses the same
// gates: the old algorithm's KSK stops being the anchor only after the new one's add hold-down
// and repository confirmation, and it is revoked and kept for the remove hold-down before it
// goes; without them an RFC 5011 validator would never come to trust the new algorithm.
#include <algorithm>

#include "agent/log.h"
#include "agent/rollover_steps.h"

namespace ts::agent::internal {
namespace {

using Keys = std::vector<KeyRecord*>;

/// Dprp + TTLkey + probe interval: a validator has seen a zone change after this long.
int64_t seen_by_validators(const StepContext& c) {
  return c.terms.dprp + c.terms.ttl_key + c.policy.probe_interval;
}

bool wait_holddown(StepContext& c, UnixTime when, const std::string& what) {
  return c.wait_until(when, "the " + what + " until " + iso_time(when));
}

/// Every repository target serves the document listing each of `keys` as a current anchor
/// (or, with `ended`, with its validity ended). Keys without KSK duty are no anchors.
bool wait_repositories(StepContext& c, const Keys& keys, bool ended) {
  for (const auto* k : keys) {
    if (!k->has_ksk_duty()) continue;
    auto since = ended ? c.parent.anchor_ended(k->algorithm, k->tag)
                       : c.parent.anchor_served_since(k->algorithm, k->tag);
    if (since) continue;
    return c.wait_parent("every trust-anchor repository to serve the document " +
                         std::string(ended ? "ending " : "with ") + key_name(*k) +
                         (ended ? "'s validity" : " as a trust anchor") +
                         " (read back and compared)");
  }
  return true;
}

Keys with_ksk_duty(const Keys& keys) {
  Keys out;
  for (auto* k : keys)
    if (k->has_ksk_duty()) out.push_back(k);
  return out;
}

}  // namespace

bool island_new_anchors_trusted(StepContext& c, const Keys& news) {
  Keys anchors = with_ksk_duty(news);
  UnixTime when =
      latest(anchors, &KeyRecord::published) + seen_by_validators(c) + c.policy.add_holddown;
  bool holddown = wait_holddown(c, when, "add hold-down (RFC 5011) of new " + key_names(anchors));
  bool served = wait_repositories(c, anchors, false);
  return holddown && served;
}

bool advance_island_algorithm_end(StepContext& c, Rollover& r, const Keys& olds) {
  switch (r.phase) {
    case Phase::AnchorSwitch:
      if (!wait_repositories(c, olds, true)) return false;
      for (auto* k : olds)
        c.revoke(*k, "every repository ended its validity; RFC 5011 revocation, self-signed");
      c.set_phase(r, Phase::RemoveHoldDown,
                  "old " + key_names(with_ksk_duty(olds)) + " revoked, old algorithm still signs");
      return true;
    case Phase::RemoveHoldDown: {
      UnixTime when =
          latest(olds, &KeyRecord::revoked) + seen_by_validators(c) + c.policy.remove_holddown;
      if (!wait_holddown(
              c, when, "remove hold-down (RFC 5011) of revoked " + key_names(with_ksk_duty(olds))))
        return false;
      for (auto* k : olds) c.remove(*k, "remove hold-down over");
      c.set_phase(r, Phase::DnskeyRemoved, "old DNSKEYs removed, old signatures kept");
      return true;
    }
    default:
      return false;
  }
}

bool advance_rfc5011(StepContext& c, Rollover& r, const Keys& olds, const Keys& news) {
  switch (r.phase) {
    case Phase::NeedKeys:
      if (!c.have_new_keys(r)) return false;
      for (auto* k : news) {
        c.publish(*k, "RFC 5011: new key published");
        c.start_signing(*k, "RFC 5011: the new key signs the DNSKEY RRset from the start");
      }
      c.set_phase(r, Phase::AddHoldDown,
                  "new " + key_names(news) + " published, self-signs the DNSKEY RRset");
      return true;
    case Phase::AddHoldDown: {
      UnixTime when =
          latest(news, &KeyRecord::published) + seen_by_validators(c) + c.policy.add_holddown;
      // Both gates are evaluated so that the status names every reason to wait.
      bool holddown = wait_holddown(c, when, "add hold-down (RFC 5011) of new " + key_names(news));
      bool served = wait_repositories(c, news, false);
      if (!holddown || !served) return false;
      for (auto* k : news) c.mark_ready(*k, when);
      for (auto* k : olds)
        c.stop_signing(*k, "add hold-down over and every repository serves " + key_names(news));
      c.set_phase(r, Phase::AnchorSwitch,
                  key_names(news) + " is the trust anchor; documents end old " + key_names(olds));
      return true;
    }
    case Phase::AnchorSwitch:
      if (!wait_repositories(c, olds, true)) return false;
      for (auto* k : olds)
        c.revoke(*k, "every repository ended its validity; RFC 5011 revocation, self-signed");
      c.set_phase(r, Phase::RemoveHoldDown, "old " + key_names(olds) + " revoked");
      return true;
    case Phase::RemoveHoldDown: {
      UnixTime when =
          latest(olds, &KeyRecord::revoked) + seen_by_validators(c) + c.policy.remove_holddown;
      if (!wait_holddown(c, when, "remove hold-down (RFC 5011) of revoked " + key_names(olds)))
        return false;
      for (auto* k : olds) c.remove(*k, "remove hold-down over");
      c.set_phase(r, Phase::Done, "revoked " + key_names(olds) + " removed");
      return true;
    }
    default:
      return false;
  }
}

}  // namespace ts::agent::internal
