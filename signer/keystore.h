// Where DNSSEC keys live. Keys are referenced by id through the KeyStore interface (a
// file store now; a PKCS#11 store could follow); callers see metadata (KeyMeta) and load
// the private key only to sign. FileKeyStore keeps each key in one file, `<id>.private.pem`
// (mode 0600, never overwritten): its metadata lines, then the PKCS#8 private key
// (signer/key_file.h; keys of the earlier layout, a bare `<id>.private.pem` beside `<id>.meta`,
// are read too), in one directory (mode 0700) shared by all zones.
//
//   FileKeyStore store("/var/lib/trustsync/keys");
//   auto key = PrivateKey::generate(Algorithm::ECDSAP256SHA256, 0);
//   auto meta = store.add(origin, KeyRole::KSK, *key, now);     // Result<KeyMeta>
//   for (const KeyMeta& m : *store.list(origin)) { auto k = store.load_private(m); ... }
//   auto imported = import_bind_key(store, "Kexample.com.+013+12345.key");
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/name.h"
#include "common/result.h"
#include "signer/crypto.h"

namespace ts::signer {

enum class KeyRole { KSK, ZSK, CSK };

/// "ksk" / "zsk" / "csk".
std::string_view key_role_name(KeyRole role);
/// Case-insensitive inverse of key_role_name.
Result<KeyRole> key_role_from_name(std::string_view name);
/// DNSKEY flags for a role: 257 (SEP) for KSK and CSK, 256 for ZSK.
uint16_t key_role_flags(KeyRole role);

struct KeyMeta {
  std::string id;
  ts::Name origin;
  Algorithm algorithm = Algorithm::ECDSAP256SHA256;
  unsigned bits = 0;
  KeyRole role = KeyRole::ZSK;
  uint16_t flags = 0;
  uint16_t tag = 0;
  ts::UnixTime created = 0;
  Bytes public_key;  // DNSKEY public key field
};

/// The DNSKEY RDATA of a key (flags, protocol 3, algorithm, public key).
Bytes dnskey_rdata(const KeyMeta& meta);

class KeyStore {
 public:
  virtual ~KeyStore();
  /// Keys of one zone, sorted by tag (then id).
  virtual Result<std::vector<KeyMeta>> list(const ts::Name& origin) const = 0;
  virtual Result<PrivateKey> load_private(const KeyMeta& meta) const = 0;
  /// Stores a new key (metadata and private key, 0600, never replacing a file), durably.
  virtual Result<KeyMeta> add(const ts::Name& origin, KeyRole role, const PrivateKey& key,
                              ts::UnixTime created) = 0;
  virtual Status remove(const KeyMeta& meta) = 0;
};

class FileKeyStore final : public KeyStore {
 public:
  /// Does not touch the disk; add() creates `dir` (0700) when missing.
  explicit FileKeyStore(std::string dir);
  const std::string& dir() const { return dir_; }

  Result<std::vector<KeyMeta>> list(const ts::Name& origin) const override;
  Result<PrivateKey> load_private(const KeyMeta& meta) const override;
  Result<KeyMeta> add(const ts::Name& origin, KeyRole role, const PrivateKey& key,
                      ts::UnixTime created) override;
  Status remove(const KeyMeta& meta) override;
  /// The metadata of key `id`; nullopt when it has none (no such key, or a private file not
  /// given to any zone yet: a pool key, an uncommitted one).
  Result<std::optional<KeyMeta>> meta(const std::string& id) const;

  /// Path of a key's files (`meta_path`: the earlier layout's metadata file).
  std::string private_path(const std::string& id) const;
  std::string meta_path(const std::string& id) const;

 private:
  std::string dir_;
};

/// Metadata file text and its parser (exposed for tests and other stores).
std::string format_key_meta(const KeyMeta& meta);
Result<KeyMeta> parse_key_meta(std::string_view text, const std::string& source);

/// Imports a BIND key pair K<zone>+<alg>+<tag>.key / .private (either path may be given)
/// into `store`. Role from the flags: 257 -> KSK, 256 -> ZSK; the creation time from the
/// files' "Created:" field (0 if absent). Fails for revoked keys and mismatched pairs.
/// `role` overrides the role from the flags (CSK for a 257 key); it must fit the flags.
Result<KeyMeta> import_bind_key(KeyStore& store, const std::string& key_file_path,
                                std::optional<KeyRole> role = std::nullopt);

}  // namespace ts::signer
