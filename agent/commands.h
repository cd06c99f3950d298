// The `trustsync` subcommands. Each lives in its own agent/cmd_<name>.cc and returns the
// process exit code; only agent/ exits the process.
#pragma once

namespace ts::agent {

int cmd_keygen(int argc, char** argv);  // trustsync keygen --origin O --algorithm A ...
int cmd_sign(int argc, char** argv);    // trustsync sign --origin O --keys DIR ... ZONEFILE
int cmd_ds(int argc, char** argv);      // trustsync ds --origin O --keys DIR [--digest]
int cmd_chain(int argc, char** argv);   // trustsync chain ZONE [--json] ...
int cmd_run(int argc, char** argv);     // trustsync run --config FILE [--check]
int cmd_audit(int argc, char** argv);   // trustsync audit verify LOG

/// Hidden, test-only: drives the alert, metrics and audit modules without the daemon.
int cmd_alert_test(int argc, char** argv);

}  // namespace ts::agent
