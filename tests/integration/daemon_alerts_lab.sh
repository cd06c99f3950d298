#!/usr/bin/env bash
# The daemon itself alerts, serves metrics and writes the audit log (issue 6), in lab
# instance 13. `trustsync run` signs sub.example.test. (NSD) with the lab's imported keys,
# with alerts to a real SMTP server on 127.0.0.1 (aiosmtpd, STARTTLS required, test CA) and
# to an HTTPS webhook receiver (test CA, HMAC secret), a chain watch every second through
# the lab's root hints and trust anchor, and metrics on 127.0.0.1. The test then:
#  - a third target (a closed port) fails all along: the others are delivered regardless;
#  - replaces the DS of sub.example.test. at example.test. (Knot primary, nsupdate + TSIG) by
#    a wrong one: after a second, confirming walk the daemon mails FIRING chain-broken with
#    each parent server's DS and the validator's verdict, and POSTs the webhook with a valid
#    X-TrustSync-Signature;
#  - restores the good DS: RESOLVED mail and webhook;
#  - scrapes /metrics twice: `promtool check metrics` is clean, the zone's key, signing and
#    alert series are there and the signature expiry gauge moves; /health answers ok;
#  - runs a ZSK rollover, `trustsync reload` and SIGHUP: the audit log holds the imported
#    keys, the new key's generation/publication, config loads and the manual commands with
#    the caller's uid; `trustsync audit verify` accepts it and rejects a tampered copy.
# Needs root (the lab binds 127.53.13.x:53); skipped (exit 0 with a note) otherwise.
set -euo pipefail
: "${TRUSTSYNC:?}"
SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TS="$TRUSTSYNC"
LAB="$SRC/tests/lab/lab.sh"
I=13
if [[ $EUID -ne 0 ]]; then
  echo "daemon_alerts_lab: SKIP (needs root for the lab)"
  exit 0
