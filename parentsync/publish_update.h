// The `update` parent method: RFC 2136 UPDATE with TSIG (RFC 8945) to the parent's primary,
// replacing CHILD's DS RRset atomically. Each attempt reads the primary's current DS RRset
// (TCP, RD=0), does nothing if it already equals the desired set (idempotent), and otherwise
// sends ONE message: prerequisite "the RRset is exactly what we just read" (RFC 2136 2.4.2,
// value-dependent; 2.4.3 "does not exist" when empty), delete the DS RRset, add the desired
// records. The reply must carry a valid TSIG. A failed prerequisite (somebody changed the
// DS meanwhile) is re-read and retried; a timeout / SERVFAIL is retried with capped
// exponential backoff and jitter; REFUSED, NOTAUTH and TSIG errors (BADSIG, BADKEY, BADTIME)
// fail at once. Every error names the server. The TSIG secret is read from its 0600 file
// for each publish and wiped afterwards; it is never logged.
// Deviation: ldns signs with the system time (time signed) inside ldns_pkt_tsig_sign.
//
//   UpdateOptions o; o.primary = "127.53.6.2"; o.tsig_name = "lab-key.";
//   o.tsig_secret_file = "/etc/ts/lab.secret";
//   UpdatePublisher pub(o, random, sleeper);
//   Status s = pub.publish(*Name::from_text("example.test."), {new_ds});
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "parentsync/dns_exchange.h"
#include "parentsync/publisher.h"
#include "parentsync/tsig_secret.h"

namespace ts::parentsync {

struct UpdateOptions {
  /// "addr", "addr#port" or "[v6]:port". Empty: `find_primary(parent zone)` is asked
  /// (the agent resolves the parent SOA MNAME through the resolver).
  std::string primary;
  std::function<Result<std::string>(const Name& parent_zone)> find_primary;
  /// The zone to update; the root (default) means child.parent().
  Name parent_zone;
  std::string tsig_name;  // empty = unsigned UPDATE (not recommended)
  std::string tsig_algorithm = "hmac-sha256";
  std::string tsig_secret_file;
  /// TTL for the added DS when the parent has none to copy.
  uint32_t ttl = 3600;
  int timeout_seconds = 10;
  RetryPolicy retry;
  /// A BIND / nsupdate -k key file (name, algorithm and secret); used instead of
  /// tsig_name + tsig_algorithm + tsig_secret_file when set.
  std::string tsig_key_file;
};

/// The UPDATE message replacing CHILD's DS RRset in `zone` (unsigned, random ID). Pure apart
/// from the ID; exposed for tests.
Result<PktPtr> build_ds_update(const Name& zone, const Name& child,
                               const std::vector<DsRecord>& current,
                               const std::vector<DsRecord>& desired, uint32_t ttl);

/// The outcome of sending one UPDATE: the RCODE of an authenticated reply, or an error
/// (transport_error: no reply at all; otherwise TSIG failure, e.g. BADSIG, or an
/// unauthenticated reply).
struct UpdateReply {
  ldns_pkt_rcode rcode = LDNS_RCODE_SERVFAIL;
  bool transport_error = false;
  bool authenticated = false;
  std::string error;  // empty on success (then look at rcode)
  std::string what;   // "parent primary ADDR answered RCODE"
};

/// Signs `pkt` with `key` (if any), sends it over TCP, verifies the reply's TSIG.
UpdateReply send_update(const ServerAddress& server, ldns_pkt* pkt, const TsigKey* key,
                        int timeout_seconds);

class UpdatePublisher final : public ParentPublisher {
 public:
  UpdatePublisher(UpdateOptions options, RandomSource& random, Sleeper& sleeper)
      : o_(std::move(options)), random_(random), sleeper_(sleeper) {}
  Status publish(const Name& child, const std::vector<DsRecord>& desired) override;
  std::string method() const override { return "update"; }

  /// Number of UPDATE messages sent by the last publish() (0 when nothing needed changing).
  int updates_sent() const { return updates_sent_; }

 private:
  enum class Outcome { Done, Retry, Fatal };
  Outcome attempt(const ServerAddress& server, const Name& zone, const Name& child,
                  const std::vector<DsRecord>& desired, std::string* error);

  UpdateOptions o_;
  RandomSource& random_;
  Sleeper& sleeper_;
  int updates_sent_ = 0;
};

}  // namespace ts::parentsync
