// Rollover steps: one function per rollover kind, one case per phase, each read against its
// RFC. A case either waits (returns false) or performs the phase's changes and moves on.
//
//   ZSK pre-publication (RFC 7583 3.2.1):
//     need-keys -> pre-publish -> retiring -> done
//   KSK double-KSK (RFC 7583 3.3.2):
//     need-keys -> pre-publish -> ds-publish -> ds-withdraw -> done
//   KSK double-DS (RFC 7583 3.3.1):
//     need-keys -> ds-publish -> key-swap -> ds-withdraw -> done
//   CSK (RFC 7583 3.4, double-KSK style):
//     need-keys -> pre-publish -> ds-publish -> ds-withdraw -> done
//   Algorithm (RFC 6781 4.1.4, the conservative order):
//     need-keys -> sign-both -> pre-publish -> ds-publish -> ds-withdraw -> dnskey-removed -> done
//     island (parent method "tar"): ds-publish also waits for the RFC 5011 add hold-down, then
//     -> switch -> remove-hold-down (old KSK revoked) -> dnskey-removed -> done
//   Initial signing:
//     need-keys -> pre-publish -> ds-publish -> done
//   Island KSK/CSK (RFC 5011, parent method "tar"; agent/rollover_rfc5011.cc):
//     need-keys -> add-hold-down -> switch -> remove-hold-down -> done
//
// Deviation: RFC 7583 replaces the DS in one go. Here the old DS is withdrawn only once the new
// DS is confirmed at the parent (double-KSK: as soon as it is seen, overlapping the DS TTL
// wait; CSK: once it is also cached, since the old CSK alone signed DNSKEY RRsets still in
// caches), so a parent that applies the removal before the addition never leaves the zone
// without a DS.
#include <algorithm>

#include "agent/rollover_steps.h"

