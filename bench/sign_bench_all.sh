#!/usr/bin/env bash
# The full issue-2 comparison in one command (for a quiet machine): TLD NSEC, TLD NSEC3
# opt-out and enterprise NSEC, each with all four signers, then the large-TLD case for
# trustsync (NSEC and NSEC3 opt-out). Tables go to stdout and to OUT/all-results.md.
#
#   bench/sign_bench_all.sh [--delegations N (1000000)] [--names N (500000)]
#                           [--out DIR (bench/out/all-<time>)] [--no-large] [-- EXTRA...]
# EXTRA options go to every sign_bench.sh run (e.g. -- --verifier ldns-verify-zone).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
delegations=1000000
names=500000
out="$HERE/out/all-$(date -u +%Y%m%dT%H%M%SZ)"
large=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --delegations) delegations=$2; shift 2 ;;
    --names) names=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-large) large=0; shift ;;
    --) shift; extra=("$@"); break ;;
    *) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
mkdir -p "$out"
run() { bash "$HERE/sign_bench.sh" "$@" "${extra[@]}" | tee -a "$out/all-results.md"; echo | tee -a "$out/all-results.md"; }
{ echo "Command: $0 --delegations $delegations --names $names ${extra[*]}"; echo; } > "$out/all-results.md"
run --delegations "$delegations" --denial nsec --out "$out/tld-nsec"
run --delegations "$delegations" --denial nsec3-optout --out "$out/tld-nsec3-optout"
run --shape enterprise --names "$names" --denial nsec --out "$out/enterprise-nsec"
if [ "$large" = 1 ]; then
  run --large --denial nsec --out "$out/large-nsec"
  run --large --denial nsec3-optout --out "$out/large-nsec3-optout"
fi
echo "sign_bench_all: tables in $out/all-results.md" >&2
