// The `command` parent method: run a registrar hook (an absolute path, fork/exec, no shell)
// with a JSON document on stdin, a timeout after which its whole process group is killed,
// and retries with capped exponential backoff. Exit 0 = the registrar accepted the DS set.
// Each run's exit code, timeout flag and (truncated) stdout+stderr are kept for the log.
// The document:
//   {"zone":"example.test.","action":"replace-ds"|"delete-ds",
//    "ds":["example.test. 3600 IN DS 12345 13 2 ABC..."],
//    "dnskey":["example.test. 3600 IN DNSKEY 257 3 13 base64..."]}
//
//   CommandOptions o; o.path = "/usr/local/bin/registrar-hook"; o.timeout_seconds = 30;
//   CommandPublisher pub(o, random, sleeper);
//   Status s = pub.publish(child, desired);   for (auto& r : pub.runs()) log(r.describe());
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "parentsync/publisher.h"

namespace ts::parentsync {

struct CommandOptions {
  std::string path;               // absolute path of the hook
  std::vector<std::string> args;  // extra arguments (argv[1..])
  int timeout_seconds = 30;       // per run; then SIGKILL to its process group
  RetryPolicy retry;
  size_t max_output = 4096;  // bytes of stdout+stderr kept per run
  uint32_t ttl = 3600;       // TTL written in the presentation lines
  /// The child's DNSKEYs for the document (presentation lines); optional.
  std::function<std::vector<std::string>(const Name& child)> dnskeys;
};

struct HookRun {
  int exit_code = -1;  // -1: killed or did not run
  bool timed_out = false;
  std::string output;  // stdout + stderr, at most max_output bytes
  bool truncated = false;
  std::string describe() const;
};

/// The JSON document given on stdin (exposed for tests).
std::string hook_document(const Name& child, const std::vector<DsRecord>& desired,
                          const std::vector<std::string>& dnskeys, uint32_t ttl);

/// Runs `path args...` once with `input` on stdin. Errors only for what prevents running it.
Result<HookRun> run_hook(const std::string& path, const std::vector<std::string>& args,
                         const std::string& input, int timeout_seconds, size_t max_output);

class CommandPublisher final : public ParentPublisher {
 public:
  CommandPublisher(CommandOptions options, RandomSource& random, Sleeper& sleeper)
      : o_(std::move(options)), random_(random), sleeper_(sleeper) {}
  Status publish(const Name& child, const std::vector<DsRecord>& desired) override;
  std::string method() const override { return "command"; }
  /// The DNSKEY presentation lines for the document (instead of options.dnskeys).
  void set_dnskeys(std::vector<std::string> lines) {
    o_.dnskeys = [lines = std::move(lines)](const Name&) { return lines; };
  }
  /// The runs of the last publish(), in order.
  const std::vector<HookRun>& runs() const { return runs_; }

 private:
  CommandOptions o_;
  RandomSource& random_;
  Sleeper& sleeper_;
  std::vector<HookRun> runs_;
};

}  // namespace ts::parentsync
