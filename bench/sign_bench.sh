#!/usr/bin/env bash
# shellcheck disable=SC2317  # the run_<tool> functions are called through $fn
# Signing benchmark: generates a zone (bench/gen_zone.py), signs it with trustsync,
# dnssec-signzone, ldns-signzone and kzonesign in the same run (ECDSAP256SHA256 KSK+ZSK,
# NSEC or NSEC3 with 0 iterations and no salt, RFC 9276), measures each signer's wall time
# and peak RSS with /usr/bin/time -v, counts the RRSIGs in each output, verifies each
# output, and prints one markdown table plus the crypto bound from `openssl speed`.
# Missing or failing tools are reported in the table, never fatal. See bench/README.md.
#
#   bench/sign_bench.sh [--delegations N] [--names N] [--shape tld|enterprise]
#                       [--denial nsec|nsec3|nsec3-optout]
#                       [--tools trustsync,dnssec-signzone,ldns-signzone,kzonesign]
#                       [--verifier dnssec-verify|ldns-verify-zone|kzonecheck|none]
#                       [--threads N] [--speed-seconds N] [--seed N] [--origin O]
#                       [--out DIR] [--keep-outputs] [--large]
#
# Env: TRUSTSYNC = the trustsync binary (default: build/trustsync of this checkout,
# then trustsync on PATH). Exit status: 0 when the run completed (even if some tool
# failed; the table says so), 2 on bad usage.
set -uo pipefail
export LC_ALL=C
# keymgr (Knot) lives in /usr/sbin, which a non-root PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ALL_TOOLS="trustsync,dnssec-signzone,ldns-signzone,kzonesign"

delegations=100000
names=""
shape=tld
denial=nsec
tools=$ALL_TOOLS
verifier=dnssec-verify  # fastest and leanest of the three (bench/README.md)
threads=$(nproc)
speed_seconds=3
seed=1
origin=""
out=""
keep=0
large=0
tools_given=0
# The large-TLD case of issue 2: 14.3 million records. gen_zone.py writes 2.12 records per
# delegation plus 9 at the apex: 6,745,000 delegations = 14.30 M records.
LARGE_DELEGATIONS=${TS_BENCH_LARGE_DELEGATIONS:-6745000}  # env override only for testing the mode

usage() { sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --delegations) delegations=$2; shift 2 ;;
    --names) names=$2; shift 2 ;;
    --shape) shape=$2; shift 2 ;;
    --denial) denial=$2; shift 2 ;;
    --tools) tools=$2; tools_given=1; shift 2 ;;
    --verifier) verifier=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --speed-seconds) speed_seconds=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --origin) origin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep-outputs) keep=1; shift ;;
    --large) large=1; shift ;;
    -h|--help) usage ;;
    *) echo "sign_bench: unknown option $1" >&2; usage ;;
  esac
done
case "$shape" in tld|enterprise) ;; *) echo "sign_bench: --shape tld|enterprise" >&2; exit 2 ;; esac
case "$denial" in nsec|nsec3|nsec3-optout) ;; *) echo "sign_bench: --denial nsec|nsec3|nsec3-optout" >&2; exit 2 ;; esac
case "$verifier" in ldns-verify-zone|dnssec-verify|kzonecheck|none) ;;
  *) echo "sign_bench: --verifier ldns-verify-zone|dnssec-verify|kzonecheck|none" >&2; exit 2 ;; esac
if [ "$large" = 1 ]; then
  shape=tld
  delegations=$LARGE_DELEGATIONS
  [ "$tools_given" = 1 ] || tools=trustsync
  [ -n "$out" ] || out=/tmp/trustsync-bench-large
fi
[ -n "$origin" ] || { [ "$shape" = tld ] && origin=tld. || origin=corp.example.; }
case "$origin" in *.) ;; *) origin="$origin." ;; esac
size=$delegations
[ "$shape" = enterprise ] && size=${names:-$delegations}
[ -n "$out" ] || out="$ROOT/bench/out/$(date -u +%Y%m%dT%H%M%SZ)-$shape-$size-$denial"
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)

