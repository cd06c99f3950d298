#!/usr/bin/env bash
# Lab test (issue 5, "several levels at once, no chain break"), lab instance 30 in agent mode
# (tests/lab/lab.sh start --agent): two agents as two organisations would run them.
#   agent A: test. (parent `.`, BIND; method update, TSIG) and example.test. (parent test.;
#            method managed; LEVELS_MANAGED=0: method command, a registrar hook that edits
#            test.'s input)
#   agent B: sub.example.test. (parent example.test.; method cds). Agent A scans the CDS of
#            example.test.'s children (children.scan); with LEVELS_CDS_SCAN=0 this test acts
#            as example.test.'s operator instead (a CDS watcher that copies validated CDS into
#            example.test.'s input, tests/lab/lab_parent.py).
# A probe asks the lab's Unbound every 0.5 s about every zone (SOA, DNSKEY, DS, www TXT).
#   1. a rogue DS for test. injected at the root with nsupdate is detected and removed;
#   2. at the same time: KSK rollovers at test., example.test., sub.example.test., then an
#      algorithm rollover at test. (ECDSAP256SHA256 -> ED25519) while the others still run,
#      and the same KSK rollover by Knot (submission) and BIND (parental-agents) on two
#      comparison children of example.test. (their CDS taken by the same scan);
#   3. example.test.'s KSK rollover with test.'s secondary held waits until the release, while
#      sub.example.test.'s KSK rollover with example.test.'s primary stopped (SIGSTOP ~25 s)
#      waits, raises an alert and completes after SIGCONT.
# Pass: zero bogus / SERVFAIL answers (unanswered questions while a server is stopped are
# counted apart), every rollover done, TrustSync no slower than Knot and BIND is printed.
# Prints a table: method, duration, RFC 7583 minimum, bogus count. Needs root; else SKIP.
set -euo pipefail

SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TS="${TRUSTSYNC:-$SRC/build/trustsync}"
LAB="$SRC/tests/lab/lab.sh"
I=${LEVELS_INSTANCE:-30}
if [[ $(id -u) -ne 0 ]]; then
  echo "daemon_levels_lab: SKIP (needs root for the lab)"
  exit 0
fi
WORK=$(mktemp -d /tmp/ts-levels-lab.XXXXXX)
PIDS=()
STOPPED=""
cleanup() {
  [[ -z "$STOPPED" ]] || kill -CONT -- "-$STOPPED" 2>/dev/null || true
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -n "${KEEP_LAB:-}" ]] || bash "$LAB" stop --instance "$I" >/dev/null 2>&1 || true
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "daemon_levels_lab: FAIL: $*" >&2
  local f
  for f in a b; do
    echo "--- agent $f log (tail)" >&2
    tail -25 "$WORK/$f.log" >&2 || true
    "$TS" status --config "$WORK/$f.toml" >&2 || true
  done
  echo "--- probe failures" >&2
  head -20 "$WORK/probe.fail" >&2 || true
  exit 1
}
log() { echo "daemon_levels_lab: $(date -u +%T) $*"; }

T_LAB=$(date +%s.%N)
bash "$LAB" start --agent --instance "$I" >/dev/null || fail "lab start --agent"
# shellcheck disable=SC1090
source "/tmp/trustsync-lab-$I/lab.env"
# shellcheck source=tests/integration/levels_lab.inc
source "$SRC/tests/integration/levels_lab.inc"
log "lab (agent mode) up in $(secs "$T_LAB" "$(now)") s"

# ---- agents
TEST_ALG=ECDSAP256SHA256
import_keys "$WORK/a" "$LAB_TEST_KEYDIR"/K*.key "$LAB_EXAMPLE_KEYDIR"/K*.key
import_keys "$WORK/b" "$LAB_SUB_KEYDIR"/K*.key
cat >"$WORK/hook-example.sh" <<HOOK
#!/bin/sh
# registrar hook of example.test.: its DS set into test.'s input (agent A signs it next)
exec /usr/bin/python3 "$SRC/tests/lab/lab_parent.py" hook --input "$LAB_TEST_INPUT" >>"$WORK/hook.log" 2>&1
HOOK
chmod 700 "$WORK/hook-example.sh"
write_agent_a
write_agent_b
"$TS" run --config "$WORK/a.toml" --check >/dev/null || fail "agent A config check"
"$TS" run --config "$WORK/b.toml" --check >/dev/null || fail "agent B config check"

