#!/usr/bin/env bash
# The daemon publishes trust anchors (issue 7, agent/daemon_tar.h): a zone with
# `trust-anchors = ["file:DIR", "https://127.0.0.1:CLOSED/ta"]` gets its RFC 9718 document
# and DS file in DIR after the first signed output, listing exactly its KSK; a KSK rollover
# adds the new KSK to the document; the unreachable HTTPS repository is reported as a
# publication failure (log + alert) without holding up signing or the other target.
set -euo pipefail
SRC="${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TS="${TRUSTSYNC:-$SRC/build/trustsync}"
WORK=$(mktemp -d /tmp/ts-daemon-tar.XXXXXX)
DAEMON_PID=""
cleanup() {
  [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "daemon_tar: FAIL: $*" >&2
  tail -20 "$WORK/daemon.log" >&2 || true
  exit 1
}
CLOSED=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/ta"
cat >"$WORK/agent.toml" <<TOML
[agent]
state-dir = "$WORK/state"
control-socket = "$WORK/control.sock"
[defaults]
ksk = { algorithm = "ECDSAP256SHA256", rollover = "never", signature-lifetime = "1h", refresh = "20m", jitter = "1m" }
zsk = { algorithm = "ECDSAP256SHA256", rollover = "never", signature-lifetime = "1h", refresh = "20m", jitter = "1m" }
denial = { type = "nsec" }
trust-anchors = ["file:$WORK/ta", "https://127.0.0.1:$CLOSED/ta"]
[defaults.timing]
dnskey-ttl = "2s"
ds-ttl = "2s"
max-zone-ttl = "2s"
zone-propagation-delay = "1s"
parent-propagation-delay = "1s"
publish-safety = "1s"
retire-safety = "1s"
[[zone]]
name = "example.test."
file = "$SRC/conf/example.test.zone"
output = "$WORK/example.test.signed"
TOML
"$TS" run --config "$WORK/agent.toml" --check >/dev/null || fail "config check"
"$TS" run --config "$WORK/agent.toml" >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!

# KeyTags listed in the published document
doc_tags() {
  /usr/bin/python3 - "$WORK/ta/example.test.xml" <<'PY' 2>/dev/null || true
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(" ".join(sorted(e.text for e in root.iter() if e.tag.endswith("KeyTag"))))
PY
}
ksk_tags() {
  "$TS" status example.test. --json --config "$WORK/agent.toml" 2>/dev/null |
    /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin)['zones'][0]; print(' '.join(sorted(str(k['tag']) for k in d['keys'] if k['role']=='KSK' and k['state']!='removed')))" 2>/dev/null || true
}
for _ in $(seq 1 60); do
  [[ -f "$WORK/ta/example.test.xml" && -f "$WORK/example.test.signed" ]] && break
  sleep 0.5
done
[[ -f "$WORK/ta/example.test.xml" ]] || fail "no anchor document in the file: target"
[[ -f "$WORK/ta/example.test.ds" ]] || fail "no DS file in the file: target"
TAGS=$(doc_tags)
KSK=$(ksk_tags)
[[ -n "$KSK" && "$TAGS" == "$KSK" ]] || fail "document lists '$TAGS', the zone's KSK is '$KSK'"
grep -q "DS $KSK " "$WORK/ta/example.test.ds" || grep -q "$KSK 13 2" "$WORK/ta/example.test.ds" ||
  fail "DS file does not hold KSK $KSK: $(cat "$WORK/ta/example.test.ds")"
echo "daemon_tar: document lists KSK $TAGS"
grep -q "trust anchor publication failing.*127.0.0.1:$CLOSED" "$WORK/daemon.log" ||
  fail "the unreachable HTTPS repository was not reported"
echo "daemon_tar: unreachable HTTPS repository reported"

# The initial rollover waits for the (manual) DS confirmation; then a KSK rollover.
for _ in $(seq 1 60); do
  ds=$("$TS" status example.test. --json --config "$WORK/agent.toml" 2>/dev/null |
    /usr/bin/python3 -c "import json,sys; print([k.get('ds') for k in json.load(sys.stdin)['zones'][0]['keys'] if k['tag']==$KSK][0])" 2>/dev/null || true)
  [[ "$ds" == submitted ]] && break
  sleep 0.5
done
"$TS" ds-seen example.test. "$KSK" --config "$WORK/agent.toml" >/dev/null || fail "ds-seen refused"
for _ in $(seq 1 60); do
  idle=$("$TS" status example.test. --json --config "$WORK/agent.toml" 2>/dev/null |
    /usr/bin/python3 -c "import json,sys; print(not json.load(sys.stdin)['zones'][0]['rollovers'])" 2>/dev/null || true)
  [[ "$idle" == True ]] && break
  sleep 0.5
done
[[ "$idle" == True ]] || fail "the initial rollover did not finish after ds-seen"
"$TS" rollover example.test. --ksk --config "$WORK/agent.toml" >/dev/null || fail "rollover refused"
for _ in $(seq 1 60); do
  [[ $(doc_tags | wc -w) -eq 2 ]] && break
  sleep 0.5
done
TAGS2=$(doc_tags)
[[ $(wc -w <<<"$TAGS2") -eq 2 && " $TAGS2 " == *" $KSK "* ]] ||
  fail "after the KSK rollover started the document lists '$TAGS2' (old KSK $KSK)"
[[ "$(ksk_tags)" == "$TAGS2" ]] || fail "document '$TAGS2' differs from the zone's KSKs '$(ksk_tags)'"
echo "daemon_tar: PASS: new KSK published to the repository ($TAGS2)"
