#!/usr/bin/env bash
# `trustsync audit verify` on a log written by the agent's AuditLog (through the hidden
# `trustsync alert-test --audit` driver): intact -> exit 0; an edited field, a deleted line,
# swapped lines, a truncated end -> exit 1 naming the line.
set -euo pipefail
: "${TRUSTSYNC:?}"
work=$(mktemp -d /tmp/ts_audit_it.XXXXXX)
trap 'rm -rf "$work"' EXIT
log="$work/audit.jsonl"
"$TRUSTSYNC" alert-test --audit "$log" --entries 6 >/dev/null

out=$("$TRUSTSYNC" audit verify "$log")
echo "$out"
grep -q ": ok: 6 entries" <<<"$out"
[ "$(stat -c %a "$log")" = 600 ] || { echo "FAIL: mode $(stat -c %a "$log")"; exit 1; }

expect_tampered() {  # NAME EXPECTED-TEXT
  set +e
  out=$("$TRUSTSYNC" audit verify --head "$log.head" "$work/t.jsonl")
  rc=$?
  set -e
  echo "$1: $out"
  [ $rc -eq 1 ] || { echo "FAIL: $1: exit $rc, expected 1"; exit 1; }
  grep -q -- "$2" <<<"$out" || { echo "FAIL: $1: expected '$2'"; exit 1; }
}

sed '3s/"tag":1002/"tag":1003/' "$log" >"$work/t.jsonl"
expect_tampered edit "TAMPERED: line 3 was changed"
sed '4d' "$log" >"$work/t.jsonl"
expect_tampered delete "line 4 holds entry 5: entry 4 removed"
awk 'NR==3{held=$0; next} {print} NR==4{print held}' "$log" >"$work/t.jsonl"
expect_tampered reorder "line 3 holds entry 4"
head -n 4 "$log" >"$work/t.jsonl"
expect_tampered truncate "lines 5..6 removed (truncated)"
head -c -10 "$log" >"$work/t.jsonl"
expect_tampered torn "line 6 is incomplete"
cp "$log" "$work/t.jsonl"
sed -i '6s/"zsk"/"ksk"/' "$work/t.jsonl"
expect_tampered last-line "line 6 was changed (its hash does not match the head file)"
echo "audit_verify: PASS"
