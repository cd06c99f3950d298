// A simulated year: 50 zones with monthly ZSK and six-monthly KSK rollovers (both KSK
// methods), CSK zones, an algorithm rollover and a TTL change, each under random RFC 7583
// terms, replayed against caching resolvers that fetch at staggered times: no validator
// may fail at any instant. The wall time is printed (not asserted: speed goes to bench/).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>

#include "rollover_sim.h"
#include "validator_model.h"

namespace ts::agent {
namespace {

constexpr UnixTime T0 = 1'800'000'000;
constexpr int64_t kDay = 86400;
constexpr int64_t kYear = 365 * kDay;

template <typename T>
T pick(std::mt19937_64& rng, std::initializer_list<T> options) {
  return *(options.begin() + rng() % options.size());
}

Timing random_timing(std::mt19937_64& rng) {
  Timing t;
  t.dnskey_ttl = pick<int64_t>(rng, {300, 3600, 86400});
  t.max_zone_ttl = pick<int64_t>(rng, {300, 3600, 86400});
  t.ds_ttl = pick<int64_t>(rng, {3600, 86400, 172800});
  t.zone_propagation_delay = pick<int64_t>(rng, {0, 60, 3600});
  t.parent_propagation_delay = pick<int64_t>(rng, {0, 600, 7200});
  t.sign_delay = pick<int64_t>(rng, {0, 0, 7200});
  t.publish_safety = pick<int64_t>(rng, {0, 600});
  t.retire_safety = pick<int64_t>(rng, {0, 600});
  return t;
}

TEST(ValidatorModel, YearOfRolloversForFiftyZonesNeverFailsAValidator) {
  using clock = std::chrono::steady_clock;
  uint64_t seed = 20261128;
  if (const char* env = std::getenv("TS_YEAR_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::mt19937_64 rng(seed);
  std::chrono::duration<double> planner_time{0}, model_time{0};
  uint64_t checks = 0, secure = 0, steps = 0, refetches = 0;
  int zsk_done = 0, ksk_done = 0, csk_done = 0, alg_done = 0;
  for (int i = 0; i < 50; ++i) {
    RolloverPolicy p;
    p.algorithm = 13;
    p.csk = i % 5 == 0;
    p.ksk_method = i % 2 ? KskMethod::DoubleDs : KskMethod::DoubleKsk;
    p.zsk_lifetime = Schedule::every(30 * kDay);
    p.ksk_lifetime = Schedule::every(182 * kDay);
    p.csk_lifetime = Schedule::every(90 * kDay);
    Timing timing = random_timing(rng);
    sim::ZoneSim s("zone" + std::to_string(i) + ".", p, timing, T0,
                   static_cast<uint16_t>(1000 + 100 * i));
    s.parent_registration_delay = pick<int64_t>(rng, {0, 3600, 86400});
    if (i % 7 == 3) {  // a TTL change in the middle of the year
      Timing changed = random_timing(rng);
      s.set_timing_from(T0 + 150 * kDay + static_cast<int64_t>(rng() % (30 * kDay)), changed);
    }
    auto t0 = clock::now();
    if (i % 10 == 7 || i % 10 == 5) {  // an algorithm rollover mid-year (KSK+ZSK, CSK)
      s.run_until(T0 + 200 * kDay);
      s.policy.algorithm = 15;
    }
    s.run_until(T0 + kYear);
    auto t1 = clock::now();
    auto history = s.history();
    model::ModelOptions o;
    o.resolvers = 4;
    o.seed = static_cast<uint64_t>(i) + 1;
    o.query_period = pick<int64_t>(rng, {97, 89, 101});
    auto report = model::ValidatorModel(history, o).run(T0, T0 + kYear);
    auto t2 = clock::now();
    planner_time += t1 - t0;
    model_time += t2 - t1;
    EXPECT_EQ(report.failures, 0u) << s.state.zone << "\n" << report.first_failures;
    EXPECT_GT(report.secure_checks, 10u) << s.state.zone;
    refetches += report.refetches;
    checks += report.checks;
    secure += report.secure_checks;
    steps += s.steps;
    int zsk = s.count("zsk rollover", "done");
    int ksk =
        s.count("ksk-double-ksk rollover", "done") + s.count("ksk-double-ds rollover", "done");
    int csk = s.count("csk rollover", "done");
    if (p.csk) {
      EXPECT_GE(csk, 3) << s.state.zone;
    } else {
      EXPECT_GE(zsk, 10) << s.state.zone;
      EXPECT_GE(ksk, 1) << s.state.zone;
    }
    if (i % 10 == 7 || i % 10 == 5) {
      EXPECT_EQ(s.count("algorithm rollover", "done"), 1) << s.state.zone;
    }
    zsk_done += zsk;
    ksk_done += ksk;
    csk_done += csk;
    alg_done += s.count("algorithm rollover", "done");
  }
  std::cout << "[ year     ] 50 zones: " << zsk_done << " ZSK, " << ksk_done << " KSK, " << csk_done
            << " CSK, " << alg_done << " algorithm rollovers; " << steps << " planner steps in "
            << planner_time.count() << " s; " << refetches << " cache refetches, " << checks
            << " validator checks (" << secure << " secure) in " << model_time.count() << " s\n";
}

}  // namespace
}  // namespace ts::agent
