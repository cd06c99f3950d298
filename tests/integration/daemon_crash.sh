#!/usr/bin/env bash
# Crash safety of the agent daemon (issue 4): a zone goes through its initial signing, a ZSK
# rollover and a KSK rollover with timings of seconds while the daemon is killed with
# SIGKILL at random moments and restarted. The test plays the parent: it keeps the set of DS
# tags "at the parent", adds one when `trustsync status` asks for it (then `ds-seen`) and
# drops one when asked (then `ds-seen --gone`). After every kill the signed output must
# verify (ldns-verify-zone) and, once a DS is at the parent, the DNSKEY RRset must be signed
# by a key whose DS is there. Pass: both rollovers complete, only new keys remain.
# The daemon stages key files and the signed output unsynced, makes a batch durable with one
# syncfs, commits, then renames (rolled forward at start): after every kill each key the state
# names must have its metadata and private key (0600) in the key store once it has restarted.
set -euo pipefail

SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TS="${TRUSTSYNC:-$SRC/build/trustsync}"
WORK=$(mktemp -d /tmp/ts-daemon-crash.XXXXXX)
PID=""
cleanup() {
  [[ -n "$PID" ]] && kill -9 "$PID" 2>/dev/null || true
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "daemon_crash: FAIL: $*" >&2
  tail -30 "$WORK/daemon.log" >&2 || true
  exit 1
}
log() { echo "daemon_crash: $(date -u +%T) $*"; }
ZONE=crash.test.
CFG="$WORK/agent.toml"
cat >"$WORK/zone" <<Z
\$ORIGIN $ZONE
\$TTL 2
@ SOA ns hostmaster 1 3600 600 86400 2
@ NS ns
ns A 127.0.0.1
www TXT "crash test"
a.b.c TXT "deep"
Z
cat >"$CFG" <<TOML
[agent]
state-dir = "$WORK/state"
[defaults]
ksk = { rollover = "never", signature-lifetime = "1h", refresh = "20m", jitter = "1m" }
zsk = { rollover = "never", signature-lifetime = "1h", refresh = "20m", jitter = "1m" }
denial = { type = "nsec3", iterations = 0, salt = "" }
[defaults.timing]
dnskey-ttl = "2s"
ds-ttl = "2s"
max-zone-ttl = "2s"
zone-propagation-delay = "1s"
parent-propagation-delay = "1s"
publish-safety = "1s"
retire-safety = "1s"
[[zone]]
name = "$ZONE"
file = "$WORK/zone"
output = "$WORK/zone.signed"
TOML

start() {
  "$TS" run --config "$CFG" >>"$WORK/daemon.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do
    [[ -S "$WORK/state/control.sock" ]] && "$TS" status --config "$CFG" >/dev/null 2>&1 && return
    kill -0 "$PID" 2>/dev/null || fail "daemon exited at start"
    sleep 0.1
  done
  fail "daemon did not answer on its control socket"
}
status() { "$TS" status "$ZONE" --json --config "$CFG" 2>/dev/null || true; }
py() { status | python3 -c "import json,sys; d=json.load(sys.stdin)['zones'][0]; print($1)" 2>/dev/null || true; }

PARENT=" " # DS tags the simulated parent serves
check_output() {
  [[ -f "$WORK/zone.signed" ]] || return 0
  ldns-verify-zone "$WORK/zone.signed" >"$WORK/verify.out" 2>&1 ||
    fail "signed output does not verify after a kill: $(tail -3 "$WORK/verify.out")"
  local id
  for id in $(py "' '.join(k['id'] for k in d['keys'])"); do
    # Metadata in the key file, or (a key from the pool) in <id>.meta beside it.
    grep -qs "^id: $id\$" "$WORK/state/keys/$id.private.pem" "$WORK/state/keys/$id.meta" ||
      fail "key $id is in the state but its metadata is missing"
    [[ "$(stat -c %a "$WORK/state/keys/$id.private.pem" 2>/dev/null)" == 600 ]] ||
      fail "key $id: private key missing or not mode 0600"
  done
  [[ "$PARENT" == " " ]] && return 0
  local signers ok=""
  signers=$(awk '$4=="RRSIG" && $5=="DNSKEY" {print $11}' "$WORK/zone.signed")
  for t in $signers; do [[ "$PARENT" == *" $t "* ]] && ok=1; done
  [[ -n "$ok" ]] || fail "DNSKEY RRset signed by {$signers}, parent has DS {$PARENT}: chain broken"
}

# The operator/parent reacts to what status asks for.
operate() {
  local t
  for t in $(py "' '.join(str(k['tag']) for k in d['keys'] if k.get('ds')=='submitted')"); do
    [[ "$PARENT" == *" $t "* ]] || PARENT="$PARENT$t "
    "$TS" ds-seen "$ZONE" "$t" --config "$CFG" >/dev/null 2>&1 || true
  done
  for t in $(py "' '.join(str(k['tag']) for k in d['keys'] if k.get('ds')=='withdrawn')"); do
    PARENT="${PARENT/ $t / }"
    "$TS" ds-seen "$ZONE" "$t" --gone --config "$CFG" >/dev/null 2>&1 || true
  done
}

start
KILLS=0
STAGE=initial
FIRST_KEYS=""
DEADLINE=$((SECONDS + 300))
while ((SECONDS < DEADLINE)); do
  operate
  if [[ "$(py 'd["status"]=="ok" and d["signed_at"]>0 and not d["rollovers"]')" == True ]]; then
    case $STAGE in
      initial)
        FIRST_KEYS=$(py "' '.join(k['id'] for k in d['keys'])")
        "$TS" rollover "$ZONE" --zsk --config "$CFG" >/dev/null && STAGE=zsk && log "initial done ($FIRST_KEYS), ZSK rollover"
        ;;
      zsk)
        "$TS" rollover "$ZONE" --ksk --config "$CFG" >/dev/null && STAGE=ksk && log "ZSK rollover done, KSK rollover"
        ;;
      ksk)
        STAGE=done
        break
        ;;
    esac
  fi
  # Kill at a random moment 0..1.5 s from now, check the output, restart.
  sleep "$((RANDOM % 16))e-1"
  kill -9 "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
  KILLS=$((KILLS + 1))
  check_output
  start
  check_output # after the restart's roll-forward
done
[[ "$STAGE" == done ]] || fail "rollovers did not complete in time (stage $STAGE, $KILLS kills)"
check_output
LEFT=$(py "' '.join(k['id'] for k in d['keys'])")
for k in $FIRST_KEYS; do
  [[ " $LEFT " == *" $k "* ]] && fail "first key $k still in the zone ($LEFT)"
done
[[ $(py "len(d['keys'])") == 2 ]] || fail "expected 2 keys, have: $LEFT"
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=""
log "PASS: initial, ZSK and KSK rollovers done across $KILLS SIGKILLs; keys now: $LEFT"
