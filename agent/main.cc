// trustsync: the command-line entry point; dispatches to one subcommand.
#include <cstring>
#include <iostream>
#include <string_view>

#include "agent/commands.h"

// jemalloc's options, read at its start (the executable links jemalloc, see CMakeLists.txt).
// ldns_rr_new_frm_str allocates three 64 KiB buffers per record it parses; above jemalloc's
// default 32 KiB thread-cache limit each one took the arena's slow path, which cost a third
// of the 1M-delegation load (bench/README.md). With 128 KiB they come from the thread cache.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "tcache_max:131072";
}

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"keygen", ts::agent::cmd_keygen, "generate a DNSSEC key into a key directory"},
    {"sign", ts::agent::cmd_sign, "sign a zone file once (like dnssec-signzone)"},
    {"ds", ts::agent::cmd_ds, "print DS records for the KSKs/CSKs in a key directory"},
    {"chain", ts::agent::cmd_chain,
     "show the chain of trust down to a zone, as a validator sees it"},
    {"parent", ts::agent::cmd_parent, "check the DS of a zone on every parent server"},
    {"run", ts::agent::cmd_run, "run the agent daemon (--check: validate the config file)"},
    {"status", ts::agent::cmd_status, "show keys, rollovers and waits of the running daemon"},
    {"rollover", ts::agent::cmd_rollover, "start a KSK/ZSK/CSK rollover now"},
    {"zone", ts::agent::cmd_zone, "add or remove a zone of the running daemon"},
    {"reload", ts::agent::cmd_reload, "make the daemon re-read its configuration"},
    {"ds-seen", ts::agent::cmd_ds_seen, "confirm that the parent serves (or dropped) a DS"},
    {"audit", ts::agent::cmd_audit, "audit verify LOG: check the audit log's hash chain"},
};

void usage(std::ostream& out) {
  out << "usage: trustsync COMMAND [OPTIONS]\n\ncommands:\n";
  for (const auto& c : kCommands) out << "  " << c.name << "\t" << c.summary << "\n";
  out << "\n'trustsync COMMAND --help' describes a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return 64;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return 0;
  }
  if (name == "--version") {
    std::cout << "trustsync 0.1.0\n";
    return 0;
  }
  for (const auto& c : kCommands)
    if (name == c.name) return c.run(argc - 1, argv + 1);
  if (name == "alert-test") return ts::agent::cmd_alert_test(argc - 1, argv + 1);  // hidden
  std::cerr << "trustsync: unknown command '" << name << "'\n";
  usage(std::cerr);
  return 64;
}
