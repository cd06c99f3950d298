// ValidatingDirectory over resolver::FakeResolver: apex walk, NS addresses (IPv4 and IPv6),
// DNSKEYs only when Secure, the DS view with its verdict.
#include "parentsync/validating_directory.h"

#include <gtest/gtest.h>

#include "resolver/fake_resolver.h"
#include "tests/unit/parentsync/test_keys.h"

namespace ts::parentsync {
namespace {

namespace rs = ts::resolver;
using testing::ds_of;
using testing::fake_key;

Name N(const char* s) {
  return *Name::from_text(s);
}
rs::Record R(const char* owner, uint16_t type, std::string rdata) {
  return rs::Record{N(owner), type, 10, std::move(rdata)};
}
std::string S(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

class ValidatingDirectoryTest : public ::testing::Test {
 protected:
  rs::FakeResolver r;
  void SetUp() override {
    // example.test. is not an apex here (no SOA): the walk goes from sub.example.test. up.
    r.set(N("example.test."), rs::kTypeSOA, rs::Answer{0, rs::Security::Secure, "", {}, {}});
    r.set(N("test."), rs::kTypeSOA,
          rs::Answer{0, rs::Security::Secure, "", {R("test.", rs::kTypeSOA, "x")}, {}});
    r.set(N("test."), rs::kTypeDNSKEY,
          rs::Answer{0,
                     rs::Security::Secure,
                     "",
                     {R("test.", rs::kTypeDNSKEY, S(testing::fake_dnskey(7)))},
                     {}});
    r.set(N("test."), rs::kTypeNS,
          rs::Answer{0,
                     rs::Security::Secure,
                     "",
                     {R("test.", rs::kTypeNS, N("ns1.test.").wire()),
                      R("test.", rs::kTypeNS, N("ns2.test.").wire())},
                     {}});
    r.set(N("ns1.test."), rs::kTypeA,
          rs::Answer{0,
                     rs::Security::Secure,
                     "",
                     {R("ns1.test.", rs::kTypeA, std::string("\x7f\0\0\x02", 4))},
                     {}});
    std::string v6(16, '\0');
    v6[15] = 1;
    r.set(N("ns1.test."), rs::kTypeAAAA,
          rs::Answer{0, rs::Security::Secure, "", {R("ns1.test.", rs::kTypeAAAA, v6)}, {}});
    r.set(N("ns2.test."), rs::kTypeA,
          rs::Answer{0,
                     rs::Security::Secure,
                     "",
                     {R("ns2.test.", rs::kTypeA, std::string("\x7f\0\0\x03", 4))},
                     {}});
  }
};

TEST_F(ValidatingDirectoryTest, FindsApexServersAndKeys) {
  ValidatingDirectory dir(r);
  auto p = dir.parent_servers(N("sub.example.test."));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->parent, N("test."));
  EXPECT_EQ(p->security, Validation::Secure);
  ASSERT_EQ(p->dnskeys.size(), 1u);
  ASSERT_EQ(p->servers.size(), 3u);
  EXPECT_EQ(p->servers[0].label(), "ns1.test./127.0.0.2");
  EXPECT_EQ(p->servers[1].label(), "ns1.test./::1");
  EXPECT_EQ(p->servers[2].label(), "ns2.test./127.0.0.3");
}

TEST_F(ValidatingDirectoryTest, InsecureParentHasNoKeys) {
  r.set(N("test."), rs::kTypeDNSKEY, rs::Answer{0, rs::Security::Insecure, "", {}, {}});
  ValidatingDirectory dir(r);
  auto p = dir.parent_servers(N("example.test."));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->security, Validation::Insecure);
  EXPECT_TRUE(p->dnskeys.empty());
}

TEST_F(ValidatingDirectoryTest, ValidatedDsCarriesTheVerdict) {
  Name child = N("example.test.");
  DsRecord ds = ds_of(child, fake_key(1, KeyState::Active));
  auto rd = ds.to_rdata();
  r.set(child, rs::kTypeDS,
        rs::Answer{0, rs::Security::Secure, "", {R("example.test.", rs::kTypeDS, S(rd))}, {}});
  ValidatingDirectory dir(r);
  ValidatedDs v = dir.validated_ds(child);
  EXPECT_EQ(v.validation, Validation::Secure);
  EXPECT_EQ(v.ds, std::vector<DsRecord>{ds});
  r.set(child, rs::kTypeDS, rs::Answer{2, rs::Security::Bogus, "signature expired", {}, {}});
  v = dir.validated_ds(child);
  EXPECT_EQ(v.validation, Validation::Bogus);
  EXPECT_EQ(v.reason, "signature expired");
}

TEST_F(ValidatingDirectoryTest, BogusApexIsAnError) {
  r.set(N("test."), rs::kTypeSOA, rs::Answer{2, rs::Security::Bogus, "no DNSKEY", {}, {}});
  ValidatingDirectory dir(r);
  auto p = dir.parent_servers(N("example.test."));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("bogus"), std::string::npos);
}

}  // namespace
}  // namespace ts::parentsync
