#!/usr/bin/env bash
# TrustSync lab: a private DNSSEC hierarchy of real servers (NSD, BIND, Knot, Unbound) on
# loopback addresses 127.53.I.x, port 53, with its own root trust anchor.
#
#   lab.sh start  [--instance I] [--dir DIR] [--agent]  start instance I (0..99), stopping
#                                              it first; --agent: the hierarchy for agents
#                                              (tests/lab/lab_start_agent.sh)
#   lab.sh stop   [--instance I] [--dir DIR] [--keep]  stop by PID, remove addresses and the
#                                              run directory (kept with --keep or LAB_KEEP=1)
#   lab.sh status [--instance I] [--dir DIR]   list the servers and whether they run (all
#                                              instances when no --instance is given)
#   lab.sh reload-sub         [--instance I]   make NSD reload $LAB_SUB_ZONEFILE (waits)
#   lab.sh reload-zone ZONE   [--instance I]   the same for an NSD-served zone (agent mode:
#                                              test., example.test., sub.example.test.)
#   lab.sh hold-secondary ZONE    [--instance I]   secondary of ZONE stops following primary
#   lab.sh release-secondary ZONE [--instance I]   ...follows again, refreshed at once
#   lab.sh wait-sync ZONE [--timeout S] [--instance I]  wait (20 s) until both servers of ZONE
#                                              serve the same SOA serial
#   lab.sh flush-resolver     [--instance I]   empty Unbound's caches (incl. bogus keys)
#
# Layout (I = instance):           .1 `.` NSD pre-signed     .2 test. BIND dnssec-policy
#   .3 test. Knot secondary         .4 example.test. Knot auto-signing
#   .5 example.test. BIND secondary .6 sub.example.test. NSD pre-signed
#   .7 plain.test. NSD unsigned     .8 island.plain.test. BIND pre-signed (no DS in parent)
#   .53 Unbound validating resolver, trust anchor = the lab root's DS.
# All keys come from dnssec-keygen (BIND tools); Knot imports its keys with keymgr.
# The run directory holds lab.env (KEY=VALUE lines) describing the instance.
set -euo pipefail

LAB_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REGISTRY=/run/trustsync-lab
TTL=10
# shellcheck source=tests/lab/lab_conf.sh
source "$LAB_SCRIPT_DIR/lab_conf.sh"

die() {
  echo "lab.sh: $*" >&2
  exit 1
}
log() { [[ -n "${LAB_QUIET:-}" ]] || echo "lab.sh: $*" >&2; }

# ---------------------------------------------------------------- argument parsing
CMD="${1:-}"
[[ -n "$CMD" ]] || die "usage: lab.sh start|stop|status|reload-sub|reload-zone|hold-secondary|release-secondary|wait-sync|flush-resolver [ZONE] [--instance I] [--dir DIR]"
shift
INSTANCE=0
INSTANCE_GIVEN=""
DIR=""
ZONE_ARG=""
TIMEOUT=20
KEEP="${LAB_KEEP:-}"
AGENT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --instance) INSTANCE="${2:?--instance needs a value}"; INSTANCE_GIVEN=1; shift 2 ;;
    --instance=*) INSTANCE="${1#*=}"; INSTANCE_GIVEN=1; shift ;;
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --dir=*) DIR="${1#*=}"; shift ;;
    --keep) KEEP=1; shift ;;
    --agent) AGENT=1; shift ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) [[ -z "$ZONE_ARG" ]] || die "unexpected argument $1"; ZONE_ARG="$1"; shift ;;
  esac
done
[[ "$INSTANCE" =~ ^([0-9]|[1-9][0-9])$ ]] || die "--instance must be 0..99, got '$INSTANCE'"
P="127.53.$INSTANCE"

# The run directory of an instance: --dir, else the one recorded at start, else the default.
resolve_dir() {
  if [[ -n "$DIR" ]]; then return; fi
  if [[ -f "$REGISTRY/$INSTANCE" ]]; then
    DIR="$(cat "$REGISTRY/$INSTANCE")"
  else
    DIR="/tmp/trustsync-lab-$INSTANCE"
  fi
}

