// Type bit maps (RFC 4034 4.3 example) and NSEC3 hashes (RFC 5155 Appendix A).
#include <gtest/gtest.h>

#include "signer/nsec3_chain.h"
#include "signer/type_bitmap.h"

namespace ts::signer {
namespace {

TEST(TypeBitmap, Rfc4034Example) {
  // alfa.example.com. NSEC host.example.com. A MX RRSIG NSEC TYPE1234
  Bytes bm = encode_type_bitmap({1234, rrtype::NSEC, rrtype::A, rrtype::MX, rrtype::RRSIG});
  Bytes want = {0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b};
  want.resize(want.size() + 27, 0);
  want.back() = 0x20;
  EXPECT_EQ(bm, want);
  std::vector<uint16_t> types;
  ASSERT_TRUE(decode_type_bitmap(bm.data(), bm.size(), types));
  EXPECT_EQ(types, (std::vector<uint16_t>{1, 15, 46, 47, 1234}));
  EXPECT_TRUE(encode_type_bitmap({}).empty());
}

TEST(Nsec3, Rfc5155AppendixAHashes) {
  Bytes salt = {0xaa, 0xbb, 0xcc, 0xdd};
  struct {
    const char* name;
    const char* hash;
  } cases[] = {
      {"example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
      {"a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
      {"ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"},
      {"ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
      {"NS1.Example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(base32hex(nsec3_hash(*Name::from_text(c.name), salt, 12)), c.hash) << c.name;
  EXPECT_EQ(
      nsec3_owner(nsec3_hash(*Name::from_text("example."), salt, 12), *Name::from_text("example."))
          .to_text(),
      "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.");
}

TEST(Nsec3, RdataLayout) {
  Nsec3Params p{0, {}, true};
  Bytes next(20, 0x11);
  Bytes r = nsec3_rdata(p, next, {rrtype::NS});
  ASSERT_EQ(r.size(), 5 + 1 + 20 + 3u);
  EXPECT_EQ(r[0], 1);  // SHA-1
  EXPECT_EQ(r[1], 1);  // opt-out
  EXPECT_EQ(r[4], 0);  // no salt
  EXPECT_EQ(r[5], 20);
  EXPECT_EQ(nsec3param_rdata(p), (Bytes{1, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace ts::signer
