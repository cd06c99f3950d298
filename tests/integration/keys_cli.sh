#!/usr/bin/env bash
# trustsync keygen / ds end to end: a key of every algorithm, DS output equal to BIND's
# dnssec-dsfromkey (SHA-256 and SHA-384), key files 0600 in a 0700 directory, no key file
# ever overwritten, BIND key import, and the exit codes of usage errors (2) and failures (1).
set -euo pipefail
T=${TRUSTSYNC:?set TRUSTSYNC to the trustsync binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_rc RC CMD...: runs CMD, output in $work/out and $work/err, checks the exit code.
expect_rc() {
  local want=$1; shift
  set +e; "$@" >"$work/out" 2>"$work/err"; local rc=$?; set -e
  [ "$rc" -eq "$want" ] || { cat "$work/err" >&2; fail "exit $rc, expected $want: $*"; }
}
# Normalised DS lines: owner, tag, algorithm, digest type, upper-case digest.
norm_ds() { awk '$0 !~ /^;/ && NF >= 7 {print tolower($1), $(NF-3), $(NF-2), $(NF-1), toupper($NF)}' | sort; }
# DNSKEY lines of the SEP keys of a trustsync key directory, built from its metadata.
dnskeys_of() {
  for m in "$1"/*.private.pem; do
    awk 'BEGIN {n["RSASHA1"]=5; n["NSEC3RSASHA1"]=7; n["RSASHA256"]=8; n["RSASHA512"]=10;
                n["ECDSAP256SHA256"]=13; n["ECDSAP384SHA384"]=14; n["ED25519"]=15; n["ED448"]=16}
         /^-----BEGIN/{exit} /^origin:/{o=$2} /^algorithm:/{a=n[$2]} /^flags:/{f=$2} /^public-key:/{p=$2}
         END {if (f % 2 == 1) print o, 3600, "IN DNSKEY", f, 3, a, p}' "$m"
  done
}

keys=$work/keys
origin=example.com.

# --- a KSK of every algorithm, plus ZSKs that must not show up in `ds` ---------------
n=0
for spec in ECDSAP256SHA256 ECDSAP384SHA384 ED25519 ED448 "RSASHA256 --bits 2048" \
            "RSASHA512 --bits 3072" "RSASHA1 --bits 2048 --allow-deprecated" \
            "NSEC3RSASHA1 --bits 2048 --allow-deprecated"; do
  # shellcheck disable=SC2086
  set -- $spec
  alg=$1; shift
  expect_rc 0 "$T" keygen --origin "$origin" --algorithm "$alg" --role ksk --keys "$keys" "$@"
  read -r id tag <"$work/out"
  [[ "$tag" =~ ^[0-9]+$ ]] || fail "keygen printed no tag: $(cat "$work/out")"
  [[ "$id" == Kexample.com.+* ]] || fail "unexpected key id $id"
  grep -q "^id: $id\$" "$keys/$id.private.pem" || fail "key file of $id missing or without metadata"
  [ ! -e "$keys/$id.meta" ] || fail "$id has a separate .meta file (one file per key)"
  grep -q "BEGIN PRIVATE KEY" "$keys/$id.private.pem" || fail "$id is not PKCS#8 PEM"
  case $alg in *RSASHA1) grep -q "RFC 8624" "$work/err" || fail "no RFC 8624 warning for $alg";; esac
  n=$((n + 1))
done
expect_rc 0 "$T" keygen --origin "$origin" --algorithm ECDSAP256SHA256 --role zsk --keys "$keys"
expect_rc 0 "$T" keygen --origin "$origin" --algorithm ED25519 --role csk --keys "$keys"
n=$((n + 1))
expect_rc 0 "$T" keygen --origin other.example. --algorithm ED25519 --role ksk --keys "$keys"

# --- file modes ------------------------------------------------------------------------
[ "$(stat -c %a "$keys")" = 700 ] || fail "key directory mode $(stat -c %a "$keys")"
for f in "$keys"/*; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f has mode $(stat -c %a "$f")"
done

# --- ds equals dnssec-dsfromkey on the same DNSKEYs --------------------------------------
dnskeys_of "$keys" | grep -i "^example.com. " >"$work/dnskey.db"
[ "$(wc -l <"$work/dnskey.db")" -eq "$n" ] || fail "expected $n SEP keys"
for d in "sha256 -2" "sha384 -a SHA-384"; do
  # shellcheck disable=SC2086
  set -- $d
  expect_rc 0 "$T" ds --origin EXAMPLE.com --keys "$keys" --digest "$1"
  norm_ds <"$work/out" >"$work/ours"
  shift
  dnssec-dsfromkey "$@" -f "$work/dnskey.db" example.com | norm_ds >"$work/bind"
  [ "$(wc -l <"$work/ours")" -eq "$n" ] || { cat "$work/out"; fail "expected $n DS records"; }
  diff "$work/ours" "$work/bind" || fail "DS differs from dnssec-dsfromkey ($d)"
done
# ldns agrees too (SHA-256).
expect_rc 0 "$T" ds --origin "$origin" --keys "$keys"
norm_ds <"$work/out" >"$work/ours"
( cd "$work" && rm -f K*.ds && while read -r line; do
    echo "$line" >one.key && ldns-key2ds -n -2 one.key; echo; done <dnskey.db ) \
  | norm_ds >"$work/ldns"
diff "$work/ours" "$work/ldns" || fail "DS differs from ldns-key2ds"

# --- a second keygen never overwrites -----------------------------------------------
(cd "$keys" && sha256sum -- * >"$work/before.sum")
for _ in 1 2 3; do
  expect_rc 0 "$T" keygen --origin "$origin" --algorithm ED25519 --role zsk --keys "$keys"
done
(cd "$keys" && sha256sum --quiet -c "$work/before.sum") || fail "a key file changed"

# --- BIND import: same tag and DS as BIND, a clash gets a new id ---------------------
bind=$work/bind-keys
mkdir "$bind"
base=$(cd "$bind" && dnssec-keygen -q -K . -a ECDSAP256SHA256 -f KSK example.net)
imp=$work/imported
expect_rc 0 "$T" keygen --keys "$imp" --import "$bind/$base.key"
read -r id1 tag1 <"$work/out"
[ "$tag1" -eq "$((10#${base##*+}))" ] || fail "imported tag $tag1, BIND says $base"
expect_rc 0 "$T" ds --origin example.net --keys "$imp"
norm_ds <"$work/out" >"$work/ours"
dnssec-dsfromkey -2 "$bind/$base.key" | norm_ds >"$work/bind"
diff "$work/ours" "$work/bind" || fail "DS of imported key differs from BIND's"
sum1=$(sha256sum <"$imp/$id1.private.pem")
expect_rc 0 "$T" keygen --keys "$imp" --import "$bind/$base.private" --role csk
read -r id2 _ <"$work/out"
[ "$id2" != "$id1" ] || fail "second import reused id $id1"
[ "$(sha256sum <"$imp/$id1.private.pem")" = "$sum1" ] || fail "import overwrote $id1"
grep -q '^role: csk' "$imp/$id2.private.pem" || fail "--role csk not recorded"
expect_rc 1 "$T" keygen --keys "$imp" --import "$bind/$base.key" --origin example.org
grep -q "not example.org" "$work/err" || fail "origin mismatch not reported"
zbase=$(cd "$bind" && dnssec-keygen -q -K . -a RSASHA1 -b 1024 example.net)
expect_rc 1 "$T" keygen --keys "$imp" --import "$bind/$zbase.key"
grep -q "RFC 8624" "$work/err" || fail "deprecated import not refused"
[ "$(find "$imp" -type f | wc -l)" -eq 2 ] || fail "a refused import left files behind"

# --- usage errors (2) and failures (1) ---------------------------------------------------
expect_rc 2 "$T" keygen --algorithm ED25519 --role ksk --keys "$keys"
grep -q -- "--origin is required" "$work/err" || fail "missing --origin not explained"
expect_rc 2 "$T" keygen --origin "$origin" --algorithm DSA --role ksk --keys "$keys"
expect_rc 2 "$T" keygen --origin "$origin" --algorithm ED25519 --role sep --keys "$keys"
expect_rc 2 "$T" keygen --origin "$origin" --algorithm RSASHA1 --role ksk --keys "$keys"
grep -q "RFC 8624" "$work/err" || fail "RSASHA1 refusal does not cite RFC 8624"
expect_rc 2 "$T" keygen --origin "$origin" --algorithm RSASHA256 --bits 1024 --role ksk --keys "$keys"
expect_rc 0 "$T" keygen --origin small.example. --algorithm RSASHA256 --bits 1024 --role ksk \
  --keys "$keys" --allow-deprecated
grep -q "warning" "$work/err" || fail "no warning for a 1024-bit RSA key"
expect_rc 2 "$T" keygen --origin "$origin" --algorithm RSASHA256 --bits 8192 --role ksk --keys "$keys"
expect_rc 2 "$T" keygen --origin "$origin" --algorithm ED25519 --bits 512 --role ksk --keys "$keys"
expect_rc 2 "$T" keygen --bogus
expect_rc 0 "$T" keygen --help
expect_rc 2 "$T" ds --origin "$origin"
expect_rc 2 "$T" ds --origin "$origin" --keys "$keys" --digest md5
expect_rc 1 "$T" ds --origin nokeys.example. --keys "$keys"
expect_rc 1 "$T" ds --origin "$origin" --keys "$work/does-not-exist"
echo "keys_cli: OK"