ADDR_SUFFIXES=(1 2 3 4 5 6 7 8 9 10 53)  # .9 .10: agent mode only

# ---------------------------------------------------------------- process handling
# A pid is ours only if its command line mentions our run directory.
pid_is_ours() {
  local pid="$1"
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  local cmdline
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  [[ "$cmdline" == *"$DIR/"* ]]
}

# stop_instance [DIR]: stop the instance whose run directory is DIR (default: $DIR).
stop_instance() {
  local DIR="${1:-$DIR}"
  local f pid name pids=()
  if [[ -d "$DIR/pids" ]]; then
    for f in "$DIR"/pids/*.pid; do
      [[ -e "$f" ]] || continue
      pid="$(cat "$f")"
      if [[ "$pid" =~ ^[0-9]+$ ]] && pid_is_ours "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        pids+=("$pid")
      fi
    done
    # Wait up to 5 s for a clean exit, then kill what is left.
    local i
    for ((i = 0; i < 100; i++)); do
      local alive=0
      for pid in "${pids[@]}"; do
        if pid_is_ours "$pid"; then alive=1; fi
      done
      [[ $alive == 1 ]] || break
      sleep 0.05
    done
    for pid in "${pids[@]}"; do
      if pid_is_ours "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
    rm -f "$DIR"/pids/*.pid
  fi
  # Sweep: any server process still running from this run directory (e.g. a child of a
  # server that had to be killed).
  local p exe
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    exe="$(readlink "$p/exe" 2>/dev/null)" || continue
    case "${exe##*/}" in nsd | named | knotd | unbound) ;; *) continue ;; esac
    if pid_is_ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  for name in "${ADDR_SUFFIXES[@]}"; do echo "addr del $P.$name/32 dev lo"; done |
    ip -force -batch - >/dev/null 2>&1 || true
  rm -f "$REGISTRY/$INSTANCE"
}

# launch NAME CMD... : start a foreground daemon in its own session, record its pid.
launch() {
  local name="$1"
  shift
  setsid "$@" </dev/null >"$DIR/logs/$name.out" 2>&1 &
  echo $! >"$DIR/pids/$name.pid"
}

# ---------------------------------------------------------------- DNS helpers
q() { dig +norec +time=1 +tries=1 "$@" 2>/dev/null; }
serial_at() { q +short "@$1" SOA "$2" | awk 'NF==7 {print $3}' | head -1; }
has_rrsig_soa() {
  local out
  out="$(q +dnssec +noall +answer "@$1" SOA "$2")"
  [[ "$out" =~ RRSIG[[:space:]]+SOA ]]
}

# poll SECONDS DESCRIPTION COMMAND...: retry COMMAND every 50 ms until it succeeds.
poll() {
  local limit="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + limit))
  while ! "$@"; do
    if ((SECONDS >= deadline)); then
      echo "lab.sh: timeout after ${limit}s waiting for: $what" >&2
      return 1
    fi
    sleep 0.05
  done
  return 0
}

load_env() {
  resolve_dir
  [[ -f "$DIR/lab.env" ]] || die "instance $INSTANCE is not running (no $DIR/lab.env)"
  # shellcheck disable=SC1091
  source "$DIR/lab.env"
}

# ---------------------------------------------------------------- secondary control
secondary_of() {
  case "$1" in
    test | test.) ZONE=test.; PRI=$LAB_TEST_PRIMARY; SEC=$LAB_TEST_SECONDARY ;;
    example.test | example.test.) ZONE=example.test.; PRI=$LAB_EXAMPLE_PRIMARY; SEC=$LAB_EXAMPLE_SECONDARY ;;
    *) die "no secondary for zone '$1' (test. or example.test.)" ;;
  esac
}

hold_secondary() {
  secondary_of "$1"
  case "$ZONE" in
    test.) knotc -s "$DIR/knot-test2/knot.sock" -b zone-freeze test. >/dev/null ;;
    example.test.)
      write_bind_example2_conf hold
      rndc -c "$DIR/bind-example2/rndc.conf" reconfig >/dev/null
      ;;
  esac
  touch "$DIR/held-$ZONE"
  log "holding the secondary of $ZONE ($SEC)"
}