/usr/bin/python3 "$SRC/tests/lab/lab_probe.py" --resolver "$LAB_RESOLVER" --out "$WORK" \
  test=test. example=example.test. sub=sub.example.test. \
  knot="$LAB_KNOT_CHILD" bind="$LAB_BIND_CHILD" &
PIDS+=($!)
if [[ "${LEVELS_CDS_SCAN:-1}" != 1 ]]; then
  /usr/bin/python3 "$SRC/tests/lab/lab_parent.py" cds-watch --resolver "$LAB_RESOLVER" \
    --input "$LAB_EXAMPLE_INPUT" --log "$WORK/cds-watch.log" --unbound-conf "$LAB_UNBOUND_CONF" \
    "sub.example.test.=$LAB_SUB_ADDR" "$LAB_KNOT_CHILD=$LAB_KNOT_CHILD_ADDR" \
    "$LAB_BIND_CHILD=$LAB_BIND_CHILD_ADDR" &
  PIDS+=($!)
fi
"$TS" run --config "$WORK/a.toml" --log-format json >"$WORK/a.log" 2>&1 &
PIDS+=($!)
"$TS" run --config "$WORK/b.toml" --log-format json >"$WORK/b.log" 2>&1 &
PIDS+=($!)
ZONES=(test. example.test. sub.example.test.)
for z in "${ZONES[@]}"; do wait_st "$z" "$IDLE and $PARENT_OK" 90 "$z signed, parent healthy"; done
log "agents signed test., example.test. (A) and sub.example.test. (B); parents observed, healthy"

# ---- 1. rogue DS for test. at the root
T0=$(now)
nsupdate -k "$LAB_TSIG_FILE" <<NSU || fail "nsupdate (rogue DS) failed"
server $LAB_ROOT_ADDR
zone .
update add test. 10 DS 4242 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
send
NSU
t0=$SECONDS
until grep -q '"alert":"rogue-ds"' "$WORK/a.log"; do
  sleep 0.2
  ((SECONDS - t0 < 30)) || fail "rogue DS at the root not detected within 30 s (poll 1 s)"
done
T_DET=$(now)
while [[ " $(served_ds "$LAB_ROOT_ADDR" test.) " == *" 4242 "* ]]; do
  sleep 0.2
  ((SECONDS - t0 < 60)) || fail "rogue DS not removed from the root"
done
T_GONE=$(now)
R_ROGUE="rogue DS for test. at the root: detected after $(secs "$T0" "$T_DET") s, removed after $(secs "$T0" "$T_GONE") s (poll 1 s)"
log "$R_ROGUE"
wait_st test. "$IDLE and $PARENT_OK" 30 "the rogue-ds alert to resolve"

# ---- 2. every level at once, plus Knot and BIND
declare -A T_START T_END OLD
for z in "${ZONES[@]}"; do OLD[$z]=$(st "$z" "[k['tag'] for k in d['keys'] if k['role']=='KSK']"); done
OLD[knot]=$(served_ds "$LAB_EXAMPLE_PRIMARY" "$LAB_KNOT_CHILD")
OLD[bind]=$(served_ds "$LAB_EXAMPLE_PRIMARY" "$LAB_BIND_CHILD")
T_ALL=$(now)
for z in "${ZONES[@]}"; do
  cfg="$WORK/a.toml"
  [[ "$z" != sub.example.test. ]] || cfg="$WORK/b.toml"
  "$TS" rollover "$z" --ksk --config "$cfg" >/dev/null || fail "rollover $z --ksk refused"
  T_START[$z]=$(now)
