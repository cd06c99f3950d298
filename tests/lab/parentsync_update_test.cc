// parentsync against the lab's real servers (instance 6): the `update` publisher replaces the
// DS RRset of example.test. at test.'s BIND primary and of sub.example.test. at
// example.test.'s Knot primary; both parent servers serve the new set after wait-sync and
// the chain still validates (AD from the lab's Unbound); publishing again sends nothing;
// a wrong TSIG secret gives a clear error naming the server. Referees: dig, not our code.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "parentsync/primary.h"
#include "parentsync/publish_update.h"
#include "tests/lab/lab_fixture.h"

namespace ts::lab {
namespace {

using parentsync::DsRecord;

struct NoWait final : parentsync::Sleeper {
  void sleep_ms(int64_t) override {}
};
struct Half final : parentsync::RandomSource {
  double uniform() override { return 0.5; }
};

class ParentsyncUpdateLab : public LabFixture {
 public:
  static void SetUpTestSuite() { StartLab(6); }

 protected:
  std::string secret_file;
  void SetUp() override {
    LabFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    secret_file = env().dir + "/parentsync-tsig.secret";
    WriteSecret(secret_file, env().tsig_secret);
  }
  static void WriteSecret(const std::string& path, const std::string& secret) {
    unlink(path.c_str());
    std::ofstream(path) << secret << "\n";
    chmod(path.c_str(), 0600);
  }
  parentsync::UpdateOptions Options(const std::string& primary, const std::string& file) {
    parentsync::UpdateOptions o;
    o.primary = primary;
    o.tsig_name = env().tsig_name;
    o.tsig_algorithm = env().tsig_alg;
    o.tsig_secret_file = file;
    o.ttl = 10;
    o.timeout_seconds = 3;
    o.retry = {.attempts = 3, .initial_ms = 200, .max_ms = 1000};
    return o;
  }
  // DS rdata lines ("TAG ALG DT HEX") served by one server, parsed and sorted.
  std::vector<DsRecord> ServedDs(const std::string& server, const std::string& child) {
    CommandResult r = Run("dig +norec +short +time=1 +tries=2 @" + server + " " + child + " DS");
    std::vector<DsRecord> out;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      if (auto ds = DsRecord::from_rdata_text(line)) out.push_back(*ds);
    }
    return parentsync::canonical_set(out);
  }
  // The child's SEP DNSKEYs (flags 257) as wire rdata, from its own server.
  std::vector<parentsync::Bytes> Ksks(const std::string& server, const std::string& child) {
    CommandResult r =
        Run("dig +norec +short +time=1 +tries=2 @" + server + " " + child + " DNSKEY");
    std::vector<parentsync::Bytes> out;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      std::istringstream f(line);
      unsigned flags = 0, proto = 0, alg = 0;
      std::string b64, part;
      if (!(f >> flags >> proto >> alg) || flags != 257) continue;
      while (f >> part) b64 += part;
      auto key = parentsync::base64_to_bytes(b64);
      if (!key) continue;
      parentsync::Bytes rdata(4 + key->size());
      rdata[0] = 1, rdata[1] = 1, rdata[2] = static_cast<uint8_t>(proto),
      rdata[3] = static_cast<uint8_t>(alg);
      std::copy(key->begin(), key->end(), rdata.begin() + 4);
      out.push_back(rdata);
    }
    return out;
  }
  bool ValidatesWithAd(const std::string& name) {
    Lab("flush-resolver");
    CommandResult r = Run("dig +time=2 +tries=2 +dnssec @" + env().resolver + " " + name + " TXT");
    return r.output.find(" ad;") != std::string::npos &&
           r.output.find("status: NOERROR") != std::string::npos;
  }