release_secondary() {
  secondary_of "$1"
  case "$ZONE" in
    test.)
      knotc -s "$DIR/knot-test2/knot.sock" -b zone-thaw test. >/dev/null
      knotc -s "$DIR/knot-test2/knot.sock" -b zone-refresh test. >/dev/null
      ;;
    example.test.)
      write_bind_example2_conf follow
      rndc -c "$DIR/bind-example2/rndc.conf" reconfig >/dev/null
      rndc -c "$DIR/bind-example2/rndc.conf" refresh example.test >/dev/null
      ;;
  esac
  rm -f "$DIR/held-$ZONE"
  log "released the secondary of $ZONE ($SEC)"
}

same_serial() {
  local a b
  a="$(serial_at "$PRI" "$ZONE")"
  b="$(serial_at "$SEC" "$ZONE")"
  [[ -n "$a" && "$a" == "$b" ]]
}

wait_sync() {
  secondary_of "$1"
  poll "$TIMEOUT" "$ZONE: same SOA serial at $PRI and $SEC" same_serial
}

# ---------------------------------------------------------------- reload-zone / reload-sub
# "serial signature" of the SOA in the zone file and as NSD serves it (signature "" if the
# file is unsigned): equal once NSD has loaded the file.
soa_fingerprint() {
  awk '$4=="SOA" {serial=$7} $4=="RRSIG" && $5=="SOA" {s=""; for (i=13;i<=NF;i++) s=s $i; sig=s}
       END {print serial " " sig}'
}
file_soa() { ldns-read-zone "$RZ_FILE" 2>/dev/null | soa_fingerprint; }
served_soa() { q +dnssec +noall +answer "@$RZ_ADDR" SOA "$RZ_ZONE" | soa_fingerprint; }

# reload_zone ZONE: NSD (re)loads the zone's file; returns once NSD serves what the file holds
# now (the file is read again on every check: a writer may replace it meanwhile). NSD ignores
# a reload if the file's mtime did not change (two writes in one second): then the file is
# touched and the reload asked again, every 2 s, for up to 20 s. Signers that do not retry a
# failed reload hook rely on this.
reload_zone() {
  RZ_ZONE="${1%.}."
  case "$RZ_ZONE" in
    sub.example.test.) RZ_FILE=$LAB_SUB_ZONEFILE RZ_ADDR=$LAB_SUB_ADDR RZ_CONF=$LAB_SUB_NSD_CONF ;;
    test.) RZ_FILE=${LAB_TEST_ZONEFILE:-} RZ_ADDR=$LAB_TEST_PRIMARY RZ_CONF=${LAB_TEST_NSD_CONF:-} ;;
    example.test.)
      RZ_FILE=${LAB_EXAMPLE_ZONEFILE:-} RZ_ADDR=$LAB_EXAMPLE_PRIMARY RZ_CONF=${LAB_EXAMPLE_NSD_CONF:-}
      ;;
    *) die "reload-zone: no NSD-served zone '$1'" ;;
  esac
  [[ -n "$RZ_CONF" ]] || die "reload-zone: $RZ_ZONE is not served by NSD in this mode (start --agent)"
  reload_zone_wait 4 && return 0
  # NSD does not answer (stopped?): keep trying for 2 minutes in the background so that the
  # file is served once NSD is back, and let the caller (a signer's reload hook) go on.
  echo "lab.sh: NSD at $RZ_ADDR does not serve $RZ_FILE yet; retrying in the background" >&2
  (reload_zone_wait 120 || echo "lab.sh: gave up reloading $RZ_ZONE" >&2) </dev/null >/dev/null 2>&1 &
  disown
  return 0
}

