#!/usr/bin/env bash
# Lab test of parent method `managed` (issue 5): ONE daemon signs the parent zone
# P = sub.example.test. (served by the lab's NSD, lab instance 20, its DS at example.test.)
# and the child C = c.sub.example.test. (served by our own NSD on 127.53.20.9), with
# `parent = { method = "managed" }` for C. Nobody runs `trustsync ds-seen`: C's DS reaches P
# by re-signing P, and the daemon's observation (every parent server + validated view +
# C's DNSKEY through the resolver) gates the rollover exactly as with `update`.
#   1. bootstrap: C's first DS appears in P's signed output (ldns-verify-zone, DS = C's KSK
#      per dnssec-dsfromkey) and C turns secure by itself;
#   2. a DS injected into P's INPUT file is replaced at P's signing (warning), never served;
#   3. `trustsync rollover C --ksk`: the new DS joins the old one in P; the daemon is killed
#      with -9 once after P's output got it but before P's server reloaded (the restarted
#      daemon sees it missing and re-signs P), once while both are served (same DS sets, P
#      not signed again for them); the old DS leaves P only after the new one was seen; C is
#      never bogus (probe through the lab's validating resolver);
#   4. a rogue DS in P's SERVED data (P's output re-signed with ldnsutils, NSD reloaded) is
#      detected (alert rogue-ds) and removed by the daemon re-signing P;
#   5. a clean KSK rollover of C, timed against the RFC 7583 minimum.
# Prints "MEASURED ..." lines. Needs root (the lab binds 127.53.20.x:53); skipped otherwise.
set -euo pipefail

SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TS="${TRUSTSYNC:-$SRC/build/trustsync}"
LAB="$SRC/tests/lab/lab.sh"
I=${MANAGED_LAB_INSTANCE:-20}
if [[ $(id -u) -ne 0 ]]; then
  echo "daemon_managed: SKIP (needs root for the lab)"
  exit 0
fi
WORK=$(mktemp -d /tmp/ts-daemon-managed.XXXXXX)
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
  echo "daemon_managed: FAIL: $*" >&2
  echo "--- daemon log (tail)" >&2
  tail -30 "$WORK/daemon.log" >&2 || true
  "$TS" status --config "$WORK/agent.toml" >&2 || true
  exit 1
}
log() { echo "daemon_managed: $(date -u +%T) $*"; }
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
lab_daemon_zone "$WORK"  # WORK/sub.zone + the lab's keys of P imported

# P's input: the lab's zone plus the delegation of C.
printf '%s\n' "c.$P 10 IN NS ns.c.$P" "ns.c.$P 10 IN A $C_ADDR" >>"$WORK/sub.zone"
cat >"$WORK/c.zone" <<ZONE
\$ORIGIN $C
\$TTL 10
@ SOA ns.$C hostmaster.$C 1 3600 600 86400 5
@ NS ns.$C
ns A $C_ADDR
www TXT "managed child"
ZONE

# C's server: our own NSD (the lab does not know C).
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
nsd -d -c "$WORK/nsd-c/nsd.conf" >"$WORK/nsd-c/stdout" 2>&1 &
CNSD_PID=$!
# C's reload: NSD loads the file; wait until it serves the file's SOA serial.
cat >"$WORK/reload-c.sh" <<RELOAD
#!/usr/bin/env bash
want=\$(ldns-read-zone "$WORK/c.signed" | awk '\$4=="SOA" {print \$7; exit}')
for i in \$(seq 1 50); do
  nsd-control -c "$WORK/nsd-c/nsd.conf" reload "$C" >/dev/null 2>&1 || true
  [[ "\$(dig +short +norec @$C_ADDR $C SOA | awk '{print \$3}')" == "\$want" ]] && exit 0
  touch "$WORK/c.signed"
  sleep 0.1
done
exit 1
RELOAD
chmod 700 "$WORK/reload-c.sh"

