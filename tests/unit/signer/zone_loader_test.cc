// Zone loader: a zone with directives, $INCLUDE, escapes, case, wildcards, ENTs, glue and
// occluded data loads and classifies right; each kind of malformed input fails with a
// message naming file and line; the DNSSEC input policies reject, strip or keep.
#include "signer/zone_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <string>
#include <vector>

#include "tests/unit/signer/zone_test_util.h"

namespace ts::signer {
namespace {

const std::string kDir = std::string(TS_TEST_DATA) + "/zones/";

Name N(const char* s) {
  return *Name::from_text(s);
}

LoadOptions opts(DnssecInput d = DnssecInput::Reject) {
  LoadOptions o;
  o.origin = N("example.");
  o.dnssec = d;
  return o;
}

Result<Zone> load(const std::string& file, const LoadOptions& o = opts()) {
  return load_zone_file(kDir + file, o);
}

// The failure message of loading `file`; empty if it loaded.
std::string error_of(const std::string& file, const LoadOptions& o = opts()) {
  auto z = load(file, o);
  return z ? std::string() : z.error().message;
}

TEST(ZoneLoader, LoadsAndClassifiesAFullZone) {
  std::vector<std::string> warnings;
  LoadOptions o = opts();
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  auto z = load("good.zone", o);
  ASSERT_TRUE(z) << z.error().message;
  EXPECT_TRUE(warnings.empty());
  const Node& apex = z->apex();
  ASSERT_NE(apex.find(rrtype::SOA), nullptr);
  EXPECT_EQ(apex.find(rrtype::SOA)->ttl, 3600u);
  // Embedded names are canonical (lower case), relative ones completed with the origin.
  ASSERT_NE(apex.find(rrtype::MX), nullptr);
  const Bytes& mx = apex.find(rrtype::MX)->rdatas.at(0);
  EXPECT_EQ(std::string(mx.begin() + 2, mx.end()), std::string("\x04mail\x07"
                                                               "example\x00",
                                                               14));
  EXPECT_EQ(apex.find(rrtype::NS)->rdatas.size(), 2u);
  EXPECT_EQ(z->find(N("ns2.example."))->find(rrtype::A)->ttl, 600u);
  // Owner names keep their case; lookups are case-insensitive.
  auto www = z->nodes().find(N("www.example."));
  ASSERT_NE(www, z->nodes().end());
  EXPECT_EQ(www->first.to_text(), "WWW.example.");
  // Escapes: \046 is a literal dot inside a label, like "\.".
  EXPECT_NE(z->find(*Name::from_text("dot\\.ted.example.")), nullptr);
  EXPECT_NE(z->find(*Name::from_text("esc\\.aped.example.")), nullptr);
  EXPECT_EQ(z->find(*Name::from_text("dot\\.ted.example."))->kind, NodeKind::Authoritative);
  // Wildcard and ENTs.
  EXPECT_EQ(z->find(N("*.wild.example."))->kind, NodeKind::Authoritative);
  EXPECT_EQ(z->find(N("wild.example."))->kind, NodeKind::EmptyNonTerminal);
  EXPECT_EQ(z->find(N("c.example."))->kind, NodeKind::EmptyNonTerminal);
  EXPECT_EQ(z->find(N("b.c.example."))->kind, NodeKind::EmptyNonTerminal);
  EXPECT_EQ(z->find(N("a.b.c.example."))->kind, NodeKind::Authoritative);
  // Delegation, glue, occluded data, DNAME.
  EXPECT_EQ(z->find(N("sub.example."))->kind, NodeKind::Delegation);
  EXPECT_NE(z->find(N("sub.example."))->find(rrtype::DS), nullptr);
  EXPECT_EQ(z->find(N("ns.sub.example."))->kind, NodeKind::Occluded);
  EXPECT_EQ(z->find(N("in.sub.example."))->kind, NodeKind::Occluded);
  EXPECT_EQ(z->find(N("deep.in.sub.example."))->kind, NodeKind::Occluded);
  EXPECT_EQ(z->find(N("dn.example."))->kind, NodeKind::Authoritative);
  EXPECT_EQ(z->find(N("x.dn.example."))->kind, NodeKind::Occluded);
  // $INCLUDE with an origin; its $ORIGIN does not leak back into the including file.
  EXPECT_NE(z->find(N("part.example.")), nullptr);
  EXPECT_EQ(z->find(N("host.part.example."))->find(rrtype::AAAA)->ttl, 300u);
  EXPECT_NE(z->find(N("o.other.example.")), nullptr);
  EXPECT_NE(z->find(N("after.example.")), nullptr);
  EXPECT_EQ(z->record_count(), 24u);
  // Quotes protect ';' and parentheses; an escaped quote stays inside its string.
  const RRset* txt = z->find(N("txt.example."))->find(rrtype::TXT);
  ASSERT_NE(txt, nullptr);
  const Bytes& t = txt->rdatas.at(0);
  EXPECT_EQ(std::string(t.begin(), t.end()),
            std::string("\x0asemi;colon\x0cquote\"inside\x08paren(s)\x0bsecond line"));
}

TEST(ZoneLoader, SyntaxErrorNamesFileAndLine) {
  std::string e = error_of("syntax.zone");
  EXPECT_EQ(e.rfind(kDir + "syntax.zone:5: ", 0), 0u) << e;
  EXPECT_NE(e.find("rdata"), std::string::npos) << e;
}

TEST(ZoneLoader, MissingSoa) {
  std::string e = error_of("nosoa.zone");
  EXPECT_EQ(e.rfind(kDir + "nosoa.zone:2: ", 0), 0u) << e;
  EXPECT_NE(e.find("no SOA"), std::string::npos) << e;
}

TEST(ZoneLoader, SecondSoa) {
  std::string e = error_of("twosoa.zone");
  EXPECT_EQ(e.rfind(kDir + "twosoa.zone:5: ", 0), 0u) << e;
  EXPECT_NE(e.find("second SOA"), std::string::npos) << e;
  EXPECT_NE(e.find("twosoa.zone:2"), std::string::npos) << e;
}

TEST(ZoneLoader, SoaBelowApex) {
  std::string e = error_of("soabelow.zone");
  EXPECT_EQ(e.rfind(kDir + "soabelow.zone:4: ", 0), 0u) << e;
  EXPECT_NE(e.find("not at the zone apex"), std::string::npos) << e;
}

TEST(ZoneLoader, OutOfZoneName) {
  std::string e = error_of("outofzone.zone");
  EXPECT_EQ(e.rfind(kDir + "outofzone.zone:5: ", 0), 0u) << e;
  EXPECT_NE(e.find("outside the zone"), std::string::npos) << e;
}

TEST(ZoneLoader, CnameBesideOtherData) {
  std::string e = error_of("cname.zone");
  EXPECT_EQ(e.rfind(kDir + "cname.zone:5: ", 0), 0u) << e;
  EXPECT_NE(e.find("CNAME"), std::string::npos) << e;
  EXPECT_NE(e.find("MX"), std::string::npos) << e;
  e = error_of("twocname.zone");
  EXPECT_EQ(e.rfind(kDir + "twocname.zone:5: ", 0), 0u) << e;
  EXPECT_NE(e.find("more than one CNAME"), std::string::npos) << e;
}

TEST(ZoneLoader, CnameBesideItsRrsigAndNsecIsFine) {
  auto z = load("cname_signed.zone", opts(DnssecInput::Keep));
  ASSERT_TRUE(z) << z.error().message;
  const Node* www = z->find(N("www.example."));
  ASSERT_NE(www, nullptr);
  EXPECT_EQ(www->find(rrtype::CNAME)->rrsigs.size(), 1u);
  EXPECT_NE(www->find(rrtype::NSEC), nullptr);
}

TEST(ZoneLoader, ClassMismatch) {
  std::string e = error_of("class.zone");
  EXPECT_EQ(e.rfind(kDir + "class.zone:4: ", 0), 0u) << e;
  EXPECT_NE(e.find("class CH"), std::string::npos) << e;
}

TEST(ZoneLoader, IncludeErrors) {
  std::string e = error_of("include_missing.zone");
  EXPECT_EQ(e.rfind(kDir + "include_missing.zone:4: ", 0), 0u) << e;
  EXPECT_NE(e.find("does-not-exist.zone"), std::string::npos) << e;
  e = error_of("include_error.zone");
  EXPECT_EQ(e.rfind(kDir + "inc/bad.zone:3: ", 0), 0u) << e;
}

TEST(ZoneLoader, TtlMismatchIsAMergeWithAWarning) {
  std::vector<std::string> warnings;
  LoadOptions o = opts();
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  auto z = load("ttlmerge.zone", o);
  ASSERT_TRUE(z) << z.error().message;
  const RRset* a = z->find(N("ns1.example."))->find(rrtype::A);
  EXPECT_EQ(a->ttl, 300u);
  EXPECT_EQ(a->rdatas.size(), 2u);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].rfind(kDir + "ttlmerge.zone:5: ", 0), 0u) << warnings[0];
  EXPECT_EQ(warnings[1].rfind(kDir + "ttlmerge.zone:6: ", 0), 0u) << warnings[1];
}

