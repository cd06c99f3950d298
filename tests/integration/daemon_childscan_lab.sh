#!/usr/bin/env bash
# Lab test of the parent side of CDS/CDNSKEY in the daemon (issue 5, "parent polls
# children"): ONE daemon signs the parent zone P = sub.example.test. (served by the lab's NSD,
# lab instance 26) with `children = { scan = true }`; the child C = c.sub.example.test. is NOT
# a zone of the agent: it is pre-signed with dnssec-signzone and served by our own NSD on
# 127.53.26.9, its DS (KSK1) is in P's input file.
#   1. C adds KSK2 (DNSKEY signed by both KSKs) and publishes CDS/CDNSKEY for KSK2 only: the
#      daemon accepts it (validated, signed by KSK1 whose DS is in P), P's signed output and
#      NSD serve DS(KSK2) instead of DS(KSK1); audit child-ds-accepted; C validates all along.
#   2. C publishes a CDS for a key that is not in its DNSKEY set (it would break the chain):
#      rejected (audit child-cds-rejected, alert child-cds-rejected), P keeps DS(KSK2).
#   3. kill -9 and restart with scanning off: the accepted set comes from the state database
#      (log line), P's output still has DS(KSK2) after a forced re-signing.
# Prints "MEASURED ..." lines. Needs root (the lab binds 127.53.26.x:53); skipped otherwise.
set -euo pipefail

SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TS="${TRUSTSYNC:-$SRC/build/trustsync}"
LAB="$SRC/tests/lab/lab.sh"
I=${CHILDSCAN_LAB_INSTANCE:-26}
if [[ $(id -u) -ne 0 ]]; then
  echo "daemon_childscan_lab: SKIP (needs root for the lab)"
  exit 0
