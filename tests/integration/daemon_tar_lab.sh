#!/usr/bin/env bash
# Lab test of the island of trust (issue 7, lab instance 40): the daemon signs
# island.plain.test. (BIND, .8) under the unsigned plain.test. with parent method "tar"; its
# trust anchor goes to a real nginx with WebDAV PUT over HTTPS (test CA made here, bearer
# token) on .71 and, by UPDATE + TSIG, into a dlv.test. zone served by BIND on .72. A real
# Unbound on .70 holds the island's key in an auto-trust-anchor-file seeded from the
# repository (RFC 5011 hold-downs shortened), and a probe asks it every 0.3 s for the
# island's www TXT. Then `trustsync rollover island.plain.test. --ksk` runs the RFC 5011
# rollover, during which:
#   1. kill -9 of the daemon in the add hold-down: the restart resumes the phase and does
#      not publish again (nginx access log: no PUT after the restart until the switch);
#   2. nginx stopped: the add hold-down runs out but the rollover waits (status names the
#      repository, publication-failing alert), and resumes once nginx is back;
#   3. a tampered document on the repository (remove hold-down) is detected (alert) and
#      repaired.
# Pass: zero probe failures (every answer NOERROR with AD), the rollover done, Unbound's
# autotrust file with the new key VALID and the old one REVOKED or gone, DLV serving only
# the new key's DS. Prints the figures (duration, probes). Needs root; skipped otherwise.
set -euo pipefail

SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TS="${TRUSTSYNC:-$SRC/build/trustsync}"
LAB="$SRC/tests/lab/lab.sh"
I=${TAR_LAB_INSTANCE:-40}
if [[ $(id -u) -ne 0 ]]; then
  echo "daemon_tar_lab: SKIP (needs root for the lab)"
  exit 0