done
start_knot_rollover
T_START[knot]=$(now)
start_bind_rollover
T_START[bind]=$(now)
log "KSK rollovers started: test., example.test., sub.example.test., $LAB_KNOT_CHILD, $LAB_BIND_CHILD"
pending=(test. example.test. sub.example.test. knot bind alg)
t0=$SECONDS
while ((${#pending[@]})); do
  left=()
  for w in "${pending[@]}"; do
    done_now=""
    case "$w" in
      knot) [[ "$(served_ds "$LAB_EXAMPLE_PRIMARY" "$LAB_KNOT_CHILD")" != "${OLD[knot]}" ]] &&
        ksk_done "$LAB_KNOT_CHILD_ADDR" "$LAB_KNOT_CHILD" && done_now=1 ;;
      bind) nudge_bind; [[ "$(served_ds "$LAB_EXAMPLE_PRIMARY" "$LAB_BIND_CHILD")" != "${OLD[bind]}" ]] &&
        ksk_done "$LAB_BIND_CHILD_ADDR" "$LAB_BIND_CHILD" && done_now=1 ;;
      alg)
        if [[ -z "${T_START[alg]:-}" ]]; then
          if [[ -n "${T_END[test.]:-}" ]]; then  # test.'s KSK rollover is done: algorithm now
            TEST_ALG=ED25519
            write_agent_a
            "$TS" reload --config "$WORK/a.toml" >/dev/null || fail "reload (ED25519) refused"
            T_START[alg]=$(now)
            log "test.: policy now ED25519, algorithm rollover started"
          fi
        elif [[ "$(st test. "$IDLE and all(k['algorithm']==15 for k in d['keys'])")" == True ]]; then
          done_now=1
        fi
        ;;
      *) [[ "$(st "$w" "$IDLE and not any(k['tag'] in ${OLD[$w]} for k in d['keys'])")" == True ]] && done_now=1 ;;
    esac
    if [[ -n "$done_now" ]]; then
      T_END[$w]=$(now)
      log "done: $w in $(secs "${T_START[$w]}" "${T_END[$w]}") s"
    else
      left+=("$w")
    fi
  done
  pending=("${left[@]}")
  sleep 0.5
  ((SECONDS - t0 < 300)) || fail "still running after 300 s: ${pending[*]}"
done
log "all rollovers of phase 2 done in $(secs "$T_ALL" "$(now)") s"
for z in "${ZONES[@]}"; do wait_st "$z" "$IDLE and $PARENT_OK" 30 "$z healthy after phase 2"; done
[[ "$(st test. "' '.join(sorted({str(k['algorithm']) for k in d['keys']}))")" == 15 ]] ||
  fail "test. keys are not all ED25519: $(st test. "d['keys']")"
[[ "$(served_ds "$LAB_ROOT_ADDR" test.)" =~ ^[0-9]+\ $ ]] || fail "root serves DS $(served_ds "$LAB_ROOT_ADDR" test.) for test."
dig +short +norec @"$LAB_ROOT_ADDR" test. DS | grep -q '^[0-9]* 15 ' || fail "the root's DS for test. is not ED25519"

# ---- 3. parent secondary held (example.test.) + parent primary stopped (sub.example.test.)
# While example.test.'s primary is stopped, agent A's status of example.test. is slow (its
# reload hook waits for NSD): progress is read from the agents' logs (every transition is
# logged as "SUBJECT: from -> to").
bash "$LAB" hold-secondary test. --instance "$I" >/dev/null
"$TS" rollover example.test. --ksk --config "$WORK/a.toml" >/dev/null || fail "rollover example.test."
T_HOLD=$(now)
NSD_EX=$(cat "$LAB_DIR/pids/nsd-example.pid")
"$TS" rollover sub.example.test. --ksk --config "$WORK/b.toml" >/dev/null || fail "rollover sub"
T_STOPR=$(now)
wait_st sub.example.test. "d['rollovers'] and d['rollovers'][0]['phase']=='pre-publish'" 30 "sub: pre-publish"
ALERTS_B=$(grep -c '"alert":"' "$WORK/b.log" || true)
kill -STOP -- "-$NSD_EX" # the whole NSD (main, xfrd, server processes), before sub's DS is due
STOPPED=$NSD_EX
T_DOWN=$(now)
D0=$SECONDS
log "HOLD: test.'s secondary held during example.test.'s KSK rollover; DOWN: example.test.'s primary (NSD) stopped during sub.example.test.'s"
NEW=""
until [[ "$NEW" =~ ^[0-9]+$ ]]; do # the status is slow while agent A's reload hook waits
  NEW=$(st example.test. "[k['tag'] for k in d['keys'] if k.get('ds')=='submitted'][0]")
  ((SECONDS - D0 < 60)) || fail "example.test.: no new DS submitted within 60 s"
  sleep 0.5