namespace ts::agent::internal {

UnixTime latest(const std::vector<KeyRecord*>& keys, std::optional<UnixTime> KeyRecord::*field) {
  UnixTime t = 0;
  for (const auto* k : keys)
    if (k->*field) t = std::max(t, *(k->*field));
  return t;
}

namespace {

using Keys = std::vector<KeyRecord*>;

bool advance_zsk(StepContext& c, Rollover& r, const Keys& olds, const Keys& news) {
  const Terms& T = c.terms;
  switch (r.phase) {
    case Phase::NeedKeys:
      if (!c.have_new_keys(r)) return false;
      for (auto* k : news) c.publish(*k, "ZSK pre-publication");
      c.set_phase(r, Phase::PrePublish, "new " + key_names(news) + " published");
      return true;
    case Phase::PrePublish: {
      UnixTime when = latest(news, &KeyRecord::published) + T.ipub_dnskey();
      if (!c.wait_until(when, "DNSKEY of new " + key_names(news) + " to reach every cache"))
        return false;
      for (auto* k : news) c.mark_ready(*k, when), c.start_signing(*k, "successor is cached");
      for (auto* k : olds) c.stop_signing(*k, "replaced by " + key_names(news));
      c.set_phase(r, Phase::Retiring, "new ZSK signs the zone");
      return true;
    }
    case Phase::Retiring: {
      UnixTime when = latest(olds, &KeyRecord::retired) + T.iret_zone();
      if (!c.wait_until(when, "signatures of old " + key_names(olds) + " to expire from caches"))
        return false;
      for (auto* k : olds) c.remove(*k, "its signatures expired from every cache");
      c.set_phase(r, Phase::Done, "old ZSK removed");
      return true;
    }
    default:
      return false;
  }
}

bool advance_double_ksk(StepContext& c, Rollover& r, const Keys& olds, const Keys& news) {
  switch (r.phase) {
    case Phase::NeedKeys:
      if (!c.have_new_keys(r)) return false;
      for (auto* k : news) c.publish(*k, "double-KSK"), c.start_signing(*k, "double-KSK");
      c.set_phase(r, Phase::PrePublish, "new " + key_names(news) + " published, signs DNSKEY");
      return true;
    case Phase::PrePublish: {
      UnixTime when = latest(news, &KeyRecord::published) + c.terms.ipub_dnskey();
      if (!c.wait_until(when, "DNSKEY of new " + key_names(news) + " to reach every cache"))
        return false;
      for (auto* k : news) c.mark_ready(*k, when), c.submit_ds(*k, "new KSK is cached");
      c.set_phase(r, Phase::DsPublish, "DS for " + key_names(news) + " submitted");
      return true;
    }
    case Phase::DsPublish: {
      // The old DS is withdrawn as soon as every new DS is confirmed (served by every parent
      // server, in the validated chain), while the DS TTL runs: a validator still holding the
      // old DS set finds the old KSK, which stays until the new DS is cached, and the new KSK
      // has signed the cached DNSKEY RRset since pre-publication. The removal at the parent
      // thus overlaps the wait instead of following it.
      bool seen = std::all_of(news.begin(), news.end(),
                              [](const KeyRecord* k) { return !k->has_ksk_duty() || k->ds_seen; });
      if (seen && c.parent.all_servers)  // observed, not only an operator's `ds-seen`
        for (auto* k : olds) c.withdraw_ds(*k, "successor's DS confirmed at the parent");
      if (!c.wait_ds_cached(news)) return false;
      for (auto* k : olds) {
        c.stop_signing(*k, "successor's DS confirmed and cached");
        c.remove(*k, "successor's DS confirmed and cached");
      }
      c.set_phase(r, Phase::DsWithdraw, "old " + key_names(olds) + " removed, its DS withdrawn");
      return true;
    }
    case Phase::DsWithdraw:
      if (!c.wait_ds_gone(olds, false)) return false;
      c.set_phase(r, Phase::Done, "parent dropped the old DS");
      return true;
    default:
      return false;
  }
}

bool advance_double_ds(StepContext& c, Rollover& r, const Keys& olds, const Keys& news) {
  switch (r.phase) {
    case Phase::NeedKeys:
      if (!c.have_new_keys(r)) return false;
      for (auto* k : news) c.submit_ds(*k, "double-DS");
      c.set_phase(r, Phase::DsPublish, "DS for " + key_names(news) + " submitted");
      return true;
    case Phase::DsPublish:
      if (!c.wait_ds_cached(news)) return false;
      for (auto* k : news)
        c.publish(*k, "its DS is cached"), c.start_signing(*k, "its DS is cached");
      for (auto* k : olds) c.stop_signing(*k, "DNSKEY swap"), c.remove(*k, "DNSKEY swap");
      c.set_phase(r, Phase::KeySwap, "DNSKEY swapped to " + key_names(news));
      return true;
    case Phase::KeySwap: {
      UnixTime when = latest(olds, &KeyRecord::removed) + c.terms.iret_dnskey();
      if (!c.wait_until(when, "DNSKEY RRset with old " + key_names(olds) + " to expire"))
        return false;
      for (auto* k : olds) c.withdraw_ds(*k, "old DNSKEY RRset expired from every cache");
      c.set_phase(r, Phase::DsWithdraw, "DS for old " + key_names(olds) + " withdrawn");
      return true;
    }
    case Phase::DsWithdraw:
      if (!c.wait_ds_gone(olds, false)) return false;
      c.set_phase(r, Phase::Done, "parent dropped the old DS");
      return true;
    default:
      return false;
  }
}

bool advance_csk(StepContext& c, Rollover& r, const Keys& olds, const Keys& news) {
  switch (r.phase) {
    case Phase::NeedKeys:
      if (!c.have_new_keys(r)) return false;
      for (auto* k : news) c.publish(*k, "CSK pre-publication");
      c.set_phase(r, Phase::PrePublish, "new " + key_names(news) + " published");
      return true;
    case Phase::PrePublish: {
      UnixTime when = latest(news, &KeyRecord::published) + c.terms.ipub_dnskey();
      if (!c.wait_until(when, "DNSKEY of new " + key_names(news) + " to reach every cache"))
        return false;
      for (auto* k : news) {
        c.mark_ready(*k, when);
        c.start_signing(*k, "new CSK is cached");
        c.submit_ds(*k, "new CSK is cached");
      }
      for (auto* k : olds) c.stop_signing(*k, "zone data now signed by " + key_names(news));
      c.set_phase(r, Phase::DsPublish, "new CSK signs, its DS submitted");
      return true;
    }
    case Phase::DsPublish: {
      bool ds = c.wait_ds_cached(news);
      UnixTime when = latest(olds, &KeyRecord::retired) + c.terms.iret_zone();
      bool sigs = c.wait_until(when, "signatures of old " + key_names(olds) + " to expire");
      // The new CSK signs the DNSKEY RRset only since `active`: until that RRset is in every
      // cache, a validator may hold one signed by the old CSK alone, and needs the old DS.
      UnixTime signed_set = latest(news, &KeyRecord::active) + c.terms.ipub_dnskey();
      bool keyset = c.wait_until(
          signed_set, "DNSKEY RRset signed by new " + key_names(news) + " to reach every cache");
      if (!ds || !sigs || !keyset) return false;
      for (auto* k : olds) {
        c.withdraw_ds(*k, "successor's DS confirmed and cached");
        c.remove(*k, "successor's DS confirmed and cached");
      }
      c.set_phase(r, Phase::DsWithdraw, "old " + key_names(olds) + " removed, its DS withdrawn");
      return true;
    }
    case Phase::DsWithdraw:
      if (!c.wait_ds_gone(olds, false)) return false;
      c.set_phase(r, Phase::Done, "parent dropped the old DS");
      return true;
    default:
      return false;
  }
}

bool advance_algorithm(StepContext& c, Rollover& r, const Keys& olds, const Keys& news) {
  const Terms& T = c.terms;
  switch (r.phase) {
    case Phase::NeedKeys:
      if (!c.have_new_keys(r)) return false;
      for (auto* k : news) c.start_signing(*k, "RFC 6781 4.1.4: signatures first");
      c.set_phase(r, Phase::SignBoth, key_names(news) + " sign, DNSKEY not yet published");
      return true;
    case Phase::SignBoth: {
      UnixTime when = latest(news, &KeyRecord::active) + T.isig_new();
      if (!c.wait_until(when, "signatures of new " + key_names(news) + " to reach every cache"))
        return false;
      for (auto* k : news) c.publish(*k, "new signatures are cached");
      c.set_phase(r, Phase::PrePublish, "new DNSKEYs published");
      return true;
    }
    case Phase::PrePublish: {
      UnixTime when = latest(news, &KeyRecord::published) + T.ipub_dnskey();
      if (!c.wait_until(when, "DNSKEY of new " + key_names(news) + " to reach every cache"))
        return false;
      for (auto* k : news) c.mark_ready(*k, when), c.submit_ds(*k, "new DNSKEYs are cached");
      c.set_phase(r, Phase::DsPublish, "DS for the new algorithm submitted");
      return true;
    }
    case Phase::DsPublish:
      if (!c.wait_ds_cached(news)) return false;
      if (c.policy.rfc5011 && !island_new_anchors_trusted(c, news)) return false;
      for (auto* k : olds) c.withdraw_ds(*k, "successor's DS confirmed and cached");
      for (auto* k : olds)
        if (k->role == KeyRole::KSK) c.stop_signing(*k, "its DS is withdrawn");
      if (c.policy.rfc5011) {  // island: documents end the old anchors, then revocation
        c.set_phase(r, Phase::AnchorSwitch, "new algorithm's keys are the trust anchors");
        return true;
      }
      c.set_phase(r, Phase::DsWithdraw, "DS for the old algorithm withdrawn");
      return true;
    case Phase::AnchorSwitch:
    case Phase::RemoveHoldDown:
      return advance_island_algorithm_end(c, r, olds);
    case Phase::DsWithdraw:
      // An island rollover saved here before the RFC 5011 gates existed: it goes through them.
      if (c.policy.rfc5011) {
        if (!island_new_anchors_trusted(c, news)) return false;
        c.set_phase(r, Phase::AnchorSwitch, "new algorithm's keys are the trust anchors");
        return true;
      }
      if (!c.wait_ds_gone(olds, true)) return false;
      for (auto* k : olds) c.remove(*k, "old DS gone from every cache");
      c.set_phase(r, Phase::DnskeyRemoved, "old DNSKEYs removed, old signatures kept");
      return true;
    case Phase::DnskeyRemoved: {
      UnixTime when = latest(olds, &KeyRecord::removed) + T.iret_dnskey();
      if (!c.wait_until(when, "DNSKEY RRset with the old algorithm to expire from caches"))
        return false;
      for (auto* k : olds) c.stop_signing(*k, "old algorithm left every DNSKEY cache");
      c.set_phase(r, Phase::Done, "old signatures removed");
      return true;
    }
    default:
      return false;
  }
}

bool advance_initial(StepContext& c, Rollover& r, const Keys& news) {
  switch (r.phase) {
    case Phase::NeedKeys:
      if (!c.have_new_keys(r)) return false;
      for (auto* k : news) c.publish(*k, "initial signing"), c.start_signing(*k, "initial signing");
      c.set_phase(r, Phase::PrePublish, "zone signed with " + key_names(news));
      return true;
    case Phase::PrePublish: {
      UnixTime when = latest(news, &KeyRecord::published) + c.terms.isig_new();
      if (!c.wait_until(when, "signed zone to reach every cache")) return false;
      for (auto* k : news) c.mark_ready(*k, when), c.submit_ds(*k, "signed zone is cached");
      c.set_phase(r, Phase::DsPublish, "DS submitted");
      return true;
    }
    case Phase::DsPublish:
      if (!c.wait_ds_cached(news)) return false;
      c.set_phase(r, Phase::Done, "DS confirmed and cached: zone is secure");
      return true;
    default:
      return false;
  }
}

}  // namespace

bool advance(StepContext& c, Rollover& r) {
  Keys olds = c.keys(r.old_keys);
  Keys news = c.keys(r.new_keys);
  switch (r.kind) {
    case RolloverKind::Initial:
      return advance_initial(c, r, news);
    case RolloverKind::Zsk:
      return advance_zsk(c, r, olds, news);
    case RolloverKind::KskDoubleKsk:
      return advance_double_ksk(c, r, olds, news);
    case RolloverKind::KskDoubleDs:
      return advance_double_ds(c, r, olds, news);
    case RolloverKind::Csk:
      return advance_csk(c, r, olds, news);
    case RolloverKind::Algorithm:
      return advance_algorithm(c, r, olds, news);
    case RolloverKind::KskRfc5011:
    case RolloverKind::CskRfc5011:
      return advance_rfc5011(c, r, olds, news);
  }
  return false;
}

}  // namespace ts::agent::internal
