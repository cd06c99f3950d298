#!/usr/bin/env bash
# Part 3 of the demo (scripts/demo.sh): the agent daemon keeps a zone's chain of trust in
# the lab by itself. On a running lab instance it
#   - signs sub.example.test. (served by the lab's NSD) with `trustsync run`, parent method
#     `update` (RFC 2136 + TSIG to example.test.'s Knot primary), polling the parent's
#     servers every 2 s;
#   - detects and removes a rogue DS that somebody injects at the parent with nsupdate;
#   - runs a KSK rollover with nobody confirming anything: the new DS goes to the parent and
#     the old key leaves only once every parent server serves the new DS and the chain
#     validates (RFC 7583 waits, lab TTLs of 10 s);
# while a probe asks the lab's validating resolver every half second: the demo fails if any
# answer is not validated.
#
#   bash scripts/demo_agent.sh INSTANCE     (the lab instance must be running; needs root)
set -euo pipefail
cd "$(dirname "$0")/.."
I=${1:?usage: demo_agent.sh LAB_INSTANCE}
TS=$PWD/build/trustsync
LAB=$PWD/tests/lab/lab.sh
# shellcheck disable=SC1090
source "/tmp/trustsync-lab-$I/lab.env"
ZONE=sub.example.test.
WORK=$(mktemp -d /tmp/trustsync-demo-agent.XXXXXX)
DAEMON_PID="" PROBE_PID=""
cleanup() {
  [[ -n "$PROBE_PID" ]] && kill "$PROBE_PID" 2>/dev/null || true
  [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
die() {
  echo "demo: FAILED: $*" >&2
  tail -20 "$WORK/daemon.log" >&2 || true
  exit 1
}
say() { echo "[$(date -u +%T)] $*"; }

# shellcheck disable=SC1091
source tests/lab/daemon_lab.inc
lab_daemon_zone "$WORK"
{
  echo "[agent]"
  echo "state-dir = \"$WORK/state\""
  lab_daemon_policy "$WORK" "$I" "parent = { method = \"update\", primary = \"$LAB_EXAMPLE_PRIMARY\", tsig = \"$LAB_TSIG_FILE\", poll = \"2s\", timeout = \"2s\", alert-after = \"30s\", remove-rogue = true, trust-anchor = \"$LAB_TRUST_ANCHOR\", root-hints = \"$LAB_ROOT_HINTS\" }"
} >"$WORK/agent.toml"
echo "\$ trustsync run --config agent.toml --check"
"$TS" run --config "$WORK/agent.toml" --check

lab_probe "$WORK" "$ZONE" "$LAB_RESOLVER" SOA DNSKEY DS "www.$ZONE TXT" &
PROBE_PID=$!

"$TS" run --config "$WORK/agent.toml" --log-format json >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
zone_status() { lab_zone_status "$WORK" "$ZONE" "$1"; }
wait_for() {  # PYTHON_EXPR (d = zone status, p = its parent part) TIMEOUT WHAT
  local t0=$SECONDS
  until [[ "$(zone_status "$1")" == True ]]; do
    sleep 0.5
    ((SECONDS - t0 < $2)) || die "timed out waiting for $3"
  done
}
idle='d["status"]=="ok" and d["signed_at"]>0 and not d["rollovers"] and p.get("observed_at",0)>0 and p.get("agree") and not p.get("alerts")'

wait_for "$idle" 60 "the first signed output and a healthy parent"
say "signed; the parent's servers agree; DS at the parent: $(lab_served_ds "$LAB_EXAMPLE_PRIMARY")"

say "somebody adds a rogue DS 4242 at the parent (nsupdate)"
nsupdate -k "$LAB_TSIG_FILE" <<NSU
server $LAB_EXAMPLE_PRIMARY
zone example.test.
update add $ZONE 10 DS 4242 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
send
NSU
t0=$SECONDS
until grep -q '"alert":"rogue-ds"' "$WORK/daemon.log"; do
  sleep 0.2
  ((SECONDS - t0 < 30)) || die "rogue DS not detected"
done
say "rogue DS detected ($((SECONDS - t0)) s); the agent removes it (it holds the parent's TSIG key)"
t0=$SECONDS
while [[ " $(lab_served_ds "$LAB_EXAMPLE_PRIMARY") $(lab_served_ds "$LAB_EXAMPLE_SECONDARY") " == *" 4242 "* ]]; do
  sleep 0.2
  ((SECONDS - t0 < 30)) || die "rogue DS not removed"
done
wait_for "$idle" 30 "the rogue-ds alert to resolve"
say "DS at the parent now: primary $(lab_served_ds "$LAB_EXAMPLE_PRIMARY")/ secondary $(lab_served_ds "$LAB_EXAMPLE_SECONDARY")"

say "\$ trustsync rollover $ZONE --ksk   (nobody runs ds-seen: the agent watches the parent)"
T0=$SECONDS
"$TS" rollover "$ZONE" --ksk --config "$WORK/agent.toml"
wait_for "len(d['rollovers'])>0" 10 "the rollover to start"
last=""
until [[ "$(zone_status "$idle")" == True ]]; do
  line=$(zone_status "' / '.join(f\"{k['role']} {k['tag']} {k['state']}\" + (f\" DS {k['ds']}\" if k.get('ds') else '') for k in d['keys'])")
  [[ "$line" != "$last" && -n "$line" ]] && say "  $line"
  last=$line
  sleep 0.5
  ((SECONDS - T0 < 120)) || die "the KSK rollover did not finish in 120 s"
done
say "KSK rollover done in $((SECONDS - T0)) s (RFC 7583 minimum for these TTLs and margins: 26 s)"
echo
echo "\$ trustsync status $ZONE"
"$TS" status "$ZONE" --config "$WORK/agent.toml"
echo
n=$(cat "$WORK/probe.count")
fails=$(wc -l <"$WORK/probe.fail")
say "probe: $n validated queries through the lab resolver, $fails not validated"
[[ "$fails" -eq 0 ]] || { cat "$WORK/probe.fail"; die "the chain broke"; }
echo
echo "\$ trustsync chain $ZONE"
"$TS" chain "$ZONE" --trust-anchor "$LAB_TRUST_ANCHOR" --root-hints "$LAB_ROOT_HINTS"
