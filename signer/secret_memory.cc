// The parts of crypto.h that need no EVP: SecretString's cleansing (OPENSSL_cleanse) and
// random_bytes (RAND_bytes). Kept apart so that crypto.cc stays the one EVP file, and short.
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "signer/crypto.h"

namespace ts::signer {
namespace {

/// Cleanses a string's whole buffer (including spare capacity) and empties it.
void wipe(std::string& s) {
  s.resize(s.capacity());
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace

SecretString::SecretString(SecretString&& o) noexcept : s_(std::move(o.s_)) {
  wipe(o.s_);  // a short string is copied, not stolen: clear the source's buffer
}

SecretString& SecretString::operator=(SecretString&& o) noexcept {
  if (this != &o) {
    wipe(s_);
    s_ = std::move(o.s_);
    wipe(o.s_);
  }
  return *this;
}

SecretString::~SecretString() {
  wipe(s_);
}

Bytes random_bytes(size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed");  // no entropy: cannot go on
  return out;
}

}  // namespace ts::signer
