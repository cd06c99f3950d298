#!/usr/bin/env bash
# An injected chain break, end to end with real servers: in lab instance 3, the DS of
# example.test. at test. is replaced with a wrong one (nsupdate + TSIG to BIND, the parent);
# the lab's validating Unbound then answers SERVFAIL for example.test. data. The observations
# (what each parent server serves, what the resolver says) are the evidence of a chain-broken
# alert raised by `trustsync alert-test`, which a real SMTP server (aiosmtpd, STARTTLS) on
# 127.0.0.1 receives. The DS is then restored; once the resolver validates again (AD), the
# recovery notice with the new evidence arrives too. Skipped (exit 0) when not root.
# Note: the daemon and parent sync are not merged here; the driver stands in for them, the
# DNS observations are made by dig in this script.
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
[ -n "$good_ds" ] || { echo "FAIL: no DS for example.test. at test."; exit 1; }

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
if validates; then echo "FAIL: the chain still validates with a wrong DS"; exit 1; fi
broken=$(evidence)
echo "observed: $broken"
grep -q "4711 13 2 0BADD5" <<<"$broken"

"$TRUSTSYNC" alert-test --config "$work/ts.toml" --event chain-broken --zone example.test. \
  --summary "chain of trust broken at example.test.: the DS at test. matches no DNSKEY" \
  --evidence "$broken" --recover-when "$work/repaired" --wait 60 >"$work/driver.out" 2>&1 &
driver=$!
TS_PIDS+=($driver)
for _ in $(seq 1 100); do [ -n "$(ls "$work/mail/new" 2>/dev/null)" ] && break; sleep 0.2; done
firing=$(grep -l "^Subject: \[TrustSync\] FIRING chain-broken example.test." "$work"/mail/new/* || true)
[ -n "$firing" ] || { echo "FAIL: no alert mail"; cat "$work/driver.out" "$work/smtpd.log"; exit 1; }
grep -q "ns1.test. $LAB_TEST_PRIMARY: DS example.test. 10 IN DS 4711 13 2\|ns1.test. $LAB_TEST_PRIMARY: DS 4711 13 2 0BADD5" "$firing"
grep -q "resolver $LAB_RESOLVER: www.example.test. TXT: SERVFAIL" "$firing"
echo "ok   alert mail for the wrong DS arrived"

# Repair: the good DS back, wait until the resolver validates again.
{
  echo "server $LAB_TEST_PRIMARY"
  echo "zone test."
  echo "update delete example.test. DS"
  while read -r line; do echo "update add $line"; done <<<"$good_ds"
  echo "send"
} | nsupdate -k "$LAB_TSIG_FILE"
bash "$LAB" wait-sync test. --instance $I >/dev/null
bash "$LAB" flush-resolver --instance $I >/dev/null
for _ in $(seq 1 60); do validates && break; sleep 0.5; done
validates || { echo "FAIL: the chain does not validate after the repair"; exit 1; }
repaired=$(evidence)
echo "observed: $repaired"
echo "$repaired" >"$work/repaired.tmp" && mv "$work/repaired.tmp" "$work/repaired"
wait "$driver" || { echo "FAIL: driver"; cat "$work/driver.out"; exit 1; }
resolved=$(grep -l "^Subject: \[TrustSync\] RESOLVED chain-broken example.test." "$work"/mail/new/* || true)
[ -n "$resolved" ] || { echo "FAIL: no recovery mail"; cat "$work/driver.out"; exit 1; }
grep -q "resolver $LAB_RESOLVER: www.example.test. TXT: NOERROR (AD: secure)" "$resolved"
grep -q "^Resolved: 20" "$resolved"
echo "ok   recovery mail arrived after the DS was restored"
echo "alerts_chain_lab: PASS"