fi
WORK=$(mktemp -d /tmp/ts-daemon-childscan.XXXXXX)
DAEMON_PID=""
PROBE_PID=""
CNSD_PID=""
cleanup() {
  [[ -n "$PROBE_PID" ]] && kill "$PROBE_PID" 2>/dev/null || true
  [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
  [[ -n "$CNSD_PID" ]] && kill "$CNSD_PID" 2>/dev/null || true
  [[ -n "${KEEP_LAB:-}" ]] || bash "$LAB" stop --instance "$I" >/dev/null 2>&1 || true
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "daemon_childscan_lab: FAIL: $*" >&2
  echo "--- daemon log (tail)" >&2
  tail -30 "$WORK/daemon.log" >&2 || true
  exit 1
}
log() { echo "daemon_childscan_lab: $(date -u +%T) $*"; }
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

bash "$LAB" start --instance "$I" >/dev/null
# shellcheck disable=SC1091
source "/tmp/trustsync-lab-$I/lab.env"
P=sub.example.test.
C=c.sub.example.test.
C_ADDR="127.53.$I.9"
# shellcheck disable=SC1091
source "$SRC/tests/lab/daemon_lab.inc"
lab_daemon_zone "$WORK" # WORK/sub.zone + the lab's keys of P imported

# C: keys, zone, signed with dnssec-signzone (smart signing from WORK/ck).
mkdir -p "$WORK/ck"
keygen() { dnssec-keygen -q -K "$WORK/ck" -a ECDSAP256SHA256 -L 10 "$@" -n ZONE "$C"; }
KSK1=$(keygen -f KSK)
ZSK=$(keygen)
cat >"$WORK/c.base" <<ZONE
\$TTL 10
$C 10 IN SOA ns.$C hostmaster.$C 1 3600 600 86400 5
$C 10 IN NS ns.$C
ns.$C 10 IN A $C_ADDR
www.$C 10 IN TXT "a child run elsewhere"
ZONE
cds_of() { dnssec-dsfromkey -C -2 -T 10 "$WORK/ck/$1.key"; grep -v '^;' "$WORK/ck/$1.key" | sed 's/ DNSKEY / CDNSKEY /'; }
sign_c() {  # sign_c EXTRA_RECORDS_FILE
  cat "$WORK/c.base" "$1" >"$WORK/c.zone"
  dnssec-signzone -q -S -x -K "$WORK/ck" -o "$C" -e +2592000 -d "$WORK" -f "$WORK/c.signed.new" \
    "$WORK/c.zone" >/dev/null
  mv "$WORK/c.signed.new" "$WORK/c.signed"
  [[ -n "$CNSD_PID" ]] || return 0 # NSD not started yet: it loads the file at start
  local want i
  want=$(ldns-read-zone "$WORK/c.signed" | awk '$4=="SOA" {print $7; exit}')
  for i in $(seq 1 50); do
    nsd-control -c "$WORK/nsd-c/nsd.conf" reload "$C" >/dev/null 2>&1 || true
    [[ "$(dig +short +dnssec +norec @"$C_ADDR" "$C" SOA | sha1sum)" != "$(cat "$WORK/c.served" 2>/dev/null)" ]] &&
      [[ "$(dig +short +norec @"$C_ADDR" "$C" SOA | awk '{print $3}')" == "$want" ]] && break
    touch "$WORK/c.signed"
    sleep 0.1
  done
  dig +short +dnssec +norec @"$C_ADDR" "$C" SOA | sha1sum >"$WORK/c.served"
}
: >"$WORK/none"
mkdir -p "$WORK/nsd-c"
: >"$WORK/c.signed"
cat >"$WORK/nsd-c/nsd.conf" <<NSD
server:
  ip-address: $C_ADDR
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$WORK/nsd-c"
  database: ""
  pidfile: "$WORK/nsd-c/nsd.pid"
  xfrdfile: "$WORK/nsd-c/xfrd.state"
  zonelistfile: "$WORK/nsd-c/zone.list"
  logfile: "$WORK/nsd-c/nsd.log"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: yes
  control-interface: "$WORK/nsd-c/nsd.ctl"
zone:
  name: "$C"
  zonefile: "$WORK/c.signed"
NSD
sign_c "$WORK/none"
nsd -d -c "$WORK/nsd-c/nsd.conf" >"$WORK/nsd-c/stdout" 2>&1 &
CNSD_PID=$!
for _ in $(seq 1 50); do
  dig +short +norec @"$C_ADDR" "$C" SOA | grep -q . && break
  sleep 0.1
done

# P's input: the lab's zone plus the delegation of C with DS(KSK1).
{
  echo "$C 10 IN NS ns.$C"
  echo "ns.$C 10 IN A $C_ADDR"
  dnssec-dsfromkey -2 -T 10 "$WORK/ck/$KSK1.key"
} >>"$WORK/sub.zone"
tag_of() { sed -E 's/.*\+([0-9]+)$/\1/; s/^0*//' <<<"$1"; }

write_config() {
  {
    echo "[agent]"
    echo "state-dir = \"$WORK/state\""
    lab_daemon_policy "$WORK" "$I" \
      "parent = { trust-anchor = \"$LAB_TRUST_ANCHOR\", root-hints = \"$LAB_ROOT_HINTS\", timeout = \"2s\" }" \
      "children = { scan = $1, poll-interval = \"2s\" }"
  } >"$WORK/agent.toml"
  "$TS" run --config "$WORK/agent.toml" --check >/dev/null || fail "config check"
}
start_daemon() {
  "$TS" run --config "$WORK/agent.toml" --log-format json >>"$WORK/daemon.log" 2>&1 &
  DAEMON_PID=$!
}
wait_until() {  # wait_until COMMAND TIMEOUT WHAT
  local t0=$SECONDS
  until eval "$1"; do
    sleep 0.2
    ((SECONDS - t0 < $2)) || fail "timed out ($2 s) waiting for $3"
  done
}
served_c_ds() { dig +short +norec @"$LAB_SUB_ADDR" "$C" DS | awk '{print $1}' | sort -n | tr '\n' ' ' | sed 's/ $//'; }
output_c_ds() { ldns-read-zone "$LAB_SUB_ZONEFILE" | awk -v c="$C" '$1==c && $4=="DS" {print $5}' | sort -n | tr '\n' ' ' | sed 's/ $//'; }
c_secure() { dig +dnssec @"$LAB_RESOLVER" "www.$C" TXT | grep -Eq "flags:[a-z ]* ad[ ;]"; }

write_config true
start_daemon
T1=$(tag_of "$KSK1")
wait_until '[[ "$(served_c_ds)" == "$T1" ]]' 60 "P signed by the daemon serving DS $T1 for C"
bash "$LAB" flush-resolver --instance "$I" >/dev/null
wait_until c_secure 30 "C secure with DS(KSK1)"
log "P signed by the daemon, C secure with DS $T1"

lab_probe "$WORK" "$C" "$LAB_RESOLVER" SOA DNSKEY DS "www.$C TXT" &
PROBE_PID=$!

# ---- 1. C rolls its KSK: CDS/CDNSKEY for KSK2, DNSKEY signed by both KSKs.
KSK2=$(keygen -f KSK)
T2=$(tag_of "$KSK2")
cds_of "$KSK2" >"$WORK/cds2"
T_START=$(now)
sign_c "$WORK/cds2"
wait_until '[[ "$(served_c_ds)" == "$T2" ]]' 60 "DS $T2 (KSK2) served by P's server"
T_DONE=$(now)
[[ "$(output_c_ds)" == "$T2" ]] || fail "P's output has DS $(output_c_ds), want $T2"
ldns-verify-zone "$LAB_SUB_ZONEFILE" >/dev/null 2>&1 || fail "ldns-verify-zone $LAB_SUB_ZONEFILE"
wait_until 'grep -q "\"event\":\"child-ds-accepted\"" "$WORK/state/audit.jsonl"' 10 "the child-ds-accepted audit record"
wait_until c_secure 30 "C secure with DS(KSK2)"
log "CDS for KSK2 accepted: P serves DS $T2 (was $T1)"
echo "MEASURED child CDS published -> new DS served by the parent's server (poll 2 s): $(secs "$T_START" "$T_DONE") s"

# ---- 2. A CDS that would break the chain (key not in C's DNSKEY set): rejected.
STRANGER=$(dnssec-keygen -q -K "$WORK" -a ECDSAP256SHA256 -f KSK -n ZONE "$C")
dnssec-dsfromkey -C -2 -T 10 "$WORK/$STRANGER.key" >"$WORK/cds-bad"
sign_c "$WORK/cds-bad"
wait_until 'grep -q "\"event\":\"child-cds-rejected\"" "$WORK/state/audit.jsonl"' 30 "the rejection audited"
wait_until 'grep -q "\"alert\":\"child-cds-rejected\"" "$WORK/daemon.log"' 10 "the child-cds-rejected alert"
grep '"event":"child-cds-rejected"' "$WORK/state/audit.jsonl" | grep -q "break the chain" ||
  fail "the rejection does not say why: $(grep child-cds-rejected "$WORK/state/audit.jsonl" | tail -1)"
sleep 3
[[ "$(served_c_ds)" == "$T2" ]] || fail "after a rejected CDS P serves DS $(served_c_ds), want $T2"
log "CDS for a key outside C's DNSKEY set rejected; P keeps DS $T2"

# ---- 3. kill -9, restart with scanning off: the accepted DS comes from the state database.
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
write_config false
rm -f "$LAB_SUB_ZONEFILE" # forces P's signing at start
start_daemon
wait_until '[[ -s "$LAB_SUB_ZONEFILE" ]]' 60 "P signed again after the restart"
grep -q "DS sets accepted from children" "$WORK/daemon.log" || fail "the accepted sets were not loaded at start"
[[ "$(output_c_ds)" == "$T2" ]] || fail "after restart P's output has DS $(output_c_ds), want $T2 (input has $T1)"
bash "$LAB" reload-sub --instance "$I" >/dev/null
[[ "$(served_c_ds)" == "$T2" ]] || fail "after restart P serves DS $(served_c_ds), want $T2"
log "restart (kill -9, scan off): P still has DS $T2 from the state database"

kill "$PROBE_PID" 2>/dev/null || true
PROBE_PID=""
FAILS=$(wc -l <"$WORK/probe.fail")
COUNT=$(cat "$WORK/probe.count" 2>/dev/null || echo 0)
((FAILS == 0)) || fail "C was not secure $FAILS times: $(head -3 "$WORK/probe.fail")"
echo "MEASURED probe of C during the run: $COUNT queries, $FAILS not secure"
log "PASS"
