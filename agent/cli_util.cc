// getopt_long wrapper and exit-code helpers for the trustsync subcommands.
#include "agent/cli_util.h"

#include <getopt.h>

#include <algorithm>
#include <iostream>

namespace ts::agent {

std::string ParsedOptions::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

Result<std::string> ParsedOptions::require(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return fail("--" + name + " is required");
  return it->second;
}

Result<std::optional<unsigned long>> ParsedOptions::get_unsigned(const std::string& name,
                                                                 unsigned long min,
                                                                 unsigned long max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::optional<unsigned long>{};
  const std::string& v = it->second;
  if (v.empty() || v.size() > 19 || !std::all_of(v.begin(), v.end(), ::isdigit))
    return fail("--" + name + ": '" + v + "' is not a number");
  unsigned long n = std::stoul(v);
  if (n < min || n > max)
    return fail("--" + name + ": " + v + " is outside " + std::to_string(min) + ".." +
                std::to_string(max));
  return std::optional<unsigned long>(n);
}

Result<ParsedOptions> parse_options(const char* /*command*/, int argc, char** argv,
                                    std::span<const CliOption> options) {
  std::vector<option> longopts;
  for (const auto& o : options)
    longopts.push_back({o.name, o.has_arg ? required_argument : no_argument, nullptr, 0});
  longopts.push_back({"help", no_argument, nullptr, 0});
  longopts.push_back({nullptr, 0, nullptr, 0});

  ParsedOptions out;
  optind = 0;  // GNU: re-initialise getopt, so several parses in one process work
  opterr = 0;
  for (;;) {
    int index = -1;
    int c = getopt_long(argc, argv, "+:h", longopts.data(), &index);
    if (c == -1) break;
    if (c == 'h') {
      out.values_["help"] = "";
      continue;
    }
    if (c == '?' || c == ':') {
      std::string arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
      if (c == ':') return fail(arg + " needs a value");
      return fail("unknown option '" + arg + "'");
    }
    if (index >= 0) out.values_[longopts[static_cast<size_t>(index)].name] = optarg ? optarg : "";
  }
  for (int i = optind; i < argc; ++i) out.positional_.push_back(argv[i]);
  return out;
}

void print_usage(std::ostream& out, const char* command, std::span<const CliOption> options,
                 const char* synopsis) {
  out << "usage: trustsync " << command;
  if (synopsis) out << " " << synopsis;
  out << "\n\noptions:\n";
  for (const auto& o : options) {
    std::string left = std::string("  --") + o.name;
    if (o.arg_name) left += std::string(" ") + o.arg_name;
    out << left;
    for (size_t i = left.size(); i < 28; ++i) out << ' ';
    out << " " << o.help << "\n";
  }
  out << "  --help                      this text\n";
}

int usage_error(const char* command, const std::string& message,
                std::span<const CliOption> /*options*/, const char* synopsis) {
  std::cerr << "trustsync " << command << ": " << message << "\n";
  if (synopsis) std::cerr << "usage: trustsync " << command << " " << synopsis << "\n";
  std::cerr << "run 'trustsync " << command << " --help' for all options\n";
  return kExitUsage;
}

int failure(const char* command, const std::string& message) {
  std::cerr << "trustsync " << command << ": " << message << "\n";
  return kExitFailure;
}

}  // namespace ts::agent
