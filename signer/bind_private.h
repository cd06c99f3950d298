// Reader for the text of BIND "Private-key-format: v1.2/v1.3" files (dnssec-keygen's
// K*.private): the algorithm and the base64-decoded key fields, cleansed on destruction.
// Building an OpenSSL key from the fields is crypto.cc's job (PrivateKey::from_bind_private).
//
//   auto parsed = parse_bind_private(text);            // Result<BindPrivateKey>
//   const Bytes* d = parsed->get("PrivateKey");        // EC / EdDSA
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "signer/crypto.h"

namespace ts::signer {

struct BindPrivateKey {
  Algorithm algorithm = Algorithm::RSASHA256;
  /// Key fields by name (Modulus, PublicExponent, PrivateExponent, Prime1, Prime2,
  /// Exponent1, Exponent2, Coefficient; PrivateKey for EC and EdDSA), decoded.
  std::map<std::string, Bytes> fields;

  BindPrivateKey() = default;
  BindPrivateKey(BindPrivateKey&&) = default;
  BindPrivateKey& operator=(BindPrivateKey&&) = default;
  BindPrivateKey(const BindPrivateKey&) = delete;
  BindPrivateKey& operator=(const BindPrivateKey&) = delete;
  ~BindPrivateKey();

  const Bytes* get(const std::string& name) const;
};

/// Parses the file text. Errors name the line and field, never a value.
Result<BindPrivateKey> parse_bind_private(std::string_view text);

}  // namespace ts::signer
