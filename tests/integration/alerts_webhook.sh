#!/usr/bin/env bash
# Alert webhooks end to end: two local HTTPS receivers (Python http.server + ssl on
# 127.0.0.1), one with a certificate from the test CA the agent trusts (ca-file), one from
# another CA. The first receives the firing and the recovery JSON documents with a valid
# X-TrustSync-Signature (HMAC-SHA256 with the shared secret, checked here with openssl); the
# second is refused by TLS verification and receives nothing. The secret never shows up in
# the agent's output.
set -euo pipefail
: "${TRUSTSYNC:?}"
SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$SRC/tests/integration/alerts_common.inc"
work=$(mktemp -d /tmp/ts_alerts_webhook.XXXXXX)
trap ts_cleanup EXIT

make_ca ca
make_ca other
make_server_cert ca good
make_server_cert other evil
good_port=$(free_port)
evil_port=$(free_port)
mkdir -p "$work/good" "$work/evil"
"$PY" "$SRC/tests/integration/alerts_https_receiver.py" "$good_port" "$work/good.pem" \
  "$work/good.key" "$work/good" 2>"$work/good.log" &
TS_PIDS+=($!)
"$PY" "$SRC/tests/integration/alerts_https_receiver.py" "$evil_port" "$work/evil.pem" \
  "$work/evil.key" "$work/evil" 2>"$work/evil.log" &
TS_PIDS+=($!)
wait_port "$good_port"
wait_port "$evil_port"

secret="tsk-$(openssl rand -hex 16)"
printf '%s\n' "$secret" >"$work/webhook.key"
chmod 600 "$work/webhook.key"
cat >"$work/ts.toml" <<EOT
[agent.alerts]
ca-file = "$work/ca.pem"
webhook-secret-file = "$work/webhook.key"
timeout = "10s"

[defaults]
notify = ["https://127.0.0.1:$good_port/hooks/trustsync", "https://127.0.0.1:$evil_port/hooks/$secret"]

[[zone]]
name = "example.test."
file = "example.test.zone"
EOT

set +e
"$TRUSTSYNC" alert-test --config "$work/ts.toml" --event rogue-ds --zone example.test. \
  --subject "DS 999 13 2 ABCDEF" --summary "rogue DS at the parent" \
  --evidence "ns1.test. 127.53.1.1=DS 999 13 2 ABCDEF;ns2.test. 127.53.1.2=DS 999 13 2 ABCDEF" \
  --recover --attempts 2 --wait 30 >"$work/out" 2>&1
rc=$?
set -e
cat "$work/out"
[ $rc -eq 1 ] || { echo "FAIL: expected exit 1 (one target refused), got $rc"; exit 1; }
if grep -q -- "$secret" "$work/out"; then echo "FAIL: the secret was printed"; exit 1; fi
grep -q "https://127.0.0.1:$good_port/...: sent 2, failed attempts 0" "$work/out"
grep -q "https://127.0.0.1:$evil_port/...: sent 0" "$work/out"
grep -qi "certificate" "$work/out"

[ -f "$work/good/1.body" ] && [ -f "$work/good/2.body" ] || { echo "FAIL: webhook not received"; exit 1; }
[ -z "$(ls "$work/evil")" ] || { echo "FAIL: the receiver with a foreign CA got data"; exit 1; }
for n in 1 2; do
  want="sha256=$(openssl dgst -sha256 -hmac "$secret" -hex <"$work/good/$n.body" | sed 's/^.*= //')"
  got=$(cat "$work/good/$n.sig")
  [ "$got" = "$want" ] || { echo "FAIL: webhook $n: signature $got, expected $want"; exit 1; }
  grep -q '^application/json' "$work/good/$n.type"
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="rogue-ds" and d["zone"]=="example.test." and len(d["evidence"])==2, d' "$work/good/$n.body"
done
grep -q '"status":"firing"' "$work/good/1.body"
grep -q '"status":"resolved"' "$work/good/2.body"
grep -q '"source":"ns2.test. 127.53.1.2","observation":"DS 999 13 2 ABCDEF"' "$work/good/1.body"
# A wrong secret would not match: the check above can fail.
bad="sha256=$(openssl dgst -sha256 -hmac "not-$secret" -hex <"$work/good/1.body" | sed 's/^.*= //')"
[ "$bad" != "$(cat "$work/good/1.sig")" ]
echo "ok   firing + resolved webhooks with valid HMAC; foreign-CA receiver refused"
echo "alerts_webhook: PASS"