DNSKEY_TTL=10 DS_TTL=10 ZONE_PROP=2 PARENT_PROP=3 PUB_SAFETY=2 RET_SAFETY=2
{
  echo "[agent]"
  echo "state-dir = \"$WORK/state\""
  lab_daemon_policy "$WORK" "$I"  # [defaults] + timing + [[zone]] sub.example.test. (= P)
  cat <<TOML
[[zone]]
name = "$C"
file = "$WORK/c.zone"
output = "$WORK/c.signed"
reload = "$WORK/reload-c.sh"
parent = { method = "managed", poll = "2s", timeout = "2s", alert-after = "60s", trust-anchor = "$LAB_TRUST_ANCHOR", root-hints = "$LAB_ROOT_HINTS" }
TOML
} >"$WORK/agent.toml"
# P's reload: slow while WORK/slow-reload exists, and given up if WORK/no-reload appears.
cat >"$WORK/reload-p.sh" <<RELOAD
#!/usr/bin/env bash
if [[ -e "$WORK/slow-reload" ]]; then
  sleep 2
  [[ -e "$WORK/no-reload" ]] && exit 1
fi
exec bash "$LAB" reload-sub --instance "$I" >/dev/null
RELOAD
chmod 700 "$WORK/reload-p.sh"
sed -i "s|^reload = \"bash $LAB reload-sub --instance $I >/dev/null\"|reload = \"$WORK/reload-p.sh\"|" "$WORK/agent.toml"
grep -q "^reload = \"$WORK/reload-p.sh\"" "$WORK/agent.toml" || fail "P's reload command not replaced"
"$TS" run --config "$WORK/agent.toml" --check >/dev/null || fail "config check"

start_daemon() {
  "$TS" run --config "$WORK/agent.toml" --log-format json >>"$WORK/daemon.log" 2>&1 &
  DAEMON_PID=$!
}
st() { lab_zone_status "$WORK" "$C" "$1"; }
wait_for() {
  local expr="$1" timeout="$2" what="$3" t0=$SECONDS
  while [[ "$(st "$expr")" != "True" ]]; do
    sleep 0.3
    ((SECONDS - t0 < timeout)) || fail "timed out ($timeout s) waiting for $what"
  done
}
wait_log() {  # wait_log PATTERN TIMEOUT WHAT
  local t0=$SECONDS
  until grep -q -- "$1" "$WORK/daemon.log"; do
    sleep 0.2
    ((SECONDS - t0 < $2)) || fail "timed out ($2 s) waiting for $3"
  done
}
served_c_ds() { dig +short +norec @"$LAB_SUB_ADDR" "$C" DS | awk '{print $1}' | sort -n | tr '\n' ' '; }
output_c_ds() { ldns-read-zone "$LAB_SUB_ZONEFILE" | awk -v c="$C" '$1==c && $4=="DS" {print $5}' | sort -n | tr '\n' ' '; }
ksk_ds() {  # DS (SHA-256) of C's KSKs as C's server serves them
  dig +norec @"$C_ADDR" "$C" DNSKEY | awk '$4=="DNSKEY" && $5==257' >"$WORK/c.dnskey"
  dnssec-dsfromkey -2 -f "$WORK/c.dnskey" "$C" | awk '{print $4" "$5" "$6" "$7}' | sort
}
idle='d["status"]=="ok" and d["signed_at"]>0 and not d["rollovers"]'
parent_ok='p.get("observed_at",0)>0 and p.get("agree") and not p.get("alerts")'
verify_p() { ldns-verify-zone "$LAB_SUB_ZONEFILE" >/dev/null 2>&1 || fail "ldns-verify-zone $LAB_SUB_ZONEFILE: $(ldns-verify-zone "$LAB_SUB_ZONEFILE" 2>&1 | tail -3)"; }

