// Batch generation of pooled keys (private files only) with one sync round per batch.
#include "agent/pool_keys.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "agent/key_files.h"
#include "signer/dnssec_records.h"
#include "signer/secret_file.h"

namespace ts::agent {

void PoolKeyCache::put(const std::string& id, signer::PrivateKey key) {
  std::lock_guard lock(mu_);
  keys_.insert_or_assign(id, std::move(key));
}

std::optional<signer::PrivateKey> PoolKeyCache::take(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) return std::nullopt;
  std::optional<signer::PrivateKey> out(std::move(it->second));
  keys_.erase(it);
  return out;
}

BatchKeyGenerator pool_key_generator(const signer::FileKeyStore& ks, SyncBatcher& sync,
                                     const Clock& clock, PoolKeyCache& cache) {
  return
      [&ks, &sync, &clock, &cache](const KeySpec& spec, int n) -> Result<std::vector<PooledKey>> {
        if (::mkdir(ks.dir().c_str(), 0700) != 0 && errno != EEXIST)
          return fail(ks.dir() + ": cannot create key directory");
        char base[16];
        std::snprintf(base, sizeof base, "pool-%03u-", static_cast<unsigned>(spec.algorithm));
        std::vector<std::string> created;
        auto undo = [&] {
          for (const auto& p : created) ::unlink(p.c_str());
        };
        std::vector<PooledKey> out;
        std::vector<signer::PrivateKey> keys;
        UnixTime now = clock.now();
        for (int i = 0; i < n; ++i) {
          auto key = signer::PrivateKey::generate(static_cast<signer::Algorithm>(spec.algorithm),
                                                  static_cast<unsigned>(spec.bits));
          if (!key) {
            undo();
            return fail("key generation: " + key.error().message);
          }
          auto pem = key->to_pkcs8_pem();
          if (!pem) {
            undo();
            return pem.error();
          }
          std::string id = base + random_hex(16);
          if (Status s = write_new_file(ks.private_path(id), pem->str(), 0600); !s) {
            undo();
            return fail("key store: " + s.error().message);
          }
          created.push_back(ks.private_path(id));
          uint16_t tag = signer::key_tag(signer::dnskey_rdata(
              signer::Dnskey{signer::kFlagsZsk, key->algorithm(), key->public_key()}));
          out.push_back({id, spec.algorithm, spec.bits, tag, now});
          keys.push_back(std::move(*key));
        }
        if (Status s = sync.sync(ks.dir()); !s) {  // durable before the pool table names them
          undo();
          return s.error();
        }
        for (size_t i = 0; i < out.size(); ++i) cache.put(out[i].id, std::move(keys[i]));
        return out;
      };
}

Result<signer::PrivateKey> load_pool_key(const signer::FileKeyStore& ks, PoolKeyCache& cache,
                                         const PooledKey& key) {
  if (auto k = cache.take(key.id)) return std::move(*k);
  auto pem = signer::read_secret_file(ks.private_path(key.id), signer::SecretFileRules::kOwnerOnly);
  if (!pem) return pem.error();
  auto k =
      signer::PrivateKey::from_pkcs8_pem(pem->str(), static_cast<signer::Algorithm>(key.algorithm));
  if (!k) return fail(ks.private_path(key.id) + ": " + k.error().message);
  return k;
}

}  // namespace ts::agent