  // Replaces CHILD's DS (SHA-256 at start) with SHA-384 DS of the same KSKs at PRIMARY,
  // checks both parent servers and the chain, then restores the original.
  void ReplaceAndRestore(const std::string& child_text, const std::string& parent,
                         const std::string& primary, const std::string& secondary,
                         const std::string& child_server) {
    Name child = *Name::from_text(child_text);
    std::vector<DsRecord> original = ServedDs(primary, child_text);
    ASSERT_FALSE(original.empty()) << child_text;
    std::vector<DsRecord> desired;
    for (const auto& rdata : Ksks(child_server, child_text)) {
      auto ds = parentsync::make_ds(child, rdata, 4);
      ASSERT_TRUE(ds);
      desired.push_back(*ds);
    }
    ASSERT_FALSE(desired.empty());
    desired = parentsync::canonical_set(desired);
    ASSERT_NE(desired, original);

    NoWait sleeper;
    Half random;
    parentsync::UpdatePublisher pub(Options(primary, secret_file), random, sleeper);
    Status s = pub.publish(child, desired);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(pub.updates_sent(), 1);
    EXPECT_EQ(ServedDs(primary, child_text), desired);

    // Idempotent: nothing to send the second time.
    Status again = pub.publish(child, desired);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(pub.updates_sent(), 0);

    CommandResult sync = Lab("wait-sync " + parent);
    ASSERT_EQ(sync.exit_code, 0) << sync.output;
    EXPECT_EQ(ServedDs(secondary, child_text), desired);
    EXPECT_TRUE(ValidatesWithAd("www." + child_text));

    Status back = pub.publish(child, original);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(ServedDs(primary, child_text), original);
    ASSERT_EQ(Lab("wait-sync " + parent).exit_code, 0);
  }
};

TEST_F(ParentsyncUpdateLab, ReplacesExampleDsAtBindPrimaryOfTest) {
  ReplaceAndRestore("example.test.", "test.", env().test_primary, env().test_secondary,
                    env().example_primary);
}

TEST_F(ParentsyncUpdateLab, ReplacesSubDsAtKnotPrimaryOfExample) {
  ReplaceAndRestore("sub.example.test.", "example.test.", env().example_primary,
                    env().example_secondary, env().sub_addr);
}

TEST_F(ParentsyncUpdateLab, PrimaryFoundFromSoaMnameAtTheSecondary) {
  auto test_ns2 = parentsync::ServerAddress::parse(env().test_secondary);
  auto p = parentsync::primary_from_soa(*test_ns2, *Name::from_text("test."), 3);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(*p, env().test_primary);
  auto example_ns2 = parentsync::ServerAddress::parse(env().example_secondary);
  auto q = parentsync::primary_from_soa(*example_ns2, *Name::from_text("example.test."), 3);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(*q, env().example_primary);

  // An UPDATE without a configured primary goes to the MNAME's address (idempotent here).
  parentsync::UpdateOptions o = Options("", secret_file);
  o.find_primary = [&](const Name& zone) {
    return parentsync::primary_from_soa(*test_ns2, zone, 3);
  };
  NoWait sleeper;
  Half random;
  parentsync::UpdatePublisher pub(o, random, sleeper);
  Status s =
      pub.publish(*Name::from_text("example.test."), ServedDs(env().test_primary, "example.test."));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(pub.updates_sent(), 0);
}

