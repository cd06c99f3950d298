// One DNS message exchange with one named server over TCP through ldns (RD=0, no cache):
// what the UPDATE publisher needs to read the primary's current DS RRset and to send the
// UPDATE itself. Errors name the server. The resolver module (branch resolver,
// resolver/direct_query.h) is the general, validating version of this; parentsync keeps
// only this small TCP exchange for the UPDATE path.
//
//   auto srv = ServerAddress::parse("127.53.6.2#53");
//   auto ds = query_ds(*srv, child, 5);          // Result<DsAnswer>
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/name.h"
#include "common/result.h"
#include "parentsync/ds_record.h"

// After the C++ headers: ldns's headers define `bool` for C.
#include <ldns/ldns.h>

namespace ts::parentsync {

struct ServerAddress {
  std::string address;  // IPv4 or IPv6 literal
  uint16_t port = 53;
  /// "addr", "addr#port", "[v6]:port" or "v6"; no names (resolve them first).
  static Result<ServerAddress> parse(const std::string& text);
  std::string to_string() const;  // "127.0.0.1" or "127.0.0.1#5353"
};

struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;

/// A reply and its exact wire bytes (TSIG verification needs the wire).
struct Reply {
  PktPtr pkt;
  std::vector<uint8_t> wire;
};

/// Sends `query` over TCP and returns the reply; checks the ID and that it is a response.
Result<Reply> tcp_exchange(const ServerAddress& server, const ldns_pkt* query, int timeout_seconds);

/// QNAME/TYPE/IN to one server over TCP, EDNS DO; RD=0 unless `recursion` (then AD=1 too,
/// RFC 6840 5.7, to ask a validating resolver for its verdict).
Result<Reply> ask(const ServerAddress& server, const Name& qname, ldns_rr_type type,
                  int timeout_seconds, bool recursion = false);

/// The DS RRset of `child` as served by `server` (RD=0, DO), with its TTL (0 if empty).
struct DsAnswer {
  std::vector<DsRecord> ds;
  uint32_t ttl = 0;
};
Result<DsAnswer> query_ds(const ServerAddress& server, const Name& child, int timeout_seconds);

/// ldns dname rdf from a Name (caller frees).
ldns_rdf* to_ldns_dname(const Name& name);

}  // namespace ts::parentsync
