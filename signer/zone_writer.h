// Zone writing: prints a Zone as an RFC 1035 master file in canonical order, every node's
// RRsets (SOA first at the apex, then by type) each followed by its RRSIGs, then the NSEC3
// chain (owner <base32hex hash>.<origin>) with its RRSIGs. Rdata is formatted by ldns;
// formatting runs in parallel chunks, output is written in order to a temporary file that
// is fsync'ed and renamed, so a failed write leaves no output file.
//
//   Status s = write_zone_file(zone, "example.zone.signed", WriteOptions{.threads = 2});
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "common/result.h"
#include "signer/zone.h"

namespace ts::signer {

struct WriteOptions {
  unsigned threads = 1;  ///< formatting threads (the calling thread counts as one)
  unsigned mode = 0644;  ///< permissions of the output file
};

/// Writes `zone` to `path` atomically (temp file, fsync, rename).
Status write_zone_file(const Zone& zone, const std::string& path, const WriteOptions& options);

/// Writes `zone` to an open stream (e.g. stdout); no atomicity.
Status write_zone(const Zone& zone, FILE* out, const WriteOptions& options);

/// The text of a range of nodes exactly as write_zone prints it, for a caller that writes the
/// zone piece by piece (signer/sign_to_file.h). One per thread: it holds ldns buffers.
class ZoneFormatter {
 public:
  explicit ZoneFormatter(const Zone& zone);
  ~ZoneFormatter();
  ZoneFormatter(const ZoneFormatter&) = delete;
  ZoneFormatter& operator=(const ZoneFormatter&) = delete;
  /// Appends the nodes [begin, end) (canonical order) to `out`.
  void nodes(std::string& out, Zone::NodeMap::const_iterator begin,
             Zone::NodeMap::const_iterator end);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ts::signer