fi
WORK=$(mktemp -d /tmp/ts-daemon-tar-lab.XXXXXX)
chmod 755 "$WORK"
DAEMON_PID=""
PROBE_PID=""
P=127.53.$I
WEB=$P.71 UNB=$P.70 DLV=$P.72
NGINX_PID="" UNBOUND_PID="" NAMED_PID=""
cleanup() {
  [[ -n "$PROBE_PID" ]] && kill "$PROBE_PID" 2>/dev/null || true
  [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
  # by the PIDs read when they started (the pid files may be gone by now)
  for pid in $NGINX_PID $UNBOUND_PID $NAMED_PID; do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  ip addr del "$DLV/32" dev lo 2>/dev/null || true
  [[ -n "${KEEP_LAB:-}" ]] || bash "$LAB" stop --instance $I >/dev/null 2>&1 || true
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "daemon_tar_lab: FAIL: $*" >&2
  echo "--- daemon log (tail)" >&2
  tail -40 "$WORK/daemon.log" >&2 || true
  echo "--- status" >&2
  "$TS" status --config "$WORK/agent.toml" >&2 || true
  echo "--- autotrust" >&2
  cat "$WORK/autotrust.island" >&2 || true
  exit 1
}
log() { echo "daemon_tar_lab: $(date -u +%T) $*"; }

bash "$LAB" start --instance $I >/dev/null
# shellcheck disable=SC1091
source "/tmp/trustsync-lab-$I/lab.env"
ZONE=island.plain.test.
RNDC="rndc -c $LAB_DIR/bind-island/rndc.conf"

# --- HTTPS repository: test CA, certificate for the address, nginx with WebDAV PUT + token.
(
  cd "$WORK"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
    -out ca.crt -subj /CN=ts-tar-lab-ca -days 2 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key -out srv.csr \
    -subj "/CN=$WEB" 2>/dev/null
  printf 'subjectAltName=IP:%s\n' "$WEB" >ext
  openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 2 \
    -extfile ext 2>/dev/null
) || fail "test CA"
TOKEN="tok$$x$RANDOM$RANDOM"
(umask 077 && echo "$TOKEN" >"$WORK/token")
mkdir -p "$WORK/www/anchors" "$WORK/tmp"
cat >"$WORK/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events {}
http {
  access_log $WORK/nginx.access;
  client_body_temp_path $WORK/tmp;
  server {
    listen $WEB:8443 ssl;
    ssl_certificate $WORK/srv.crt;
    ssl_certificate_key $WORK/srv.key;
    root $WORK/www;
    location /anchors/ {
      dav_methods PUT DELETE;
      create_full_put_path on;
      if (\$request_method != GET) { set \$w 1; }
      if (\$http_authorization != "Bearer $TOKEN") { set \$w "\${w}1"; }
      if (\$w = 11) { return 401; }
    }
  }
}
EOF
start_nginx() {
  nginx -e "$WORK/nginx.err" -c "$WORK/nginx.conf" || fail "nginx does not start"
  NGINX_PID=$(cat "$WORK/nginx.pid")
}
for a in $WEB:8443 $UNB:53 $DLV:53; do  # leftovers of another run would answer instead
  ss -Hltn "( sport = :${a##*:} )" | grep -q "${a%:*}:" && fail "$a is already in use"
done
start_nginx
URL="https://$WEB:8443/anchors"
get() { curl -sf --cacert "$WORK/ca.crt" "$URL/$1"; }
puts() { grep -c '"PUT /anchors/' "$WORK/nginx.access" 2>/dev/null || true; }

# --- DLV registry: BIND serving dlv.test. with UPDATE allowed for the lab's TSIG key.
ip addr add "$DLV/32" dev lo 2>/dev/null || true
mkdir -p "$WORK/named"
cat >"$WORK/named/dlv.test.zone" <<EOF
\$TTL 10
@ SOA ns.dlv.test. h.dlv.test. 1 10 5 100 5
@ NS ns
ns A $DLV
EOF
cat >"$WORK/named/named.conf" <<EOF
options { directory "$WORK/named"; pid-file "$WORK/named/named.pid";
  listen-on port 53 { $DLV; }; listen-on-v6 { none; };
  session-keyfile "$WORK/named/session.key"; recursion no; };
key "$LAB_TSIG_NAME" { algorithm $LAB_TSIG_ALG; secret "$LAB_TSIG_SECRET"; };
controls { };
zone "dlv.test." { type primary; file "$WORK/named/dlv.test.zone";
  update-policy { grant "$LAB_TSIG_NAME" zonesub ANY; }; };
EOF
named -c "$WORK/named/named.conf" -n 1 -4 || fail "named (DLV) does not start"
for _ in $(seq 1 25); do [[ -s "$WORK/named/named.pid" ]] && break; sleep 0.2; done
NAMED_PID=$(cat "$WORK/named/named.pid" 2>/dev/null || true)
(umask 077 && cp "$LAB_TSIG_FILE" "$WORK/dlv.key")

# --- The daemon: signs the island into the lab's BIND, parent method "tar".
cat >"$WORK/reload.sh" <<EOF
#!/bin/sh
# BIND ignores a reload of a file with an unchanged mtime second: retry until it serves it.
serial=\$(awk '\$4 == "SOA" {print \$7; exit}' "$LAB_ISLAND_ZONEFILE")
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  $RNDC reload $ZONE >/dev/null 2>&1
  dig +short +norec @$LAB_ISLAND_ADDR $ZONE SOA | grep -q " \$serial " && exit 0
  touch -d "+\$i sec" "$LAB_ISLAND_ZONEFILE"
  sleep 0.2
done
exit 1
EOF
chmod 755 "$WORK/reload.sh"
# Alerts reach an exec hook that appends "STATUS KIND ZONE" lines to alerts.log.
cat >"$WORK/alert.sh" <<EOF
#!/bin/sh
cat >/dev/null
echo "\$TRUSTSYNC_ALERT_STATUS \$TRUSTSYNC_ALERT_KIND \$TRUSTSYNC_ALERT_ZONE" >>"$WORK/alerts.log"
EOF
chmod 755 "$WORK/alert.sh"
cat >"$WORK/agent.toml" <<TOML
[agent]
state-dir = "$WORK/state"
control-socket = "$WORK/control.sock"
[defaults]
ksk = { algorithm = "ECDSAP256SHA256", rollover = "never", signature-lifetime = "1h", refresh = "20m", jitter = "1m" }
zsk = { algorithm = "ECDSAP256SHA256", rollover = "never", signature-lifetime = "1h", refresh = "20m", jitter = "1m" }
denial = { type = "nsec" }
notify = ["exec:$WORK/alert.sh"]
parent = { method = "tar" }
trust-anchors = { targets = ["$URL/", "dlv:dlv.test.@$DLV"], ca = "$WORK/ca.crt", token-file = "$WORK/token", dlv-tsig = "$WORK/dlv.key", add-hold-down = "20s", remove-hold-down = "20s", probe-interval = "5s" }
[defaults.timing]
dnskey-ttl = "2s"
ds-ttl = "2s"
max-zone-ttl = "10s"
zone-propagation-delay = "1s"
parent-propagation-delay = "1s"
publish-safety = "1s"
retire-safety = "1s"
[[zone]]
name = "$ZONE"
file = "$LAB_DIR/zones/island.plain.test.zone"
output = "$LAB_ISLAND_ZONEFILE"
reload = "$WORK/reload.sh"
TOML
"$TS" run --config "$WORK/agent.toml" --check >/dev/null || fail "config check"
start_daemon() {
  "$TS" run --config "$WORK/agent.toml" >>"$WORK/daemon.log" 2>&1 &
  DAEMON_PID=$!
}
start_daemon
status_json() { "$TS" status $ZONE --json --config "$WORK/agent.toml" 2>/dev/null || true; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin)['zones'][0]; $1" 2>/dev/null || true; }
phase() { status_json | jq_py "r=d['rollovers']; print(r[0]['phase'] if r else 'none')"; }
ksk_tags() { status_json | jq_py "print(' '.join(str(k['tag']) for k in d['keys'] if k['role']=='KSK' and k['state']!='removed'))"; }
doc_tags() {
  get island.plain.test.xml | python3 -c "
import sys, xml.etree.ElementTree as ET
r = ET.fromstring(sys.stdin.read())
out = []
for kd in r.iter():
    if kd.tag.endswith('KeyDigest'):
        tag = [e.text for e in kd if e.tag.endswith('KeyTag')][0]
        until = 'validUntil' in kd.attrib
        out.append(tag + ('-ended' if until else ''))
print(' '.join(sorted(out)))" 2>/dev/null || true
}
phase_is() { [[ "$(phase)" == "$1" ]]; }
doc_is() { [[ "$(doc_tags)" == "$1" ]]; }
served_is() { get island.plain.test.xml | cmp -s - "$1"; }
wait_for() {  # wait_for SECONDS WHAT COMMAND...
  local t=$1 what=$2
  shift 2
  for _ in $(seq 1 $((t * 5))); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  fail "timed out after ${t}s waiting for $what"
}

# Initial signing: the island is signed with the daemon's keys, the anchor document and DLV
# record are served, and the initial rollover completes on the repositories' confirmation.
T_START=$(date +%s)
wait_for 60 "the initial signing to complete" phase_is none
OLD=$(ksk_tags)
[[ "$OLD" =~ ^[0-9]+$ ]] || fail "expected one KSK, got '$OLD'"
[[ "$(doc_tags)" == "$OLD" ]] || fail "repository document lists '$(doc_tags)', KSK is $OLD"
dig +short @"$DLV" island.plain.test.dlv.test. DLV | grep -q "^$OLD 13 2 " ||
  fail "DLV registry does not serve the DS of $OLD"
log "island signed with KSK $OLD in $(($(date +%s) - T_START))s; document and DLV served"

# --- Unbound with the island's anchor seeded from the repository (RFC 5011 timers short).
get island.plain.test.ds >"$WORK/autotrust.island" || fail "cannot GET the DS file"
grep -Eq "DS\s+$OLD 13 2 " "$WORK/autotrust.island" || fail "DS file: $(cat "$WORK/autotrust.island")"
cat >"$WORK/unbound.conf" <<EOF
server:
  interface: $UNB
  port: 53
  username: ""
  chroot: ""
  directory: "$WORK"
  pidfile: "$WORK/unbound.pid"
  use-syslog: no
  logfile: "$WORK/unbound.log"
  verbosity: 1
  do-not-query-localhost: no
  local-zone: "test." nodefault
  root-hints: "$LAB_ROOT_HINTS"
  auto-trust-anchor-file: "$WORK/autotrust.island"
  add-holddown: 20
  del-holddown: 20
  keep-missing: 20
  permit-small-holddown: yes
  cache-max-ttl: 5
  val-bogus-ttl: 1
  access-control: 127.0.0.0/8 allow
remote-control:
  control-enable: no
EOF
unbound -c "$WORK/unbound.conf" || fail "unbound does not start"
for _ in $(seq 1 25); do [[ -s "$WORK/unbound.pid" ]] && break; sleep 0.2; done
UNBOUND_PID=$(cat "$WORK/unbound.pid" 2>/dev/null || true)
wait_for 20 "Unbound to validate the island" bash -c \
  "dig +tries=1 +time=2 @$UNB www.$ZONE TXT | grep -Eq 'flags:[a-z ]* ad[ ;]'"

# --- Probe every 0.3 s: each answer must be NOERROR with AD.
(
  while :; do
    out=$(dig +tries=1 +time=2 @"$UNB" "www.$ZONE" TXT 2>&1 || true)
    if grep -q "status: NOERROR" <<<"$out" && grep -Eq 'flags:[a-z ]* ad[ ;]' <<<"$out"; then
      echo ok
    else
      echo "bad $(date -u +%T.%N) $(grep -E 'status:|flags:' <<<"$out" | tr '\n' ' ')"
    fi
    sleep 0.3
  done
) >"$WORK/probe.log" 2>&1 &
PROBE_PID=$!

# --- The RFC 5011 rollover.
T_ROLL=$(date +%s)
"$TS" rollover $ZONE --ksk --config "$WORK/agent.toml" >/dev/null || fail "rollover request"
wait_for 20 "the add hold-down with a new key" phase_is add-hold-down
NEW=$(ksk_tags | tr ' ' '\n' | grep -vx "$OLD" || true)
[[ "$NEW" =~ ^[0-9]+$ ]] || fail "no new KSK: '$(ksk_tags)'"
T_PUB=$(date +%s)
BOTH=$(echo "$NEW $OLD" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
wait_for 20 "the document with both keys" doc_is "$BOTH"
wait_for 20 "the anchor confirmation to be recorded" grep -q "trust anchors: .*current: [0-9]* [0-9]*;" "$WORK/daemon.log"
log "rollover: new KSK $NEW published, document with $NEW and $OLD served"

# 1. kill -9 in the add hold-down; the restart must not publish again.
{
  kill -9 "$DAEMON_PID"
  wait "$DAEMON_PID"
} 2>/dev/null || true
PUTS_BEFORE=$(puts)
start_daemon
sleep 4
[[ "$(phase)" == "add-hold-down" ]] || fail "after kill -9 the phase is '$(phase)'"
[[ "$(puts)" == "$PUTS_BEFORE" ]] || fail "restart re-published: PUTs $PUTS_BEFORE -> $(puts)"
[[ "$(ksk_tags | wc -w)" == 2 ]] || fail "keys after restart: $(ksk_tags)"
log "kill -9 + restart: still add-hold-down, no re-publication ($PUTS_BEFORE PUTs)"

# 2. nginx down past the end of the add hold-down: the rollover waits and alerts.
kill "$NGINX_PID"
wait_for 20 "the publication-failing alert" grep -q "firing publication-failing $ZONE" "$WORK/alerts.log"
DUE=$((T_PUB + 20 + 1 + 2 + 5 + 6))
while (($(date +%s) < DUE)); do sleep 0.5; done
[[ "$(phase)" == "add-hold-down" ]] || fail "switched while the repository was down: $(phase)"
status_json | jq_py "print(d['waiting_for'])" | grep -q "every trust-anchor repository" ||
  fail "status does not say it waits for the repository: $(status_json)"
"$TS" status $ZONE --config "$WORK/agent.toml" | grep -q "waiting for repository $URL" ||
  fail "status does not name the repository: $("$TS" status $ZONE --config "$WORK/agent.toml")"
log "repository down: add hold-down over, rollover waits; $("$TS" status $ZONE --config "$WORK/agent.toml" | grep 'waiting for repository' | head -1 | cut -c1-120)"
start_nginx
T_BACK=$(date +%s)
wait_for 40 "the revocation" phase_is remove-hold-down
log "repository back: switched and revoked $(($(date +%s) - T_BACK))s later"
wait_for 20 "the publication-failing alert to be resolved" grep -q "resolved publication-failing $ZONE" "$WORK/alerts.log"
# RFC 5011 really ran in Unbound: the new key was VALID (its add hold-down over) before the
# old key was revoked.
grep -E "id = $NEW .*VALID" "$WORK/autotrust.island" >/dev/null ||
  fail "the old key was revoked before Unbound trusted $NEW"

grep -q "alert resolved\|trust anchor served by every target" "$WORK/daemon.log" || true
status_json | jq_py "print([k for k in d['keys'] if k['tag']==$OLD][0].get('revoked'))" | grep -q True ||
  fail "old KSK not shown revoked"
dig +dnssec +norec @"$LAB_ISLAND_ADDR" $ZONE DNSKEY | grep -q "DNSKEY.385 3 13" ||
  fail "no revoked DNSKEY (flags 385) served"
[[ "$(doc_tags)" == *"$OLD-ended"* ]] || fail "document does not end $OLD: $(doc_tags)"

# 3. Tampered document on the repository: detected and repaired.
ALERTS_BEFORE=$(grep -c "serves a different document" "$WORK/daemon.log" || true)
get island.plain.test.xml >"$WORK/good.xml"
python3 - "$WORK/www/anchors/island.plain.test.xml" <<'PY'
import sys
p = sys.argv[1]
x = open(p).read()
at = x.index("<Digest>") + 8  # one hex digit of the first digest changed: valid XML, wrong key
x = x[:at] + ("1" if x[at] == "0" else "0") + x[at + 1:]
open(p, "w").write(x)
PY
wait_for 20 "the tampered document to be detected" bash -c \
  "(( \$(grep -c 'serves a different document' '$WORK/daemon.log') > $ALERTS_BEFORE ))"
wait_for 20 "the alert for the tampered document" bash -c \
  "(( \$(grep -c 'firing publication-failing' '$WORK/alerts.log') >= 2 ))"
log "tampered document detected: $(grep 'serves a different document' "$WORK/daemon.log" | tail -1 | grep -o 'serves a different document:[^(]*' | head -1)"

wait_for 60 "the rollover to finish" phase_is none
T_DONE=$(date +%s)
[[ "$(ksk_tags)" == "$NEW" ]] || fail "KSKs left: $(ksk_tags)"
wait_for 20 "the document to be repaired" served_is "$WORK/good.xml"
log "rollover done in $((T_DONE - T_ROLL))s (hold-downs 20s + margin 8s each; repository back $((T_BACK - T_PUB))s after the publication)"

# Unbound: only the new key is trusted.
sleep 6
kill "$PROBE_PID" 2>/dev/null || true
wait "$PROBE_PID" 2>/dev/null || true
PROBE_PID=""
PROBES=$(wc -l <"$WORK/probe.log")
BAD=$(grep -c '^bad' "$WORK/probe.log" || true)
log "probes $PROBES, failed $BAD"
((BAD == 0)) || fail "probe failures: $(grep '^bad' "$WORK/probe.log" | head -5)"
((PROBES > 50)) || fail "too few probes: $PROBES"
grep -E "id = $NEW .*VALID" "$WORK/autotrust.island" >/dev/null ||
  fail "Unbound does not hold $NEW as VALID"
VALID=$(grep -c "VALID" "$WORK/autotrust.island" || true)
((VALID == 1)) || fail "Unbound holds $VALID VALID keys"
if grep -q "id = $OLD " "$WORK/autotrust.island"; then
  grep -E "DNSKEY.*REVOKED" "$WORK/autotrust.island" >/dev/null || fail "old key not REVOKED in Unbound"
fi
log "Unbound autotrust: $(grep -o 'id = [0-9]* (ksk).*\[ *[A-Z]* *\]' "$WORK/autotrust.island" | sed 's/, size.*state=[0-9]*//' | tr '\n' ' ')"

# DLV: only the new key's DS.
DLVANS=$(dig +short @"$DLV" island.plain.test.dlv.test. DLV)
grep -q "^$NEW 13 2 " <<<"$DLVANS" || fail "DLV does not serve $NEW: $DLVANS"
grep -q "^$OLD " <<<"$DLVANS" && fail "DLV still serves $OLD: $DLVANS"
log "DLV registry serves: $DLVANS"
echo "daemon_tar_lab: PASS (rollover $((T_DONE - T_ROLL))s, probes $PROBES, bogus $BAD)"
