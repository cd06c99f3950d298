// Key files staged for a batch: the daemon and the key pool write a key's private file
// (PKCS#8, mode 0600, created O_EXCL at its final path: never overwritten) WITHOUT fsync; a
// SyncBatcher round then makes a whole batch durable at once, the state that refers to the
// keys is committed, and only then is each key's metadata file written at its `.meta` name
// (appearing whole: see apply_writes). The metadata text is recorded in that commit
// (ZoneRecord::pending_writes), so a restart after kill -9 writes it again: a committed key
// is never missing, an uncommitted one is never visible (it has no `.meta` file). (Until
// 2026-11 the metadata went to a named temporary created before the commit and renamed
// after it: a file creation and a rename more per key, bench/README.md.)
//
//   StagedFiles st;
//   auto meta = stage_new_key(keystore, origin, KeyRole::ZSK, key, now, st);
//   sync.sync(keystore.dir());  commit(...st.renames, st.writes...);
//   apply_renames(st.renames);  apply_writes(st.writes);
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

struct StagedFiles {
  Renames renames;                   ///< to apply after the commit
  Writes writes;                     ///< small files (key metadata) to write after the commit
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

/// Writes a new key of `role` for `origin`: private file at its final path; its metadata is
/// staged as a write. `id_base` empty: the usual K<origin>+<alg>+<tag>;
/// otherwise `<id_base>-<random hex>`.
Result<signer::KeyMeta> stage_new_key(const signer::FileKeyStore& ks, const Name& origin,
                                      signer::KeyRole role, const signer::PrivateKey& key,
                                      UnixTime created, StagedFiles& out,
                                      const std::string& id_base = "");

/// Hands the existing (pool) key `id`, whose private file is `key`, to `origin` in `role`: its
/// metadata (origin, role, flags, the tag for those flags) is staged as a write. Returns it.
Result<signer::KeyMeta> stage_key_assignment(const signer::FileKeyStore& ks, const std::string& id,
                                             const signer::PrivateKey& key, const Name& origin,
                                             signer::KeyRole role, UnixTime created,
                                             StagedFiles& out);

/// rename(2)s in order; a missing temporary is skipped when `roll_forward` (already applied).
Status apply_renames(const Renames& renames, bool roll_forward = false);

/// Writes each file (mode 0600; no fsync: the caller's next sync round makes it durable). A
/// reader sees a file whole or not at all (an unnamed O_TMPFILE linked in when written, else
/// write_file_atomically). With `roll_forward` (restart) only a file that is missing or
/// differs is written again.
Status apply_writes(const Writes& writes, bool roll_forward = false);

/// Removes the files of `dir` named <base><marker><`hex_len` hex digits> (with <base> in
/// `bases`, or any base when `bases` is null): temporaries of passes that a crash stopped before
/// their commit. Call only after the roll-forward and before anything stages again. Returns
/// how many were removed.
size_t remove_stale_temporaries(const std::string& dir, const std::string& marker, size_t hex_len,
                                const std::set<std::string>* bases);

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
