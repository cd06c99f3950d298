#!/usr/bin/env bash
# `trustsync run --config FILE --check` on the shipped example configs (exit 0, no warnings)
# and on tests/data/config: each bad-*.toml must exit 1 with a message on stderr naming the
# file, the line and the key given in its "# expect-line/-key/-text:" header; each
# warn-*.toml must exit 0 and print its "# expect-warning:" text.
set -u
TRUSTSYNC=${TRUSTSYNC:-$TS_BUILD_DIR/trustsync}
SRC=${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
failures=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

fail() {
  echo "FAIL: $*"
  sed 's/^/  stderr: /' "$err"
  failures=$((failures + 1))
}
header() {  # header FILE NAME -> the value of "# NAME: value"
  sed -n "s/^# $2: *//p" "$1" | head -n1
}

for f in "$SRC/conf/trustsync.toml" "$SRC/conf/minimal.toml"; do
  "$TRUSTSYNC" run --config "$f" --check >"$out" 2>"$err"
  rc=$?
  if [ $rc -ne 0 ]; then fail "$f: exit $rc, expected 0"; continue; fi
  if [ -s "$err" ]; then fail "$f: unexpected output on stderr"; continue; fi
  grep -q "OK" "$out" || fail "$f: no OK line"
  echo "ok: $(basename "$f") is valid"
done

# --print writes the effective policy as TOML; checking that output prints it again unchanged.
tmpdir=$(mktemp -d)
trap 'rm -f "$out" "$err"; rm -rf "$tmpdir"' EXIT
"$TRUSTSYNC" run --config "$SRC/conf/trustsync.toml" --check --print 2>"$err" |
  grep -v '^#' | grep -v ': OK (' >"$tmpdir/effective.toml"
"$TRUSTSYNC" run --config "$tmpdir/effective.toml" --check --print 2>"$err" |
  grep -v '^#' | grep -v ': OK (' >"$tmpdir/again.toml"
if [ "$(grep -c '^\[\[zone\]\]' "$tmpdir/effective.toml")" -ne 3 ]; then
  fail "--print: expected 3 zones in the effective policy of conf/trustsync.toml"
elif ! cmp -s "$tmpdir/effective.toml" "$tmpdir/again.toml"; then
  fail "--print: the effective policy does not read back to itself"
  diff "$tmpdir/effective.toml" "$tmpdir/again.toml" | head -n 20
else
  echo "ok: --print output reads back to the same policy"
fi

count=0
for f in "$SRC"/tests/data/config/bad-*.toml; do
  count=$((count + 1))
  line=$(header "$f" expect-line)
  key=$(header "$f" expect-key)
  text=$(header "$f" expect-text)
  "$TRUSTSYNC" run --config "$f" --check >"$out" 2>"$err"
  rc=$?
  name=$(basename "$f")
  if [ $rc -ne 1 ]; then fail "$name: exit $rc, expected 1"; continue; fi
  # The first error line must name FILE:LINE:COLUMN and the key path.
  if ! grep -qF "$f:$line:" "$err"; then fail "$name: stderr does not name $f:$line:"; continue; fi
  if [ -n "$key" ] && ! grep -F "$f:$line:" "$err" | grep -qF ": $key: "; then
    fail "$name: the error at line $line does not name the key '$key'"
    continue
  fi
  if [ -n "$text" ] && ! grep -qF -- "$text" "$err"; then fail "$name: stderr lacks '$text'"; continue; fi
  echo "ok: $name -> $(head -n1 "$err" | cut -c1-140)"
done
[ "$count" -ge 10 ] || fail "only $count broken configs found in tests/data/config"

for f in "$SRC"/tests/data/config/warn-*.toml; do
  want=$(header "$f" expect-warning)
  name=$(basename "$f")
  "$TRUSTSYNC" run --config "$f" --check >"$out" 2>"$err"
  rc=$?
  if [ $rc -ne 0 ]; then fail "$name: exit $rc, expected 0 (warnings only)"; continue; fi
  grep -F "warning:" "$err" | grep -qF -- "$want" || { fail "$name: no warning '$want'"; continue; }
  echo "ok: $name warns: $want"
done

# Usage errors and a missing file.
"$TRUSTSYNC" run --check >"$out" 2>"$err"
[ $? -eq 64 ] || fail "run without --config: expected exit 64"
"$TRUSTSYNC" run --config /nonexistent/trustsync.toml --check >"$out" 2>"$err"
rc=$?
[ $rc -eq 1 ] && grep -qF "/nonexistent/trustsync.toml" "$err" || fail "missing file: exit $rc"
# Without --check the daemon runs: tested by tests/integration/daemon_*.sh.

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all config checks passed"
