// One key's file in the key store, and the reader of a whole key directory.
//
// Since 2026-11-30 a key is one file, `<id>.private.pem`: its metadata lines ("key: value",
// format_key_meta) followed by the PKCS#8 PEM block. RFC 7468 section 5.2 allows text before
// the encapsulation boundary and OpenSSL's PEM reader skips it. A private file without
// metadata is not (yet) a key of any zone: a pool key, or a key whose commit never happened.
// The earlier layout, `<id>.meta` beside a bare `<id>.private.pem`, is still read, and the
// daemon still writes it for a key from its pool (agent/key_files.h); a directory may hold both.
// (One file instead of two per key: a 30,000-zone daemon start took about 5% less time,
// bench/README.md.)
//
//   SecretString text = format_key_file(meta, pem.str());
//   KeyFileParts p = split_key_file(text.str());   // p.meta empty: no metadata
//   std::vector<Error> skipped;
//   auto keys = read_key_directory("/var/lib/trustsync/keys", &skipped);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "signer/crypto.h"
#include "signer/keystore.h"

namespace ts::signer {

struct KeyFileParts {
  std::string_view meta;  ///< the metadata lines; empty when the file has none
  std::string_view pem;   ///< from "-----BEGIN" on; empty when there is no PEM block
};

/// Splits a key file's text at its PEM block.
KeyFileParts split_key_file(std::string_view text);

/// The text of a key file: `meta`'s lines, then `pem` (a PKCS#8 PEM block).
SecretString format_key_file(const KeyMeta& meta, std::string_view pem);

/// The metadata of key `id` in `dir` (either layout); nullopt when the key has none (no file,
/// or a private file without metadata). Errors: unreadable or malformed files.
Result<std::optional<KeyMeta>> read_key_meta(const std::string& dir, const std::string& id);

/// Every key of `dir` that has metadata, in file-name order; an empty list when `dir` does not
/// exist. With `skipped`, a file that cannot be read or parsed is reported there and left
/// out; without it, the first such file is the error.
Result<std::vector<KeyMeta>> read_key_directory(const std::string& dir,
                                                std::vector<Error>* skipped = nullptr);

}  // namespace ts::signer