TEST(ZoneLoader, DnssecRecordsRejectedByDefault) {
  std::string e = error_of("signed.zone");
  EXPECT_EQ(e.rfind(kDir + "signed.zone:4: ", 0), 0u) << e;
  EXPECT_NE(e.find("RRSIG"), std::string::npos) << e;
}

TEST(ZoneLoader, DnssecRecordsStripped) {
  auto z = load("signed.zone", opts(DnssecInput::Strip));
  ASSERT_TRUE(z) << z.error().message;
  for (const auto& [name, node] : z->nodes()) {
    for (const auto& set : node.rrsets) {
      EXPECT_NE(set.type, rrtype::RRSIG);
      EXPECT_NE(set.type, rrtype::NSEC);
      EXPECT_NE(set.type, rrtype::NSEC3PARAM);
      EXPECT_NE(set.type, rrtype::DNSKEY);
      EXPECT_TRUE(set.rrsigs.empty());
    }
  }
  EXPECT_TRUE(z->nsec3().empty());
  EXPECT_EQ(z->nodes().size(), 2u);  // no node for the NSEC3 owner
  LoadOptions keep = opts(DnssecInput::Strip);
  keep.keep_dnskey = true;
  auto k = load("signed.zone", keep);
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_NE(k->apex().find(rrtype::DNSKEY), nullptr);
  EXPECT_EQ(k->apex().find(rrtype::NSEC3PARAM), nullptr);
}

