// TSIG secrets for RFC 2136 UPDATE: read from a file that must be mode 0600 (or stricter)
// and owned by us, held in memory that is wiped (explicit_bzero) when destroyed, never
// printed: error messages name the file, never its content.
//
//   auto key = TsigKey::load("lab-key.", "hmac-sha256", "/etc/trustsync/tsig.secret");
//   ldns_pkt_tsig_sign(pkt, key->name.c_str(), key->secret(), ...);
#pragma once

#include <string>

#include "common/result.h"

namespace ts::parentsync {

class TsigKey {
 public:
  /// Reads the base64 secret (surrounding whitespace ignored) from `secret_file`.
  static Result<TsigKey> load(std::string name, std::string algorithm,
                              const std::string& secret_file);
  /// Reads a BIND / nsupdate -k key file: `key "NAME" { algorithm ALG; secret "BASE64"; };`
  /// (the first key clause; same 0600 / ownership rules as load()).
  static Result<TsigKey> load_key_file(const std::string& key_file);
  /// For tests: a key from a literal secret.
  static TsigKey from_secret(std::string name, std::string algorithm, std::string secret);

  TsigKey(TsigKey&& o) noexcept;
  TsigKey& operator=(TsigKey&& o) noexcept;
  TsigKey(const TsigKey&) = delete;
  TsigKey& operator=(const TsigKey&) = delete;
  ~TsigKey();

  const std::string& name() const { return name_; }            // absolute, e.g. "key."
  const std::string& algorithm() const { return algorithm_; }  // "hmac-sha256"
  const char* secret() const { return secret_.c_str(); }       // base64

 private:
  TsigKey(std::string name, std::string algorithm, std::string secret);
  void wipe();
  std::string name_, algorithm_, secret_;
};

}  // namespace ts::parentsync
