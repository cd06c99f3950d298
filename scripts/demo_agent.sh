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

# The zone keeps the keys the lab signed it with, so the chain stays intact from the start.
cp "$LAB_DIR/zones/sub.example.test.zone" "$WORK/sub.zone"
mkdir -p "$WORK/state"
for k in "$LAB_SUB_KEYDIR"/K*.key; do "$TS" keygen --keys "$WORK/state/keys" --import "$k" >/dev/null 2>&1; done
cat >"$WORK/agent.toml" <<TOML
[agent]
state-dir = "$WORK/state"
[defaults]
ksk = { algorithm = "ECDSAP256SHA256", rollover = "never", signature-lifetime = "1h", refresh = "20m", jitter = "1m" }
zsk = { algorithm = "ECDSAP256SHA256", rollover = "never", signature-lifetime = "1h", refresh = "20m", jitter = "1m" }
denial = { type = "nsec" }
reload = "bash $LAB reload-sub --instance $I >/dev/null"
parent = { method = "update", primary = "$LAB_EXAMPLE_PRIMARY", tsig = "$LAB_TSIG_FILE", poll = "2s", timeout = "2s", alert-after = "30s", remove-rogue = true, trust-anchor = "$LAB_TRUST_ANCHOR", root-hints = "$LAB_ROOT_HINTS" }
[defaults.timing]
dnskey-ttl = "10s"
ds-ttl = "10s"
max-zone-ttl = "10s"
zone-propagation-delay = "2s"
parent-propagation-delay = "3s"
publish-safety = "2s"
retire-safety = "2s"
[[zone]]
name = "$ZONE"
file = "$WORK/sub.zone"
output = "$LAB_SUB_ZONEFILE"
TOML
echo "\$ trustsync run --config agent.toml --check"
"$TS" run --config "$WORK/agent.toml" --check

probe() {
  local n=0
  while :; do
    for q in "$ZONE SOA" "$ZONE DNSKEY" "$ZONE DS" "www.$ZONE TXT"; do
      # shellcheck disable=SC2086
      out=$(dig @"$LAB_RESOLVER" +dnssec +tries=1 +time=2 $q 2>&1 || true)
      n=$((n + 1))
      if ! grep -q "status: NOERROR" <<<"$out" || ! grep -Eq "flags:[a-z ]* ad[ ;]" <<<"$out"; then
        echo "$(date -u +%T) $q: $(grep -E 'status:|flags:' <<<"$out" | tr '\n' ' ')" >>"$WORK/probe.fail"
      fi
    done
    echo "$n" >"$WORK/probe.count"
    sleep 0.5
  done
}
: >"$WORK/probe.fail"
probe &
PROBE_PID=$!

"$TS" run --config "$WORK/agent.toml" --log-format json >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
zone_status() {
  "$TS" status "$ZONE" --json --config "$WORK/agent.toml" 2>/dev/null |
    python3 -c "import json,sys; d=json.load(sys.stdin)['zones'][0]; p=d.get('parent') or {}; print($1)" 2>/dev/null || true
}
wait_for() {  # PYTHON_EXPR (d = zone status, p = its parent part) TIMEOUT WHAT
  local t0=$SECONDS
  until [[ "$(zone_status "$1")" == True ]]; do
    sleep 0.5
    ((SECONDS - t0 < $2)) || die "timed out waiting for $3"
  done
}
served_ds() { dig +short +norec @"$1" "$ZONE" DS | awk '{print $1}' | sort -n | tr '\n' ' '; }
idle='d["status"]=="ok" and d["signed_at"]>0 and not d["rollovers"] and p.get("observed_at",0)>0 and p.get("agree") and not p.get("alerts")'

wait_for "$idle" 60 "the first signed output and a healthy parent"
say "signed; the parent's servers agree; DS at the parent: $(served_ds "$LAB_EXAMPLE_PRIMARY")"

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
while [[ " $(served_ds "$LAB_EXAMPLE_PRIMARY") $(served_ds "$LAB_EXAMPLE_SECONDARY") " == *" 4242 "* ]]; do
  sleep 0.2
  ((SECONDS - t0 < 30)) || die "rogue DS not removed"
done
wait_for "$idle" 30 "the rogue-ds alert to resolve"
say "DS at the parent now: primary $(served_ds "$LAB_EXAMPLE_PRIMARY")/ secondary $(served_ds "$LAB_EXAMPLE_SECONDARY")"

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
