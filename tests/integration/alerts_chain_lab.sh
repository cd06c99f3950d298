#!/usr/bin/env bash
# An injected chain break, end to end with real servers: in lab instance 3, the DS of
# example.test. at test. is replaced with a wrong one (nsupdate + TSIG to BIND, the parent).
# `trustsync alert-test --watch-chain` observes the chain every half second the way
# `trustsync chain` does (libunbound validator, fresh each time, plus every parent server
# asked directly), turns the observation into alert conditions (agent/alert_chain) and feeds
# an AlertManager; a real SMTP server (aiosmtpd, STARTTLS required, test CA) on 127.0.0.1
# receives the chain-broken mail with the evidence (each parent server's DS, the DS/DNSKEY
# match, the validator's reason). The DS is then restored; the recovery mail follows.
# The lab's own Unbound is the referee (SERVFAIL while broken, AD after the repair).
# Skipped (exit 0) when not root. The daemon is not involved: the driver stands in for it.
set -euo pipefail
: "${TRUSTSYNC:?}"
SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
LAB="$SRC/tests/lab/lab.sh"
I=3
if [[ $EUID -ne 0 ]]; then
  echo "alerts_chain_lab: SKIPPED (needs root)"
  exit 0
fi
source "$SRC/tests/integration/alerts_common.inc"
work=$(mktemp -d /tmp/ts_alerts_chain.XXXXXX)
trap 'bash "$LAB" stop --instance $I >/dev/null 2>&1 || true; ts_cleanup' EXIT

bash "$LAB" start --instance $I >/dev/null
# shellcheck disable=SC1091
source "$(cat /run/trustsync-lab/$I)/lab.env"

make_ca ca
make_server_cert ca smtp
port=$(free_port)
"$PY" -m aiosmtpd -n -l "127.0.0.1:$port" --tlscert "$work/smtp.pem" --tlskey "$work/smtp.key" \
  -c aiosmtpd.handlers.Mailbox "$work/mail" >"$work/smtpd.log" 2>&1 &
TS_PIDS+=($!)
wait_port "$port"
cat >"$work/ts.toml" <<EOT
[agent.alerts]
smtp-server = "smtp://127.0.0.1:$port"
smtp-from = "trustsync@example.test"
smtp-starttls = "require"
ca-file = "$work/ca.pem"

[defaults]
notify = ["mailto:ops@example.test"]

[[zone]]
name = "example.test."
file = "example.test.zone"
EOT

validates() {  # AD flag on example.test. data through the lab resolver
  dig +time=2 +tries=1 +dnssec "@$LAB_RESOLVER" www.example.test. TXT | grep -q 'flags: qr rd ra ad;'
}
status_of() {
  dig +time=2 +tries=1 +dnssec "@$LAB_RESOLVER" www.example.test. TXT | sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}
ds_at() {  # ADDR: the DS RRset of example.test. as this parent server serves it
  dig +norec +time=2 +tries=1 "@$1" example.test. DS +short | tr '\n' ' ' | sed 's/ $//'
}
evidence() {
  echo "ns1.test. $LAB_TEST_PRIMARY=DS $(ds_at "$LAB_TEST_PRIMARY");ns2.test. $LAB_TEST_SECONDARY=DS $(ds_at "$LAB_TEST_SECONDARY");resolver $LAB_RESOLVER=www.example.test. TXT: $(status_of)$(validates && echo ' (AD: secure)' || true)"
}

validates || { echo "FAIL: the lab does not validate example.test. at the start"; exit 1; }
good_ds=$(dig +norec "@$LAB_TEST_PRIMARY" example.test. DS | awk '$4 == "DS"')
good_tag=$(awk '{print $5; exit}' <<<"$good_ds")
[ -n "$good_ds" ] || { echo "FAIL: no DS for example.test. at test."; exit 1; }

"$TRUSTSYNC" alert-test --config "$work/ts.toml" --watch-chain example.test. \
  --trust-anchor "$LAB_TRUST_ANCHOR" --root-hints "$LAB_ROOT_HINTS" --wait 90 \
  >"$work/driver.out" 2>"$work/driver.err" &
driver=$!
TS_PIDS+=($driver)
for _ in $(seq 1 100); do grep -q "^verdict" "$work/driver.out" && break; sleep 0.2; done
grep -q "^verdict secure" "$work/driver.out" || {
  echo "FAIL: the watcher does not see a secure chain first"; cat "$work/driver.out" "$work/driver.err"; exit 1; }

wrong="example.test. 10 IN DS 4711 13 2 0BADD5000000000000000000000000000000000000000000000000000000DEAD"
nsupdate -k "$LAB_TSIG_FILE" <<EOT
server $LAB_TEST_PRIMARY
zone test.
update delete example.test. DS
update add $wrong
send
EOT
bash "$LAB" wait-sync test. --instance $I >/dev/null
bash "$LAB" flush-resolver --instance $I >/dev/null
for _ in $(seq 1 40); do validates || break; sleep 0.5; done
if validates; then echo "FAIL: the referee still validates with a wrong DS"; exit 1; fi
echo "referee: www.example.test. TXT -> $(status_of) with the wrong DS"

for _ in $(seq 1 150); do [ -n "$(ls "$work/mail/new" 2>/dev/null)" ] && break; sleep 0.2; done
firing=$(grep -l "^Subject: \[TrustSync\] FIRING chain-broken example.test." "$work"/mail/new/* || true)
[ -n "$firing" ] || { echo "FAIL: no alert mail"; cat "$work/driver.out" "$work/driver.err"; exit 1; }
sed -n '/^ALERT/,$p' "$firing"
grep -q "^  - ns1.test. $LAB_TEST_PRIMARY: DS 4711 13 2 0BADD5" "$firing"
grep -q "^  - ns2.test. $LAB_TEST_SECONDARY: DS 4711 13 2 0BADD5" "$firing"
grep -q "^  - validator, example.test.: DNSKEY bogus" "$firing"
grep -q "What to do:" "$firing"
echo "ok   alert mail for the wrong DS arrived, with each parent server's answer"

# Repair: the good DS back.
{
  echo "server $LAB_TEST_PRIMARY"
  echo "zone test."
  echo "update delete example.test. DS"
  while read -r line; do echo "update add $line"; done <<<"$good_ds"
  echo "send"
} | nsupdate -k "$LAB_TSIG_FILE"
bash "$LAB" wait-sync test. --instance $I >/dev/null
bash "$LAB" flush-resolver --instance $I >/dev/null
wait "$driver" || { echo "FAIL: the watcher did not see the recovery"; cat "$work/driver.out" "$work/driver.err"; exit 1; }
cat "$work/driver.out"
validates || { echo "FAIL: the referee does not validate after the repair"; exit 1; }
resolved=$(grep -l "^Subject: \[TrustSync\] RESOLVED chain-broken example.test." "$work"/mail/new/* || true)
[ -n "$resolved" ] || { echo "FAIL: no recovery mail"; exit 1; }
grep -q "^  - ns1.test. $LAB_TEST_PRIMARY: DS $good_tag " "$resolved"
grep -q "^  - validator, example.test.: DNSKEY secure" "$resolved"
grep -q "^Resolved: 20" "$resolved"
echo "ok   recovery mail arrived after the DS was restored"
echo "alerts_chain_lab: PASS"
