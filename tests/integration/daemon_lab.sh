#!/usr/bin/env bash
# Lab test of the agent daemon (issue 4): the daemon takes over sub.example.test. (NSD, lab
# instance 5) from its BIND keys, then runs a ZSK rollover and a KSK (double-KSK) rollover
# with short TTLs, while a probe asks the lab's validating resolver every half second for
# sub.example.test. SOA and DNSKEY and www.sub.example.test. TXT. The test plays the operator:
# when `trustsync status` says the zone waits for the DS, it adds the DS at example.test.
# (Knot primary, nsupdate with TSIG), waits until both example.test. servers serve it and
# runs `trustsync ds-seen`; likewise removes the old DS and confirms with --gone.
# Pass: zero SERVFAIL / unvalidated (no AD) answers, both rollovers done, only new keys left.
# Needs root (the lab binds 127.53.5.x:53); skipped (exit 0 with a note) otherwise.
set -euo pipefail

SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TS="${TRUSTSYNC:-$SRC/build/trustsync}"
LAB="$SRC/tests/lab/lab.sh"
I=5
if [[ $(id -u) -ne 0 ]]; then
  echo "daemon_lab: SKIP (needs root for the lab)"
  exit 0
fi
WORK=$(mktemp -d /tmp/ts-daemon-lab.XXXXXX)
DAEMON_PID=""
PROBE_PID=""
cleanup() {
  [[ -n "$PROBE_PID" ]] && kill "$PROBE_PID" 2>/dev/null || true
  [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
  [[ -n "${KEEP_LAB:-}" ]] || bash "$LAB" stop --instance $I >/dev/null 2>&1 || true
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "daemon_lab: FAIL: $*" >&2
  echo "--- daemon log (tail)" >&2
  tail -40 "$WORK/daemon.log" >&2 || true
  echo "--- status" >&2
  "$TS" status --config "$WORK/agent.toml" >&2 || true
  exit 1
}
log() { echo "daemon_lab: $(date -u +%T) $*"; }

bash "$LAB" start --instance $I >/dev/null
# shellcheck disable=SC1091
source "/tmp/trustsync-lab-$I/lab.env"
ZONE=sub.example.test.

# shellcheck disable=SC1091
source "$SRC/tests/lab/daemon_lab.inc"
lab_daemon_zone "$WORK"
OLD_TAGS=$(for k in "$LAB_SUB_KEYDIR"/K*.key; do basename "$k" .key | sed 's/.*+//; s/^0*//'; done | sort)

{
  echo "[agent]"
  echo "state-dir = \"$WORK/state\""
  lab_daemon_policy "$WORK" "$I"
} >"$WORK/agent.toml"
"$TS" run --config "$WORK/agent.toml" --check >/dev/null

# Probe: every 0.5 s, three questions through the validating resolver; a failure is any
# answer that is not NOERROR with the AD bit.
lab_probe "$WORK" "$ZONE" "$LAB_RESOLVER" SOA DNSKEY "www.$ZONE TXT" &
PROBE_PID=$!

"$TS" run --config "$WORK/agent.toml" --log-format json >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!

status_json() { "$TS" status "$ZONE" --json --config "$WORK/agent.toml" 2>/dev/null || true; }
jq_status() { status_json | python3 -c "import json,sys; d=json.load(sys.stdin)['zones'][0]; print($1)" 2>/dev/null || true; }
# wait_for PYTHON_EXPR TIMEOUT WHAT
wait_for() {
  local expr="$1" timeout="$2" what="$3" t=0
  while [[ "$(jq_status "$expr")" != "True" ]]; do
    sleep 1
    t=$((t + 1))
    ((t < timeout)) || fail "timed out ($timeout s) waiting for $what"
  done
}
idle='d["status"]=="ok" and d["signed_at"]>0 and not d["rollovers"]'
wait_for "$idle" 60 "the first signed output"
log "signed with the imported keys: $(jq_status '[k["tag"] for k in d["keys"]]')"
[[ "$(jq_status 'len(d["keys"])')" == 2 ]] || fail "expected the 2 imported keys"

# ---- ZSK rollover
"$TS" rollover "$ZONE" --zsk --config "$WORK/agent.toml" >/dev/null || fail "rollover --zsk refused"
wait_for "len(d['rollovers'])>0" 10 "the ZSK rollover to start"
wait_for "$idle" 180 "the ZSK rollover to finish"
log "ZSK rollover done: $(jq_status '[(k["role"],k["tag"]) for k in d["keys"]]')"

# ---- KSK rollover (double-KSK): the parent is us, via nsupdate + ds-seen
"$TS" rollover "$ZONE" --ksk --config "$WORK/agent.toml" >/dev/null || fail "rollover --ksk refused"
wait_for "'trustsync ds-seen $ZONE' in d['action']" 120 "the daemon to ask for the new DS"
NEW_TAG=$(jq_status "[k['tag'] for k in d['keys'] if k.get('ds')=='submitted'][0]")
log "daemon waits for DS $NEW_TAG"
DS_NEW=$(dig +short @"$LAB_SUB_ADDR" +norec "$ZONE" DNSKEY | sed "s/^/$ZONE 10 IN DNSKEY /" |
  dnssec-dsfromkey -2 -f - "$ZONE" | awk -v t="$NEW_TAG" '$4==t')
[[ -n "$DS_NEW" ]] || fail "no DNSKEY with tag $NEW_TAG served by the sub server"
nsupdate -k "$LAB_TSIG_FILE" <<NSU || fail "nsupdate (add DS) failed"
server $LAB_EXAMPLE_PRIMARY
zone example.test.
update add $(awk '{print $1, 10, $3, $4, $5, $6, $7, $8$9}' <<<"$DS_NEW")
send
NSU
bash "$LAB" wait-sync example.test. --instance $I >/dev/null || fail "example.test. servers not in sync"
dig +short @"$LAB_EXAMPLE_SECONDARY" "$ZONE" DS | grep -q "^$NEW_TAG " || fail "new DS not served"
"$TS" ds-seen "$ZONE" "$NEW_TAG" --config "$WORK/agent.toml" >/dev/null || fail "ds-seen refused"
log "new DS $NEW_TAG published and confirmed"

wait_for "'ds-seen --gone' in d['action'] or not d['rollovers']" 120 "the old DS to be withdrawn"
for tag in $(jq_status "' '.join(str(k['tag']) for k in d['keys'] if k.get('ds')=='withdrawn')") $OLD_TAGS; do
  rr=$(dig +short @"$LAB_EXAMPLE_PRIMARY" "$ZONE" DS | awk -v t="$tag" '$1==t')
  [[ -z "$rr" ]] && continue
  [[ "$tag" == "$NEW_TAG" ]] && continue
  nsupdate -k "$LAB_TSIG_FILE" <<NSU || fail "nsupdate (delete DS) failed"
server $LAB_EXAMPLE_PRIMARY
zone example.test.
update delete $ZONE DS $rr
send
NSU
  bash "$LAB" wait-sync example.test. --instance $I >/dev/null || fail "example.test. not in sync"
  "$TS" ds-seen "$ZONE" "$tag" --gone --config "$WORK/agent.toml" >/dev/null 2>&1 || true
  log "old DS $tag removed from example.test."
done
wait_for "$idle" 120 "the KSK rollover to finish"
sleep 12 # let every cache see the final state; the probe keeps asking
log "KSK rollover done: $(jq_status '[(k["role"],k["tag"]) for k in d["keys"]]')"

# ---- verdict
kill "$PROBE_PID" 2>/dev/null || true
wait "$PROBE_PID" 2>/dev/null || true
PROBE_PID=""
TAGS=$(jq_status "' '.join(str(k['tag']) for k in d['keys'])")
for t in $OLD_TAGS; do
  [[ " $TAGS " == *" $t "* ]] && fail "old key $t still in the zone (keys: $TAGS)"
done
SERVED=$(dig +short @"$LAB_SUB_ADDR" +norec "$ZONE" DNSKEY | wc -l)
[[ "$SERVED" == 2 ]] || fail "NSD serves $SERVED DNSKEYs, expected 2"
grep -q '"msg":"KSK [0-9]*: active -> ' "$WORK/daemon.log" || grep -q ' -> ' "$WORK/daemon.log" ||
  fail "no state transitions logged"
QUERIES=$(cat "$WORK/probe.count")
FAILS=$(cat "$WORK/probe.fail" "$WORK/probe.timeout" | wc -l)
log "probe: $QUERIES queries, $FAILS failures"
if [[ "$FAILS" -ne 0 ]]; then
  head -20 "$WORK/probe.fail" >&2
  fail "$FAILS probe answers were SERVFAIL or not validated"
fi
log "PASS: ZSK and KSK rollovers of $ZONE, only new keys ($TAGS), zero bogus answers"
