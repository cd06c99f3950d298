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

// Empty when equal, else the first difference found.
std::string diff(const Zone& a, const Zone& b) {
  if (!(a.origin() == b.origin())) return "origin";
  if (a.nodes().size() != b.nodes().size()) return "node count";
  for (auto ia = a.nodes().begin(), ib = b.nodes().begin(); ia != a.nodes().end(); ++ia, ++ib) {
    std::string at = ia->first.to_text();
    if (ia->first.wire() != ib->first.wire()) return "name " + at + " vs " + ib->first.to_text();
    if (ia->second.kind != ib->second.kind) return "kind at " + at;
    const auto& sa = ia->second.rrsets;
    const auto& sb = ib->second.rrsets;
    if (sa.size() != sb.size()) return "rrset count at " + at;
    for (size_t i = 0; i < sa.size(); ++i) {
      if (sa[i].type != sb[i].type || sa[i].ttl != sb[i].ttl || sa[i].rdatas != sb[i].rdatas ||
          sa[i].rrsigs != sb[i].rrsigs) {
        return "rrset " + std::to_string(sa[i].type) + " at " + at;
      }
    }
  }
  if (a.nsec3().size() != b.nsec3().size()) return "nsec3 count";
  for (auto ia = a.nsec3().begin(), ib = b.nsec3().begin(); ia != a.nsec3().end(); ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.rdata != ib->second.rdata ||
        ia->second.ttl != ib->second.ttl || ia->second.rrsigs != ib->second.rrsigs) {
      return "nsec3 entry";
    }
  }
  return "";
}

void round_trip(const std::string& file, DnssecInput policy) {
  auto z = load_zone_file(kDir + file, opts(policy));
  ASSERT_TRUE(z) << z.error().message;
  std::string out = temp_dir() + "/out.zone";
  ASSERT_TRUE(write_zone_file(*z, out, WriteOptions{2, 0644}));
  auto again = load_zone_file(out, opts(policy));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(diff(*z, *again), "");
  // Independent parsers accept the output.
  EXPECT_EQ(std::system(("ldns-read-zone " + out + " >/dev/null").c_str()), 0);
  if (policy == DnssecInput::Reject) {
    EXPECT_EQ(std::system(("named-checkzone -q example. " + out).c_str()), 0);
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
