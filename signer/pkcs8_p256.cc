// P-256 PKCS#8 PEM from a fixed DER template (see pkcs8_p256.h).
#include "signer/pkcs8_p256.h"

#include <openssl/crypto.h>

#include <array>
#include <cstring>
#include <string>

namespace ts::signer {
namespace {

// PrivateKeyInfo ::= SEQUENCE (135) { INTEGER 0, SEQUENCE { id-ecPublicKey, prime256v1 },
//   OCTET STRING (109) { ECPrivateKey ::= SEQUENCE (107) { INTEGER 1, OCTET STRING (32) d,
//   [1] { BIT STRING (66) { 0 unused bits, 04 X Y } } } } }
constexpr std::array<uint8_t, 36> kHead = {0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06,
                                           0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                                           0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
                                           0x04, 0x6d, 0x30, 0x6b, 0x02, 0x01, 0x01, 0x04, 0x20};
constexpr std::array<uint8_t, 6> kMid = {0xa1, 0x44, 0x03, 0x42, 0x00, 0x04};
static_assert(kHead.size() + kP256ScalarSize + kMid.size() + kP256PublicKeySize ==
              kP256Pkcs8DerSize);

constexpr std::string_view kBegin = "-----BEGIN PRIVATE KEY-----\n";
constexpr std::string_view kEnd = "-----END PRIVATE KEY-----\n";
constexpr size_t kB64Size = (kP256Pkcs8DerSize + 2) / 3 * 4;  // 184
constexpr size_t kLine = 64;                                  // PEM line length

}  // namespace

SecretString p256_pkcs8_pem(std::span<const uint8_t, kP256ScalarSize> d,
                            std::span<const uint8_t, kP256PublicKeySize> public_key) {
  std::array<uint8_t, kP256Pkcs8DerSize> der;
  uint8_t* p = der.data();
  std::memcpy(p, kHead.data(), kHead.size());
  p += kHead.size();
  std::memcpy(p, d.data(), d.size());
  p += d.size();
  std::memcpy(p, kMid.data(), kMid.size());
  p += kMid.size();
  std::memcpy(p, public_key.data(), public_key.size());

  std::string b64;
  b64.reserve(kB64Size + 1);  // base64_append writes a terminating NUL: never reallocates
  base64_append(der, b64);
  OPENSSL_cleanse(der.data(), der.size());

  std::string pem;
  pem.reserve(kBegin.size() + kB64Size + (kB64Size + kLine - 1) / kLine + kEnd.size());
  pem.append(kBegin);
  for (size_t at = 0; at < b64.size(); at += kLine) {
    pem.append(b64, at, kLine);
    pem.push_back('\n');
  }
  pem.append(kEnd);
  b64.resize(b64.capacity());
  OPENSSL_cleanse(b64.data(), b64.size());
  return SecretString(std::move(pem));
}

}  // namespace ts::signer
