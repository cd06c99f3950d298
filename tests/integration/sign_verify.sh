#!/usr/bin/env bash
# Signs the zones in tests/data/sign with every algorithm, for NSEC, NSEC3 and NSEC3
# opt-out, and checks every output with three independent verifiers: BIND dnssec-verify,
# ldns-verify-zone and Knot kzonecheck. Also: re-signing a signed zone, and a malformed
# zone (non-zero exit, file:line in the message, no output file).
set -u
TRUSTSYNC=${TRUSTSYNC:-$(dirname "$0")/../../build/trustsync}
TS_SOURCE_DIR=${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA="$TS_SOURCE_DIR/tests/data/sign"
WORK=$(mktemp -d /tmp/ts-sign-verify.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
checks=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# verify ORIGIN FILE LABEL: all three verifiers must accept the file.
verify() {
  local origin=$1 file=$2 label=$3 out zflag=()
  checks=$((checks + 1))
  # A lone CSK has the SEP flag: dnssec-verify then needs -z ("all records signed by KSKs").
  [ "${4:-}" = csk ] && zflag=(-z)
  if ! out=$(dnssec-verify -q "${zflag[@]}" -o "$origin" "$file" 2>&1); then
    fail "$label: dnssec-verify"; echo "$out" | head -20
  fi
  if ! out=$(ldns-verify-zone -V 1 "$file" 2>&1); then
    fail "$label: ldns-verify-zone"; echo "$out" | head -20
  fi
  if ! out=$(kzonecheck -o "$origin" -d on "$file" 2>&1); then
    # dname.test holds data below a DNAME, which kzonecheck rejects even unsigned (RFC 6672
    # 2.3); there it may complain about exactly that and nothing else.
    if [ "$origin" != dname.test. ] ||
      echo "$out" | grep '^\[' | grep -v -e 'child record exists under DNAME' \
        -e '^\[[a-z.]*below\.dn\.dname\.test\.\] missing NSEC(3) record' | grep -q .; then
      fail "$label: kzonecheck"; echo "$out" | head -20
    fi
  fi
}

# zone file -> origin
declare -A ZONES=([full]=sign.test. [apex]=apex.test. [large]=large.test. [dname]=dname.test.)
# algorithm -> "bits split|csk"
ALGS=("RSASHA256 2048 split" "RSASHA512 2048 csk" "ECDSAP256SHA256 0 split"
      "ECDSAP384SHA384 0 csk" "ED25519 0 split" "ED448 0 csk")
MODES=("nsec" "nsec3" "nsec3 --opt-out")

keygen() {  # DIR ORIGIN ALG BITS ROLE
  local bits=()
  [ "$4" != 0 ] && bits=(--bits "$4")
  "$TRUSTSYNC" keygen --origin "$2" --algorithm "$3" "${bits[@]}" --role "$5" --keys "$1" \
    >/dev/null 2>"$WORK/keygen.err" || { fail "keygen $3 $5 for $2"; cat "$WORK/keygen.err"; }
}

for alg_spec in "${ALGS[@]}"; do
  read -r alg bits layout <<<"$alg_spec"
  keys="$WORK/keys-$alg"
  for z in "${!ZONES[@]}"; do
    origin=${ZONES[$z]}
    if [ "$layout" = split ]; then
      keygen "$keys" "$origin" "$alg" "$bits" ksk
      keygen "$keys" "$origin" "$alg" "$bits" zsk
    else
      keygen "$keys" "$origin" "$alg" "$bits" csk
    fi
    for mode in "${MODES[@]}"; do
      read -r denial extra <<<"$mode"
      label="$alg/$z/$denial${extra:+ $extra}"
      out="$WORK/$alg-$z-$denial${extra:+-optout}.signed"
      args=(--denial "$denial")
      [ -n "${extra:-}" ] && args+=("$extra")
      if ! "$TRUSTSYNC" sign --origin "$origin" --keys "$keys" "${args[@]}" --output "$out" \
        "$DATA/$z.zone" 2>"$WORK/sign.err"; then
        fail "$label: trustsync sign"; cat "$WORK/sign.err"; continue
      fi
      verify "$origin" "$out" "$label" "$layout"
    done
  done
done

# Re-signing a signed zone: the old RRSIG/NSEC are stripped, NSEC3 signed afresh.
keys="$WORK/keys-ECDSAP256SHA256"
signed="$WORK/ECDSAP256SHA256-full-nsec.signed"
if "$TRUSTSYNC" sign --origin sign.test. --keys "$keys" --denial nsec3 --salt abcd \
  --iterations 2 --serial increment --output "$WORK/resigned" "$signed" 2>"$WORK/sign.err"; then
  verify sign.test. "$WORK/resigned" "re-sign signed zone with NSEC3"
else
  fail "re-sign of a signed zone"; cat "$WORK/sign.err"
fi

# No keys for the origin: clear error, no output.
if "$TRUSTSYNC" sign --origin nokeys.test. --keys "$keys" --output "$WORK/nokeys" \
  "$DATA/apex.zone" 2>"$WORK/nokeys.err"; then
  fail "signing without keys succeeded"
fi
grep -q "no keys" "$WORK/nokeys.err" || { fail "no-keys message"; cat "$WORK/nokeys.err"; }
[ -e "$WORK/nokeys" ] && fail "output written without keys"

# Malformed zone: non-zero exit, file:line, and no output file.
keygen "$WORK/keys-bad" bad.test. ECDSAP256SHA256 0 csk
if "$TRUSTSYNC" sign --origin bad.test. --keys "$WORK/keys-bad" --output "$WORK/bad.signed" \
  "$DATA/malformed.zone" 2>"$WORK/bad.err"; then
  fail "malformed zone was signed"
fi
grep -q "malformed.zone:6" "$WORK/bad.err" || { fail "error does not name malformed.zone:6"; cat "$WORK/bad.err"; }
[ -e "$WORK/bad.signed" ] && fail "output file written for a malformed zone"

echo "sign_verify: $checks signed zones checked by 3 verifiers, $failures failure(s)"
[ "$failures" -eq 0 ]
