// Zone writer: load -> write -> load gives an equal zone (unsigned and signed input), the
// output is valid presentation format for ldns-read-zone and named-checkzone, parallel
// formatting gives the same bytes as one thread, and a failed write leaves no file.
#include "signer/zone_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/atomic_file.h"
#include "signer/zone_loader.h"
#include "tests/unit/signer/zone_test_util.h"

namespace ts::signer {
namespace {

namespace fs = std::filesystem;
const std::string kDir = std::string(TS_TEST_DATA) + "/zones/";

Name N(const char* s) {
  return *Name::from_text(s);
}

// A fresh temporary directory for one test.
std::string temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "ts_zone_writer_XXXXXX").string();
  char* d = mkdtemp(tmpl.data());
  EXPECT_NE(d, nullptr);
  return tmpl;
}

LoadOptions opts(DnssecInput d) {
  LoadOptions o;
  o.origin = N("example.");
  o.dnssec = d;
  return o;
}

void round_trip(const std::string& file, DnssecInput policy) {
  auto z = load_zone_file(kDir + file, opts(policy));
  ASSERT_TRUE(z) << z.error().message;
  std::string out = temp_dir() + "/out.zone";
  ASSERT_TRUE(write_zone_file(*z, out, WriteOptions{2, 0644}));
  auto again = load_zone_file(out, opts(policy));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(zone_diff(*z, *again), "");
  // Independent parsers accept the output.
  EXPECT_EQ(std::system(("ldns-read-zone " + out + " >/dev/null").c_str()), 0);
  if (policy == DnssecInput::Reject) {
    EXPECT_EQ(std::system(("named-checkzone -q -i local example. " + out).c_str()), 0);
  }
  fs::remove_all(fs::path(out).parent_path());
}

TEST(ZoneWriter, RoundTripUnsignedZone) {
  round_trip("good.zone", DnssecInput::Reject);
}

TEST(ZoneWriter, RoundTripSignedZoneWithNsec3) {
  round_trip("signed.zone", DnssecInput::Keep);
}

TEST(ZoneWriter, ParallelOutputEqualsSerialOutput) {
  Zone z(N("example."));
  Bytes soa = {2, 'n', 's', 0, 1, 'h', 0, 0, 0, 0, 1, 0, 0, 0,
               2, 0,   0,   0, 3, 0,   0, 0, 4, 0, 0, 0, 5};
  z.add(N("example."), rrtype::SOA, 300, soa);
  for (int i = 0; i < 10000; ++i) {
    Name owner = *z.origin().prepend("h" + std::to_string(i));
    z.add(owner, rrtype::A, 300, Bytes{192, 0, 2, static_cast<uint8_t>(i)});
    z.add(owner, rrtype::TXT, 300, Bytes{3, 'a', 'b', 'c'});
  }
  z.classify();
  std::string dir = temp_dir();
  ASSERT_TRUE(write_zone_file(z, dir + "/one", WriteOptions{1, 0644}));
  ASSERT_TRUE(write_zone_file(z, dir + "/three", WriteOptions{3, 0644}));
  auto one = read_file(dir + "/one");
  auto three = read_file(dir + "/three");
  ASSERT_TRUE(one && three);
  EXPECT_EQ(*one, *three);
  EXPECT_EQ(std::count(one->begin(), one->end(), '\n'), 20001);
  fs::remove_all(dir);
}

TEST(ZoneWriter, FailedWriteLeavesNoFile) {
  auto z = load_zone_file(kDir + "good.zone", opts(DnssecInput::Reject));
  ASSERT_TRUE(z);
  std::string target = "/nonexistent-dir-for-ts-test/out.zone";
  EXPECT_FALSE(write_zone_file(*z, target, WriteOptions{}));
  EXPECT_FALSE(fs::exists(target));
}

}  // namespace
}  // namespace ts::signer
