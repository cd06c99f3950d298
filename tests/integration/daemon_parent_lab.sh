#!/usr/bin/env bash
# Lab test of the daemon's parent sync (issue 5): the daemon signs sub.example.test. (NSD, lab
# instance 11) with parent method `update` (RFC 2136 + TSIG to Knot, the example.test.
# primary) and nobody ever runs `trustsync ds-seen`. While a probe asks the lab's validating
# resolver every half second for the zone's SOA, DNSKEY, DS and www TXT:
#   1. a rogue DS injected with nsupdate at example.test. is detected (alert) and removed;
#   2. a KSK rollover with the example.test. secondary held: the new DS reaches the primary
#      but the rollover keeps waiting (DS "submitted", old KSK still in the zone) until the
#      secondary is released, then completes by itself;
#   3. a clean KSK rollover, timed against the RFC 7583 minimum for the lab TTLs;
#   4. the parent primary stopped (SIGSTOP) during a KSK rollover: alert, the rollover waits,
#      and completes after the primary comes back (SIGCONT).
# Pass: zero SERVFAIL / unvalidated answers, every rollover done, only the last keys left.
# Prints "ROLLOVER ... measured Xs, RFC 7583 minimum Ys" lines. Needs root (the lab binds
# 127.53.11.x:53); skipped (exit 0 with a note) otherwise.
set -euo pipefail

SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TS="${TRUSTSYNC:-$SRC/build/trustsync}"
LAB="$SRC/tests/lab/lab.sh"
I=11
if [[ $(id -u) -ne 0 ]]; then
  echo "daemon_parent_lab: SKIP (needs root for the lab)"
  exit 0
