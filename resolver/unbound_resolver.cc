// The libunbound implementation of Resolver; the only file of the project that includes
// libunbound. Options that ub_ctx_set_option() accepts but silently ignores (local-zone,
// stub-zone) go into a generated unbound.conf loaded with ub_ctx_config().
#include <ldns/ldns.h>
#include <poll.h>
#include <unbound.h>
#include <unistd.h>

#include <chrono>

#include <cstdlib>
#include <memory>
#include <mutex>

#include "resolver/records.h"
#include "resolver/resolver.h"

namespace ts::resolver {
namespace {

struct CtxFree {
  void operator()(ub_ctx* c) const { ub_ctx_delete(c); }
};
using CtxPtr = std::unique_ptr<ub_ctx, CtxFree>;

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

// Special-use names unbound answers locally by default (RFC 6761); a private hierarchy
// uses them, so they are resolved normally.
constexpr const char* kNoDefaultZones[] = {"test.", "invalid.", "local.", "onion.", "home.arpa."};

std::string make_config(const ResolverOptions& o) {
  std::string c = "server:\n";
  c += "  do-not-query-localhost: no\n";
  c += "  val-log-level: 2\n";
  c += "  verbosity: 0\n";
  c += "  logfile: \"/dev/null\"\n";  // val-log-level prints bogus lines otherwise
  for (const char* z : kNoDefaultZones) c += std::string("  local-zone: \"") + z + "\" nodefault\n";
  if (!o.root_hints.empty()) c += "  root-hints: " + quoted(o.root_hints) + "\n";
  if (!o.auto_trust_anchor_file.empty())
    c += "  auto-trust-anchor-file: " + quoted(o.auto_trust_anchor_file) + "\n";
  for (const auto& l : o.extra_config) c += "  " + l + "\n";
  for (const auto& s : o.stubs) {
    c += "stub-zone:\n  name: " + quoted(s.zone) + "\n";
    for (const auto& a : s.addresses) c += "  stub-addr: " + a + "\n";
  }
  return c;
}

class UnboundResolver final : public Resolver {
 public:
  explicit UnboundResolver(ResolverOptions o) : options_(std::move(o)) {}

  Result<Answer> query(const Name& name, uint16_t type) override {
    if (!ctx_ || options_.fresh_context_per_query) {
      auto c = new_context();
      if (!c) return c.error();
      ctx_ = std::move(*c);
    }
    std::string qname = name.to_text();
    auto got = resolve(qname, type);
    if (!got) return got.error();
    ub_result* res = *got;
    std::unique_ptr<ub_result, decltype(&ub_resolve_free)> guard(res, ub_resolve_free);
    Answer a;
    a.rcode = res->rcode;
    a.nxdomain = res->nxdomain != 0;
    if (res->secure)
      a.security = Security::Secure;
    else if (res->bogus)
      a.security = Security::Bogus;
    else if (res->rcode == LDNS_RCODE_SERVFAIL)
      a.security = Security::Indeterminate;
    else
      a.security = Security::Insecure;
    if (res->why_bogus) a.why_bogus = res->why_bogus;
    if (a.security == Security::Indeterminate && a.why_bogus.empty())
      a.why_bogus = "SERVFAIL: no answer could be obtained";
    if (res->answer_packet && res->answer_len > 0) {
      ldns_pkt* pkt = nullptr;
      if (ldns_wire2pkt(&pkt, static_cast<const uint8_t*>(res->answer_packet),
                        static_cast<size_t>(res->answer_len)) == LDNS_STATUS_OK) {
        ldns_rr_list* ans = ldns_pkt_answer(pkt);
        for (size_t i = 0; i < ldns_rr_list_rr_count(ans); ++i) {
          auto rec = record_from_ldns(ldns_rr_list_rr(ans, i));
          if (!rec) continue;
          if (rec->type == kTypeRRSIG)
            a.rrsigs.push_back(std::move(*rec));
          else
            a.records.push_back(std::move(*rec));
        }
        ldns_pkt_free(pkt);
      }
    }
    bool have = false;
    for (const auto& r : a.records) have |= r.type == type;
    a.nodata = !a.nxdomain && a.rcode == 0 && !have;
    return a;
  }

