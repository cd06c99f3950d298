// Semantic checks of an effective policy: timings that cannot work (RFC 7583 terms),
// algorithms and key sizes (RFC 8624), NSEC3 parameters (RFC 9276), parent settings.
#include <algorithm>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>

#include "agent/config.h"
#include "agent/config_internal.h"
#include "signer/crypto.h"

namespace ts::agent {

namespace {
Duration max_ttl(const TimingPolicy& t) {
  return t.max_zone_ttl.value_or(t.dnskey_ttl);
}
}  // namespace

Duration min_zsk_rollover_time(const Policy& p) {
  const TimingPolicy& t = p.timing;
  return Duration{t.zone_propagation_delay.seconds + t.dnskey_ttl.seconds +
                  t.publish_safety.seconds + t.zone_propagation_delay.seconds + max_ttl(t).seconds +
                  t.retire_safety.seconds};
}

Duration min_ksk_rollover_time(const Policy& p, bool csk) {
  const TimingPolicy& t = p.timing;
  int64_t s = t.zone_propagation_delay.seconds + t.dnskey_ttl.seconds + t.publish_safety.seconds +
              t.parent_propagation_delay.seconds + t.ds_ttl.seconds + t.retire_safety.seconds;
  if (csk) s += t.zone_propagation_delay.seconds + max_ttl(t).seconds;
  return Duration{s};
}

namespace config_internal {
namespace {

// 2024-01-01T00:00:00Z: cron gaps are measured over the four years from here (pure: no clock).
constexpr UnixTime kCronReference = 1704067200;

/// min_interval() walks years of firings: once per distinct expression, not once per zone
/// (100,000 zones inheriting one [defaults] cron took 8 s of start-up).
int64_t cached_min_interval(const CronSchedule& cron) {
  static std::mutex mu;
  static std::map<std::string, int64_t> memo;
  std::lock_guard lock(mu);
  auto it = memo.find(cron.text());
  if (it == memo.end()) it = memo.emplace(cron.text(), cron.min_interval(kCronReference)).first;
  return it->second;
}
constexpr Duration kMinRefresh = Duration::minutes(1);

std::string fmt(Duration d) {
  return format_duration(d);
}

struct Checker {
  const Policy& p;
  const Origins& origins;
  const std::string& prefix;
  const std::string& fallback;
  Ctx& ctx;

  // Location and path to report a finding about `keys` (policy-relative paths): the first
  // key set at zone level, else the first set anywhere, else the zone's own location.
  std::pair<std::string, std::string> where(std::initializer_list<std::string> keys) const {
    for (bool zone_only : {true, false})
      for (const auto& k : keys)
        if (auto it = origins.find(k); it != origins.end() && (!zone_only || it->second.zone_level))
          return {it->second.loc, it->second.path};
    return {fallback, prefix + "." + *keys.begin()};
  }
  void error(std::initializer_list<std::string> keys, const std::string& msg) {
    auto [loc, path] = where(keys);
    ctx.error(loc, path, msg);
  }
  void warn(std::initializer_list<std::string> keys, const std::string& msg) {
    auto [loc, path] = where(keys);
    ctx.warn(loc, path, msg);
  }

  void key(const std::string& role, const KeyPolicy& k, bool is_csk, bool is_ksk) {
    using signer::Algorithm;
    const std::string alg = role + ".algorithm", bits = role + ".bits";
    if (signer::algorithm_is_deprecated(k.algorithm)) {
      if (p.allow_deprecated)
        warn({alg}, "RFC 8624: RSASHA1 and NSEC3RSASHA1 MUST NOT be used for signing");
      else
        error({alg},
              "RFC 8624: RSASHA1 and NSEC3RSASHA1 MUST NOT be used for signing "
              "(set allow-deprecated = true to sign with them anyway)");
    }
    bool rsa = k.algorithm == Algorithm::RSASHA1 || k.algorithm == Algorithm::NSEC3RSASHA1 ||
               k.algorithm == Algorithm::RSASHA256 || k.algorithm == Algorithm::RSASHA512;
    if (rsa && k.bits != 0) {
      if (k.bits < 1024 || k.bits > 4096)
        error({bits, alg}, "RSA keys must have 1024 to 4096 bits, not " + std::to_string(k.bits));
      else if (k.bits < 2048)
        warn({bits, alg},
             "RSA keys shorter than 2048 bits are too weak today (RFC 8624 "
             "section 3.1 and NIST SP 800-57); use 2048 or more");
    }
    if (!rsa && k.bits != 0) {
      unsigned fixed = k.algorithm == Algorithm::ECDSAP384SHA384 ? 384
                       : k.algorithm == Algorithm::ED448         ? 456
                                                                 : 256;
      if (k.bits != fixed)
        error({bits, alg}, "this algorithm has a fixed key size: write bits = 0 (or " +
                               std::to_string(fixed) + ")");
    }

    const std::string sl = role + ".signature-lifetime", rf = role + ".refresh",
                      jt = role + ".jitter", ro = role + ".rollover";
    if (k.signature_lifetime <= k.refresh) {
      error({sl, rf}, "signature lifetime " + fmt(k.signature_lifetime) +
                          " must be longer than the refresh margin " + fmt(k.refresh) +
                          " (signatures would be refreshed as soon as they are made)");
    } else {
      Duration need{std::max(kMinRefresh.seconds,
                             p.timing.zone_propagation_delay.seconds + max_ttl(p.timing).seconds)};
      if (k.refresh < need)
        error({rf, sl}, "refresh margin " + fmt(k.refresh) + " is too short: new signatures " +
                            "need zone-propagation-delay + the largest TTL (" + fmt(need) +
                            ") to replace cached ones before the old ones expire");
      Duration span{k.signature_lifetime.seconds - k.refresh.seconds};
      if (k.jitter >= span)
        error({jt, sl, rf}, "jitter " + fmt(k.jitter) +
                                " must be shorter than signature-lifetime - refresh (" + fmt(span) +
                                ")");
    }

    if (k.lifetime.never()) return;
    Duration need = is_ksk ? min_ksk_rollover_time(p, is_csk) : min_zsk_rollover_time(p);
    Duration have;
    std::string what;
    if (auto* d = std::get_if<Duration>(&k.lifetime.schedule)) {
      have = *d;
      what = ro + " = \"" + k.lifetime.text() + "\" leaves " + fmt(have);
    } else {
      have = Duration{cached_min_interval(std::get<CronSchedule>(k.lifetime.schedule))};
      what = ro + " = \"" + k.lifetime.text() + "\" leaves as little as " + fmt(have);
    }
    if (have < need) {
      std::string terms =
          is_ksk ? "zone-propagation-delay + dnskey-ttl + publish-safety + "
                   "parent-propagation-delay + ds-ttl + retire-safety" +
                       std::string(is_csk ? " + zone-propagation-delay + max-zone-ttl" : "")
                 : "2 x zone-propagation-delay + dnskey-ttl + publish-safety + max-zone-ttl + "
                   "retire-safety";
      error({ro, "timing.dnskey-ttl", "timing.ds-ttl"},
            what + " between rollovers, but a " + role + " rollover needs at least " + fmt(need) +
                " (" + terms + ", RFC 7583); roll less often or lower the TTLs and delays");
    }
  }

