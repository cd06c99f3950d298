// `trustsync audit verify FILE`: checks the audit log's hash chain and head file and names
// the first changed, removed, inserted or reordered line. Exit 0 intact, 1 tampered or
// unreadable, 2 usage.
#include <iostream>

#include "agent/audit_log.h"
#include "agent/cli_util.h"
#include "agent/commands.h"

namespace ts::agent {

int cmd_audit(int argc, char** argv) {
  static const CliOption kOpts[] = {
      {"head", true, "FILE", "head file to check against (default: LOG.head)"},
      {"no-head", false, nullptr, "check the chain only (cannot notice lines cut from the end)"},
  };
  const char* kSynopsis = "verify [--head FILE | --no-head] LOG";
  if (argc < 2 || std::string_view(argv[1]) != "verify") {
    if (argc >= 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
      print_usage(std::cout, "audit", kOpts, kSynopsis);
      return kExitOk;
    }
    return usage_error("audit", "expected the subcommand 'verify'", kOpts, kSynopsis);
  }
  auto opts = parse_options("audit verify", argc - 1, argv + 1, kOpts);
  if (!opts) return usage_error("audit", opts.error().message, kOpts, kSynopsis);
  if (opts->has("help")) {
    print_usage(std::cout, "audit", kOpts, kSynopsis);
    return kExitOk;
  }
  if (opts->positional().size() != 1)
    return usage_error("audit", "expected one LOG file", kOpts, kSynopsis);
  const std::string& path = opts->positional()[0];
  std::string head = opts->has("no-head") ? "" : opts->get("head", path + ".head");
  auto report = verify_audit_log(path, head);
  if (!report) return failure("audit", report.error().message);
  if (!report->ok) {
    std::cout << path << ": TAMPERED: " << report->problem << "\n";
    return kExitFailure;
  }
  std::cout << path << ": ok: " << report->entries << " entries, chain intact"
            << (report->head_checked ? " and matching the head file" : " (head not checked)")
            << ", last hash " << report->last_hash << "\n";
  return kExitOk;
}

}  // namespace ts::agent
