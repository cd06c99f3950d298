// Tests for signer/ecdsa_sig: DER <-> r||s conversion edge cases (sign padding, short
// values, malformed input).
#include "signer/ecdsa_sig.h"

#include <gtest/gtest.h>

namespace ts::signer {
namespace {

TEST(EcdsaSig, RoundTripsWithPaddingAndShortValues) {
  // r has its high bit set (DER needs a 0x00 sign octet); s starts with zero octets
  // (DER drops them).
  Bytes raw(64, 0x11);
  raw[0] = 0x80;
  raw[32] = 0;
  raw[33] = 0;
  raw[34] = 0x7f;
  Bytes der = ecdsa_raw_to_der(raw);
  ASSERT_GE(der.size(), 6u);
  EXPECT_EQ(der[0], 0x30);
  EXPECT_EQ(der[2], 0x02);
  EXPECT_EQ(der[3], 33);  // 0x00 + 32 octets
  EXPECT_EQ(der[4], 0x00);
  EXPECT_EQ(der[4 + 33], 0x02);
  EXPECT_EQ(der[4 + 33 + 1], 30);  // two leading zeros dropped
  Bytes back(64);
  ASSERT_TRUE(ecdsa_der_to_raw(der, 32, back.data()));
  EXPECT_EQ(back, raw);
}

TEST(EcdsaSig, P384ValuesWithSignOctets) {
  Bytes raw(96, 0xff);  // both values need a sign octet: a 102-octet body
  Bytes der = ecdsa_raw_to_der(raw);
  Bytes back(96);
  ASSERT_TRUE(ecdsa_der_to_raw(der, 48, back.data()));
  EXPECT_EQ(back, raw);
}

TEST(EcdsaSig, RejectsMalformedDer) {
  Bytes out(64);
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{}, 32, out.data()));
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x31, 0x00}, 32, out.data()));
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01}, 32, out.data()));
  // Trailing garbage after the sequence.
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00}, 32,
                                out.data()));
  // A value longer than the curve allows.
  Bytes big{0x30, 0x26, 0x02, 0x21};
  big.insert(big.end(), 33, 0x7f);
  big.insert(big.end(), {0x02, 0x01, 0x01});
  EXPECT_FALSE(ecdsa_der_to_raw(big, 32, out.data()));
  // Minimal valid: r = 1, s = 2.
  ASSERT_TRUE(
      ecdsa_der_to_raw(Bytes{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}, 32, out.data()));
  EXPECT_EQ(out[31], 1);
  EXPECT_EQ(out[63], 2);
  EXPECT_EQ(out[0], 0);
}

}  // namespace
}  // namespace ts::signer
