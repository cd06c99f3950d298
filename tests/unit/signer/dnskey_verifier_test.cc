// DnskeyVerifier gives the same answers as verify_signature for good, altered and
// wrong-size signatures, for the decoded (ECDSA) and the pass-through (EdDSA, RSA) kinds.
#include "signer/dnskey_verifier.h"

#include <gtest/gtest.h>

namespace ts::signer {
namespace {

TEST(DnskeyVerifierTest, AgreesWithVerifySignature) {
  for (auto [alg, bits] :
       {std::pair{Algorithm::ECDSAP256SHA256, 0u}, std::pair{Algorithm::ECDSAP384SHA384, 0u},
        std::pair{Algorithm::ED25519, 0u}, std::pair{Algorithm::RSASHA256, 2048u}}) {
    auto key = PrivateKey::generate(alg, bits);
    ASSERT_TRUE(key);
    Bytes msg = {1, 2, 3, 4, 5};
    auto sig = key->sign(msg);
    ASSERT_TRUE(sig);
    auto v = DnskeyVerifier::create(alg, key->public_key());
    ASSERT_TRUE(v) << v.error().message;
    for (int round = 0; round < 2; ++round) {  // a verifier is reused
      EXPECT_TRUE(*v->verify(msg, *sig)) << algorithm_name(alg);
      EXPECT_TRUE(*verify_signature(alg, key->public_key(), msg, *sig));
    }
    Bytes other = msg;
    other[0] ^= 1;
    EXPECT_FALSE(*v->verify(other, *sig));
    EXPECT_FALSE(*verify_signature(alg, key->public_key(), other, *sig));
    Bytes bad = *sig;
    bad[bad.size() / 2] ^= 0x40;
    {
      auto r = v->verify(msg, bad);
      EXPECT_FALSE(r && *r);
    }
    Bytes shortsig(sig->begin(), sig->end() - 1);
    {
      auto r = v->verify(msg, shortsig);
      EXPECT_FALSE(r && *r);
    }
  }
  EXPECT_FALSE(DnskeyVerifier::create(Algorithm::ECDSAP256SHA256, Bytes(63, 1)));
  EXPECT_FALSE(DnskeyVerifier::create(Algorithm::ECDSAP256SHA256, Bytes(64, 0)));  // not on curve
}

}  // namespace
}  // namespace ts::signer
