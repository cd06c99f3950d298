// The sign-and-write pipeline (signer/sign_to_file.h): with deterministic Ed25519 signatures
// its output is byte for byte that of sign_zone + write_zone_file, for NSEC (chunked, several
// threads, delegations with glue and occluded data, ENTs, a wildcard) and NSEC3; a failure
// leaves no file.
#include "signer/sign_to_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/atomic_file.h"
#include "tests/unit/signer/sign_fixture.h"

namespace ts::signer {
namespace {

namespace fs = std::filesystem;

// ~4,000 signed owners (16 chunks of 256): names with data, delegations (some with DS, some
// with glue and data below the cut), empty non-terminals and a wildcard.
Zone big_zone() {
  Zone z(*Name::from_text("example."));
  auto add = [&](const std::string& rr) { ASSERT_TRUE(testing::add_rr(z, rr)) << rr; };
  add("example. 3600 IN SOA ns.example. h.example. 1 3600 600 86400 300");
  add("example. 3600 IN NS ns.example.");
  add("ns.example. 3600 IN A 192.0.2.1");
  add("*.wild.example. 3600 IN TXT \"wildcard\"");
  for (int i = 0; i < 4000; ++i) {
    std::string n = "n" + std::to_string(i);
    if (i % 10 == 0) {
      add(n + ".example. 3600 IN NS ns." + n + ".example.");
      add("ns." + n + ".example. 3600 IN A 192.0.2.2");  // glue
      add("deep." + n + ".example. 3600 IN TXT \"occluded\"");
      if (i % 20 == 0) add(n + ".example. 3600 IN DS 1 13 2 " + std::string(64, 'a'));
    } else if (i % 10 == 1) {
      add("x.y." + n + ".example. 3600 IN A 192.0.2.3");  // y.n.example. is an ENT
    } else {
      add(n + ".example. 3600 IN A 192.0.2.4");
      add(n + ".example. 3600 IN TXT \"t" + std::to_string(i) + "\"");
    }
  }
  z.classify();
  return z;
}

class SignToFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ts_sign_to_file_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ksk_.emplace(*PrivateKey::generate(Algorithm::ED25519, 0));
    zsk_.emplace(*PrivateKey::generate(Algorithm::ED25519, 0));
    o_.keys = {{&*ksk_, 257, testing::key_tag(testing::dnskey_rdata(257, *ksk_)), true, false},
               {&*zsk_, 256, testing::key_tag(testing::dnskey_rdata(256, *zsk_)), false, true}};
    o_.inception = 1767225600;
    o_.expiration = o_.inception + 14 * 86400;
    o_.jitter_seconds = 3600;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // sign_zone + write_zone_file vs sign_zone_to_file on fresh copies of the zone.
  void expect_same_output(unsigned threads) {
    o_.threads = threads;
    Zone a = big_zone(), b = big_zone();
    std::string pa = (dir_ / "a").string(), pb = (dir_ / "b").string();
    auto sa = sign_zone(a, o_);
    ASSERT_TRUE(sa) << sa.error().message;
    ASSERT_TRUE(write_zone_file(a, pa, WriteOptions{threads, 0644}));
    bool hook = false;
    auto sb = sign_zone_to_file(b, o_, pb, WriteOptions{threads, 0644}, [&] { hook = true; });
    ASSERT_TRUE(sb) << sb.error().message;
    EXPECT_TRUE(hook);
    EXPECT_EQ(sa->rrsigs, sb->rrsigs);
    EXPECT_EQ(sa->denial, sb->denial);
    auto ta = read_file(pa), tb = read_file(pb);
    ASSERT_TRUE(ta && tb);
    EXPECT_GT(ta->size(), 1000000u);
    EXPECT_TRUE(*ta == *tb) << "outputs differ (threads " << threads << ")";
    EXPECT_EQ(fs::status(pb).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                  fs::perms::others_read);
  }

  fs::path dir_;
  std::optional<PrivateKey> ksk_, zsk_;
  SignOptions o_;
};

TEST_F(SignToFileTest, NsecPipelineWritesTheSameBytesAsSignThenWrite) {
  for (unsigned threads : {1u, 2u, 3u}) expect_same_output(threads);
}

TEST_F(SignToFileTest, Nsec3WritesTheSameBytesAsSignThenWrite) {
  o_.denial = Denial::Nsec3;
  o_.nsec3.opt_out = true;
  expect_same_output(2);
}

TEST_F(SignToFileTest, FailureLeavesNoFile) {
  o_.threads = 2;
  Zone z = big_zone();
  std::string target = "/nonexistent-dir-for-ts-test/out.zone";
  EXPECT_FALSE(sign_zone_to_file(z, o_, target, WriteOptions{}));
  EXPECT_FALSE(fs::exists(target));
  // A signing failure (no key signs the zone data): nothing is written either.
  o_.keys[1].signs_zone = false;
  Zone y = big_zone();
  std::string out = (dir_ / "y").string();
  EXPECT_FALSE(sign_zone_to_file(y, o_, out, WriteOptions{}));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace ts::signer