  void run() {
    if (p.use_csk) {
      key("csk", p.csk, true, true);
    } else {
      key("ksk", p.ksk, false, true);
      key("zsk", p.zsk, false, false);
      if (p.ksk.algorithm != p.zsk.algorithm)
        error({"ksk.algorithm", "zsk.algorithm"},
              "ksk uses " + signer::algorithm_name(p.ksk.algorithm) + " but zsk uses " +
                  signer::algorithm_name(p.zsk.algorithm) +
                  ": every algorithm in the DNSKEY RRset must sign the whole zone (RFC 4035 "
                  "2.2), so both must be the same (the agent runs algorithm rollovers itself)");
    }
    if (p.denial.type == DenialType::Nsec3) {
      if (p.denial.iterations > 0)
        warn({"denial.iterations"},
             "RFC 9276: use iterations = 0; extra iterations cost validators and add no "
             "protection" +
                 std::string(p.denial.iterations > 100
                                 ? " (and above 100 many validators treat the zone as insecure "
                                   "or SERVFAIL)"
                                 : ""));
      if (!p.denial.salt.empty())
        warn({"denial.salt"},
             "RFC 9276: use an empty salt (salt = \"\"); a salt adds no "
             "protection");
    }
    const ParentPolicy& pp = p.parent;
    if (!pp.tsig_key_name.empty() && pp.tsig_secret_file.empty())
      error({"parent.tsig-key"}, "a TSIG key needs parent.tsig-secret-file");
    if (pp.tsig_key_name.empty() && !pp.tsig_secret_file.empty())
      error({"parent.tsig-secret-file"}, "a TSIG secret file needs parent.tsig-key (its name)");
    if (pp.method == ParentMethod::Command) {
      if (pp.command.empty())
        error({"parent.method"}, "method = \"command\" needs parent.command");
      else if (pp.command[0] != '/')
        error({"parent.command"}, "must be an absolute path");
    }
    // ---- branch parent: daemon parent sync
    if (!pp.tsig_key_file.empty() && (!pp.tsig_key_name.empty() || !pp.tsig_secret_file.empty()))
      error({"parent.tsig"}, "give either tsig (a key file) or tsig-key + tsig-secret-file");
    if (pp.timeout.seconds == 0) error({"parent.timeout"}, "must be at least 1s");
    if (pp.poll_interval.seconds == 0) error({"parent.poll-interval"}, "must be at least 1s");
    if (p.children.poll_interval.seconds == 0)  // childscan
      error({"children.poll-interval"}, "must be at least 1s");
    if (pp.method == ParentMethod::Tar && p.tar.add_hold_down < Duration::days(30))  // tar5011
      warn({"trust-anchors.add-hold-down"},
           "add-hold-down " + fmt(p.tar.add_hold_down) +
               " is shorter than the 30 days validators wait before they trust a new key (RFC "
               "5011 2.4.1): the old key would be revoked while they still trust only it, and "
               "the island goes bogus for them; only for validators configured with the same "
               "hold-down (e.g. Unbound permit-small-holddown)");
    if (pp.alert_after < pp.poll_interval)
      error({"parent.alert-after", "parent.poll-interval"},
            "alert-after " + fmt(pp.alert_after) + " is shorter than poll-interval " +
                fmt(pp.poll_interval) + ": the parent could not be seen following in time");
  }
};

}  // namespace

void check_policy(const Policy& p, const Origins& origins, const std::string& prefix,
                  const std::string& fallback, Ctx& ctx) {
  Checker{p, origins, prefix, fallback, ctx}.run();
}

}  // namespace config_internal
}  // namespace ts::agent