# ---- 1. bootstrap: C's first DS goes into P; the observation confirms it
T0=$(now)
start_daemon
wait_for "$idle and $parent_ok" 120 "C secure through its managed parent"
T_BOOT=$(now)
wait_log "managed DS for $C: added tag" 5 "the DS change logged in P"
verify_p
FIRST=$(served_c_ds)
[[ "$(output_c_ds)" == "$FIRST" && -n "$FIRST" ]] || fail "P's output ($(output_c_ds)) and served ($FIRST) DS differ"
ldns-read-zone "$LAB_SUB_ZONEFILE" | awk -v c="$C" '$1==c && $4=="DS" {print $5" "$6" "$7" "toupper($8)}' | sort >"$WORK/p.ds"
[[ "$(ksk_ds)" == "$(cat "$WORK/p.ds")" ]] || fail "P's DS for C ($(cat "$WORK/p.ds")) is not the DS of C's KSK ($(ksk_ds))"
dig +dnssec @"$LAB_RESOLVER" "www.$C" TXT | grep -Eq "flags:[a-z ]* ad[ ;]" || fail "www.$C does not validate"
[[ "$(lab_zone_status "$WORK" "$P" "d['children']['$C']['ds']")" == "[${FIRST// /}]" ]] ||
  fail "status of P: children $(lab_zone_status "$WORK" "$P" "d['children']")"
log "bootstrap: DS $FIRST in P (verified), C validates, $(secs "$T0" "$T_BOOT") s after start"
echo "MEASURED bootstrap (start -> C secure, observed): $(secs "$T0" "$T_BOOT") s"

lab_probe "$WORK" "$C" "$LAB_RESOLVER" SOA DNSKEY DS "www.$C TXT" &
PROBE_PID=$!

# ---- 2. a DS in P's input for C is replaced at P's next signing
printf '%s\n' "c.$P 10 IN DS 4242 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" >>"$WORK/sub.zone"

