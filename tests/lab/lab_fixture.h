// Lab test fixture: starts one instance of the lab (tests/lab/lab.sh: a private DNSSEC
// hierarchy of NSD, BIND, Knot and Unbound on 127.53.I.x) once per test suite, exposes its
// lab.env as a LabEnv, and stops it afterwards. Tests are skipped when not run as root.
//
// Usage:
//   class MyLabTest : public LabFixture {};            // instance 9 (or $TS_LAB_INSTANCE)
//   class OtherLab : public LabFixture {               // a suite on its own instance
//    public:
//     static void SetUpTestSuite() { StartLab(4); }
//   };
//   TEST_F(MyLabTest, Chain) { Run("dig @" + env().resolver + " test. SOA"); }
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace ts::lab {

// The values of a running instance's lab.env (see lab.sh for their meaning).
struct LabEnv {
  int instance = -1;
  std::string dir;                         // LAB_DIR
  std::string prefix;                      // LAB_PREFIX, e.g. 127.53.9
  std::string root_addr;                   // LAB_ROOT_ADDR (NSD, `.`)
  std::string test_primary;                // LAB_TEST_PRIMARY (BIND, test.)
  std::string test_secondary;              // LAB_TEST_SECONDARY (Knot, test.)
  std::string example_primary;             // LAB_EXAMPLE_PRIMARY (Knot, example.test.)
  std::string example_secondary;           // LAB_EXAMPLE_SECONDARY (BIND, example.test.)
  std::string sub_addr;                    // LAB_SUB_ADDR (NSD, sub.example.test.)
  std::string plain_addr;                  // LAB_PLAIN_ADDR (NSD, plain.test., unsigned)
  std::string island_addr;                 // LAB_ISLAND_ADDR (BIND, island.plain.test.)
  std::string resolver;                    // LAB_RESOLVER (Unbound, validating)
  std::string trust_anchor;                // LAB_TRUST_ANCHOR (file: the root's DS records)
  std::string root_hints;                  // LAB_ROOT_HINTS
  std::string island_anchor;               // LAB_ISLAND_ANCHOR (file: island.plain.test.'s DS)
  std::string tsig_name;                   // LAB_TSIG_NAME
  std::string tsig_alg;                    // LAB_TSIG_ALG (hmac-sha256)
  std::string tsig_secret;                 // LAB_TSIG_SECRET (base64)
  std::string tsig_file;                   // LAB_TSIG_FILE (for nsupdate -k)
  std::string sub_zonefile;                // LAB_SUB_ZONEFILE (pre-signed file NSD serves)
  std::string sub_keydir;                  // LAB_SUB_KEYDIR (its BIND-format keys)
  std::map<std::string, std::string> all;  // every KEY=VALUE line of lab.env

  // Value of any lab.env key, "" if absent.
  std::string get(const std::string& key) const;
};

// Parses lab.env text (KEY=VALUE lines; blank and # lines ignored). False if a required key
// is missing or LAB_INSTANCE is not a number.
bool ParseLabEnv(const std::string& text, LabEnv* out, std::string* error);

// Output (stdout and stderr) and exit code of a shell command.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command);

class LabFixture : public ::testing::Test {
 public:
  // Starts instance $TS_LAB_INSTANCE, else 9. Derived suites may hide this and call
  // StartLab(n) with their own instance number.
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;  // skips if not root, fails if the lab did not start

  static void StartLab(int instance);
  static void StopLab();
  static const LabEnv& env() { return env_; }
  // Runs `lab.sh ARGS --instance I` and returns its result.
  static CommandResult Lab(const std::string& args);
  // Runs a shell command (stderr merged into the output).
  static CommandResult Run(const std::string& command) { return RunCommand(command); }
  // Path of lab.sh.
  static std::string LabScript();

 private:
  static LabEnv env_;
  static bool started_;
  static bool skipped_;
  static std::string start_error_;
};

}  // namespace ts::lab
