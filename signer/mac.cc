// HMAC-SHA256 through OpenSSL 3's EVP_MAC (see mac.h for why this file also includes EVP).
#include "signer/mac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace ts::signer {
namespace {

struct MacFree {
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};

}  // namespace

Bytes hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) throw std::runtime_error("OpenSSL: HMAC unavailable");
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // EVP_MAC_init rejects a NULL key pointer even for length 0.
  static const uint8_t kEmpty = 0;
  const uint8_t* k = key.empty() ? &kEmpty : key.data();
  Bytes out(32);
  size_t len = 0;
  if (!ctx || !EVP_MAC_init(ctx.get(), k, key.size(), params) ||
      !EVP_MAC_update(ctx.get(), data.data(), data.size()) ||
      !EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) || len != out.size())
    throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
  return out;
}

Bytes hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256(std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                     std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

std::string hex_lower(std::span<const uint8_t> data) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ts::signer