if [ -z "${TRUSTSYNC:-}" ]; then
  if [ -x "$ROOT/build/trustsync" ]; then TRUSTSYNC="$ROOT/build/trustsync"
  else TRUSTSYNC=$(command -v trustsync || echo "$ROOT/build/trustsync"); fi
fi

log() { echo "sign_bench: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { log "/usr/bin/time missing (apt package 'time'): wall/RSS not measured"; TIME=""; }

# ---- zone ------------------------------------------------------------------------------
zone="$out/zone.db"
if [ "$shape" = tld ]; then gen_args=(--shape tld --delegations "$size")
else gen_args=(--shape enterprise --names "$size"); fi
log "generating $shape zone ($size) into $zone"
python3 "$HERE/gen_zone.py" "${gen_args[@]}" --origin "$origin" --seed "$seed" \
  --output "$zone" 2> "$out/gen.log" || { cat "$out/gen.log" >&2; exit 1; }
records=$(sed -n 's/.*records=\([0-9]*\).*/\1/p' "$out/gen.log")
log "$(cat "$out/gen.log")"

# ---- helpers ---------------------------------------------------------------------------
# timed NAME CMD...: runs CMD under /usr/bin/time -v, output in $out/NAME.{log,time}.
timed() {
  local name=$1; shift
  if [ -n "$TIME" ]; then
    "$TIME" -v -o "$out/$name.time" "$@" > "$out/$name.log" 2>&1
  else
    "$@" > "$out/$name.log" 2>&1
  fi
}
# wall_s FILE / rss_mb FILE: parse /usr/bin/time -v output.
wall_s() {
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
    for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$1" 2>/dev/null
}
rss_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1" 2>/dev/null; }
# count_rrsigs FILE: RRSIG records in a presentation-format zone (one record per line;
# the owner may be omitted; TTL and class are optional).
count_rrsigs() {
  awk '/^[ \t]*;/ || /^\$/ { next }
    { i = ($0 ~ /^[ \t]/) ? 1 : 2
      while (i <= NF && ($i ~ /^[0-9]+$/ || $i == "IN" || $i == "CH" || $i == "HS")) i++
      if ($i == "RRSIG") n++ }
    END { print n + 0 }' "$1"
}
# verify FILE: runs the chosen verifier, log in FILE.verify.log; prints yes/no/skipped.
verify() {
  local f=$1 rc
  case "$verifier" in
    none) echo skipped; return ;;
    ldns-verify-zone) have ldns-verify-zone || { echo "no verifier"; return; }
      ldns-verify-zone "$f" > "$f.verify.log" 2>&1; rc=$? ;;
    dnssec-verify) have dnssec-verify || { echo "no verifier"; return; }
      dnssec-verify -o "$origin" "$f" > "$f.verify.log" 2>&1; rc=$? ;;
    kzonecheck) have kzonecheck || { echo "no verifier"; return; }
      kzonecheck -o "$origin" -d on "$f" > "$f.verify.log" 2>&1; rc=$? ;;
  esac
  [ "$rc" = 0 ] && echo yes || echo no
}
# nsec3param FILE: the NSEC3PARAM rdata (hash flags iterations salt), to check RFC 9276.
nsec3param() {
  awk '/^[ \t]*;/ { next } { for (i = 1; i <= NF; i++) if ($i == "NSEC3PARAM" && i < NF) {
    print $(i+1), $(i+2), $(i+3), $(i+4); exit } }' "$1"
}

