// Validator model: caching resolvers replayed against a zone's key history (RFC 7583 sec. 3).
#include "validator_model.h"

#include <algorithm>
#include <limits>
#include <random>
#include <sstream>

namespace ts::agent::model {
namespace {

constexpr int64_t kUnset = std::numeric_limits<int64_t>::max();

/// A key's DNSKEY/DS identity packed as algorithm << 16 | tag.
using Id = uint32_t;

struct K {
  Id id;
  bool ksk, zsk;
  int64_t published, active, retired, removed, ds_submitted, ds_withdrawn;
};

int64_t v(const std::optional<UnixTime>& t) {
  return t ? *t : kUnset;
}

/// What one RRset slot served from some instant on.
struct View {
  std::vector<Id> rrset;  // DS ids or DNSKEY ids
  std::vector<Id> sigs;   // ids of keys whose RRSIGs come with the RRset
  int64_t ttl = 0;
  int64_t propagation = 0;  // how far a server may lag behind at this instant
  bool operator==(const View& o) const { return rrset == o.rrset && sigs == o.sigs; }
};

// Slots: 0 DS (parent), 1 DNSKEY, 2 and 3 zone data re-signed 0 and Dsgn after a key change.
View compute(const ZoneHistory& h, const std::vector<K>& keys, int slot, UnixTime at) {
  View v;
  Timing timing = h.timing_at(at);
  if (slot == 0) {
    int64_t d = h.parent_registration_delay;
    UnixTime ignore = h.parent_ignores_after;
    for (const auto& k : keys)
      if (k.ds_submitted < ignore && k.ds_submitted + d <= at &&
          !(k.ds_withdrawn < ignore && k.ds_withdrawn + d <= at))
        v.rrset.push_back(k.id);
    v.ttl = timing.ds_ttl;
    v.propagation = timing.parent_propagation_delay;
    return v;
  }
  for (const auto& k : keys) {
    if (slot == 1) {
      if (k.published <= at && !(k.removed <= at)) v.rrset.push_back(k.id);
      if (k.ksk && k.active <= at && !(k.removed <= at)) v.sigs.push_back(k.id);
    } else {
      int64_t shift = slot == 3 ? timing.sign_delay : 0;
      if (k.zsk && k.active != kUnset && k.active + shift <= at &&
          !(k.retired != kUnset && k.retired + shift <= at))
        v.sigs.push_back(k.id);
    }
  }
  v.ttl = slot == 1 ? timing.dnskey_ttl : timing.max_zone_ttl;
  v.propagation = timing.zone_propagation_delay;
  return v;
}

/// The served data of every slot as segments [starts[i], starts[i+1]).
struct Timeline {
  std::vector<UnixTime> starts;
  std::vector<View> views[4];

  Timeline(const ZoneHistory& h, const std::vector<K>& keys) {
    std::vector<int64_t> shifts = {0, h.parent_registration_delay};
    std::vector<UnixTime> instants = h.timing_changes;
    for (UnixTime t : h.timing_changes) shifts.push_back(h.timing_at(t).sign_delay);
    shifts.push_back(h.timing_at(0).sign_delay);
    for (const auto& k : keys)
      for (int64_t x :
           {k.published, k.active, k.retired, k.removed, k.ds_submitted, k.ds_withdrawn})
        if (x != kUnset)
          for (int64_t s : shifts) instants.push_back(x + s);
    std::sort(instants.begin(), instants.end());
    instants.erase(std::unique(instants.begin(), instants.end()), instants.end());
    starts.push_back(std::numeric_limits<int64_t>::min());
    starts.insert(starts.end(), instants.begin(), instants.end());
    for (size_t i = 0; i < starts.size(); ++i) {
      UnixTime at = i == 0 ? (instants.empty() ? 0 : instants.front() - 1) : starts[i];
      for (int slot = 0; slot < 4; ++slot) views[slot].push_back(compute(h, keys, slot, at));
    }
  }

