#!/usr/bin/env bash
# Smoke test of bench/sign_bench.sh: signs a ~2000-delegation TLD zone (NSEC, then NSEC3
# opt-out) with every available signer and checks that the table has one row per tool and
# that every output verified. A peer tool that is not installed, and trustsync while
# `trustsync sign`/`keygen` still exit 70 (not implemented), are skipped with a note; any
# other failure or an unverified output fails the test. No timing is asserted.
set -euo pipefail
SRC=${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export TRUSTSYNC=${TRUSTSYNC:-$SRC/build/trustsync}
TOOLS="trustsync dnssec-signzone ldns-signzone kzonesign"
work=$(mktemp -d /tmp/bench_smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0

for denial in nsec nsec3-optout; do
  out="$work/$denial"
  bash "$SRC/bench/sign_bench.sh" --delegations 2000 --denial "$denial" \
    --tools "${TOOLS// /,}" --speed-seconds 1 --out "$out" > "$work/$denial.md" 2> "$work/$denial.err" ||
    { echo "FAIL: sign_bench.sh exited $? ($denial)"; cat "$work/$denial.err"; exit 1; }
  cat "$work/$denial.md"
  grep -q '^| tool | wall s | peak RSS MB | RRSIGs | RRSIGs/s | verified |$' "$work/$denial.md" ||
    { echo "FAIL: no table header ($denial)"; fail=1; }
  grep -q '^Crypto bound: `openssl speed' "$work/$denial.md" ||
    { echo "FAIL: no crypto bound line ($denial)"; fail=1; }
  for tool in $TOOLS; do
    rows=$(grep -c "^| $tool |" "$work/$denial.md" || true)
    [ "$rows" = 1 ] || { echo "FAIL: $rows table rows for $tool ($denial)"; fail=1; continue; }
    line=$(awk -F'\t' -v t="$tool" '$1 == t' "$out/results.tsv")
    status=$(cut -f2 <<< "$line"); sigs=$(cut -f5 <<< "$line"); verified=$(cut -f7 <<< "$line")
    case "$status" in
      ok)
        if [ "$verified" != yes ]; then
          echo "FAIL: $tool output not verified ($denial): $verified"; fail=1
        elif [ "$denial" = nsec ] && [ "$sigs" -lt 2000 ]; then
          echo "FAIL: $tool made only $sigs RRSIGs for 2000 delegations ($denial)"; fail=1
        else
          echo "ok: $tool ($denial) $sigs RRSIGs, verified"
        fi ;;
      "not implemented"*)
        if [ "$tool" = trustsync ]; then echo "SKIP: trustsync: $status"
        else echo "FAIL: $tool: $status"; fail=1; fi ;;
      missing*)
        if [ "$tool" = trustsync ] || ! command -v "$tool" >/dev/null 2>&1; then
          echo "SKIP: $tool not available ($status)"
        else echo "FAIL: $tool: $status"; fail=1; fi ;;
      *) echo "FAIL: $tool ($denial): $status"; fail=1 ;;
    esac
  done
done

# The bench must notice a bad output: a stand-in trustsync that "signs" by copying the
# unsigned zone must get a row with verified = no.
cat > "$work/fake-trustsync" <<'FAKE'
#!/usr/bin/env bash
[ "$1" = keygen ] && exit 0
while [ $# -gt 1 ]; do [ "$1" = --output ] && out=$2; shift; done
cp "$1" "$out"
FAKE
chmod +x "$work/fake-trustsync"
TRUSTSYNC="$work/fake-trustsync" bash "$SRC/bench/sign_bench.sh" --delegations 200 \
  --tools trustsync --speed-seconds 0 --out "$work/fake" > "$work/fake.md" 2>&1 || true
if grep -q '^| trustsync | .* | no |$' "$work/fake.md"; then
  echo "ok: an unsigned output is reported as not verified"
else
  echo "FAIL: the bench did not flag an unsigned output"; cat "$work/fake.md"; fail=1
fi
exit $fail
