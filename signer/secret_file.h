// Reading files that hold private key material in clear (our PKCS#8 PEM keys, BIND .private
// files) into cleansed memory, with the checks such files deserve.
//
//   auto pem = read_secret_file(path, SecretFileRules::kOwnerOnly);
//   if (!pem) return fail(pem.error().message);  // names the file, never its content
#pragma once

#include <string>

#include "common/result.h"
#include "signer/crypto.h"

namespace ts::signer {

enum class SecretFileRules {
  kOwnerOnly,  ///< our own key files: no symlink, refused when group or others may read it
  kAsFound,    ///< an operator's file being imported: any regular file we can read
};

/// Reads a regular file of at most 1 MiB into a SecretString (cleansed when dropped, also on
/// every error path). Errors name the path and the reason, never the content.
Result<SecretString> read_secret_file(const std::string& path, SecretFileRules rules);

}  // namespace ts::signer
