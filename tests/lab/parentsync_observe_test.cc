// parentsync's observer against the lab's real servers (instance 6, after the update suite): DS
// from every parent server directly, each answer checked with ldns against the parent's DNSKEYs
// (DirectDs), plus the validated view. The ParentDirectory here asks the lab's validating Unbound
// with dig (AD flag = validated); the agent's will use resolver/ (branch resolver). Cases:
// agreement; disagreement while test.'s secondary is held after an UPDATE, agreement after release;
// a rogue DS added with nsupdate classified rogue; signatures checked at a time after their expiry
// are bogus; an unsigned parent is recognised.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "parentsync/correction.h"
#include "parentsync/direct_ds.h"
#include "parentsync/publish_update.h"
#include "parentsync/validating_directory.h"
#include "resolver/resolver.h"
#include "tests/lab/lab_fixture.h"

namespace ts::lab {
namespace {

using namespace ts::parentsync;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// DNSKEY rdata from "FLAGS PROTO ALG BASE64..." (dig +short).
std::optional<Bytes> DnskeyRdata(const std::string& line) {
  std::istringstream f(line);
  unsigned flags = 0, proto = 0, alg = 0;
  std::string b64, part;
  if (!(f >> flags >> proto >> alg)) return std::nullopt;
  while (f >> part) b64 += part;
  auto key = base64_to_bytes(b64);
  if (!key) return std::nullopt;
  Bytes r(4 + key->size());
  r[0] = static_cast<uint8_t>(flags >> 8), r[1] = static_cast<uint8_t>(flags & 0xff);
  r[2] = static_cast<uint8_t>(proto), r[3] = static_cast<uint8_t>(alg);
  std::copy(key->begin(), key->end(), r.begin() + 4);
  return r;
}

class DigDirectory final : public ParentDirectory {
 public:
  explicit DigDirectory(const LabEnv& env) : env_(env) {}
  Result<ParentServers> parent_servers(const Name& child) override {
    ParentServers p;
    p.parent = child.parent();
    const std::string parent = p.parent.to_text();
    for (const std::string& ns : Lines(Short(parent, "NS"))) {
      for (const char* type : {"A", "AAAA"})
        for (const std::string& addr : Lines(Short(ns, type))) p.servers.push_back({ns, addr});
    }
    CommandResult keys = Dig(parent, "DNSKEY");
    bool ad = keys.output.find(" ad;") != std::string::npos;
    p.security = ad ? Validation::Secure : Validation::Insecure;
    if (ad)
      for (const std::string& l : Lines(Short(parent, "DNSKEY")))
        if (auto k = DnskeyRdata(l)) p.dnskeys.push_back(*k);
    return p;
  }
  ValidatedDs validated_ds(const Name& child) override {
    ValidatedDs v;
    CommandResult r = Dig(child.to_text(), "DS");
    if (r.output.find("status: NOERROR") == std::string::npos) {
      v.validation = Validation::Bogus;
      v.reason = "resolver did not answer NOERROR";
      return v;
    }
    v.validation =
        r.output.find(" ad;") != std::string::npos ? Validation::Secure : Validation::Insecure;
    for (const std::string& l : Lines(Short(child.to_text(), "DS")))
      if (auto ds = DsRecord::from_rdata_text(l)) v.ds.push_back(*ds);
    return v;
  }

 private:
  CommandResult Dig(const std::string& name, const std::string& type) {
    return RunCommand("dig +time=2 +tries=2 +dnssec @" + env_.resolver + " " + name + " " + type);
  }
  std::string Short(const std::string& name, const std::string& type) {
    return RunCommand("dig +short +time=2 +tries=2 @" + env_.resolver + " " + name + " " + type +
                      " 2>/dev/null")
        .output;
  }
  const LabEnv& env_;
};

struct NoWait final : Sleeper {
  void sleep_ms(int64_t) override {}
};
struct Half final : RandomSource {
  double uniform() override { return 0.5; }
};

class ParentsyncObserveLab : public LabFixture {
 public:
  static void SetUpTestSuite() { StartLab(6); }

 protected:
  const Name child = *Name::from_text("example.test.");

