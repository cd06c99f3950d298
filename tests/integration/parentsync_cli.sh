#!/usr/bin/env bash
# `trustsync parent` against lab instance 7, each check twice: validated by the project's
# libunbound resolver (--trust-anchor/--root-hints) and by trusting the lab Unbound's AD bit
# (--resolver): a healthy delegation (exit 0), a rogue DS added
# with nsupdate beside the good one (exit 2, "rogue:"), a DS on test.'s primary only while
# its secondary is held (exit 2, "DO NOT agree"), agreement again after release, and the
# unsigned parent of island.plain.test. (exit 1). Skipped (exit 0) when not root.
set -uo pipefail
SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TRUSTSYNC="${TRUSTSYNC:-${TS_BUILD_DIR:-$SRC/build}/trustsync}"
LAB="$SRC/tests/lab/lab.sh"
I=7

if [[ $EUID -ne 0 ]]; then
  echo "parentsync_cli: SKIPPED (needs root)"
  exit 0
fi

trap 'bash "$LAB" stop --instance $I >/dev/null 2>&1' EXIT
bash "$LAB" start --instance $I || exit 1
# shellcheck disable=SC1091
source "$(cat /run/trustsync-lab/$I)/lab.env"

fail=0
# expect EXIT_CODE PATTERN ZONE: runs `trustsync parent ZONE` after a resolver flush.
expect() {
  local want="$1" pattern="$2" zone="$3" out rc mode
  bash "$LAB" flush-resolver --instance $I >/dev/null 2>&1
  for mode in unbound stub; do
    if [[ $mode == unbound ]]; then
      out=$("$TRUSTSYNC" parent "$zone" --trust-anchor "$LAB_TRUST_ANCHOR" \
        --root-hints "$LAB_ROOT_HINTS" 2>&1)
    else
      out=$("$TRUSTSYNC" parent "$zone" --resolver "$LAB_RESOLVER" 2>&1)
    fi
    rc=$?
    if [[ $rc -eq $want ]] && grep -q -- "$pattern" <<<"$out"; then
      echo "ok   parent $zone ($mode): exit $rc, '$pattern'"
    else
      echo "FAIL parent $zone ($mode): exit $rc (want $want), pattern '$pattern'"
      echo "$out"
      fail=1
    fi
  done
}
update() {  # update LINE: TSIG UPDATE of test. at its primary
  printf 'server %s\nzone test.\nupdate %s\nsend\n' "$LAB_TEST_PRIMARY" "$1" |
    nsupdate -t 3 -k "$LAB_TSIG_FILE"
}

expect 0 "2 parent server(s), agree" example.test.
expect 0 "everywhere and in the validated view" sub.example.test.
expect 1 "use trust anchors" island.plain.test.

rogue="example.test. 10 IN DS 4242 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
update "add $rogue" || fail=1
bash "$LAB" wait-sync test. --instance $I >/dev/null || fail=1
expect 2 "rogue: example.test. 0 IN DS 4242 13 2" example.test.
update "delete $rogue" || fail=1
bash "$LAB" wait-sync test. --instance $I >/dev/null || fail=1
expect 0 "2 parent server(s), agree" example.test.

bash "$LAB" hold-secondary test. --instance $I >/dev/null || fail=1
update "add $rogue" || fail=1
expect 2 "DO NOT agree" example.test.
bash "$LAB" release-secondary test. --instance $I >/dev/null || fail=1
bash "$LAB" wait-sync test. --instance $I >/dev/null || fail=1
expect 2 "rogue: .*served by ns[12].test./$LAB_PREFIX.[23], ns[12].test./$LAB_PREFIX.[23]" example.test.

[[ $fail -eq 0 ]] && echo "parentsync_cli: PASS" || echo "parentsync_cli: FAIL"
exit $fail