# ---- 3. KSK rollover of C. kill -9 #1 while P's output holds the new DS but P's server was
# not reloaded yet (P's reload made slow): after the restart the observation sees the DS
# missing and P is re-signed and reloaded. kill -9 #2 while both DS are served: the restart
# rebuilds the same sets and does not re-sign P for them (only for the old DS withdrawn once
# the new DS is seen at every parent server).
OLD=$FIRST
OLD=${OLD// /}
touch "$WORK/slow-reload"
T_START=$(now)
"$TS" rollover "$C" --ksk --config "$WORK/agent.toml" >/dev/null || fail "rollover --ksk refused"
until [[ $(wc -w <<<"$(output_c_ds)") -ge 2 ]]; do
  sleep 0.05
  (($(python3 -c "print(int($(now) - $T_START))") < 90)) || fail "the new DS never reached P's output"
done
touch "$WORK/no-reload"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
T_ADDED=$(now)
BOTH=$(output_c_ds)
[[ $(wc -w <<<"$BOTH") -eq 2 && " $BOTH " == *" $OLD "* ]] || fail "P's output should hold old + new DS, holds: $BOTH"
NEW=$(tr ' ' '\n' <<<"$BOTH" | grep -vx "$OLD" | grep .)
sleep 2.5  # the slow reload gives up
rm -f "$WORK/slow-reload" "$WORK/no-reload"
[[ " $(served_c_ds) " != *" $NEW "* ]] || fail "P's server already serves the new DS (the kill came too late)"
log "rollover: new DS $NEW in P's output beside $OLD after $(secs "$T_START" "$T_ADDED") s, not served; kill -9 #1"
start_daemon
t0=$SECONDS
until [[ " $(served_c_ds) " == *" $NEW "* ]]; do
  sleep 0.2
  ((SECONDS - t0 < 30)) || fail "after restart #1 P's server never got the new DS"
done
log "restart #1: new DS $NEW served after $((SECONDS - t0)) s (observation: missing -> P re-signed)"
grep -q "add DS $NEW (missing on" "$WORK/daemon.log" || fail "no re-signing of P for the missing DS logged"
wait_log "input DS for $C replaced by the managed DS set" 5 "the input-DS warning"
[[ " $(served_c_ds) " != *" 4242 "* ]] || fail "the input's DS 4242 is served"
SERVED=$(served_c_ds)
[[ "$SERVED" == "$BOTH" ]] ||
  { [[ "$SERVED" == "$NEW " ]] && grep -q "\"DS $OLD: seen -> withdrawn" "$WORK/daemon.log"; } ||
  fail "P serves $SERVED, want $BOTH (or $NEW once DS $OLD is withdrawn)"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
P_SERIAL=$(dig +short +norec @"$LAB_SUB_ADDR" "$P" SOA | awk '{print $3}')
LINES=$(wc -l <"$WORK/daemon.log")
start_daemon
sleep 3
tail -n +"$((LINES + 1))" "$WORK/daemon.log" >"$WORK/restart.log"
# The planner withdraws the old DS as soon as the new one is seen at every parent server, so
# P may be re-signed after restart #2, but only for that change (old DS withdrawn), never
# before it for the sets its output already held.
# (no match is an answer here, not an error: `|| true` against set -e with pipefail)
RESIGN_LINE=$(grep -n "re-signing: a managed child's DS set is not in the output" "$WORK/restart.log" | head -1 | cut -d: -f1 || true)
WITHDRAW_LINE=$(grep -n "\"DS $OLD: seen -> withdrawn" "$WORK/restart.log" | head -1 | cut -d: -f1 || true)
if [[ -n "$RESIGN_LINE" ]] && [[ -z "$WITHDRAW_LINE" || $RESIGN_LINE -lt $WITHDRAW_LINE ]]; then
  fail "P re-signed for its managed DS after restart #2 although its output held them (line $RESIGN_LINE, withdrawal ${WITHDRAW_LINE:-none})"
fi
# The new DS may even have been seen everywhere, and the old one withdrawn, before kill -9 #2.
WITHDRAWN_BEFORE=$(head -n "$LINES" "$WORK/daemon.log" | grep -c "\"DS $OLD: seen -> withdrawn" || true)
if [[ -n "$WITHDRAW_LINE" ]]; then
  [[ "$(output_c_ds)" == "$BOTH" || "$(output_c_ds)" == "$NEW " ]] ||
    fail "after restart #2 and the withdrawal P's output holds $(output_c_ds), want $BOTH or $NEW"
  log "restart #2: P re-signed only after DS $OLD was withdrawn (new DS seen everywhere; serial $P_SERIAL before the kill)"
elif ((WITHDRAWN_BEFORE > 0)); then
  [[ "$(output_c_ds)" == "$NEW " ]] ||
    fail "DS $OLD was withdrawn before kill -9 #2 but P's output holds $(output_c_ds), want $NEW"
  log "restart #2: DS $OLD already withdrawn before the kill; P's output holds $NEW, not re-signed"
else
  [[ "$(output_c_ds)" == "$BOTH" ]] || fail "after restart #2 P's output holds $(output_c_ds), before $BOTH"
  log "restart #2: P's DS for C still $BOTH (serial $P_SERIAL before the kill), no managed re-signing"
fi
wait_for "$idle and $parent_ok" 150 "the KSK rollover to finish after the restart"
T_END=$(now)
[[ "$(output_c_ds)" == "$NEW " ]] || fail "after the rollover P's output holds $(output_c_ds), want $NEW"
verify_p
# The old DS left P only after the new DS was seen (log order).
SEEN_LINE=$(grep -n "\"DS $NEW served by every parent server" "$WORK/daemon.log" | head -1 | cut -d: -f1 || true)
GONE_LINE=$(grep -n "managed DS for $C: removed tag $OLD" "$WORK/daemon.log" | head -1 | cut -d: -f1 || true)
[[ -n "$SEEN_LINE" && -n "$GONE_LINE" && $SEEN_LINE -lt $GONE_LINE ]] ||
  fail "old DS removed (log line ${GONE_LINE:-none}) before the new one was seen (line ${SEEN_LINE:-none})"
log "rollover done in $(secs "$T_START" "$T_END") s (incl. 2 x kill -9 + restart); new DS seen at log line $SEEN_LINE, old removed at $GONE_LINE"
echo "MEASURED KSK rollover of C with method managed (TTL 10 s, 2 x kill -9 + restart inside): $(secs "$T_START" "$T_END") s"

# ---- 4. rogue DS in P's served data
ROGUE="c.$P 10 IN DS 4343 13 2 89ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01234567"
ldns-read-zone -s "$LAB_SUB_ZONEFILE" | awk '$4!="DNSKEY"' >"$WORK/p.unsigned"
echo "$ROGUE" >>"$WORK/p.unsigned"
keys=()
for k in "$LAB_SUB_KEYDIR"/K*.key; do keys+=("${k%.key}"); done
ldns-signzone -f "$WORK/p.injected" "$WORK/p.unsigned" "${keys[@]}" || fail "ldns-signzone (injection)"
cp "$WORK/p.injected" "$LAB_SUB_ZONEFILE"
T_INJ=$(now)
bash "$LAB" reload-sub --instance "$I" >/dev/null || fail "reload-sub (injection)"
[[ " $(served_c_ds) " == *" 4343 "* ]] || fail "the injected rogue DS is not served"
wait_log '"alert":"rogue-ds"' 30 "the rogue DS alert"
T_DET=$(now)
t0=$SECONDS
while [[ " $(served_c_ds) " == *" 4343 "* ]]; do
  sleep 0.2
  ((SECONDS - t0 < 30)) || fail "the rogue DS was not removed within 30 s"
done
T_GONE=$(now)
verify_p
wait_for "$idle and $parent_ok" 30 "the rogue-ds alert to resolve"
log "rogue DS detected after $(secs "$T_INJ" "$T_DET") s, removed after $(secs "$T_INJ" "$T_GONE") s"
echo "MEASURED rogue DS (poll 2 s): detected $(secs "$T_INJ" "$T_DET") s, removed $(secs "$T_INJ" "$T_GONE") s after injection"

# ---- 5. a clean KSK rollover of C, timed against the RFC 7583 minimum for the lab terms
MIN_KSK=$((ZONE_PROP + DNSKEY_TTL + PUB_SAFETY + DS_TTL + PUB_SAFETY))
T_START=$(now)
"$TS" rollover "$C" --ksk --config "$WORK/agent.toml" >/dev/null || fail "rollover --ksk refused"
wait_for "len(d['rollovers'])>0" 10 "the clean KSK rollover to start"
wait_for "$idle and $parent_ok" 120 "the clean KSK rollover to finish"
T_END=$(now)
[[ $(wc -w <<<"$(served_c_ds)") -eq 1 && "$(served_c_ds)" != "$NEW " ]] || fail "after the clean rollover P serves $(served_c_ds)"
verify_p
echo "MEASURED clean KSK rollover of C (managed): $(secs "$T_START" "$T_END") s, RFC 7583 minimum $MIN_KSK s (Dprp $ZONE_PROP + TTLkey $DNSKEY_TTL + safety $PUB_SAFETY, then TTLds $DS_TTL + safety $PUB_SAFETY)"

kill "$PROBE_PID" 2>/dev/null || true
PROBE_PID=""
FAILS=$(wc -l <"$WORK/probe.fail")
echo "MEASURED probe: $(cat "$WORK/probe.count") queries, $FAILS not validated"
[[ $FAILS -eq 0 ]] || fail "probe saw $FAILS unvalidated answers: $(head -3 "$WORK/probe.fail")"
AUDIT=$(grep -c '"event":"parent-ds-changed"' "$WORK/state/audit.jsonl" || true)
((AUDIT >= 5)) || fail "audit log: $AUDIT parent-ds-changed entries, want >= 5 (added x3, removed x2)"
log "audit: $AUDIT parent-ds-changed entries"
echo "daemon_managed: PASS"