# ---- per-tool key setup and signing ----------------------------------------------------
# Each run_<tool> sets: status ("ok", "missing", "failed rc=N", "not implemented") and
# signed (output file). Key generation is not timed.
run_trustsync() {
  local d="$out/trustsync" rc
  rm -rf "$d"; mkdir -p "$d"; signed="$d/signed.db"
  [ -x "$TRUSTSYNC" ] || { status="missing ($TRUSTSYNC)"; return; }
  for role in ksk zsk; do
    "$TRUSTSYNC" keygen --origin "$origin" --algorithm ECDSAP256SHA256 --role "$role" \
      --keys "$d/keys" > "$d/keygen-$role.log" 2>&1
    rc=$?
    if [ "$rc" = 70 ]; then status="not implemented (keygen exit 70)"; return; fi
    if [ "$rc" != 0 ]; then status="keygen failed rc=$rc"; return; fi
  done
  local args=(sign --origin "$origin" --keys "$d/keys" --threads "$threads" --output "$signed")
  case "$denial" in
    nsec) args+=(--denial nsec) ;;
    nsec3) args+=(--denial nsec3 --iterations 0) ;;
    nsec3-optout) args+=(--denial nsec3 --opt-out --iterations 0) ;;
  esac
  timed trustsync "$TRUSTSYNC" "${args[@]}" "$zone"; rc=$?
  if [ "$rc" = 70 ]; then status="not implemented (sign exit 70)"
  elif [ "$rc" != 0 ]; then status="failed rc=$rc"
  else status=ok; fi
}

run_dnssec_signzone() {
  local d="$out/bind" rc
  rm -rf "$d"; mkdir -p "$d/keys"; signed="$d/signed.db"
  if ! have dnssec-signzone || ! have dnssec-keygen; then status=missing; return; fi
  ( cd "$d/keys" && dnssec-keygen -q -K . -a ECDSAP256SHA256 -f KSK "$origin" &&
    dnssec-keygen -q -K . -a ECDSAP256SHA256 "$origin" ) > "$d/keygen.log" 2>&1 ||
    { status="keygen failed"; return; }
  # -S: smart signing with the keys in -K; -d: dsset- goes there, not into the cwd;
  # -P: no post-sign verification (every tool's output is verified below, untimed);
  # -O full: one record per line.
  local args=(-n "$threads" -K "$d/keys" -S -d "$d/keys" -P -O full -o "$origin" -f "$signed")
  case "$denial" in
    nsec3) args+=(-3 - -H 0) ;;
    nsec3-optout) args+=(-3 - -H 0 -A) ;;
  esac
  ( cd "$d" && timed bind dnssec-signzone "${args[@]}" "$zone" ); rc=$?
  [ "$rc" = 0 ] && status=ok || status="failed rc=$rc"
}

run_ldns_signzone() {
  local d="$out/ldns" ksk zsk rc
  rm -rf "$d"; mkdir -p "$d/keys"; signed="$d/signed.db"
  if ! have ldns-signzone || ! have ldns-keygen; then status=missing; return; fi
  if ! ksk=$(cd "$d/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$origin" 2>> "$d/keygen.log") ||
    ! zsk=$(cd "$d/keys" && ldns-keygen -a ECDSAP256SHA256 "$origin" 2>> "$d/keygen.log"); then
    status="keygen failed"; return
  fi
  # ldns-signzone is single-threaded. -p only sets the opt-out flag: it still makes an
  # NSEC3 record (and RRSIG) for every insecure delegation.
  local args=(-o "$origin" -f "$signed")
  case "$denial" in
    nsec3) args+=(-n -t 0 -s "") ;;
    nsec3-optout) args+=(-n -t 0 -s "" -p) ;;
  esac
  timed ldns ldns-signzone "${args[@]}" "$zone" "$d/keys/$ksk" "$d/keys/$zsk"; rc=$?
  [ "$rc" = 0 ] && status=ok || status="failed rc=$rc"
}

