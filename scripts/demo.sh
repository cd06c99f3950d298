#!/usr/bin/env bash
# The README's run command: sets up, builds and runs the main job on the built-in default.
#  1. signs the bundled example zone (conf/example.test.zone) with fresh keys, NSEC3, and
#     verifies the output with BIND's and ldns' verifiers, then prints its DS records;
#  2. brings up the lab, a private DNSSEC hierarchy of real NSD, BIND, Knot and Unbound
#     servers on 127.53.0.x (tests/lab/), and shows the chain of trust down to each zone
#     as a validator sees it (`trustsync chain`);
#  3. runs the agent daemon on sub.example.test. in the lab: it removes a rogue DS and runs
#     a KSK rollover with the parent followed automatically, while a probe validates every
#     half second (scripts/demo_agent.sh); then stops the lab.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
TS=$PWD/build/trustsync
work=$(mktemp -d /tmp/trustsync-demo.XXXXXX)
echo "== 1. sign the example zone (working in $work)"
$TS keygen --origin example.test. --algorithm ECDSAP256SHA256 --role ksk --keys "$work/keys"
$TS keygen --origin example.test. --algorithm ECDSAP256SHA256 --role zsk --keys "$work/keys"
$TS sign --origin example.test. --keys "$work/keys" --denial nsec3 \
  --output "$work/example.test.signed" conf/example.test.zone
dnssec-verify -q -o example.test. "$work/example.test.signed" && echo "dnssec-verify: ok"
ldns-verify-zone -q "$work/example.test.signed" && echo "ldns-verify-zone: ok"
echo "DS records for the parent:"
$TS ds --origin example.test. --keys "$work/keys"

echo
echo "== 2. the chain of trust in the lab hierarchy (127.53.0.x)"
instance=${DEMO_LAB_INSTANCE:-0}
trap 'bash tests/lab/lab.sh stop --instance "$instance" >/dev/null 2>&1 || true' EXIT
bash tests/lab/lab.sh start --instance "$instance"
# shellcheck disable=SC1091
source "/tmp/trustsync-lab-$instance/lab.env"
for zone in sub.example.test. island.plain.test.; do
  echo
  echo "\$ trustsync chain $zone"
  rc=0
  $TS chain "$zone" --trust-anchor "$LAB_TRUST_ANCHOR" --root-hints "$LAB_ROOT_HINTS" || rc=$?
  echo "(exit $rc: 0 secure, 1 insecure, 2 bogus, 3 could not check)"
done

echo
echo "== 3. the agent keeps sub.example.test.'s chain of trust by itself (scripts/demo_agent.sh)"
bash scripts/demo_agent.sh "$instance"