done
ALERT_DOWN="" ON_PRIMARY="" P0=""
# Stopped for 25 s at least, and watched for 10 s at least once the new DS of example.test.
# is on test.'s primary.
while ((SECONDS - D0 < 25)) || [[ -z "$P0" ]] || ((SECONDS - P0 < 10)); do
  sleep 0.5
  ((SECONDS - D0 < 50)) || break
  grep -q "\"DS $NEW: submitted -> seen" "$WORK/a.log" &&
    fail "example.test.: DS $NEW confirmed while test.'s secondary lags"
  if [[ -z "$ON_PRIMARY" && " $(served_ds "$LAB_TEST_PRIMARY" example.test.) " == *" $NEW "* ]]; then
    ON_PRIMARY=$(secs "$T_HOLD" "$(now)") P0=$SECONDS
  fi
  if [[ -z "$ALERT_DOWN" ]] && (($(grep -c '"alert":"' "$WORK/b.log" || true) > ALERTS_B)); then
    ALERT_DOWN=$(secs "$T_DOWN" "$(now)")
  fi
done
[[ -n "$ON_PRIMARY" ]] || fail "example.test.: DS $NEW never reached test.'s primary"
grep -q '"msg":"DS [0-9]*: submitted -> seen' <(sed -n "$(grep -n 'rollover: idle -> need-keys' "$WORK/b.log" | tail -1 | cut -d: -f1),\$p" "$WORK/b.log") &&
  fail "sub.example.test.'s new DS confirmed while its parent's primary was stopped"
log "HOLD: DS $NEW on test.'s primary after $ON_PRIMARY s, still not on the secondary ($(served_ds "$LAB_TEST_SECONDARY" example.test.)); not confirmed $((SECONDS - P0)) s later"
kill -CONT -- "-$NSD_EX"
STOPPED=""
T_UP=$(now)
bash "$LAB" flush-resolver --instance "$I" >/dev/null || true
if [[ -z "$ALERT_DOWN" ]]; then
  t0=$SECONDS
  until (($(grep -c '"alert":"' "$WORK/b.log" || true) > ALERTS_B)); do
    sleep 0.3
    ((SECONDS - t0 < 20)) || fail "no alert from agent B while example.test.'s primary was stopped"
  done
  ALERT_DOWN="$(secs "$T_DOWN" "$(now)") (after SIGCONT)"