  const View& at(int slot, UnixTime t) const {
    size_t i = std::upper_bound(starts.begin(), starts.end(), t) - starts.begin() - 1;
    return views[slot][i];
  }
};

struct Cached {
  const View* view = nullptr;
  UnixTime fetched = 0, version = 0, expires = std::numeric_limits<int64_t>::min();
};

bool has(const std::vector<Id>& s, Id id) {
  return std::find(s.begin(), s.end(), id) != s.end();
}

std::string ids(const std::vector<Id>& s) {
  std::string out = "{";
  for (Id id : s)
    out +=
        (out.size() > 1 ? " " : "") + std::to_string(id >> 16) + "/" + std::to_string(id & 0xffff);
  return out + "}";
}

class Resolver {
 public:
  Resolver(const Timeline& tl, const ModelOptions& o, int index)
      : tl_(tl), o_(o), rng_(o.seed * 1000003 + index) {
    offset_ = static_cast<int64_t>(rng_() % static_cast<uint64_t>(o.query_period));
  }

  void run(UnixTime start, UnixTime end, ModelReport& report) {
    UnixTime t = start + offset_;
    // A warm cache: everything fetched at `start`, but each RRset due at a different time.
    for (int i = 0; i < 4; ++i) {
      fetch(i, t, report);
      c_[i].expires =
          t + 1 + static_cast<int64_t>(rng_() % static_cast<uint64_t>(c_[i].expires - t));
    }
    check(t, report);
    while (t <= end) {
      bool changed = false;
      for (int i = 0; i < 4; ++i)
        if (t >= c_[i].expires) changed = fetch(i, t, report) || changed;
      if (changed || o_.every_query) check(t, report);
      UnixTime next = std::numeric_limits<int64_t>::max();
      for (const auto& c : c_) next = std::min(next, c.expires);
      // first query instant at or after the earliest expiry
      int64_t periods = (next - start - offset_ + o_.query_period - 1) / o_.query_period;
      t = o_.every_query
              ? t + o_.query_period
              : std::max(t + o_.query_period, start + offset_ + periods * o_.query_period);
    }
  }

 private:
  int64_t lag(int64_t max) {
    if (max <= 0) return 0;
    switch (rng_() % 4) {
      case 0:
        return 0;
      case 1:
        return max;
      case 2:
        return max / 2;
      default:
        return static_cast<int64_t>(rng_() % static_cast<uint64_t>(max + 1));
    }
  }

  /// Refetches `slot` at `t` from a server lagging by up to the propagation delay; true when
  /// the cached contents changed.
  bool fetch(int slot, UnixTime t, ModelReport& report) {
    ++report.refetches;
    Cached c;
    c.fetched = t;
    c.version = t - lag(tl_.at(slot, t).propagation);
    c.view = &tl_.at(slot, c.version);
    c.expires = t + c.view->ttl;
    // One fetch in four is evicted early (cache pressure): the next one comes at any time.
    if (c.expires > t + 1 && rng_() % 4 == 0)
      c.expires = t + 1 + static_cast<int64_t>(rng_() % static_cast<uint64_t>(c.expires - t - 1));
    bool changed = !c_[slot].view || !(*c_[slot].view == *c.view);
    c_[slot] = c;
    return changed;
  }

