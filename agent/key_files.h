// Key files staged for a batch: the daemon and the key pool write a key's file WITHOUT fsync
// under a temporary name (`<id>.private.pem.tmp-<8 hex>`: the metadata lines, then the PKCS#8
// private key, mode 0600, created O_EXCL); a SyncBatcher round then makes a whole batch durable
// at once, the state that refers to the keys is committed together with the renames, and only
// then does each file get its name `<id>.private.pem` (rename, never replacing another key:
// apply_renames). A restart after kill -9 applies the committed renames again; what was never
// committed is a temporary, removed at start. So a committed key is never missing, an
// uncommitted one is never visible. (Until 2026-11-30 a key had two files, the private file at
// its final name and a `<id>.meta` written after the commit: one file creation more per key,
// bench/README.md.) A pool key still gets its metadata that way: it was written bare before
// any zone took it, and replacing that file by a key file cost more than the `.meta` file.
//
//   StagedFiles st;
//   auto meta = stage_new_key(keystore, origin, KeyRole::ZSK, key, now, st);
//   sync.sync(keystore.dir());  commit(...st.renames...);
//   apply_renames(st.renames);
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/name.h"
#include "common/result.h"
#include "signer/keystore.h"

namespace ts::agent {

using Renames = std::vector<std::pair<std::string, std::string>>;  // temporary -> final
using Writes = std::vector<std::pair<std::string, std::string>>;   // path -> content

/// Marks a staged key file: `<id>.private.pem` + marker + kStagedHex hex digits.
inline constexpr const char* kStagedMarker = ".tmp-";
inline constexpr size_t kStagedHex = 8;

struct StagedFiles {
  Renames renames;  ///< to apply after the commit
  Writes writes;    ///< small files (a pool key's metadata) to write after the commit
  std::vector<std::string> created;  ///< every file made; removed by abandon()
  bool empty() const { return created.empty() && writes.empty(); }
  /// Removes every staged file (the batch was not committed).
  void abandon();

  struct Mark {
    size_t files = 0, renames = 0, writes = 0;
  };
  Mark mark() const { return {created.size(), renames.size(), writes.size()}; }
  /// Removes what was staged after `m` (the files made since are deleted).
  void undo_since(const Mark& m);
};

/// The directories of the renames' targets and of the written files (for a sync round).
std::vector<std::string> staged_dirs(const Renames& renames, const Writes& writes = {});

/// Stages a new key of `role` for `origin`: its file under a temporary name, and the rename to
/// `<id>.private.pem`. `id_base` empty: the usual K<origin>+<alg>+<tag>;
/// otherwise `<id_base>-<random hex>`.
Result<signer::KeyMeta> stage_new_key(const signer::FileKeyStore& ks, const Name& origin,
                                      signer::KeyRole role, const signer::PrivateKey& key,
                                      UnixTime created, StagedFiles& out,
                                      const std::string& id_base = "");

/// Hands the existing (pool) key `id`, whose private file is `key`, to `origin` in `role`: its
/// metadata (origin, role, flags, the tag for those flags) is staged as a write of `<id>.meta`
/// beside the pool key's bare private file (the earlier layout, which readers still accept).
/// Returns the metadata.
Result<signer::KeyMeta> stage_key_assignment(const signer::FileKeyStore& ks, const std::string& id,
                                             const signer::PrivateKey& key, const Name& origin,
                                             signer::KeyRole role, UnixTime created,
                                             StagedFiles& out);

/// rename(2)s in order; a missing temporary is skipped when `roll_forward` (already applied).
/// A key file (target `*.private.pem`) never replaces anything (an identical file there counts
/// as applied).
Status apply_renames(const Renames& renames, bool roll_forward = false);

/// Writes each file (mode 0600; no fsync: the caller's next sync round makes it durable). A
/// reader sees a file whole or not at all (an unnamed O_TMPFILE linked in when written, else
/// write_file_atomically). With `roll_forward` (restart) only a file that is missing or
/// differs is written again.
Status apply_writes(const Writes& writes, bool roll_forward = false);

/// Removes the files of `dir` named <base><marker><`hex_len` hex digits> (with <base> in
/// `bases`, or any base when `bases` is null), except the file names in `keep` (named by a
/// committed record whose roll-forward failed): temporaries of passes that a crash stopped before
/// their commit. Call only after the roll-forward and before anything stages again. Returns how
/// many were removed.
size_t remove_stale_temporaries(const std::string& dir, const std::string& marker, size_t hex_len,
                                const std::set<std::string>* bases,
                                const std::set<std::string>* keep = nullptr);

/// Creates `path` O_EXCL with `mode` and writes `content`; no fsync (see SyncBatcher).
Status write_new_file(const std::string& path, std::string_view content, unsigned mode);

/// `n` random hex digits for file names and pool ids (unique, not secret: every such file is
/// created O_EXCL). From a per-thread generator seeded once from the OS: OpenSSL 3.0's
/// RAND_bytes takes a process-wide write lock per call, which the signing threads (one nonce
/// per signature) already contend for.
std::string random_hex(size_t n);

/// The metadata of every key in `dir` (its `.meta` files that parse), in directory order;
/// empty when `dir` cannot be read. One pass over the whole directory.
std::vector<signer::KeyMeta> read_all_key_meta(const std::string& dir);

}  // namespace ts::agent