run_kzonesign() {
  local d="$out/knot" rc
  rm -rf "$d"; mkdir -p "$d/out"; signed="$d/out/$(basename "$zone")"
  if ! have kzonesign || ! have keymgr; then status=missing; return; fi
  local nsec3="nsec3: off"
  case "$denial" in
    nsec3) nsec3=$'nsec3: on\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\n    nsec3-opt-out: off' ;;
    nsec3-optout) nsec3=$'nsec3: on\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\n    nsec3-opt-out: on' ;;
  esac
  # A private Knot config + KASP db; manual: on so that kzonesign uses the keymgr keys.
  cat > "$d/knot.conf" <<EOF
server:
    rundir: "$d"
database:
    storage: "$d"
    kasp-db: "$d/kasp"
    journal-db: "$d/journal"
    timer-db: "$d/timer"
policy:
  - id: bench
    algorithm: ecdsap256sha256
    manual: on
    signing-threads: $threads
    $nsec3
zone:
  - domain: $origin
    file: "$zone"
    dnssec-signing: on
    dnssec-policy: bench
EOF
  { keymgr -c "$d/knot.conf" "$origin" generate algorithm=ECDSAP256SHA256 ksk=yes zsk=no &&
    keymgr -c "$d/knot.conf" "$origin" generate algorithm=ECDSAP256SHA256 ksk=no zsk=yes; } \
    > "$d/keygen.log" 2>&1 || { status="keygen failed"; return; }
  timed knot kzonesign -c "$d/knot.conf" -o "$d/out" "$origin"; rc=$?
  [ "$rc" = 0 ] && status=ok || status="failed rc=$rc"
}

