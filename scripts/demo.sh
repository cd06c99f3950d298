#!/usr/bin/env bash
# Sets up, builds and runs the main job on the built-in example: generates keys for the
# bundled example zone, signs it with NSEC3, verifies the output with BIND's and ldns'
# verifiers, and prints the DS records to give the parent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
TS=./build/trustsync
work=$(mktemp -d /tmp/trustsync-demo.XXXXXX)
echo "demo: working in $work"
$TS keygen --origin example.test. --algorithm ECDSAP256SHA256 --role ksk --keys "$work/keys"
$TS keygen --origin example.test. --algorithm ECDSAP256SHA256 --role zsk --keys "$work/keys"
$TS sign --origin example.test. --keys "$work/keys" --denial nsec3 --output "$work/example.test.signed" conf/example.test.zone
echo "demo: signed zone: $work/example.test.signed ($(grep -c RRSIG "$work/example.test.signed") RRSIG lines)"
dnssec-verify -o example.test. "$work/example.test.signed"
ldns-verify-zone "$work/example.test.signed"
echo "demo: DS records for the parent:"
$TS ds --origin example.test. --keys "$work/keys"