TEST_F(ParentsyncUpdateLab, StalePrerequisiteLeavesTheDsUntouched) {
  // An UPDATE built from an outdated view of the DS RRset (someone changed it since we read
  // it) must be rejected as a whole: NXRRSET from BIND and Knot, nothing replaced.
  struct Target {
    std::string primary, zone, child;
  };
  for (const Target& t : {Target{env().test_primary, "test.", "example.test."},
                          Target{env().example_primary, "example.test.", "sub.example.test."}}) {
    Name child = *Name::from_text(t.child);
    std::vector<DsRecord> before = ServedDs(t.primary, t.child);
    ASSERT_FALSE(before.empty());
    DsRecord outdated = before[0];
    outdated.digest[0] ^= 0x5a;  // a DS that is not there
    auto pkt = parentsync::build_ds_update(*Name::from_text(t.zone), child, {outdated}, {}, 10);
    ASSERT_TRUE(pkt);
    auto key = parentsync::TsigKey::load(env().tsig_name, env().tsig_alg, secret_file);
    ASSERT_TRUE(key) << key.error().message;
    parentsync::UpdateReply r =
        parentsync::send_update(*parentsync::ServerAddress::parse(t.primary), pkt->get(), &*key, 3);
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_TRUE(r.authenticated);
    EXPECT_EQ(r.rcode, LDNS_RCODE_NXRRSET) << r.what;
    EXPECT_EQ(ServedDs(t.primary, t.child), before) << t.primary;

    // Empty-RRset prerequisite ("does not exist") while a DS exists: YXRRSET.
    auto pkt2 = parentsync::build_ds_update(*Name::from_text(t.zone), child, {}, {}, 10);
    ASSERT_TRUE(pkt2);
    parentsync::UpdateReply r2 = parentsync::send_update(
        *parentsync::ServerAddress::parse(t.primary), pkt2->get(), &*key, 3);
    ASSERT_TRUE(r2.error.empty()) << r2.error;
    EXPECT_EQ(r2.rcode, LDNS_RCODE_YXRRSET) << r2.what;
    EXPECT_EQ(ServedDs(t.primary, t.child), before) << t.primary;
  }
}

TEST_F(ParentsyncUpdateLab, WrongTsigSecretIsAClearErrorNamingTheServer) {
  std::string wrong = env().dir + "/parentsync-wrong.secret";
  WriteSecret(wrong, "d3Jvbmcgc2VjcmV0IGZvciB0aGUgbGFiIGtleQ==");
  Name child = *Name::from_text("example.test.");
  std::vector<DsRecord> before = ServedDs(env().test_primary, "example.test.");
  NoWait sleeper;
  Half random;
  parentsync::UpdatePublisher pub(Options(env().test_primary, wrong), random, sleeper);
  Status s = pub.publish(child, {});
  ASSERT_FALSE(s);
  const std::string& m = s.error().message;
  std::cout << "BIND: " << m << "\n";
  EXPECT_NE(m.find(env().test_primary), std::string::npos) << m;
  EXPECT_NE(m.find("NOTAUTH (BADSIG"), std::string::npos) << m;  // BIND 9.18
  EXPECT_EQ(m.find("d3Jvbmc"), std::string::npos) << "secret leaked into the message";
  EXPECT_EQ(pub.updates_sent(), 1);  // fatal: not retried
  EXPECT_EQ(ServedDs(env().test_primary, "example.test."), before);

  // Same at the Knot primary of example.test.
  parentsync::UpdatePublisher knot(Options(env().example_primary, wrong), random, sleeper);
  Status k = knot.publish(*Name::from_text("sub.example.test."), {});
  ASSERT_FALSE(k);
  std::cout << "Knot: " << k.error().message << "\n";
  EXPECT_NE(k.error().message.find("BADSIG"), std::string::npos);  // Knot 3.2
  EXPECT_NE(k.error().message.find(env().example_primary), std::string::npos) << k.error().message;
}

TEST_F(ParentsyncUpdateLab, UnsignedUpdateIsRefusedClearly) {
  parentsync::UpdateOptions o = Options(env().test_primary, secret_file);
  o.tsig_name.clear();
  NoWait sleeper;
  Half random;
  parentsync::UpdatePublisher pub(o, random, sleeper);
  Status s = pub.publish(*Name::from_text("example.test."), {});
  ASSERT_FALSE(s);
  std::cout << "unsigned: " << s.error().message << "\n";
  EXPECT_NE(s.error().message.find("REFUSED"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find(env().test_primary), std::string::npos);
}

}  // namespace
}  // namespace ts::lab
