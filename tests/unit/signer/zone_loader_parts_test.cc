// Parallel loading, where each part of a big file fills its own zone and the zones are
// merged: names, RRsets and ENTs that span parts, TTL merges across parts (with a warning),
// duplicates, a CNAME check across parts and a second SOA in another part all come out as a
// serial load gives them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "signer/zone_loader.h"
#include "tests/unit/signer/zone_test_util.h"

namespace ts::signer {
namespace {

// A > 1 MiB zone whose first and last lines touch the same names. `tail` goes at the end.
std::string write_zone(const std::string& dir, const std::string& tail) {
  std::string path = dir + "/parts.zone";
  std::ofstream f(path);
  f << "$ORIGIN example.\n$TTL 600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
    << "@ IN NS ns1\nns1 IN A 192.0.2.1\n"
    << "same IN A 192.0.2.1\nsame IN TXT \"first\"\nx.y.deep IN A 192.0.2.9\n"
    << "alias IN CNAME ns1\n";
  for (int i = 0; i < 30000; ++i)
    f << "host" << i << " IN A 192.0.2." << i % 250 << "\nhost" << i << " IN TXT \"t\"\n";
  f << "same 300 IN A 192.0.2.2\nsame IN A 192.0.2.1\nsame IN TXT \"first\"\n"
    << "z.y.deep IN AAAA 2001:db8::1\nhost7 IN MX 10 ns1\n"
    << tail;
  return path;
}

struct Loaded {
  Result<Zone> zone;
  std::vector<std::string> warnings;
};

Loaded load(const std::string& path, unsigned threads) {
  LoadOptions o;
  o.origin = *Name::from_text("example.");
  o.dnssec = DnssecInput::Strip;
  o.threads = threads;
  std::vector<std::string> w;
  o.warn = [&w](const std::string& s) { w.push_back(s); };
  auto z = load_zone_file(path, o);
  return Loaded{std::move(z), std::move(w)};
}

class ZoneLoaderParts : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / "ts_parts_XXXXXX").string();
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ZoneLoaderParts, MergedZoneEqualsSerialZone) {
  std::string path = write_zone(dir_, "");
  ASSERT_GT(std::filesystem::file_size(path), 1u << 20);
  Loaded serial = load(path, 1);
  ASSERT_TRUE(serial.zone) << serial.zone.error().message;
  for (unsigned threads : {2u, 3u}) {
    Loaded parallel = load(path, threads);
    ASSERT_TRUE(parallel.zone) << parallel.zone.error().message;
    EXPECT_EQ(zone_diff(*serial.zone, *parallel.zone), "") << threads;
    // The TTL merge of same/A is reported (within the last part and again at the merge).
    EXPECT_GE(parallel.warnings.size(), 1u) << threads;
  }
  const Node* same = serial.zone->find(*Name::from_text("same.example."));
  ASSERT_NE(same, nullptr);
  EXPECT_EQ(same->find(rrtype::A)->rdatas.size(), 2u);
  EXPECT_EQ(same->find(rrtype::A)->ttl, 300u);
  EXPECT_EQ(same->find(rrtype::TXT)->rdatas.size(), 1u);
  const Node* ent = serial.zone->find(*Name::from_text("y.deep.example."));
  ASSERT_NE(ent, nullptr);
  EXPECT_EQ(ent->kind, NodeKind::EmptyNonTerminal);
}

TEST_F(ZoneLoaderParts, SecondSoaInAnotherPart) {
  std::string path = write_zone(dir_, "@ IN SOA ns1 hostmaster 2 7200 3600 1209600 300\n");
  Loaded serial = load(path, 1), parallel = load(path, 2);
  ASSERT_FALSE(serial.zone);
  ASSERT_FALSE(parallel.zone);
  EXPECT_NE(serial.zone.error().message.find("second SOA record (the first is at "),
            std::string::npos);
  EXPECT_EQ(serial.zone.error().message, parallel.zone.error().message);
}

TEST_F(ZoneLoaderParts, CnameBesideDataInAnotherPart) {
  std::string path = write_zone(dir_, "alias IN TXT \"beside\"\n");
  Loaded serial = load(path, 1), parallel = load(path, 2);
  ASSERT_FALSE(serial.zone);
  ASSERT_FALSE(parallel.zone);
  EXPECT_NE(serial.zone.error().message.find("beside other data"), std::string::npos);
  EXPECT_EQ(serial.zone.error().message, parallel.zone.error().message);
}

}  // namespace
}  // namespace ts::signer
