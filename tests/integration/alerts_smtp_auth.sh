#!/usr/bin/env bash
# SMTP authentication for alert mail: an aiosmtpd submission server on 127.0.0.1 requiring
# STARTTLS and AUTH. With smtp-user + the right password (from a 0600 file) the alert is
# delivered; with a wrong password it is refused and the password never appears in the
# output; a password file readable by others is rejected before any connection.
set -euo pipefail
: "${TRUSTSYNC:?}"
SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$SRC/tests/integration/alerts_common.inc"
work=$(mktemp -d /tmp/ts_alerts_auth.XXXXXX)
trap ts_cleanup EXIT

make_ca ca
make_server_cert ca smtp
port=$(free_port)
printf 'pw-%s\n' "$(openssl rand -hex 12)" >"$work/server.pw"
"$PY" "$SRC/tests/integration/alerts_smtp_auth_server.py" "$port" "$work/smtp.pem" \
  "$work/smtp.key" "$work/mail" agent "$work/server.pw" >"$work/smtpd.log" 2>&1 &
TS_PIDS+=($!)
wait_port "$port"

run() {  # PASSWORD-FILE
  cat >"$work/ts.toml" <<EOT
[agent.alerts]
smtp-server = "smtp://127.0.0.1:$port"
smtp-from = "trustsync@example.test"
smtp-starttls = "require"
smtp-user = "agent"
smtp-password-file = "$1"
ca-file = "$work/ca.pem"

[defaults]
notify = ["mailto:ops@example.test"]

[[zone]]
name = "example.test."
file = "example.test.zone"
EOT
  "$TRUSTSYNC" alert-test --config "$work/ts.toml" --event key-pool-low --zone example.test. \
    --summary "2 ECDSAP256SHA256 keys left in the pool" --attempts 1 --wait 20 >"$work/out" 2>&1
}

cp "$work/server.pw" "$work/good.pw"
chmod 600 "$work/good.pw"
run "$work/good.pw" || { echo "FAIL: authenticated delivery"; cat "$work/out"; exit 1; }
grep -l "^Subject: \[TrustSync\] FIRING key-pool-low example.test." "$work"/mail/new/* >/dev/null
echo "ok   delivered with STARTTLS + AUTH"

printf 'wrong-password-%s\n' "$(openssl rand -hex 6)" >"$work/bad.pw"
chmod 600 "$work/bad.pw"
if run "$work/bad.pw"; then echo "FAIL: a wrong password was accepted"; exit 1; fi
cat "$work/out"
grep -qi "login denied\|auth" "$work/out" || { echo "FAIL: expected an authentication error"; exit 1; }
if grep -q "wrong-password" "$work/out"; then echo "FAIL: the password was printed"; exit 1; fi
echo "ok   wrong password refused, not printed"

chmod 644 "$work/good.pw"
if run "$work/good.pw"; then echo "FAIL: a world-readable password file was used"; exit 1; fi
grep -q "chmod 600" "$work/out" || { echo "FAIL: expected the file mode complaint"; cat "$work/out"; exit 1; }
echo "ok   password file readable by others rejected"
echo "alerts_smtp_auth: PASS"