  // The real KSKs of CHILD (from its primary) as our Active keys.
  std::vector<OurKey> RealKeys(const std::string& server, const std::string& zone) {
    std::vector<OurKey> keys;
    for (const std::string& l :
         Lines(Run("dig +norec +short @" + server + " " + zone + " DNSKEY").output)) {
      auto k = DnskeyRdata(l);
      if (k && (*k)[1] == 1) keys.push_back(OurKey{key_tag(*k), (*k)[3], *k, KeyState::Active});
    }
    return keys;
  }
  static OurKey FakeKey(uint8_t seed, KeyState state, bool submitted) {
    Bytes r{0x01, 0x01, 0x03, 13};
    for (int i = 0; i < 64; ++i) r.push_back(static_cast<uint8_t>(seed * 31 + i * 7));
    return OurKey{key_tag(r), 13, r, state, submitted};
  }
  ParentView Observe(const std::vector<OurKey>& keys, UnixTime now = 0) {
    Lab("flush-resolver");
    DigDirectory dir(env());
    DirectDs direct(3);
    DirectParentObserver obs(dir, direct);
    if (now == 0) now = static_cast<UnixTime>(time(nullptr));  // the test's own clock
    auto o = obs.observe(child, now);
    EXPECT_TRUE(o) << o.error().message;
    if (!o) return {};
    last_ = *o;
    return assess_ds(child, keys, *o);
  }
  std::unique_ptr<UpdatePublisher> Publisher() {
    std::string file = env().dir + "/parentsync-observe.secret";
    unlink(file.c_str());
    std::ofstream(file) << env().tsig_secret << "\n";
    chmod(file.c_str(), 0600);
    UpdateOptions o;
    o.primary = env().test_primary;
    o.tsig_name = env().tsig_name;
    o.tsig_secret_file = file;
    o.ttl = 10;
    o.timeout_seconds = 3;
    return std::make_unique<UpdatePublisher>(o, random_, sleeper_);
  }
  ParentObservation last_;
  NoWait sleeper_;
  Half random_;
};

TEST_F(ParentsyncObserveLab, BothServersAgreeAndValidate) {
  auto keys = RealKeys(env().example_primary, "example.test.");
  ASSERT_FALSE(keys.empty());
  ParentView v = Observe(keys);
  std::cout << v.summary();
  ASSERT_EQ(last_.servers.size(), 2u);
  for (const auto& s : last_.servers) {
    EXPECT_TRUE(s.answered) << s.server << ": " << s.error;
    EXPECT_EQ(s.validation, Validation::Secure) << s.server << ": " << s.error;
  }
  EXPECT_TRUE(v.servers_agree);
  EXPECT_TRUE(v.healthy()) << v.summary();
  EXPECT_TRUE(v.seen_everywhere(keys[0].tag));
}

TEST_F(ParentsyncObserveLab, SignaturesCheckedAfterExpiryAreBogus) {
  auto keys = RealKeys(env().example_primary, "example.test.");
  ParentView v = Observe(keys, static_cast<UnixTime>(time(nullptr)) + 400 * 86400);
  ASSERT_EQ(last_.servers.size(), 2u);
  EXPECT_EQ(last_.servers[0].validation, Validation::Bogus);
  std::cout << last_.servers[0].error << "\n";
  EXPECT_FALSE(v.seen_everywhere(keys[0].tag));
  EXPECT_EQ(v.bogus.size(), 2u);
}

TEST_F(ParentsyncObserveLab, HeldSecondaryDisagreesUntilReleased) {
  auto keys = RealKeys(env().example_primary, "example.test.");
  OurKey next = FakeKey(5, KeyState::Published, /*submitted=*/true);
  keys.push_back(next);
  std::vector<DsRecord> desired;
  for (const auto& k : keys) desired.push_back(*make_ds(child, k.dnskey_rdata, 2));

  ASSERT_EQ(Lab("hold-secondary test.").exit_code, 0);
  auto pub = Publisher();
  Status s = pub->publish(child, desired);
  ASSERT_TRUE(s) << s.error().message;
  ParentView held = Observe(keys);
  std::cout << held.summary();
  EXPECT_FALSE(held.servers_agree);
  EXPECT_FALSE(held.seen_everywhere(next.tag));
  ASSERT_EQ(held.missing.size(), 1u);
  EXPECT_EQ(held.missing[0].tag, next.tag);
  ASSERT_EQ(held.missing[0].absent_from.size(), 1u);
  EXPECT_NE(held.missing[0].absent_from[0].find(env().test_secondary), std::string::npos);

  ASSERT_EQ(Lab("release-secondary test.").exit_code, 0);
  ASSERT_EQ(Lab("wait-sync test.").exit_code, 0);
  ParentView released = Observe(keys);
  std::cout << released.summary();
  EXPECT_TRUE(released.servers_agree);
  EXPECT_TRUE(released.seen_everywhere(next.tag)) << released.summary();
  EXPECT_TRUE(released.healthy()) << released.summary();

  // Back to the original DS set.
  keys.pop_back();
  desired.pop_back();
  ASSERT_TRUE(pub->publish(child, desired));
  ASSERT_EQ(Lab("wait-sync test.").exit_code, 0);
}

TEST_F(ParentsyncObserveLab, RogueDsAddedByNsupdateIsClassifiedRogue) {
  auto keys = RealKeys(env().example_primary, "example.test.");
  DsRecord rogue = *make_ds(child, FakeKey(9, KeyState::Active, false).dnskey_rdata, 2);
  std::string script = "server " + env().test_primary + "\\nzone test.\\nupdate add " +
                       rogue.to_text(child, 10) + "\\nsend\\n";
  CommandResult r = Run("printf '" + script + "' | nsupdate -t 3 -k " + env().tsig_file);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(Lab("wait-sync test.").exit_code, 0);

  ParentView v = Observe(keys);
  std::cout << v.summary();
  ASSERT_EQ(v.rogue.size(), 1u) << v.summary();
  EXPECT_EQ(v.rogue[0].ds, rogue);
  EXPECT_EQ(v.rogue[0].servers.size(), 2u);
  EXPECT_TRUE(v.rogue[0].in_validated_view);
  EXPECT_TRUE(v.seen_everywhere(keys[0].tag));  // the chain itself is still secure

  // The correction the agent would make where it has authority: remove the rogue DS only.
  Correction c = plan_correction(child, keys, last_, v, {.remove_rogue = true});
  ASSERT_TRUE(c.needed);
  ASSERT_EQ(c.desired.size(), 1u);
  EXPECT_TRUE(ds_matches_dnskey(c.desired[0], child, keys[0].dnskey_rdata));
  ASSERT_TRUE(Publisher()->publish(child, c.desired));
  ASSERT_EQ(Lab("wait-sync test.").exit_code, 0);
  EXPECT_TRUE(Observe(keys).rogue.empty());
}

TEST_F(ParentsyncObserveLab, SignedDenialOfDsValidatesOnEveryServer) {
  // plain.test. has no DS in the signed test.: each server's NODATA must carry a valid,
  // signed NSEC/NSEC3 denial.
  Name plain = *Name::from_text("plain.test.");
  Lab("flush-resolver");
  DigDirectory dir(env());
  DirectDs direct(3);
  DirectParentObserver obs(dir, direct);
  auto o = obs.observe(plain, static_cast<UnixTime>(time(nullptr)));
  ASSERT_TRUE(o) << o.error().message;
  ASSERT_EQ(o->servers.size(), 2u);
  for (const auto& s : o->servers) {
    EXPECT_TRUE(s.ds.empty());
    EXPECT_EQ(s.validation, Validation::Secure) << s.server << ": " << s.error;
  }
  ParentView v = assess_ds(plain, {}, *o);
  EXPECT_TRUE(v.servers_agree) << v.summary();
  EXPECT_TRUE(v.rogue.empty());
}

TEST_F(ParentsyncObserveLab, ValidatingDirectoryOverLibunbound) {
  // The production path: the parent's servers, DNSKEYs and the validated DS view from the
  // project's libunbound resolver (lab root anchor + root hints, fresh context per query).
  resolver::ResolverOptions ro;
  ro.trust_anchor_files = {env().trust_anchor};
  ro.root_hints = env().root_hints;
  ro.fresh_context_per_query = true;
  ro.query_timeout_ms = 5000;
  auto r = resolver::make_unbound_resolver(ro);
  ASSERT_TRUE(r) << r.error().message;
  ValidatingDirectory dir(**r);
  DirectDs direct(3);
  DirectParentObserver obs(dir, direct);
  auto keys = RealKeys(env().example_primary, "example.test.");
  auto o = obs.observe(child, static_cast<UnixTime>(time(nullptr)));
  ASSERT_TRUE(o) << o.error().message;
  ParentView v = assess_ds(child, keys, *o);
  std::cout << v.summary();
  EXPECT_EQ(o->parent, *Name::from_text("test."));
  EXPECT_EQ(o->servers.size(), 2u);
  EXPECT_EQ(o->validated.validation, Validation::Secure) << o->validated.reason;
  EXPECT_TRUE(v.healthy()) << v.summary();
  EXPECT_TRUE(v.seen_everywhere(keys[0].algorithm, keys[0].tag));

  auto island =
      obs.observe(*Name::from_text("island.plain.test."), static_cast<UnixTime>(time(nullptr)));
  ASSERT_TRUE(island) << island.error().message;
  EXPECT_TRUE(assess_ds(*Name::from_text("island.plain.test."), {}, *island).parent_insecure);
}

TEST_F(ParentsyncObserveLab, UnsignedParentIsRecognised) {
  Name island = *Name::from_text("island.plain.test.");
  Lab("flush-resolver");
  DigDirectory dir(env());
  DirectDs direct(3);
  DirectParentObserver obs(dir, direct);
  auto o = obs.observe(island, static_cast<UnixTime>(time(nullptr)));
  ASSERT_TRUE(o) << o.error().message;
  ASSERT_FALSE(o->servers.empty());
  EXPECT_EQ(o->servers[0].validation, Validation::Insecure) << o->servers[0].error;
  ParentView v = assess_ds(island, {}, *o);
  std::cout << v.summary();
  EXPECT_TRUE(v.parent_insecure);
}

}  // namespace
}  // namespace ts::lab