fi
ALERT_TXT=$(grep '"alert":"' "$WORK/b.log" | tail -1 | /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print(d["alert"] + ": " + d["msg"])' 2>/dev/null || true)
log "DOWN: primary resumed after $(secs "$T_DOWN" "$T_UP") s; alert after $ALERT_DOWN s: $ALERT_TXT"
WAIT_EX=$(st example.test. 'p.get("waiting")')
log "HOLD: example.test. waits: $WAIT_EX"
[[ "$WAIT_EX" == *"missing on ns2.test."* ]] || fail "example.test.'s status does not say it waits for ns2.test.: $WAIT_EX"
T_REL=$(now)
bash "$LAB" release-secondary test. --instance "$I" >/dev/null
wait_st sub.example.test. "$IDLE" 120 "sub.example.test.: the rollover to finish after SIGCONT"
T_SUB_END=$(now)
wait_st example.test. "$IDLE" 120 "example.test.: the held rollover to finish after the release"
T_EX_END=$(now)
R_HOLD="example.test. KSK with test.'s secondary held $(secs "$T_HOLD" "$T_REL") s: $(secs "$T_HOLD" "$T_EX_END") s in all, $(secs "$T_REL" "$T_EX_END") s after the release"
R_DOWN="sub.example.test. KSK with example.test.'s primary stopped $(secs "$T_DOWN" "$T_UP") s: $(secs "$T_STOPR" "$T_SUB_END") s in all, $(secs "$T_UP" "$T_SUB_END") s after SIGCONT; alert after $ALERT_DOWN s"
log "$R_HOLD"
log "$R_DOWN"
for z in "${ZONES[@]}"; do wait_st "$z" "$IDLE and $PARENT_OK" 60 "$z healthy at the end"; done
sleep 6 # every cache sees the final state; the probe keeps asking

# ---- verdict
kill "${PIDS[0]}" 2>/dev/null || true
wait "${PIDS[0]}" 2>/dev/null || true
pc() { /usr/bin/python3 -c "import json; d=json.load(open('$WORK/probe.json')); print(d['$1']['$2'])"; }
row() { printf '%-46s %9s %12s %7s %8s %9s\n' "$@"; }
echo
row "method (zone)" "duration" "RFC7583 min" "bogus" "queries" "no answer"
mk=$(min_ksk)
row "TrustSync update (test.)" "$(secs "${T_START[test.]}" "${T_END[test.]}")" "$mk" "$(pc test fail)" "$(pc test queries)" "$(pc test timeout)"
row "TrustSync $([[ ${LEVELS_MANAGED:-1} == 1 ]] && echo managed || echo command) (example.test.)" "$(secs "${T_START[example.test.]}" "${T_END[example.test.]}")" "$mk" "$(pc example fail)" "$(pc example queries)" "$(pc example timeout)"
row "TrustSync cds, no margins (sub.example.test.)" "$(secs "${T_START[sub.example.test.]}" "${T_END[sub.example.test.]}")" "$(min_ksk 0 0)" "$(pc sub fail)" "$(pc sub queries)" "$(pc sub timeout)"
row "TrustSync algorithm (test.)" "$(secs "${T_START[alg]}" "${T_END[alg]}")" "$(min_alg)" "(test.)" "" ""
row "Knot submission ($LAB_KNOT_CHILD)" "$(secs "${T_START[knot]}" "${T_END[knot]}")" "$(min_ksk 0 0)" "$(pc knot fail)" "$(pc knot queries)" "$(pc knot timeout)"
row "BIND parental-agents ($LAB_BIND_CHILD)" "$(secs "${T_START[bind]}" "${T_END[bind]}")" "$(($(min_ksk) + PARENT_PROP))" "$(pc bind fail)" "$(pc bind queries)" "$(pc bind timeout)"
echo "(minima: TTLs ${DNSKEY_TTL}/${DS_TTL} s, zone propagation $ZONE_PROP s, safety $PUB_SAFETY/$RET_SAFETY s (agent A); agent B and Knot have no safety margins; BIND adds its parent-propagation-delay $PARENT_PROP s. Durations: command to old key gone and the parent serving only the new DS)"
echo "$R_ROGUE"
echo "$R_HOLD"
echo "$R_DOWN"
echo
FAILS=$(wc -l <"$WORK/probe.fail")
TS_FAILS=$(grep -c '^\S* \[\(test\|example\|sub\)\]' "$WORK/probe.fail" || true)
if [[ "$FAILS" -ne 0 ]]; then
  head -30 "$WORK/probe.fail" >&2
  fail "$FAILS probe answers were bogus or SERVFAIL ($TS_FAILS for TrustSync zones)"
fi
TS_DUR=$(secs "${T_START[test.]}" "${T_END[test.]}")
KNOT_DUR=$(secs "${T_START[knot]}" "${T_END[knot]}")
BIND_DUR=$(secs "${T_START[bind]}" "${T_END[bind]}")
CDS_DUR=$(secs "${T_START[sub.example.test.]}" "${T_END[sub.example.test.]}")
later() { /usr/bin/python3 -c "print('no later' if $1 <= $2 else 'LATER')"; }
log "TrustSync test. KSK $TS_DUR s vs Knot $KNOT_DUR s ($(later "$TS_DUR" "$KNOT_DUR")) vs BIND $BIND_DUR s ($(later "$TS_DUR" "$BIND_DUR")) (printed, not asserted: shared machine)"
log "same parent path (CDS scanned by example.test.'s operator): TrustSync cds $CDS_DUR s vs Knot $KNOT_DUR s ($(later "$CDS_DUR" "$KNOT_DUR")) vs BIND $BIND_DUR s ($(later "$CDS_DUR" "$BIND_DUR"))"
log "PASS: KSK rollovers at 3 levels + algorithm rollover at test. at once, rogue DS removed, held secondary and stopped primary waited for, zero bogus answers"