 private:
  struct Pending {
    bool done = false;
    int err = 0;
    ub_result* result = nullptr;
  };
  static void on_result(void* arg, int err, ub_result* result) {
    auto* p = static_cast<Pending*>(arg);
    p->done = true;
    p->err = err;
    p->result = result;
  }

  // One asynchronous query, waited for at most options_.query_timeout_ms.
  Result<ub_result*> resolve(const std::string& qname, uint16_t type) {
    if (options_.query_timeout_ms <= 0) {
      ub_result* res = nullptr;
      int err = ub_resolve(ctx_.get(), qname.c_str(), type, 1, &res);
      if (err != 0) return fail(qname + ": libunbound: " + ub_strerror(err));
      return res;
    }
    Pending p;
    int id = 0;
    int err = ub_resolve_async(ctx_.get(), qname.c_str(), type, 1, &p, on_result, &id);
    if (err != 0) return fail(qname + ": libunbound: " + ub_strerror(err));
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.query_timeout_ms);
    while (!p.done) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) {
        ub_cancel(ctx_.get(), id);
        ctx_.reset();  // the context may still hold the query: start afresh next time
        return fail(qname + ": no answer from the validator within " +
                    std::to_string(options_.query_timeout_ms) + " ms");
      }
      pollfd pfd{ub_fd(ctx_.get()), POLLIN, 0};
      poll(&pfd, 1, static_cast<int>(left));
      if ((err = ub_process(ctx_.get())) != 0)
        return fail(qname + ": libunbound: " + ub_strerror(err));
    }
    if (p.err != 0) return fail(qname + ": libunbound: " + ub_strerror(p.err));
    return p.result;
  }

  Result<CtxPtr> new_context() {
    CtxPtr ctx(ub_ctx_create());
    if (!ctx) return fail("libunbound: could not create a context");
    ub_ctx_async(ctx.get(), 1);  // a thread, not a forked process, for async queries
    char path[] = "/tmp/trustsync-unbound-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return fail("cannot create a temporary unbound.conf");
    std::string conf = make_config(options_);
    bool written = write(fd, conf.data(), conf.size()) == static_cast<ssize_t>(conf.size());
    close(fd);
    // libunbound's configuration parser keeps global (flex/bison) state: two contexts
    // configured at once from different threads corrupt each other (seen with two zones).
    static std::mutex parser_mutex;
    int err;
    {
      std::lock_guard<std::mutex> lock(parser_mutex);
      err = written ? ub_ctx_config(ctx.get(), path) : UB_SYNTAX;
    }
    unlink(path);
    if (err != 0) return fail(std::string("libunbound configuration: ") + ub_strerror(err));
    for (const auto& f : options_.trust_anchor_files) {
      if (access(f.c_str(), R_OK) != 0) return fail(f + ": trust anchor file not readable");
      if ((err = ub_ctx_add_ta_file(ctx.get(), f.c_str())) != 0)
        return fail(f + ": trust anchor file: " + ub_strerror(err));
    }
    for (const auto& t : options_.trust_anchors)
      if ((err = ub_ctx_add_ta(ctx.get(), t.c_str())) != 0)
        return fail("trust anchor '" + t + "': " + ub_strerror(err));
    return ctx;
  }

  ResolverOptions options_;
  CtxPtr ctx_;
};

}  // namespace

Result<std::unique_ptr<Resolver>> make_unbound_resolver(const ResolverOptions& options) {
  if (!options.root_hints.empty() && access(options.root_hints.c_str(), R_OK) != 0)
    return fail(options.root_hints + ": root hints file not readable");
  auto r = std::make_unique<UnboundResolver>(options);
  return std::unique_ptr<Resolver>(std::move(r));
}

}  // namespace ts::resolver
