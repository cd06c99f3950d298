// Signing and writing in one pipeline (issue 2: end-to-end signatures per second). For an
// NSEC zone the signing threads format each chunk of nodes as soon as it is signed
// (zone_signer.h SignedChunks) and one writer thread writes the chunks in order to a
// temporary file while signing goes on; at the end the file is fsync'ed and renamed
// (common/atomic_file.h), so a failure still leaves no output. The text is byte for byte
// that of sign_zone + write_zone_file. NSEC3 zones are signed, then written as before.
//
//   auto stats = sign_zone_to_file(zone, sign_options, "zone.signed", WriteOptions{});
#pragma once

#include <functional>
#include <string>

#include "common/result.h"
#include "signer/zone.h"
#include "signer/zone_signer.h"
#include "signer/zone_writer.h"

namespace ts::signer {

/// sign_zone(zone, o) and write_zone_file(zone, path, wo), overlapped for NSEC zones.
/// `signed_hook`, if given, is called once the last signature is made (for phase timings).
Result<SignStats> sign_zone_to_file(Zone& zone, const SignOptions& o, const std::string& path,
                                    const WriteOptions& wo,
                                    const std::function<void()>& signed_hook = {});

}  // namespace ts::signer
