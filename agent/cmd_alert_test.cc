// `trustsync alert-test`: a hidden, test-only driver of the alert, metrics and audit modules
// without the daemon (integration tests use it):
//   --audit LOG --entries N     append N sample entries to an audit log
#include <iostream>

#include "agent/audit_log.h"
#include "agent/cli_util.h"
#include "agent/commands.h"

namespace ts::agent {
namespace {

int write_audit(const std::string& path, unsigned long n) {
  SystemClock clock;
  auto log = AuditLog::open(path, clock);
  if (!log) return failure("alert-test", log.error().message);
  for (unsigned long i = 0; i < n; ++i) {
    AuditRecord r{AuditEvent::KeyActivated,
                  "example.test.",
                  kAuditActorAgent,
                  {{"tag", static_cast<int64_t>(1000 + i)}, {"role", "zsk"}}};
    if (Status s = (*log)->append(r); !s) return failure("alert-test", s.error().message);
  }
  std::cout << path << ": " << (*log)->entries() << " entries\n";
  return kExitOk;
}

}  // namespace

int cmd_alert_test(int argc, char** argv) {
  static const CliOption kOpts[] = {
      {"audit", true, "LOG", "append sample entries to this audit log"},
      {"entries", true, "N", "how many (default 3)"},
  };
  auto opts = parse_options("alert-test", argc, argv, kOpts);
  if (!opts) return usage_error("alert-test", opts.error().message, kOpts);
  if (opts->has("help")) {
    print_usage(std::cout, "alert-test", kOpts);
    return kExitOk;
  }
  if (opts->has("audit")) {
    auto n = opts->get_unsigned("entries", 1, 1000000);
    if (!n) return usage_error("alert-test", n.error().message, kOpts);
    return write_audit(opts->get("audit"), n->value_or(3));
  }
  return usage_error("alert-test", "nothing to do", kOpts);
}

}  // namespace ts::agent