  std::string problem() const {
    const auto& ds = c_[0].view->rrset;
    if (ds.empty()) return "";  // insecure: nothing to validate
    const auto& keyset = c_[1].view->rrset;
    const auto& keysigs = c_[1].view->sigs;
    bool chain = false;
    for (Id d : ds)
      if (has(keyset, d) && has(keysigs, d)) chain = true;
    if (!chain) return "no cached DS matches a cached DNSKEY that signs the DNSKEY RRset";
    for (int i = 2; i < 4; ++i) {
      bool ok = false;
      for (Id s : c_[i].view->sigs) ok = ok || has(keyset, s);
      if (!ok)
        return "zone data RRset " + std::to_string(i - 2) + " has no signature by a cached DNSKEY";
    }
    if (!o_.strict_algorithms) return "";
    auto signed_with = [&](const std::vector<Id>& sigs, Id alg) {
      for (Id s : sigs)
        if ((s >> 16) == alg && has(keyset, s)) return true;
      return false;
    };
    for (Id d : ds)
      if (!signed_with(keysigs, d >> 16))
        return "strict: DS algorithm " + std::to_string(d >> 16) +
               " does not sign the DNSKEY RRset";
    for (Id k : keyset)
      for (int i = 1; i < 4; ++i)
        if (!signed_with(c_[i].view->sigs, k >> 16))
          return "strict: DNSKEY algorithm " + std::to_string(k >> 16) + " missing on RRset " +
                 std::to_string(i);
    return "";
  }

  void check(UnixTime t, ModelReport& report) {
    ++report.checks;
    if (!c_[0].view->rrset.empty()) ++report.secure_checks;
    std::string p = problem();
    if (p.empty()) return;
    if (++report.failures <= 5) {
      std::ostringstream out;
      out << "t=" << t << ": " << p << "\n";
      const char* names[] = {"DS", "DNSKEY", "data0", "data1"};
      for (int i = 0; i < 4; ++i)
        out << "  " << names[i] << " fetched " << c_[i].fetched << " version " << c_[i].version
            << " rrset " << ids(c_[i].view->rrset) << " sigs " << ids(c_[i].view->sigs) << "\n";
      report.first_failures += out.str();
    }
  }

  const Timeline& tl_;
  const ModelOptions& o_;
  std::mt19937_64 rng_;
  int64_t offset_;
  Cached c_[4];
};

}  // namespace

ModelReport ValidatorModel::run(UnixTime start, UnixTime end) const {
  std::vector<K> keys;
  for (const auto& k : history_.keys)
    keys.push_back({static_cast<Id>(k.algorithm) << 16 | k.tag, k.has_ksk_duty(), k.has_zsk_duty(),
                    v(k.published), v(k.active), v(k.retired), v(k.removed), v(k.ds_submitted),
                    v(k.ds_withdrawn)});
  Timeline timeline(history_, keys);
  ModelReport report;
  for (int i = 0; i < options_.resolvers; ++i) {
    Resolver r(timeline, options_, i);
    r.run(start, end, report);
  }
  return report;
}

ParentView simulated_parent_view(const std::vector<KeyRecord>& keys, UnixTime now, int64_t reg,
                                 int64_t prop, UnixTime ignore) {
  ParentView view;
  for (const auto& k : keys) {
    if (!k.has_ksk_duty() || !k.ds_submitted || *k.ds_submitted >= ignore) continue;
    DsId id{k.algorithm, k.tag};
    bool withdrawal = k.ds_withdrawn && *k.ds_withdrawn < ignore;
    bool withdrawn_applied = withdrawal && *k.ds_withdrawn + reg <= now;
    if (*k.ds_submitted + reg + prop <= now && !withdrawn_applied)
      view.present_since[id] = *k.ds_submitted + reg + prop;
    if (withdrawal && *k.ds_withdrawn + reg + prop <= now)
      view.absent_since[id] = *k.ds_withdrawn + reg + prop;
  }
  return view;
}

UnixTime next_parent_event(const std::vector<KeyRecord>& keys, UnixTime now, int64_t reg,
                           int64_t prop, UnixTime ignore) {
  UnixTime next = kNever;
  for (const auto& k : keys) {
    if (!k.has_ksk_duty()) continue;
    for (const auto& t : {k.ds_submitted, k.ds_withdrawn})
      if (t && *t<ignore&& * t + reg + prop> now) next = std::min(next, *t + reg + prop);
  }
  return next;
}

}  // namespace ts::agent::model
