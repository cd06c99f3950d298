// The lab's own test: the hierarchy started by lab.sh validates as designed (secure chain to
// sub.example.test., insecure plain.test. and island), both primaries take TSIG UPDATEs,
// hold-secondary really holds a secondary back, and reload-sub serves a re-signed file.
// Uses dig, delv, nsupdate and ldns-signzone from Debian; the referees are not our code.
#include <string>

#include "tests/lab/lab_fixture.h"

namespace ts::lab {
namespace {

class LabTest : public LabFixture {
 protected:
  // dig through the lab's validating resolver.
  CommandResult Resolve(const std::string& name, const std::string& type) {
    return Run("dig +time=2 +tries=2 +dnssec @" + env().resolver + " " + name + " " + type);
  }
  // dig +norec +short at one authoritative server.
  std::string Ask(const std::string& server, const std::string& name, const std::string& type) {
    return Run("dig +norec +short +time=1 +tries=2 @" + server + " " + name + " " + type).output;
  }
  CommandResult Update(const std::string& server, const std::string& zone, const std::string& line,
                       bool with_key = true) {
    std::string script =
        "server " + server + "\\nzone " + zone + "\\nupdate " + line + "\\nsend\\n";
    return Run("printf '" + script + "' | nsupdate -t 3 " +
               (with_key ? "-k " + env().tsig_file : std::string()));
  }
  static bool HasAd(const CommandResult& r) {
    return r.output.find("flags: qr rd ra ad;") != std::string::npos;
  }
  static bool NoError(const CommandResult& r) {
    return r.output.find("status: NOERROR") != std::string::npos;
  }
};

TEST_F(LabTest, EnvDescribesTheInstance) {
  EXPECT_EQ(env().prefix, "127.53." + std::to_string(env().instance));
  EXPECT_EQ(env().resolver, env().prefix + ".53");
  EXPECT_EQ(env().tsig_alg, "hmac-sha256");
  EXPECT_FALSE(env().tsig_secret.empty());
  CommandResult ta = Run("cat " + env().trust_anchor);
  EXPECT_NE(ta.output.find("IN DS"), std::string::npos) << ta.output;
}

TEST_F(LabTest, EveryServerAnswersAuthoritatively) {
  const std::pair<std::string, std::string> servers[] = {
      {env().root_addr, "."},
      {env().test_primary, "test."},
      {env().test_secondary, "test."},
      {env().example_primary, "example.test."},
      {env().example_secondary, "example.test."},
      {env().sub_addr, "sub.example.test."},
      {env().plain_addr, "plain.test."},
      {env().island_addr, "island.plain.test."},
  };
  for (const auto& [addr, zone] : servers) {
    CommandResult r = Run("dig +norec +time=1 +tries=2 @" + addr + " SOA " + zone);
    EXPECT_NE(r.output.find("flags: qr aa"), std::string::npos) << addr << " " << zone << "\n"
                                                                << r.output;
  }
}

TEST_F(LabTest, ChainValidatesDownToSub) {
  CommandResult r = Resolve("sub.example.test.", "SOA");
  EXPECT_TRUE(NoError(r) && HasAd(r)) << r.output;
  // A referee we did not configure: delv with the root anchor, through the resolver.
  CommandResult d = Run("delv @" + env().resolver + " -a " + env().get("LAB_DELV_ANCHOR") +
                        " +root=. www.sub.example.test. TXT");
  EXPECT_NE(d.output.find("; fully validated"), std::string::npos) << d.output;
}

TEST_F(LabTest, PlainAndIslandAreInsecureUnderTheRootAnchor) {
  CommandResult plain = Resolve("www.plain.test.", "TXT");
  EXPECT_TRUE(NoError(plain)) << plain.output;
  EXPECT_FALSE(HasAd(plain)) << plain.output;
  // test. proves, signed, that plain.test. has no DS.
  CommandResult nods = Resolve("plain.test.", "DS");
  EXPECT_TRUE(NoError(nods) && HasAd(nods)) << nods.output;
  EXPECT_NE(nods.output.find("ANSWER: 0,"), std::string::npos) << nods.output;
  CommandResult island = Resolve("www.island.plain.test.", "TXT");
  EXPECT_TRUE(NoError(island)) << island.output;
  EXPECT_FALSE(HasAd(island)) << island.output;
}

TEST_F(LabTest, IslandValidatesWithItsOwnAnchor) {
  CommandResult d = Run("delv @" + env().resolver + " -a " + env().get("LAB_ISLAND_DELV_ANCHOR") +
                        " +root=island.plain.test. www.island.plain.test. TXT");
  EXPECT_NE(d.output.find("; fully validated"), std::string::npos) << d.output;
}

TEST_F(LabTest, HeldTestSecondaryMissesAnUpdateUntilReleased) {
  ASSERT_EQ(Lab("hold-secondary test.").exit_code, 0);
  CommandResult u = Update(env().test_primary, "test.", "add held.test. 10 TXT \"held\"");
  ASSERT_EQ(u.exit_code, 0) << u.output;
  EXPECT_EQ(Ask(env().test_primary, "held.test.", "TXT"), "\"held\"\n");
  EXPECT_EQ(Ask(env().test_secondary, "held.test.", "TXT"), "");
  EXPECT_NE(Lab("wait-sync test. --timeout 3").exit_code, 0)
      << "a held secondary must not catch up";
  EXPECT_EQ(Ask(env().test_secondary, "held.test.", "TXT"), "");
  ASSERT_EQ(Lab("release-secondary test.").exit_code, 0);
  CommandResult w = Lab("wait-sync test.");
  ASSERT_EQ(w.exit_code, 0) << w.output;
  EXPECT_EQ(Ask(env().test_secondary, "held.test.", "TXT"), "\"held\"\n");
}

TEST_F(LabTest, HeldExampleSecondaryMissesAnUpdateUntilReleased) {
  ASSERT_EQ(Lab("hold-secondary example.test.").exit_code, 0);
  CommandResult u =
      Update(env().example_primary, "example.test.", "add held.example.test. 10 TXT \"held\"");
  ASSERT_EQ(u.exit_code, 0) << u.output;
  EXPECT_EQ(Ask(env().example_primary, "held.example.test.", "TXT"), "\"held\"\n");
  EXPECT_EQ(Ask(env().example_secondary, "held.example.test.", "TXT"), "");
  ASSERT_EQ(Lab("release-secondary example.test.").exit_code, 0);
  CommandResult w = Lab("wait-sync example.test.");
  ASSERT_EQ(w.exit_code, 0) << w.output;
  EXPECT_EQ(Ask(env().example_secondary, "held.example.test.", "TXT"), "\"held\"\n");
}

// The state the parent-sync code must notice: a DS on one parent server but not the other.
TEST_F(LabTest, DsCanDifferBetweenTheTwoParentServers) {
  const std::string ds = Ask(env().test_primary, "example.test.", "DS");
  ASSERT_NE(ds, "");
  ASSERT_EQ(Ask(env().test_secondary, "example.test.", "DS"), ds);
  ASSERT_EQ(Lab("hold-secondary test.").exit_code, 0);
  ASSERT_EQ(Update(env().test_primary, "test.", "delete example.test. DS").exit_code, 0);
  EXPECT_EQ(Ask(env().test_primary, "example.test.", "DS"), "");
  EXPECT_EQ(Ask(env().test_secondary, "example.test.", "DS"), ds);
  // Put it back (same TTL as the zone's), let the secondary follow.
  std::string rdata = ds.substr(0, ds.find('\n'));
  ASSERT_EQ(Update(env().test_primary, "test.", "add example.test. 10 DS " + rdata).exit_code, 0);
  ASSERT_EQ(Lab("release-secondary test.").exit_code, 0);
  ASSERT_EQ(Lab("wait-sync test.").exit_code, 0);
  EXPECT_EQ(Ask(env().test_secondary, "example.test.", "DS"), ds);
  ASSERT_EQ(Lab("flush-resolver").exit_code, 0);
  CommandResult r = Resolve("sub.example.test.", "SOA");
  EXPECT_TRUE(NoError(r) && HasAd(r)) << r.output;
}

TEST_F(LabTest, PrimariesRefuseUnsignedUpdates) {
  CommandResult a = Update(env().test_primary, "test.", "add nokey.test. 10 TXT \"x\"", false);
  EXPECT_NE(a.exit_code, 0) << a.output;
  CommandResult b =
      Update(env().example_primary, "example.test.", "add nokey.example.test. 10 TXT \"x\"", false);
  EXPECT_NE(b.exit_code, 0) << b.output;
  EXPECT_EQ(Ask(env().test_primary, "nokey.test.", "TXT"), "");
  EXPECT_EQ(Ask(env().example_primary, "nokey.example.test.", "TXT"), "");
}

TEST_F(LabTest, ReloadSubServesAReSignedFile) {
  const std::string keys = "$(ls " + env().sub_keydir + "/*.private | sed 's/[.]private$//')";
  const std::string unsigned_zone = env().dir + "/zones/sub.example.test.zone";
  // Expired signatures: the resolver must call the chain bogus (SERVFAIL).
  CommandResult s = Run("ldns-signzone -i 20200101000000 -e 20200201000000 -f " +
                        env().sub_zonefile + " " + unsigned_zone + " " + keys);
  ASSERT_EQ(s.exit_code, 0) << s.output;
  CommandResult r = Lab("reload-sub");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(Lab("flush-resolver").exit_code, 0);
  CommandResult bogus = Resolve("www.sub.example.test.", "TXT");
  EXPECT_NE(bogus.output.find("status: SERVFAIL"), std::string::npos) << bogus.output;
  // Valid signatures again: secure again.
  s = Run("ldns-signzone -f " + env().sub_zonefile + " " + unsigned_zone + " " + keys);
  ASSERT_EQ(s.exit_code, 0) << s.output;
  r = Lab("reload-sub");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(Lab("flush-resolver").exit_code, 0);
  CommandResult secure = Resolve("www.sub.example.test.", "TXT");
  EXPECT_TRUE(NoError(secure) && HasAd(secure)) << secure.output;
}

TEST_F(LabTest, StatusListsRunningServers) {
  CommandResult st = Lab("status");
  EXPECT_EQ(st.exit_code, 0) << st.output;
  EXPECT_EQ(st.output.find("dead"), std::string::npos) << st.output;
  for (const char* name : {"nsd-root", "bind-test", "knot-test2", "knot-example", "bind-example2",
                           "nsd-sub", "nsd-plain", "bind-island", "unbound"}) {
    EXPECT_NE(st.output.find(name), std::string::npos) << name << "\n" << st.output;
  }
}

}  // namespace
}  // namespace ts::lab
