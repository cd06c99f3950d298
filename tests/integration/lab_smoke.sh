#!/usr/bin/env bash
# Lab smoke test: starts lab instance 8, checks that every server answers its zone
# authoritatively and that the lab resolver validates sub.example.test. (AD flag), then stops
# it (trap on EXIT). Skipped (exit 0 with a message) when not root.
set -euo pipefail
SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
LAB="$SRC/tests/lab/lab.sh"
I=8

if [[ $EUID -ne 0 ]]; then
  echo "lab_smoke: SKIPPED (needs root)"
  exit 0
fi

trap 'bash "$LAB" stop --instance $I' EXIT
bash "$LAB" start --instance $I
# shellcheck disable=SC1091
source "$(cat /run/trustsync-lab/$I)/lab.env"

fail=0
check_aa() {
  local addr="$1" zone="$2"
  if dig +norec +time=1 +tries=2 "@$addr" SOA "$zone" | grep -q 'flags: qr aa'; then
    echo "ok   $addr answers $zone"
  else
    echo "FAIL $addr does not answer $zone authoritatively"
    fail=1
  fi
}
check_aa "$LAB_ROOT_ADDR" .
check_aa "$LAB_TEST_PRIMARY" test.
check_aa "$LAB_TEST_SECONDARY" test.
check_aa "$LAB_EXAMPLE_PRIMARY" example.test.
check_aa "$LAB_EXAMPLE_SECONDARY" example.test.
check_aa "$LAB_SUB_ADDR" sub.example.test.
check_aa "$LAB_PLAIN_ADDR" plain.test.
check_aa "$LAB_ISLAND_ADDR" island.plain.test.

if dig +time=2 +tries=2 +dnssec "@$LAB_RESOLVER" sub.example.test. SOA | grep -q 'flags: qr rd ra ad;'; then
  echo "ok   $LAB_RESOLVER validates sub.example.test. (AD)"
else
  echo "FAIL $LAB_RESOLVER gives no AD for sub.example.test."
  fail=1
fi
if dig +time=2 +tries=2 +dnssec "@$LAB_RESOLVER" www.plain.test. TXT | grep -q 'flags: qr rd ra ad;'; then
  echo "FAIL $LAB_RESOLVER calls the unsigned plain.test. secure"
  fail=1
else
  echo "ok   plain.test. is insecure"
fi
exit $fail