TEST(ZoneLoader, DnssecRecordsKept) {
  auto z = load("signed.zone", opts(DnssecInput::Keep));
  ASSERT_TRUE(z) << z.error().message;
  EXPECT_EQ(z->apex().find(rrtype::SOA)->rrsigs.size(), 1u);
  EXPECT_NE(z->apex().find(rrtype::NSEC), nullptr);
  EXPECT_NE(z->apex().find(rrtype::DNSKEY), nullptr);
  ASSERT_EQ(z->nsec3().size(), 1u);
  EXPECT_EQ(z->nsec3().begin()->second.rrsigs.size(), 1u);
}

TEST(ZoneLoader, KeptNsec3NeedsAHashOwner) {
  std::string e = error_of("badnsec3.zone", opts(DnssecInput::Keep));
  EXPECT_EQ(e.rfind(kDir + "badnsec3.zone:4: ", 0), 0u) << e;
  EXPECT_NE(e.find("NSEC3 owner"), std::string::npos) << e;
}

TEST(ZoneLoader, CrLfLinesAndNoFinalNewline) {
  std::string dir = (std::filesystem::temp_directory_path() / "ts_loader_XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::string path = dir + "/crlf.zone";
  std::ofstream(path) << "$ORIGIN example.\r\n@ IN SOA ns1 h ( 1 2\r\n 3 4 5 )\r\n"
                         "  IN NS ns1\r\nns1 IN A 192.0.2.1\r\nbad IN A 192.0.2";
  std::string e = load_zone_file(path, opts()).error().message;
  EXPECT_EQ(e.rfind(path + ":6: ", 0), 0u) << e;
  std::ofstream(path) << "$ORIGIN example.\r\n@ IN SOA ns1 h ( 1 2\r\n 3 4 5 )\r\n"
                         "  IN NS ns1\r\nns1 IN A 192.0.2.1";
  auto z = load_zone_file(path, opts());
  ASSERT_TRUE(z) << z.error().message;
  EXPECT_EQ(z->record_count(), 3u);
  std::filesystem::remove_all(dir);
}

TEST(ZoneLoader, UnbalancedParentheses) {
  std::string dir = (std::filesystem::temp_directory_path() / "ts_loader_XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::string path = dir + "/paren.zone";
  std::ofstream(path) << "$ORIGIN example.\n@ IN SOA ns1 h 1 2 3 4 5\nx IN TXT ( \"a\"\n";
  std::string e = load_zone_file(path, opts()).error().message;
  EXPECT_EQ(e.rfind(path + ":3: unbalanced", 0), 0u) << e;
  std::filesystem::remove_all(dir);
}

TEST(ZoneLoader, MissingFile) {
  std::string e = error_of("no-such-file.zone");
  EXPECT_NE(e.find("no-such-file.zone"), std::string::npos) << e;
}

// A file big enough to be split (> 1 MiB) with directives, parentheses, quotes and comments
// spread through it. With `bad_from` > 0 the first comment line at or after that line is
// replaced by a syntax error, whose line number goes to `*bad_line`.
std::string write_big_zone(const std::string& dir, int bad_from, int* bad_line = nullptr) {
  std::string path = dir + "/big.zone";
  std::ofstream f(path);
  int line = 0;
  auto emit = [&](const std::string& s) {
    ++line;
    if (bad_from > 0 && line >= bad_from && s[0] == ';') {
      f << "broken IN A 1.2.3\n";
      *bad_line = line;
      bad_from = 0;
      return;
    }
    f << s << "\n";
  };
  emit("$ORIGIN example.");
  emit("$TTL 600");
  emit("@ IN SOA ns1 hostmaster ( 1 ; serial (with a parenthesis in a comment");
  emit("  7200 3600 1209600 300 )");
  emit("@ IN NS ns1");
  emit("ns1 IN A 192.0.2.1");
  for (int i = 0; i < 12000; ++i) {
    std::string n = "host" + std::to_string(i);
    if (i % 2000 == 1) emit("$TTL " + std::to_string(100 + i));
    if (i % 3000 == 2) emit("$ORIGIN sub" + std::to_string(i) + ".example.");
    if (i % 3000 == 1300) emit("$ORIGIN example.");
    emit(n + " IN A 192.0.2." + std::to_string(i % 250));
    emit("  IN TXT ( \"a ( quoted ; string\"");
    emit("    \"second part\" ) ; comment \" (");
    emit(n + " 77 IN MX 10 Mail" + std::to_string(i) + ".Example.test.");
    emit("; a comment line ( with \" odd characters");
  }
  return path;
}

TEST(ZoneLoader, ParallelParseEqualsSerialParse) {
  std::string dir = (std::filesystem::temp_directory_path() / "ts_loader_XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::string path = write_big_zone(dir, 0);
  ASSERT_GT(std::filesystem::file_size(path), 1u << 20);
  LoadOptions o = opts();
  auto serial = load_zone_file(path, o);
  ASSERT_TRUE(serial) << serial.error().message;
  for (unsigned threads : {2u, 3u}) {
    o.threads = threads;
    auto parallel = load_zone_file(path, o);
    ASSERT_TRUE(parallel) << parallel.error().message;
    EXPECT_EQ(zone_diff(*serial, *parallel), "") << threads << " threads";
  }
  EXPECT_EQ(serial->record_count(), 3u + 12000u * 3u);
  // An error late in the file names the same line either way.
  int bad = 0;
  path = write_big_zone(dir, 55000, &bad);
  ASSERT_GT(bad, 0);
  o.threads = 1;
  std::string e1 = load_zone_file(path, o).error().message;
  o.threads = 2;
  std::string e2 = load_zone_file(path, o).error().message;
  EXPECT_EQ(e1,
            path + ":" + std::to_string(bad) + ": Syntax error, could not parse the RR's rdata");
  EXPECT_EQ(e1, e2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ts::signer
