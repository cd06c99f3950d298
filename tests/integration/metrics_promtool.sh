#!/usr/bin/env bash
# The metrics endpoint (libmicrohttpd, 127.0.0.1, port chosen by the kernel) serves output
# that `promtool check metrics` accepts, /health answers 200 "ok", and the signature expiry
# gauge moves between two scrapes (real clock, 2 s apart).
set -euo pipefail
: "${TRUSTSYNC:?}"
SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$SRC/tests/integration/alerts_common.inc"
command -v promtool >/dev/null || { echo "FAIL: promtool missing (Debian package prometheus)"; exit 1; }
work=$(mktemp -d /tmp/ts_metrics.XXXXXX)
trap ts_cleanup EXIT

"$TRUSTSYNC" alert-test --metrics-listen 127.0.0.1:0 --port-file "$work/port" --serve-seconds 30 \
  >"$work/server.log" 2>&1 &
TS_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
wait_port "$port"

curl -fsS "http://127.0.0.1:$port/metrics" >"$work/m1"
sleep 2
curl -fsS "http://127.0.0.1:$port/metrics" >"$work/m2"
lint=$(promtool check metrics <"$work/m1" 2>&1) || { echo "FAIL: promtool: $lint"; exit 1; }
[ -z "$lint" ] || { echo "FAIL: promtool findings: $lint"; exit 1; }
echo "ok   promtool check metrics: no problems"
for m in trustsync_keys trustsync_signature_expiry_seconds trustsync_parent_observation_age_seconds \
  trustsync_ds_state trustsync_rollover_in_progress trustsync_signatures_total \
  trustsync_signing_seconds_total trustsync_alerts_active trustsync_alerts_raised_total \
  trustsync_alert_notifications_total; do
  grep -q "^# TYPE $m " "$work/m1" || { echo "FAIL: $m missing"; exit 1; }
done
e1=$(awk '/^trustsync_signature_expiry_seconds\{zone="example.test."\}/ {print $2}' "$work/m1")
e2=$(awk '/^trustsync_signature_expiry_seconds\{zone="example.test."\}/ {print $2}' "$work/m2")
a1=$(awk '/^trustsync_parent_observation_age_seconds/ {print $2}' "$work/m1")
a2=$(awk '/^trustsync_parent_observation_age_seconds/ {print $2}' "$work/m2")
echo "expiry gauge: $e1 -> $e2; parent observation age: $a1 -> $a2"
[ "$e2" -lt "$e1" ] || { echo "FAIL: the expiry gauge did not move"; exit 1; }
[ "$a2" -gt "$a1" ] || { echo "FAIL: the observation age did not move"; exit 1; }
[ "$(curl -fsS "http://127.0.0.1:$port/health")" = ok ]
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")
[ "$code" = 404 ]
echo "metrics_promtool: PASS"