fi
command -v promtool >/dev/null || { echo "FAIL: promtool missing (Debian package prometheus)"; exit 1; }
source "$SRC/tests/integration/alerts_common.inc"
work=$(mktemp -d /tmp/ts_daemon_alerts.XXXXXX)
DAEMON_PID=""
cleanup() {
  [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
  [[ -n "${KEEP_LAB:-}" ]] || bash "$LAB" stop --instance $I >/dev/null 2>&1 || true
  if [[ -n "${KEEP_WORK:-}" ]]; then
    echo "work dir kept: $work"
    work=""
  fi
  ts_cleanup || true
}
trap cleanup EXIT
fail() {
  echo "daemon_alerts_lab: FAIL: $*" >&2
  echo "--- daemon log (tail)" >&2
  tail -30 "$work/daemon.log" >&2 || true
  exit 1
}
log() { echo "daemon_alerts_lab: $(date -u +%T) $*"; }
ZONE=sub.example.test.

bash "$LAB" start --instance $I >/dev/null
# shellcheck disable=SC1091
source "$(cat /run/trustsync-lab/$I)/lab.env"

# ---- receivers: SMTP (STARTTLS required) and HTTPS webhook, both with the test CA
make_ca ca
make_server_cert ca smtp
make_server_cert ca hook
smtp_port=$(free_port)
"$PY" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" --tlscert "$work/smtp.pem" --tlskey "$work/smtp.key" \
  -c aiosmtpd.handlers.Mailbox "$work/mail" >"$work/smtpd.log" 2>&1 &
TS_PIDS+=($!)
hook_port=$(free_port)
mkdir -p "$work/hook"
"$PY" "$SRC/tests/integration/alerts_https_receiver.py" "$hook_port" "$work/hook.pem" \
  "$work/hook.key" "$work/hook" 2>"$work/hook.log" &
TS_PIDS+=($!)
wait_port "$smtp_port"
wait_port "$hook_port"
secret="tsk-$(openssl rand -hex 16)"
printf '%s\n' "$secret" >"$work/webhook.key"
chmod 600 "$work/webhook.key"

# ---- the daemon: imported lab keys, short signatures, metrics, chain watch every second
# shellcheck disable=SC1091
source "$SRC/tests/lab/daemon_lab.inc"
lab_daemon_zone "$work"
metrics_port=$(free_port)
dead_port=$(free_port)  # nothing listens: a failing target must not hold up the others
{
  cat <<TOML
[agent]
state-dir = "$work/state"
metrics-listen = "127.0.0.1:$metrics_port"
audit-log = "$work/state/audit.jsonl"
[agent.alerts]
smtp-server = "smtp://127.0.0.1:$smtp_port"
smtp-from = "trustsync@example.test"
smtp-starttls = "require"
ca-file = "$work/ca.pem"
webhook-secret-file = "$work/webhook.key"
timeout = "10s"
[agent.chain-watch]
interval = "1s"
trust-anchors = ["$LAB_TRUST_ANCHOR"]
root-hints = "$LAB_ROOT_HINTS"
timeout = "2s"
TOML
  lab_daemon_policy "$work" "$I" \
    "notify = [\"mailto:ops@example.test\", \"https://127.0.0.1:$hook_port/hooks/trustsync\", \"https://127.0.0.1:$dead_port/down\"]"
} >"$work/agent.toml"
"$TS" run --config "$work/agent.toml" --check >/dev/null || fail "config check"
"$TS" run --config "$work/agent.toml" --log-format json >"$work/daemon.log" 2>&1 &
DAEMON_PID=$!

status() { lab_zone_status "$work" "$ZONE" "$1"; }
for t in $(seq 1 60); do
  [[ "$(status 'd["signed_at"]>0')" == True ]] && break
  ((t < 60)) || fail "the daemon did not sign $ZONE"
  sleep 1
done
log "daemon signed $ZONE"
validates() {
  dig +time=2 +tries=1 +dnssec "@$LAB_RESOLVER" "www.$ZONE" TXT | grep -q 'flags: qr rd ra ad;'
}
validates || fail "the lab does not validate $ZONE with the daemon's output"
# A few chain walks of the valid chain: no alert may go out.
sleep 3
[ -z "$(ls "$work/mail/new" 2>/dev/null)" ] || fail "alert mail while the chain is valid"
[ -z "$(ls "$work/hook")" ] || fail "webhook while the chain is valid"

# ---- metrics: promtool, the zone's series, the expiry gauge moving, /health
curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$work/m1" || fail "no /metrics"
sleep 2
curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$work/m2"
lint=$(promtool check metrics <"$work/m1" 2>&1) || fail "promtool: $lint"
[ -z "$lint" ] || fail "promtool findings: $lint"
log "ok   promtool check metrics on the daemon's /metrics: no problems"
grep -q "^trustsync_keys{role=\"ksk\",state=\"active\",zone=\"$ZONE\"} 1$" "$work/m1" ||
  fail "no active KSK series: $(grep '^trustsync_keys' "$work/m1")"
grep -q "^trustsync_keys{role=\"zsk\",state=\"active\",zone=\"$ZONE\"} 1$" "$work/m1" ||
  fail "no active ZSK series"
sigs=$(awk -v z="$ZONE" '$1 == "trustsync_signatures_total{zone=\"" z "\"}" {print $2}' "$work/m1")
[[ -n "$sigs" && "$sigs" -gt 0 ]] || fail "no signing throughput counter ($sigs)"
e1=$(awk -v z="$ZONE" '$1 == "trustsync_signature_expiry_seconds{zone=\"" z "\"}" {print $2}' "$work/m1")
e2=$(awk -v z="$ZONE" '$1 == "trustsync_signature_expiry_seconds{zone=\"" z "\"}" {print $2}' "$work/m2")
log "expiry gauge: $e1 -> $e2 s; signatures made: $sigs"
[[ -n "$e1" && -n "$e2" ]] || fail "no expiry gauge"
((e1 > 0 && e1 <= 3600)) || fail "expiry gauge $e1 out of range (1h signatures)"
((e2 < e1)) || fail "the expiry gauge did not move"
[ "$(curl -fsS "http://127.0.0.1:$metrics_port/health")" = ok ] || fail "/health not ok"
log "ok   metrics: keys per state, throughput, expiry gauge moving, /health ok"

# ---- wrong DS at example.test.
good_ds=$(dig +norec "@$LAB_EXAMPLE_PRIMARY" "$ZONE" DS | awk '$4 == "DS"')
good_tag=$(awk '{print $5; exit}' <<<"$good_ds")
[ -n "$good_ds" ] || fail "no DS for $ZONE at example.test."
wrong="$ZONE 10 IN DS 4711 13 2 0BADD5000000000000000000000000000000000000000000000000000000DEAD"
nsupdate -k "$LAB_TSIG_FILE" <<EOT || fail "nsupdate (wrong DS)"
server $LAB_EXAMPLE_PRIMARY
zone example.test.
update delete $ZONE DS
update add $wrong
send
EOT
bash "$LAB" wait-sync example.test. --instance $I >/dev/null || fail "example.test. not in sync"
log "wrong DS 4711 published at example.test."

for _ in $(seq 1 150); do
  [ -n "$(grep -l '^Subject: \[TrustSync\] FIRING chain-broken' "$work"/mail/new/* 2>/dev/null)" ] &&
    [ -f "$work/hook/1.body" ] && break
  sleep 0.2
done
firing=$(grep -l "^Subject: \[TrustSync\] FIRING chain-broken $ZONE" "$work"/mail/new/* 2>/dev/null || true)
[ -n "$firing" ] || fail "no chain-broken mail from the daemon"
sed -n '/^ALERT/,$p' "$firing"
grep -q "^  - ns1.example.test. $LAB_EXAMPLE_PRIMARY: DS 4711 13 2 0BADD5" "$firing" || fail "evidence (ns1)"
# The watch may see the break before the secondary has the change: ns2 shows either DS.
grep -q "^  - ns2.example.test. $LAB_EXAMPLE_SECONDARY: DS " "$firing" || fail "evidence (ns2)"
grep -q "^  - validator, $ZONE: DNSKEY bogus" "$firing" || fail "evidence (validator)"
# The watch fired on its second broken walk in a row, not the first (confirm = 2): the
# daemon logged the unconfirmed walk before the alert.
held=$(grep -n -m1 '"msg":"chain watch: the chain looks broken, looking again before alerting"' \
  "$work/daemon.log" | cut -d: -f1)
fired=$(grep -n -m1 '"level":"error".*broken' "$work/daemon.log" | cut -d: -f1)
[[ -n "$held" && -n "$fired" && "$held" -lt "$fired" ]] ||
  fail "chain-broken fired without a confirming walk (held at line ${held:-none}, fired at ${fired:-none})"
grep -q "What to do:" "$firing" || fail "no action in the mail"
log "ok   FIRING chain-broken mail with each parent server's DS"
[ -f "$work/hook/1.body" ] || fail "no webhook for the chain break"
check_hook() {  # N STATUS
  local want got
  want="sha256=$(openssl dgst -sha256 -hmac "$secret" -hex <"$work/hook/$1.body" | sed 's/^.*= //')"
  got=$(cat "$work/hook/$1.sig")
  [ "$got" = "$want" ] || fail "webhook $1: signature $got, expected $want"
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="chain-broken" and d["zone"]==sys.argv[2] and d["status"]==sys.argv[3] and d["evidence"], d' \
    "$work/hook/$1.body" "$ZONE" "$2" || fail "webhook $1 body"
}
check_hook 1 firing
bad="sha256=$(openssl dgst -sha256 -hmac "not-$secret" -hex <"$work/hook/1.body" | sed 's/^.*= //')"
[ "$bad" != "$(cat "$work/hook/1.sig")" ] || fail "HMAC check cannot fail"
log "ok   firing webhook with a valid HMAC"
grep -q '"msg":"chain of trust broken' "$work/daemon.log" || fail "no log line for the break"

# ---- repair
{
  echo "server $LAB_EXAMPLE_PRIMARY"
  echo "zone example.test."
  echo "update delete $ZONE DS"
  while read -r line; do echo "update add $line"; done <<<"$good_ds"
  echo "send"
} | nsupdate -k "$LAB_TSIG_FILE" || fail "nsupdate (repair)"
bash "$LAB" wait-sync example.test. --instance $I >/dev/null || fail "example.test. not in sync"
log "good DS $good_tag restored"
for _ in $(seq 1 150); do
  [ -n "$(grep -l '^Subject: \[TrustSync\] RESOLVED chain-broken' "$work"/mail/new/* 2>/dev/null)" ] &&
    [ -f "$work/hook/2.body" ] && break
  sleep 0.2
done
resolved=$(grep -l "^Subject: \[TrustSync\] RESOLVED chain-broken $ZONE" "$work"/mail/new/* 2>/dev/null || true)
[ -n "$resolved" ] || fail "no recovery mail"
grep -q "^  - ns1.example.test. $LAB_EXAMPLE_PRIMARY: DS $good_tag " "$resolved" || fail "recovery evidence"
grep -q "^  - validator, $ZONE: DNSKEY secure" "$resolved" || fail "recovery verdict"
grep -q "^Resolved: 20" "$resolved" || fail "no Resolved: line"
[ -f "$work/hook/2.body" ] || fail "no recovery webhook"
check_hook 2 resolved
[ "$(ls "$work/mail/new" | wc -l)" -eq 2 ] || fail "expected exactly 2 mails, got $(ls "$work/mail/new" | wc -l)"
log "ok   RESOLVED mail and webhook after the repair"
for _ in $(seq 1 30); do  # delivery counters are refreshed every second
  curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$work/m3"
  grep -q '^trustsync_alert_notifications_total{result="sent",target="mailto:ops@example.test"} 2$' "$work/m3" && break
  sleep 0.2
done
grep -q '^trustsync_alerts_raised_total{kind="chain-broken"} 1$' "$work/m3" || fail "alert counter"
grep -q '^trustsync_alerts_active{kind="chain-broken"} 0$' "$work/m3" || fail "alert still active"
grep -q "^trustsync_alert_notifications_total{result=\"sent\",target=\"mailto:ops@example.test\"} 2$" "$work/m3" ||
  fail "notification counter: $(grep notifications "$work/m3")"
failed=$(awk -v t="https://127.0.0.1:$dead_port/..." '$1 == "trustsync_alert_notifications_total{result=\"failed\",target=\"" t "\"}" {print $2}' "$work/m3")
[[ -n "$failed" && "$failed" -ge 1 ]] || fail "the dead target's failures are not counted: $(grep notifications "$work/m3")"
log "ok   a dead webhook target failed $failed time(s) without holding up mail, webhook or signing"

# ---- manual commands: ZSK rollover, reload, SIGHUP (audited with uid 0)
"$TS" rollover "$ZONE" --zsk --config "$work/agent.toml" >/dev/null || fail "rollover --zsk refused"
"$TS" reload --config "$work/agent.toml" >/dev/null || fail "reload refused"
kill -HUP "$DAEMON_PID"
audit="$work/state/audit.jsonl"
for _ in $(seq 1 100); do
  grep -q '"event":"key-published".*"by":"planner"' "$audit" 2>/dev/null &&
    [ "$(grep -c '"event":"config-load"' "$audit")" -ge 3 ] && break
  sleep 0.2
done
cnt() { grep -c "$1" "$audit" || true; }
log "audit: $(wc -l <"$audit") lines; $(cnt '"event":"key-generated"') key-generated, $(cnt '"event":"key-published"') key-published, $(cnt '"event":"key-activated"') key-activated, $(cnt '"event":"config-load"') config-load, $(cnt '"event":"manual-command"') manual-command"
grep -q '"event":"key-activated".*"by":"imported"' "$audit" || fail "imported keys not audited"
grep -q '"event":"key-generated".*"by":"planner"' "$audit" || fail "new ZSK generation not audited"
grep -q '"event":"key-published".*"by":"planner"' "$audit" || fail "new ZSK publication not audited"
grep -q '"actor":"uid:0","event":"manual-command","details":{"command":"rollover' "$audit" ||
  fail "rollover command not audited with uid 0: $(grep manual-command "$audit")"
grep -q '"command":"SIGHUP"' "$audit" || fail "SIGHUP not audited"
[ "$(cnt '"event":"config-load"')" -ge 3 ] || fail "config loads not audited (start, reload, SIGHUP)"

kill "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
out=$("$TS" audit verify "$audit") || fail "audit verify: $out"
echo "$out"
[ "$(stat -c %a "$audit")" = 600 ] || fail "audit log mode $(stat -c %a "$audit")"
sed '2s/"tag":[0-9]*/"tag":1/' "$audit" >"$work/tampered.jsonl"
cmp -s "$audit" "$work/tampered.jsonl" && fail "tampering did not change the copy"
set +e
out=$("$TS" audit verify --head "$audit.head" "$work/tampered.jsonl")
rc=$?
set -e
echo "tampered: $out"
[ $rc -eq 1 ] || fail "tampered audit log: exit $rc, expected 1"
grep -q "TAMPERED: line 2 was changed" <<<"$out" || fail "tampering not located"
log "ok   audit log verifies; a tampered copy fails at line 2"
if grep -q -- "$secret" "$work/daemon.log"; then fail "the webhook secret was logged"; fi
echo "daemon_alerts_lab: PASS"