# reload_zone_wait SECONDS: every 50 ms compare; ask NSD every 2 s, touching the file from the
# second time on. Fails at once when nsd-control gets no answer within 1 s (a stopped NSD
# holds the control connection).
reload_zone_wait() {
  local ctl=(timeout 1 nsd-control -c "$RZ_CONF") want="" i deadline=$((SECONDS + $1))
  for ((i = 0; SECONDS < deadline; i++)); do
    want="$(file_soa)"
    if [[ "$want" =~ ^[0-9]+ ]]; then
      [[ "$(served_soa)" != "$want" ]] || return 0
      if ((i % 40 == 0)); then
        ((i == 0)) || touch "$RZ_FILE"
        local rc=0
        "${ctl[@]}" reload "$RZ_ZONE" >/dev/null 2>&1 || rc=$?
        ((rc != 124)) || return 1 # NSD does not answer its control socket (stopped)
      fi
    fi
    sleep 0.05
  done
  return 1
}
reload_sub() { reload_zone sub.example.test.; }

# Unbound keeps a bogus key for ~60 s whatever its options: tests that break and repair a
# zone flush it.
flush_resolver() {
  local c=(unbound-control -c "$LAB_UNBOUND_CONF")
  "${c[@]}" flush_bogus >/dev/null
  "${c[@]}" flush_negative >/dev/null
  "${c[@]}" flush_zone . >/dev/null
  "${c[@]}" flush_infra all >/dev/null
}

# ---------------------------------------------------------------- status
status() {
  resolve_dir
  local f name pid state any=0
  echo "instance $INSTANCE dir $DIR"
  for f in "$DIR"/pids/*.pid; do
    [[ -e "$f" ]] || continue
    any=1
    name="$(basename "$f" .pid)"
    pid="$(cat "$f")"
    if pid_is_ours "$pid"; then state=running; else state=dead; fi
    printf '  %-14s pid %-8s %s\n' "$name" "$pid" "$state"
  done
  [[ $any == 1 ]] || { echo "  not running"; return 1; }
}

case "$CMD" in
  start)
    DIR="${DIR:-/tmp/trustsync-lab-$INSTANCE}"
    # shellcheck source=tests/lab/lab_start.sh
    source "$LAB_SCRIPT_DIR/lab_start.sh"
    if [[ -n "$AGENT" ]]; then
      # shellcheck source=tests/lab/lab_start_agent.sh
      source "$LAB_SCRIPT_DIR/lab_start_agent.sh"
      start_lab_agent
    else
      start_lab
    fi
    ;;
  stop)
    resolve_dir
    stop_instance
    # Remove the run directory too (only one this script made), unless asked to keep it.
    if [[ -z "$KEEP" && -f "$DIR/.trustsync-lab" ]]; then rm -rf "$DIR"; fi
    log "instance $INSTANCE stopped"
    ;;
  status)
    if [[ -n "$INSTANCE_GIVEN" || -n "$DIR" ]]; then
      status
    else
      # Every instance started by this script (and not stopped) on this machine.
      rc=1
      for f in "$REGISTRY"/[0-9]; do
        [[ -e "$f" ]] || continue
        INSTANCE="$(basename "$f")" P="127.53.$INSTANCE" DIR=""
        if status; then rc=0; fi
      done
      [[ $rc == 0 ]] || echo "no lab instance running"
      exit $rc
    fi
    ;;
  reload-sub) load_env; reload_sub ;;
  reload-zone) load_env; [[ -n "$ZONE_ARG" ]] || die "reload-zone needs ZONE"; reload_zone "$ZONE_ARG" ;;
  hold-secondary) load_env; [[ -n "$ZONE_ARG" ]] || die "hold-secondary needs ZONE"; hold_secondary "$ZONE_ARG" ;;
  release-secondary) load_env; [[ -n "$ZONE_ARG" ]] || die "release-secondary needs ZONE"; release_secondary "$ZONE_ARG" ;;
  flush-resolver) load_env; flush_resolver ;;
  wait-sync) load_env; [[ -n "$ZONE_ARG" ]] || die "wait-sync needs ZONE"; wait_sync "$ZONE_ARG" ;;
  *) die "unknown command '$CMD'" ;;
esac
