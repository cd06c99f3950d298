// Zone file parsing below the loader's validation: turns a master file into a stream of
// records (owner as written, canonical rdata, file and first line). Lexical work only here
// (comments, parentheses, quotes, $ORIGIN/$TTL/$INCLUDE); every record is converted by
// ldns_rr_new_frm_str. A large file without $INCLUDE can be split at safe line boundaries
// and its parts parsed in parallel threads. Used by zone_loader.cc.
//
//   Status s = parse_zone_records(path, origin, 3600, 2, [&](ParsedRR&& rr) { ...; return Status();
//   });
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/name.h"
#include "common/result.h"
#include "signer/zone.h"

namespace ts::signer {

/// One record as parsed: owner as written, rdata in canonical form (RFC 4034 6.2).
struct ParsedRR {
  Name owner;
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  uint32_t line = 0;                  ///< first line of the record in `*file`
  const std::string* file = nullptr;  ///< stays valid for the whole parse
  Bytes rdata;
};

/// Called for each record in file order; a failure stops the parse and is returned.
using RRSink = std::function<Status(ParsedRR&&)>;

/// Parses `path` (and the files it includes) with ldns. Relative names are completed with
/// `origin`; records without a TTL before any $TTL get `default_ttl`. With threads > 1 a
/// large file without $INCLUDE is parsed in that many parts at once; records still reach
/// `sink` in file order, from the calling thread. Syntax errors read "file:line: <ldns text>".
Status parse_zone_records(const std::string& path, const Name& origin, uint32_t default_ttl,
                          unsigned threads, const RRSink& sink);

/// Parses `text`, the beginning of the file `path` (or all of it), in the calling thread:
/// for a look at a file's first records without reading the rest. Errors name `path`; a
/// relative $INCLUDE is taken relative to `path`'s directory.
Status parse_zone_text(std::string_view text, const std::string& path, const Name& origin,
                       uint32_t default_ttl, const RRSink& sink);

/// Makes one sink per part, given the number of parts (called once, before parsing).
using PartSinks = std::function<std::vector<RRSink>(size_t parts)>;

/// Like parse_zone_records, but part k of a split file goes to its own sink k, called from
/// part k's thread (part 0: the calling thread) in file order within the part, all parts at
/// once. The error is that of the first failing part in file order.
Status parse_zone_parts(const std::string& path, const Name& origin, uint32_t default_ttl,
                        unsigned threads, const PartSinks& make_sinks);

}  // namespace ts::signer
