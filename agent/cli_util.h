// Small helpers shared by the `trustsync` subcommands: a getopt_long wrapper that
// collects long options into a map, and the exit-code conventions (0 ok, 1 failure,
// 2 usage error).
//
//   static const CliOption kOpts[] = {{"origin", true, "ORIGIN", "zone apex"}, ...};
//   auto opts = parse_options("keygen", argc, argv, kOpts);
//   if (!opts) return usage_error("keygen", opts.error().message, kOpts);
//   if (opts->has("help")) { print_usage(std::cout, "keygen", kOpts); return kExitOk; }
//   std::string origin = opts->get("origin");
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace ts::agent {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

/// One long option; `--help` is always added.
struct CliOption {
  const char* name;
  bool has_arg;
  const char* arg_name;  // shown in usage, e.g. "DIR"; nullptr for flags
  const char* help;
};

class ParsedOptions {
 public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  /// The option's (last) value, or `fallback` when absent.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  /// Fails with "--name is required" when absent.
  Result<std::string> require(const std::string& name) const;
  /// Parses the value as an unsigned number in [min, max]; nullopt when absent.
  Result<std::optional<unsigned long>> get_unsigned(const std::string& name, unsigned long min,
                                                    unsigned long max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend Result<ParsedOptions> parse_options(const char*, int, char**, std::span<const CliOption>);
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

/// Parses argv (argv[0] is the subcommand name) with getopt_long.
Result<ParsedOptions> parse_options(const char* command, int argc, char** argv,
                                    std::span<const CliOption> options);

void print_usage(std::ostream& out, const char* command, std::span<const CliOption> options,
                 const char* synopsis = nullptr);

/// Prints "trustsync COMMAND: MESSAGE", the synopsis and a --help hint to stderr;
/// returns kExitUsage.
int usage_error(const char* command, const std::string& message, std::span<const CliOption> options,
                const char* synopsis = nullptr);

/// Prints "trustsync COMMAND: MESSAGE" to stderr; returns kExitFailure.
int failure(const char* command, const std::string& message);

}  // namespace ts::agent
