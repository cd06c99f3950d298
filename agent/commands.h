// The `trustsync` subcommands. Each lives in its own agent/cmd_<name>.cc and returns the
// process exit code; only agent/ exits the process.
#pragma once

namespace ts::agent {

int cmd_keygen(int argc, char** argv);  // trustsync keygen --origin O --algorithm A ...
int cmd_sign(int argc, char** argv);    // trustsync sign --origin O --keys DIR ... ZONEFILE
int cmd_ds(int argc, char** argv);      // trustsync ds --origin O --keys DIR [--digest]
int cmd_chain(int argc, char** argv);   // trustsync chain ZONE [--json] ...
int cmd_run(int argc, char** argv);     // trustsync run --config FILE [--check]
int cmd_parent(int argc, char** argv);  // trustsync parent ZONE --resolver ADDR

// Talking to the running daemon (agent/control_cli.h).
int cmd_status(int argc, char** argv);    // trustsync status [ZONE] [--json]
int cmd_rollover(int argc, char** argv);  // trustsync rollover ZONE --ksk|--zsk|--csk
int cmd_zone(int argc, char** argv);      // trustsync zone add|remove ZONE ...
int cmd_reload(int argc, char** argv);    // trustsync reload
int cmd_ds_seen(int argc, char** argv);   // trustsync ds-seen ZONE TAG [--gone]
int cmd_audit(int argc, char** argv);     // trustsync audit verify LOG

/// Hidden, test-only: drives the alert, metrics and audit modules without the daemon.
int cmd_alert_test(int argc, char** argv);

}  // namespace ts::agent
