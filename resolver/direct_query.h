// Direct queries to one authoritative server, bypassing every cache: "what does THIS server
// serve right now?". One question, RD=0, EDNS0 with the DO bit, UDP first and TCP when the
// answer is truncated, a timeout per try and retries with capped exponential backoff and
// jitter from an injected random source. Hostile or broken answers (mismatched ID, wrong
// question, truncation without TCP success, lame or referral, REFUSED/SERVFAIL, garbage)
// come back as a typed DirectProblem, never as records to trust.
//
//   DirectQueryOptions o;  o.random = [&] { return rng(); };
//   DirectAnswer a = direct_query(*parse_server("127.53.1.2"), name, kTypeDS, o);
//   if (!a.ok()) std::cerr << direct_problem_name(a.problem) << ": " << a.detail;
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/name.h"
#include "common/result.h"
#include "resolver/resolver.h"

namespace ts::resolver {

/// An authoritative server: numeric IPv4 or IPv6 address and port.
struct ServerAddress {
  std::string address;
  uint16_t port = 53;
  /// "127.0.0.1", "::1", "127.0.0.1@5353", "::1@5353" (unbound's ADDR@PORT).
  std::string to_text() const;
};
Result<ServerAddress> parse_server(std::string_view text);

enum class DirectProblem {
  None,
  Timeout,        // no usable answer within the tries
  Network,        // socket error, connection refused / reset
  Truncated,      // TC over UDP and the TCP retry failed
  IdMismatch,     // answers carried another message ID (possible spoofing)
  WrongQuestion,  // the answer is for another question
  Malformed,      // does not parse as DNS, or not a response
  Lame,           // no AA bit on an answer from a supposedly authoritative server
  Referral,       // a delegation instead of an authoritative answer
  NoAnswer,       // NOERROR, AA, no records and no SOA proving the absence
  Refused,
  ServFail,
  OtherRcode,  // NOTIMP, FORMERR, ...
};
const char* direct_problem_name(DirectProblem p);

struct DirectAnswer {
  std::string server;  // ServerAddress::to_text()
  DirectProblem problem = DirectProblem::None;
  std::string detail;  // human detail of the problem
  int rcode = -1;
  bool authoritative = false;
  bool truncated_udp = false;  // the UDP answer had TC set
  bool used_tcp = false;
  int tries = 0;
  std::vector<Record> answer;  // answer section, RRSIGs excluded
  std::vector<Record> answer_rrsigs;
  std::vector<Record> authority;  // authority section (RRSIGs included)
  std::vector<Record> additional;
  bool nxdomain = false;
  bool nodata = false;
  bool ok() const { return problem == DirectProblem::None; }
};

struct DirectQueryOptions {
  int timeout_ms = 1500;         // per try
  int tries = 3;                 // UDP tries (each with a TCP follow-up on TC)
  int backoff_initial_ms = 100;  // wait before the 2nd try; doubled per try ...
  int backoff_max_ms = 1000;     // ... up to this cap
  /// Jitter source; the wait is drawn in [delay/2, delay]. Empty = no jitter (full delay).
  std::function<uint32_t()> random;
  /// How to wait; empty = really sleep. Tests inject a recorder.
  std::function<void(int ms)> sleep_ms;
  /// When true (answers from a parent or child that must be authoritative), a missing AA
  /// bit is Lame and an NS delegation is Referral. False accepts referrals (to read NS/glue).
  bool require_authoritative = true;
};

/// The wait before try number `try_index` (1 = the second try): capped exponential backoff
/// with jitter from options.random.
int backoff_delay_ms(const DirectQueryOptions& options, int try_index);

/// Asks `server` for (name, type, IN). Never fails: problems are in the answer.
DirectAnswer direct_query(const ServerAddress& server, const Name& name, uint16_t type,
                          const DirectQueryOptions& options);

/// The same, behind an interface so the chain walk can be tested without servers.
class DirectQuerier {
 public:
  virtual ~DirectQuerier() = default;
  virtual DirectAnswer query(const std::string& server, const Name& name, uint16_t type,
                             bool require_authoritative) = 0;
};

class NetworkDirectQuerier final : public DirectQuerier {
 public:
  explicit NetworkDirectQuerier(DirectQueryOptions options) : options_(std::move(options)) {}
  DirectAnswer query(const std::string& server, const Name& name, uint16_t type,
                     bool require_authoritative) override;

 private:
  DirectQueryOptions options_;
};

}  // namespace ts::resolver