# ---- run ----------------------------------------------------------------------------
start_load=$(cut -d' ' -f1-3 /proc/loadavg)
log "out=$out threads=$threads denial=$denial verifier=$verifier load=$start_load"
declare -A T_WALL T_RSS T_SIGS T_RATE T_VER T_STATUS T_BYTES T_VSECS
IFS=, read -r -a tool_list <<< "$tools"
for tool in "${tool_list[@]}"; do
  case "$tool" in
    trustsync) fn=run_trustsync; tf=trustsync ;;
    dnssec-signzone) fn=run_dnssec_signzone; tf=bind ;;
    ldns-signzone) fn=run_ldns_signzone; tf=ldns ;;
    kzonesign) fn=run_kzonesign; tf=knot ;;
    *) log "unknown tool $tool (known: $ALL_TOOLS)"; T_STATUS[$tool]="unknown tool"; continue ;;
  esac
  status=""; signed=""
  log "signing with $tool"
  $fn
  T_STATUS[$tool]=$status
  if [ "$status" = ok ] && [ -s "$signed" ]; then
    T_WALL[$tool]=$(wall_s "$out/$tf.time"); T_RSS[$tool]=$(rss_mb "$out/$tf.time")
    T_SIGS[$tool]=$(count_rrsigs "$signed")
    T_BYTES[$tool]=$(stat -c %s "$signed")
    T_RATE[$tool]=$(awk -v n="${T_SIGS[$tool]}" -v s="${T_WALL[$tool]}" \
      'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')
    if [ "$denial" != nsec ]; then
      p=$(nsec3param "$signed")
      case "$p" in "1 "?" 0 -"|"1 "?" 0 ") ;; *) log "$tool: NSEC3PARAM is '$p' (want 0 iterations, no salt)" ;; esac
    fi
    log "verifying $tool output with $verifier"
    vstart=$(date +%s.%N)
    T_VER[$tool]=$(verify "$signed")
    T_VSECS[$tool]=$(awk -v a="$vstart" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    [ "$keep" = 1 ] || rm -f "$signed"
  elif [ "$status" = ok ]; then
    T_STATUS[$tool]="no output"
  fi
  if [ "${T_STATUS[$tool]}" != ok ] && [ -s "$out/$tf.log" ]; then
    log "$tool: ${T_STATUS[$tool]}: $(tail -n 3 "$out/$tf.log" | tr '\n' ' ')"
  fi
done

# ---- crypto bound ---------------------------------------------------------------------
bound=""
if [ "$speed_seconds" != 0 ] && have openssl; then
  log "openssl speed -multi $threads -seconds $speed_seconds ecdsap256"
  bound=$(openssl speed -multi "$threads" -seconds "$speed_seconds" ecdsap256 2>/dev/null |
    awk '/ecdsa \(nistp256\)/ { v = $(NF-1) } END { print v }')
fi

# ---- report ---------------------------------------------------------------------------
# results.tsv: one machine-readable line per tool (tests/integration/bench_smoke.sh reads it).
{
  printf 'tool\tstatus\twall_s\tpeak_rss_mb\trrsigs\trrsigs_per_s\tverified\toutput_bytes\tverify_s\n'
  for tool in "${tool_list[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "${T_STATUS[$tool]:-not run}" \
      "${T_WALL[$tool]:--}" "${T_RSS[$tool]:--}" "${T_SIGS[$tool]:--}" "${T_RATE[$tool]:--}" \
      "${T_VER[$tool]:--}" "${T_BYTES[$tool]:--}" "${T_VSECS[$tool]:--}"
  done
} > "$out/results.tsv"
zone_bytes=$(stat -c %s "$zone")
{
  echo "### Signing benchmark: $shape, $size $( [ "$shape" = tld ] && echo delegations || echo names ), $records records, ECDSAP256SHA256, $denial"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average at start $start_load, $threads signing threads, verifier: $verifier"
  echo
  echo "| tool | wall s | peak RSS MB | RRSIGs | RRSIGs/s | verified |"
  echo "|---|---:|---:|---:|---:|---|"
  for tool in "${tool_list[@]}"; do
    if [ "${T_STATUS[$tool]:-}" = ok ]; then
      echo "| $tool | ${T_WALL[$tool]} | ${T_RSS[$tool]} | ${T_SIGS[$tool]} | ${T_RATE[$tool]} | ${T_VER[$tool]} |"
    else
      echo "| $tool | - | - | - | - | ${T_STATUS[$tool]:-not run} |"
    fi
  done
  echo
  if [ -n "$bound" ]; then
    echo "Crypto bound: \`openssl speed -multi $threads -seconds $speed_seconds ecdsap256\` = $bound sign/s"
  else
    echo "Crypto bound: not measured"
  fi
  if [ "${T_STATUS[trustsync]:-}" = ok ]; then
    [ -n "$bound" ] && awk -v r="${T_RATE[trustsync]}" -v b="$bound" 'BEGIN {
      printf "trustsync: %s RRSIGs/s = %.1f%% of the crypto bound (target >= 80%%)\n", r, 100 * r / b }'
    if [ "${T_STATUS[kzonesign]:-}" = ok ]; then
      awk -v t="${T_WALL[trustsync]}" -v k="${T_WALL[kzonesign]}" -v tm="${T_RSS[trustsync]}" \
        -v km="${T_RSS[kzonesign]}" 'BEGIN {
        printf "trustsync: %.2f s vs half of kzonesign %.2f s: %s; peak RSS %s MB vs kzonesign %s MB: %s\n",
          t, k / 2, (t <= k / 2 ? "target met" : "target missed"), tm, km,
          (tm + 0 <= km + 0 ? "target met" : "target missed") }'
    fi
  fi
  if [ "$large" = 1 ]; then
    echo
    max_out=0
    for tool in "${tool_list[@]}"; do
      [ "${T_BYTES[$tool]:-0}" -gt "$max_out" ] && max_out=${T_BYTES[$tool]}
    done
    awk -v z="$zone_bytes" -v o="$max_out" -v r="$records" -v d="$out" -v k="$keep" 'BEGIN {
      printf "Large-TLD case: %d records; disk in %s: zone %.2f GB + largest signed output %.2f GB (%s)\n",
        r, d, z / 1e9, o / 1e9, (k ? "outputs kept" : "each output deleted after counting and verifying") }'
    echo "Memory target for the large case: peak RSS must fit in 24 GB (24576 MB)"
  fi
} | tee "$out/results.md"
exit 0