fi
WORK=$(mktemp -d /tmp/ts-daemon-parent-lab.XXXXXX)
DAEMON_PID=""
PROBE_PID=""
KNOT_PID=""
KNOT_SUB_PID=""
I2=12
cleanup() {
  [[ -n "$KNOT_PID" ]] && kill -CONT "$KNOT_PID" 2>/dev/null || true
  [[ -n "$KNOT_SUB_PID" ]] && kill "$KNOT_SUB_PID" 2>/dev/null || true
  [[ -n "${KEEP_LAB:-}" ]] || bash "$LAB" stop --instance $I2 >/dev/null 2>&1 || true
  [[ -n "$PROBE_PID" ]] && kill "$PROBE_PID" 2>/dev/null || true
  [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
  [[ -n "${KEEP_LAB:-}" ]] || bash "$LAB" stop --instance $I >/dev/null 2>&1 || true
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "daemon_parent_lab: FAIL: $*" >&2
  echo "--- daemon log (tail)" >&2
  tail -40 "$WORK/daemon.log" >&2 || true
  echo "--- status" >&2
  "$TS" status --config "$WORK/agent.toml" >&2 || true
  exit 1
}
log() { echo "daemon_parent_lab: $(date -u +%T) $*"; }
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

bash "$LAB" start --instance $I >/dev/null
# shellcheck disable=SC1091
source "/tmp/trustsync-lab-$I/lab.env"
ZONE=sub.example.test.
KNOT_PID=$(cat "$LAB_DIR/knot-example/knot.pid")

# shellcheck disable=SC1091
source "$SRC/tests/lab/daemon_lab.inc"
lab_daemon_zone "$WORK"

# Lab timing: TTLs 10 s; the waits below are the RFC 7583 terms the planner uses.
DNSKEY_TTL=10 DS_TTL=10 ZONE_PROP=2 PARENT_PROP=3 PUB_SAFETY=2 RET_SAFETY=2
{
  echo "[agent]"
  echo "state-dir = \"$WORK/state\""
  lab_daemon_policy "$WORK" "$I" "parent = { method = \"update\", primary = \"$LAB_EXAMPLE_PRIMARY\", tsig = \"$LAB_TSIG_FILE\", poll = \"2s\", timeout = \"2s\", alert-after = \"20s\", remove-rogue = true, trust-anchor = \"$LAB_TRUST_ANCHOR\", root-hints = \"$LAB_ROOT_HINTS\" }"
} >"$WORK/agent.toml"
"$TS" run --config "$WORK/agent.toml" --check >/dev/null || fail "config check"

# Probe: every 0.5 s through the validating resolver (tests/lab/daemon_lab.inc).
probe() { lab_probe "${2:-$WORK}" "$ZONE" "${1:-$LAB_RESOLVER}" SOA DNSKEY DS "www.$ZONE TXT"; }
probe &
PROBE_PID=$!

"$TS" run --config "$WORK/agent.toml" --log-format json >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!

jq_status() { lab_zone_status "$WORK" "$ZONE" "$1"; }
# wait_for PYTHON_EXPR TIMEOUT WHAT (d = the zone's status, p = its parent part)
wait_for() {
  local expr="$1" timeout="$2" what="$3" t0=$SECONDS
  while [[ "$(jq_status "$expr")" != "True" ]]; do
    sleep 0.3
    ((SECONDS - t0 < timeout)) || fail "timed out ($timeout s) waiting for $what"
  done
}
served_ds() { dig +short +norec @"$1" "$ZONE" DS | awk '{print $1}' | sort -n | tr '\n' ' '; }
idle='d["status"]=="ok" and d["signed_at"]>0 and not d["rollovers"]'
parent_ok='p.get("observed_at",0)>0 and p.get("agree") and not p.get("alerts")'

wait_for "$idle and $parent_ok" 60 "the first signed output and a healthy parent"
log "signed, parent observed: $(jq_status 'p["servers"]') servers agree, DS $(served_ds "$LAB_EXAMPLE_PRIMARY")"
# on demand: the daemon observes the parent now
BEFORE=$(jq_status 'p["observed_at"]')
"$TS" parent "$ZONE" --config "$WORK/agent.toml" | grep -q "observing the parent" || fail "trustsync parent --config"
wait_for "p['observed_at'] > $BEFORE" 10 "an observation on demand"

# ---- 1. rogue DS
ROGUE="4242 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
T0=$(now)
nsupdate -k "$LAB_TSIG_FILE" <<NSU || fail "nsupdate (rogue DS) failed"
server $LAB_EXAMPLE_PRIMARY
zone example.test.
update add $ZONE 10 DS $ROGUE
send
NSU
t0=$SECONDS
until grep -q '"alert":"rogue-ds"' "$WORK/daemon.log"; do
  sleep 0.2
  ((SECONDS - t0 < 30)) || fail "rogue DS not detected within 30 s (poll 2 s)"
done
T_DETECT=$(now)
t0=$SECONDS
while [[ " $(served_ds "$LAB_EXAMPLE_PRIMARY") $(served_ds "$LAB_EXAMPLE_SECONDARY") " == *" 4242 "* ]]; do
  sleep 0.2
  ((SECONDS - t0 < 30)) || fail "rogue DS not removed within 30 s"
done
T_GONE=$(now)
grep -q 'remove rogue' "$WORK/daemon.log" || fail "no removal of the rogue DS logged"
log "ROGUE DS detected after $(secs "$T0" "$T_DETECT") s, removed from both servers after $(secs "$T0" "$T_GONE") s (poll 2 s)"
wait_for "$idle and $parent_ok" 30 "the rogue-ds alert to resolve"

# ---- 1b. the parent refuses (wrong TSIG secret): clear error, alert, backoff; fixed by reload
BADKEY="$WORK/bad-tsig.key"
(umask 077 && printf 'key "%s" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
  "$LAB_TSIG_NAME" "$(head -c 32 /dev/urandom | base64)" >"$BADKEY")
sed -i "s|tsig = \"$LAB_TSIG_FILE\"|tsig = \"$BADKEY\"|" "$WORK/agent.toml"
"$TS" reload --config "$WORK/agent.toml" >/dev/null || fail "reload refused"
nsupdate -k "$LAB_TSIG_FILE" <<NSU || fail "nsupdate (rogue DS) failed"
server $LAB_EXAMPLE_PRIMARY
zone example.test.
update add $ZONE 10 DS 4243 ${ROGUE#4242 }
send
NSU
t0=$SECONDS
until grep -q '"alert":"publication-failing"' "$WORK/daemon.log"; do
  sleep 0.3
  ((SECONDS - t0 < 30)) || fail "no publication-failing alert with a wrong TSIG secret"
done
PUB_ERR=$(jq_status 'p["publish_error"]')
[[ "$PUB_ERR" == *"127.53.$I.4"* ]] || fail "publication error does not name the server: $PUB_ERR"
[[ " $(served_ds "$LAB_EXAMPLE_PRIMARY") " == *" 4243 "* ]] || fail "rogue DS vanished without us"
log "REFUSED: alert raised; status says: $PUB_ERR"
sed -i "s|tsig = \"$BADKEY\"|tsig = \"$LAB_TSIG_FILE\"|" "$WORK/agent.toml"
"$TS" reload --config "$WORK/agent.toml" >/dev/null || fail "reload refused"
t0=$SECONDS
while [[ " $(served_ds "$LAB_EXAMPLE_PRIMARY") $(served_ds "$LAB_EXAMPLE_SECONDARY") " == *" 4243 "* ]]; do
  sleep 0.2
  ((SECONDS - t0 < 30)) || fail "rogue DS not removed after the TSIG key was fixed"
done
wait_for "$idle and $parent_ok and not p['publish_error']" 30 "the publication alert to resolve"
log "REFUSED: fixed by reload, rogue DS 4243 removed, alerts resolved"

# rollover ROLE_LABEL: starts a KSK rollover, prints nothing; sets T_START
start_ksk() {
  T_START=$(now)
  "$TS" rollover "$ZONE" --ksk --config "$WORK/agent.toml" >/dev/null || fail "rollover --ksk refused"
  wait_for "len(d['rollovers'])>0" 10 "the KSK rollover to start"
}
new_ksk() { jq_status "[k['tag'] for k in d['keys'] if k['role']=='KSK' and k['state'] in ('published','ready','active') and k.get('ds')!='seen'][-1]"; }
MIN_KSK=$((ZONE_PROP + DNSKEY_TTL + PUB_SAFETY + DS_TTL + PUB_SAFETY))
RESULTS=()

# ---- 2. KSK rollover with the parent secondary held
bash "$LAB" hold-secondary example.test. --instance $I >/dev/null
OLD_KSK=$(jq_status "[k['tag'] for k in d['keys'] if k['role']=='KSK'][0]")
start_ksk
wait_for "any(k.get('ds')=='submitted' for k in d['keys'])" 60 "the new DS to be submitted"
NEW=$(jq_status "[k['tag'] for k in d['keys'] if k.get('ds')=='submitted'][0]")
t0=$SECONDS
until [[ " $(served_ds "$LAB_EXAMPLE_PRIMARY") " == *" $NEW "* ]]; do
  sleep 0.2
  ((SECONDS - t0 < 20)) || fail "the daemon did not UPDATE the primary with DS $NEW"
done
log "HOLD: DS $NEW on the primary ($(served_ds "$LAB_EXAMPLE_PRIMARY")), secondary serves $(served_ds "$LAB_EXAMPLE_SECONDARY")"
# For 3 ds-ttl's worth of polls, the rollover must not move past "DS submitted".
for _ in $(seq 1 15); do
  sleep 2
  st=$(jq_status "[k.get('ds') for k in d['keys'] if k['tag']==$NEW][0]")
  [[ "$st" == "submitted" ]] || fail "DS $NEW became '$st' while the secondary lags"
  [[ "$(jq_status "any(k['tag']==$OLD_KSK and k['state']=='active' for k in d['keys'])")" == True ]] ||
    fail "old KSK $OLD_KSK left while the secondary lags"
done
WAITING=$(jq_status 'p["waiting"]')
[[ "$WAITING" == *"missing on ns2.example.test."* ]] || fail "status does not say what it waits for: $WAITING"
log "HOLD: after 30 s still waiting: $WAITING"
"$TS" status "$ZONE" --config "$WORK/agent.toml" | sed 's/^/    | /'
T_REL=$(now)
bash "$LAB" release-secondary example.test. --instance $I >/dev/null
wait_for "$idle" 120 "the held rollover to finish after the release"
T_END=$(now)
log "HOLD: rollover done $(secs "$T_REL" "$T_END") s after the release (total $(secs "$T_START" "$T_END") s)"
RESULTS+=("ROLLOVER ksk-held-secondary: measured $(secs "$T_START" "$T_END") s (held ~30 s), $(secs "$T_REL" "$T_END") s after release")

# ---- 3. clean KSK rollover, timed
start_ksk
wait_for "$idle" 120 "the clean KSK rollover to finish"
T_END=$(now)
D_CLEAN=$(secs "$T_START" "$T_END")
log "CLEAN: KSK rollover in $D_CLEAN s"
RESULTS+=("ROLLOVER ksk-clean: measured $D_CLEAN s, RFC 7583 minimum $MIN_KSK s (Dprp $ZONE_PROP + TTLkey $DNSKEY_TTL + safety $PUB_SAFETY, then TTLds $DS_TTL + safety $PUB_SAFETY; parent propagation observed, not assumed: config DprpP $PARENT_PROP s)")

# ---- 3b. the same without safety margins (as Knot, which has none): RFC 7583 minimum
sed -i 's/^publish-safety = .*/publish-safety = "0s"/; s/^retire-safety = .*/retire-safety = "0s"/' "$WORK/agent.toml"
"$TS" reload --config "$WORK/agent.toml" >/dev/null || fail "reload refused"
start_ksk
wait_for "$idle" 120 "the margin-less KSK rollover to finish"
T_END=$(now)
D_BARE=$(secs "$T_START" "$T_END")
MIN_BARE=$((ZONE_PROP + DNSKEY_TTL + DS_TTL))
log "BARE: KSK rollover without safety margins in $D_BARE s"
RESULTS+=("ROLLOVER ksk-no-margins: measured $D_BARE s, RFC 7583 minimum $MIN_BARE s (Dprp $ZONE_PROP + TTLkey $DNSKEY_TTL, then TTLds $DS_TTL)")
sed -i "s/^publish-safety = .*/publish-safety = \"${PUB_SAFETY}s\"/; s/^retire-safety = .*/retire-safety = \"${RET_SAFETY}s\"/" "$WORK/agent.toml"
"$TS" reload --config "$WORK/agent.toml" >/dev/null || fail "reload refused"

# ---- 4. parent primary down during a KSK rollover
start_ksk
wait_for "d['rollovers'] and d['rollovers'][0]['phase']=='pre-publish'" 30 "pre-publish"
ALERTS_BEFORE=$(grep -c '"alert":"ds-inconsistent"' "$WORK/daemon.log" || true)
kill -STOP "$KNOT_PID"
T_DOWN=$(now)
log "DOWN: Knot (example.test. primary) stopped"
t0=$SECONDS
until (($(grep -c '"alert":"ds-inconsistent"' "$WORK/daemon.log" || true) > ALERTS_BEFORE)); do
  sleep 0.5
  ((SECONDS - t0 < 60)) || fail "no alert while the parent primary is down"
done
log "DOWN: alert after $(secs "$T_DOWN" "$(now)") s: $(grep '"alert":"ds-inconsistent"' "$WORK/daemon.log" | tail -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["msg"])')"
sleep 20
[[ "$(jq_status "d['rollovers'][0]['phase']")" == "ds-publish" || "$(jq_status "d['rollovers'][0]['phase']")" == "pre-publish" ]] ||
  fail "rollover moved on while the parent primary was down: $(jq_status "d['rollovers']")"
log "DOWN: still waiting after 20 s: $(jq_status 'p["waiting"]')"
kill -CONT "$KNOT_PID"
T_UP=$(now)
wait_for "$idle" 120 "the rollover to finish after the parent came back"
T_END=$(now)
log "DOWN: rollover done $(secs "$T_UP" "$T_END") s after the primary came back"
RESULTS+=("ROLLOVER ksk-parent-down: measured $(secs "$T_START" "$T_END") s, $(secs "$T_UP" "$T_END") s after the parent came back")
wait_for "$parent_ok" 30 "the alerts to resolve"

# ---- 4b. parent method `command`: a registrar hook (here: nsupdate) gets the JSON document
HOOK="$WORK/registrar-hook.sh"
cat >"$HOOK" <<HOOK
#!/usr/bin/env bash
# Test registrar: replaces the DS set at example.test. with what the document asks for.
set -euo pipefail
doc=\$(cat)
echo "\$doc" >>"$WORK/hook.log"
{
  echo "server $LAB_EXAMPLE_PRIMARY"
  echo "zone example.test."
  echo "update delete $ZONE DS"
  python3 -c 'import json,sys; [print("update add " + l) for l in json.loads(sys.argv[1])["ds"]]' "\$doc"
  echo "send"
} | nsupdate -k "$LAB_TSIG_FILE"
HOOK
chmod 700 "$HOOK"
sed -i "s|^parent = { method = \"update\"|parent = { method = \"command\", command = \"$HOOK\"|" "$WORK/agent.toml"
"$TS" reload --config "$WORK/agent.toml" >/dev/null || fail "reload (method command) refused"
wait_for "p.get('method')=='command' and $parent_ok" 30 "method command to take over"
start_ksk
wait_for "$idle" 120 "the KSK rollover through the registrar hook to finish"
T_END=$(now)
[[ -s "$WORK/hook.log" ]] || fail "the registrar hook never ran"
grep -q '"dnskey":\["sub.example.test.' "$WORK/hook.log" || fail "hook document without DNSKEY"
log "COMMAND: KSK rollover through the registrar hook in $(secs "$T_START" "$T_END") s ($(wc -l <"$WORK/hook.log") hook runs)"
RESULTS+=("ROLLOVER ksk-command-hook: measured $(secs "$T_START" "$T_END") s, RFC 7583 minimum $MIN_KSK s")
sleep 12 # let every cache see the final state; the probe keeps asking

# ---- verdict (TrustSync)
kill "$PROBE_PID" 2>/dev/null || true
wait "$PROBE_PID" 2>/dev/null || true
PROBE_PID=""

# ---- 5. for comparison: the same KSK rollover by Knot itself (ds-push + submission), lab
# instance 12, Knot replacing NSD as the signer of sub.example.test. with the same TTLs and
# propagation delay (Knot has no safety margins: compare with ksk-no-margins).
knot_compare() {
  bash "$LAB" start --instance $I2 >/dev/null
  local env="/tmp/trustsync-lab-$I2/lab.env" K="$WORK/knot-sub"
  # shellcheck disable=SC1090
  (
    source "$env"
    kill "$(cat "$LAB_DIR/pids/nsd-sub.pid")"
    mkdir -p "$K"
    cp "$LAB_DIR/zones/sub.example.test.zone" "$K/sub.zone"
    cat >"$K/knot.conf" <<KNOT
server:
  rundir: "$K"
  pidfile: "$K/knot.pid"
  listen: $LAB_SUB_ADDR@53
  background-workers: 1
control:
  listen: "$K/knot.sock"
log:
  - target: "$K/knot.log"
    any: info
database:
  storage: "$K"
key:
  - id: $LAB_TSIG_NAME
    algorithm: hmac-sha256
    secret: $LAB_TSIG_SECRET
remote:
  - id: parent-primary
    address: $LAB_EXAMPLE_PRIMARY@53
    key: $LAB_TSIG_NAME
  - id: parent-secondary
    address: $LAB_EXAMPLE_SECONDARY@53
submission:
  - id: parent
    parent: [parent-primary, parent-secondary]
    check-interval: 1s
policy:
  - id: sub
    algorithm: ecdsap256sha256
    ksk-lifetime: 0
    zsk-lifetime: 0
    dnskey-ttl: $DNSKEY_TTL
    zone-max-ttl: 10
    propagation-delay: $ZONE_PROP
    rrsig-lifetime: 2h
    rrsig-refresh: 30m
    ksk-submission: parent
    ds-push: parent-primary
zone:
  - domain: $ZONE
    storage: "$K"
    file: "$K/sub.zone"
    zonefile-sync: -1
    journal-content: all
    dnssec-signing: on
    dnssec-policy: sub
KNOT
    for f in "$LAB_SUB_KEYDIR"/K*.private; do
      keymgr -c "$K/knot.conf" "$ZONE" import-bind "$f" >/dev/null
    done
  ) || return 1
  # shellcheck disable=SC1090
  source "$env"
  knotd -c "$K/knot.conf" -d >/dev/null 2>&1 || return 1
  sleep 1
  KNOT_SUB_PID=$(cat "$K/knot.pid")
  local t0=$SECONDS
  until dig @"$LAB_RESOLVER" +dnssec "$ZONE" DNSKEY | grep -Eq "flags:[a-z ]* ad[ ;]"; do
    sleep 0.5
    ((SECONDS - t0 < 30)) || return 1
  done
  mkdir -p "$WORK/knot-probe"
  : >"$WORK/knot-probe/probe.fail"
  : >"$WORK/knot-probe/probe.timeout"
  probe "$LAB_RESOLVER" "$WORK/knot-probe" &
  PROBE_PID=$!
  local new
  local start
  start=$(now)
  knotc -c "$K/knot.conf" zone-key-rollover "$ZONE" ksk >/dev/null || return 1
  t0=$SECONDS
  sleep 2
  # done: one KSK served again, and both parent servers serve exactly its DS
  while :; do
    new=$(dig +short +norec @"$LAB_SUB_ADDR" "$ZONE" DNSKEY | awk '$1==257' | wc -l)
    local p s
    p=$(served_ds "$LAB_EXAMPLE_PRIMARY") s=$(served_ds "$LAB_EXAMPLE_SECONDARY")
    [[ "$new" == 1 && "$p" == "$s" && "$p" =~ ^[0-9]+\ $ ]] && break
    sleep 0.2
    ((SECONDS - t0 < 120)) || return 1
  done
  local end
  end=$(now)
  sleep 12
  kill "$PROBE_PID" 2>/dev/null || true
  wait "$PROBE_PID" 2>/dev/null || true
  PROBE_PID=""
  KNOT_FAILS=$(wc -l <"$WORK/knot-probe/probe.fail")
  RESULTS+=("ROLLOVER knot-submission (comparison): measured $(secs "$start" "$end") s, $(cat "$WORK/knot-probe/probe.count") probe queries, $KNOT_FAILS failures, $(wc -l <"$WORK/knot-probe/probe.timeout") unanswered")
}
if [[ -z "${SKIP_KNOT_COMPARE:-}" ]]; then
  knot_compare || RESULTS+=("ROLLOVER knot-submission (comparison): did not complete (see $WORK/knot-sub/knot.log)")
  # back to instance 11 for the verdict
  # shellcheck disable=SC1091
  source "/tmp/trustsync-lab-$I/lab.env"
fi
grep -q 'ds-seen' "$WORK/daemon.log" && fail "ds-seen was used"
KSKS=$(jq_status "' '.join(str(k['tag']) for k in d['keys'] if k['role']=='KSK')")
[[ "$KSKS" =~ ^[0-9]+$ ]] || fail "expected one KSK left, got '$KSKS'"
PARENT_DS=$(served_ds "$LAB_EXAMPLE_PRIMARY")
[[ "$PARENT_DS" == "$KSKS " ]] || fail "parent serves DS '$PARENT_DS', the zone's KSK is $KSKS"
[[ "$(served_ds "$LAB_EXAMPLE_SECONDARY")" == "$KSKS " ]] || fail "parent secondary not in sync"
QUERIES=$(cat "$WORK/probe.count")
FAILS=$(wc -l <"$WORK/probe.fail")
for r in "${RESULTS[@]}"; do echo "daemon_parent_lab: $r"; done
log "probe: $QUERIES queries, $FAILS failures (SERVFAIL or not validated), $(wc -l <"$WORK/probe.timeout") unanswered within 2 s (parent primary stopped: $(awk '{print $1}' "$WORK/probe.timeout" | tr '\n' ' '))"
if [[ "$FAILS" -ne 0 ]]; then
  head -20 "$WORK/probe.fail" >&2
  fail "$FAILS probe answers were SERVFAIL or not validated"
fi
log "PASS: rogue DS removed, publication refusal alerted and recovered, 5 automatic KSK rollovers (held secondary, clean, no margins, parent down, registrar hook), KSK $KSKS, zero bogus answers"
