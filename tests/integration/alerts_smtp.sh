#!/usr/bin/env bash
# Alert mail end to end with a real SMTP server (Debian's aiosmtpd) on 127.0.0.1 that
# REQUIRES STARTTLS with a certificate from a test CA: an injected chain-break alert and its
# recovery both arrive as mails carrying the evidence, the action and the times. Also: with
# STARTTLS off the server refuses the mail; with another CA the TLS verification fails.
set -euo pipefail
: "${TRUSTSYNC:?}"
SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$SRC/tests/integration/alerts_common.inc"
work=$(mktemp -d /tmp/ts_alerts_smtp.XXXXXX)
trap ts_cleanup EXIT

make_ca ca
make_ca other
make_server_cert ca smtp
port=$(free_port)
# (the Mailbox handler creates the maildir itself; it must not exist yet)
"$PY" -m aiosmtpd -n -l "127.0.0.1:$port" --tlscert "$work/smtp.pem" --tlskey "$work/smtp.key" \
  -c aiosmtpd.handlers.Mailbox "$work/mail" >"$work/smtpd.log" 2>&1 &
TS_PIDS+=($!)
wait_port "$port"

config() {  # STARTTLS CAFILE
  cat >"$work/ts.toml" <<EOT
[agent.alerts]
smtp-server = "smtp://127.0.0.1:$port"
smtp-from = "trustsync@example.test"
smtp-starttls = "$1"
ca-file = "$2"
timeout = "10s"

[defaults]
notify = ["mailto:ops@example.test"]

[[zone]]
name = "sub.example.test."
file = "sub.example.test.zone"
EOT
}

evidence="ns1.example.test. 127.53.2.1=DS 4711 13 2 0BADD5DEADBEEF (matches no DNSKEY of sub.example.test.)"
evidence+=";resolver 127.53.9.1=sub.example.test. DNSKEY bogus: no DNSKEY matches the DS"
config require "$work/ca.pem"
"$TRUSTSYNC" alert-test --config "$work/ts.toml" --event chain-broken --zone sub.example.test. \
  --summary "chain of trust broken at sub.example.test.: wrong DS at the parent" \
  --evidence "$evidence" --recover --wait 30

count=$(ls "$work/mail/new" | wc -l)
[ "$count" -eq 2 ] || { echo "FAIL: expected 2 mails, got $count"; ls -la "$work/mail/new"; exit 1; }
firing=$(grep -l "^Subject: \[TrustSync\] FIRING chain-broken sub.example.test." "$work"/mail/new/*)
resolved=$(grep -l "^Subject: \[TrustSync\] RESOLVED chain-broken sub.example.test." "$work"/mail/new/*)
for f in "$firing" "$resolved"; do
  grep -q "^To: <ops@example.test>" "$f"
  grep -q "^X-RcptTo: ops@example.test" "$f"
  grep -q "ns1.example.test. 127.53.2.1: DS 4711 13 2 0BADD5DEADBEEF" "$f"
  grep -q "resolver 127.53.9.1: sub.example.test. DNSKEY bogus" "$f"
  grep -q "^Since:    20[0-9-]*T" "$f"
done
grep -q "What to do:" "$firing"
grep -q "Compare the parent's DS with the zone's" "$firing"
grep -q "^Resolved: 20" "$resolved"
echo "ok   firing and recovery mails arrived over STARTTLS with evidence"

# STARTTLS off: this server requires it, so the mail is refused.
rm -f "$work"/mail/new/*
config off "$work/ca.pem"
if "$TRUSTSYNC" alert-test --config "$work/ts.toml" --event chain-broken --zone sub.example.test. \
  --attempts 1 --wait 20 >"$work/out" 2>&1; then
  echo "FAIL: delivery without STARTTLS succeeded"; cat "$work/out"; exit 1
fi
[ -z "$(ls "$work/mail/new")" ] || { echo "FAIL: mail arrived without STARTTLS"; exit 1; }
echo "ok   refused without STARTTLS: $(grep -m1 'last error' "$work/out")"

# A CA that did not sign the server's certificate: TLS verification fails, nothing sent.
config require "$work/other.pem"
if "$TRUSTSYNC" alert-test --config "$work/ts.toml" --event chain-broken --zone sub.example.test. \
  --attempts 1 --wait 20 >"$work/out" 2>&1; then
  echo "FAIL: delivery with an untrusted certificate succeeded"; cat "$work/out"; exit 1
fi
grep -qi "certificate" "$work/out" || { echo "FAIL: expected a certificate error"; cat "$work/out"; exit 1; }
[ -z "$(ls "$work/mail/new")" ] || { echo "FAIL: mail arrived despite a bad certificate"; exit 1; }
echo "ok   refused with a certificate from another CA"
echo "alerts_smtp: PASS"
