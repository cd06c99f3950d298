// The daemon's new keys: taken from the key pool (made durable with the zone's commit) or,
// when the pool is empty, generated on the spot; and the key-pool-low alert.
#include <sys/stat.h>

#include "agent/daemon_internal.h"
#include "agent/key_files.h"
#include "agent/key_pool.h"
#include "agent/pool_keys.h"
#include "agent/sync_batch.h"
#include "signer/keystore.h"

namespace ts::agent {

namespace {

signer::KeyRole store_role(KeyRole r) {
  return r == KeyRole::KSK   ? signer::KeyRole::KSK
         : r == KeyRole::ZSK ? signer::KeyRole::ZSK
                             : signer::KeyRole::CSK;
}

}  // namespace

// Key pool running low: a zone had to wait for a key generated on the spot (alert); the
// alert clears once the pool hands out keys again with stock left. Not in the first
// kPoolGrace seconds after start, while the pool fills for the first time.
constexpr int64_t kPoolGrace = 600;
void Daemon::pool_level(const ZoneSpec& spec, const KeySpec& ks, bool had_key) {
  if (!had_key && clock_.now() - started_at_ < kPoolGrace) return;
  AlertEvent e{
      .kind = AlertKind::KeyPoolLow,
      .zone = "",
      .subject = "algorithm " + std::to_string(ks.algorithm) + " bits " + std::to_string(ks.bits),
      .summary = "the key pool had no pre-generated key; keys are generated on demand",
      .evidence = {},
      .action = "",
      .targets = spec.notify};
  std::lock_guard lock(pool_low_mu_);
  bool low = pool_low_.count(ks) > 0;
  if (!had_key) {
    if (auto err = pool_->last_error())
      e.evidence.push_back({"key pool", "last generation error: " + err->message});
    e.evidence.push_back({"zone " + spec.name, "needed a key and found the pool empty"});
    pool_low_.insert(ks);
    events_->alert(e, true);
  } else if (low) {
    auto left = pool_->available(ks);
    if (left && *left > 0) {
      pool_low_.erase(ks);
      events_->alert(e, false);
    }
  }
}

Result<Daemon::NewKey> Daemon::new_key(const ZoneSpec& spec, const Name& origin, KeyRole role,
                                       uint8_t alg, UnixTime now, StagedFiles& staged,
                                       bool from_pool) {
  KeySpec ks{alg, static_cast<int>(alg == spec.algorithm ? spec.bits : 0)};
  NewKey nk;
  auto pooled = from_pool ? pool_->try_take(ks) : Result<std::optional<PooledKey>>(std::nullopt);
  if (from_pool) pool_level(spec, ks, pooled && pooled->has_value());
  if (pooled && pooled->has_value()) {
    auto key = load_pool_key(*keystore_, *pool_keys_, **pooled);
    auto meta = key ? stage_key_assignment(*keystore_, (**pooled).id, *key, origin,
                                           store_role(role), now, staged)
                    : Result<signer::KeyMeta>(key.error());
    if (meta) {
      nk.pooled = **pooled;
      nk.rec = to_key_record(**pooled, role, now);
      nk.rec.tag = meta->tag;  // the tag depends on the role's flags
      nk.fresh = std::make_unique<signer::PrivateKey>(std::move(*key));
      return nk;
    }
    // A broken pool key is dropped (not released), so it is not handed out again.
    log_.warn(spec.name, "pool key unusable, generating one: " + meta.error().message);
  }
  auto key = signer::PrivateKey::generate(static_cast<signer::Algorithm>(alg),
                                          static_cast<unsigned>(ks.bits));
  if (!key) return fail("key generation: " + key.error().message);
  auto meta = stage_new_key(*keystore_, origin, store_role(role), *key, now, staged);
  if (!meta) return fail("key store: " + meta.error().message);
  nk.rec.id = meta->id;
  nk.rec.role = role;
  nk.rec.algorithm = alg;
  nk.rec.tag = meta->tag;
  nk.rec.generated = now;
  nk.fresh = std::make_unique<signer::PrivateKey>(std::move(*key));
  return nk;
}

}  // namespace ts::agent
