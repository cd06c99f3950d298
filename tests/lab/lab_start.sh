# shellcheck shell=bash
# TrustSync lab: `lab.sh start` (sourced by lab.sh). Makes keys with dnssec-keygen, writes
# and pre-signs the zones bottom-up (each child's DS goes into its parent's zone file before
# the parent is signed or loaded), writes the configs, starts every server at once, and polls
# until each answers (signed where it should be) and the resolver validates the chain.

SERIAL="$(date +%s)"

# keygen ZONE KEYDIR [ksk] -> prints the key's base path
keygen() {
  local name
  name="$(dnssec-keygen -q -K "$2" -a ECDSAP256SHA256 -L "$TTL" ${3:+-f KSK} -n ZONE "$1")"
  echo "$2/$name"
}

# ds_of KSKBASE -> the DS (SHA-256) line for a KSK, TTL $TTL
ds_of() { dnssec-dsfromkey -2 -T "$TTL" "$1.key"; }

# sign ZONE KEYDIR IN OUT: pre-sign with dnssec-signzone (smart signing from KEYDIR), 30 days.
sign() {
  dnssec-signzone -q -S -x -K "$2" -o "$1" -e +2592000 -d "$DIR/zones" -f "$4" "$3" >/dev/null
}

soa() {
  local rname="hostmaster.$1"
  [[ "$1" != . ]] || rname="hostmaster.lab."
  echo "$1 $TTL IN SOA $2 $rname $SERIAL 10 5 1209600 5"
}

make_zones() {
  local z="$DIR/zones" k="$DIR/keys"
  mkdir -p "$z" "$k/root" "$k/sub" "$k/island" "$k/example" "$DIR/bind-test/keys"

  # Keys: BIND tools only. test. keys live in BIND's key-directory (dnssec-policy uses them);
  # example.test. keys are imported into Knot's KASP database.
  # All ten keys at once (in parallel): each keygen writes its base path to a file.
  local kd=(root:. sub:sub.example.test. island:island.plain.test. example:example.test.
    test:test.) e zone dir
  for e in "${kd[@]}"; do
    zone="${e#*:}" dir="$k/${e%%:*}"
    [[ "${e%%:*}" != test ]] || dir="$DIR/bind-test/keys"
    keygen "$zone" "$dir" ksk >"$k/${e%%:*}.ksk" &
    keygen "$zone" "$dir" >"$k/${e%%:*}.zsk" &
  done
  wait
  local root_ksk sub_ksk island_ksk example_ksk example_zsk test_ksk
  root_ksk="$(cat "$k/root.ksk")" sub_ksk="$(cat "$k/sub.ksk")"
  island_ksk="$(cat "$k/island.ksk")" test_ksk="$(cat "$k/test.ksk")"
  example_ksk="$(cat "$k/example.ksk")" example_zsk="$(cat "$k/example.zsk")"
  for e in "$root_ksk" "$sub_ksk" "$island_ksk" "$test_ksk" "$example_ksk" "$example_zsk"; do
    [[ -f "$e.private" ]] || die "dnssec-keygen failed (${e:-no key made})"
  done
  EXAMPLE_KEYS=("$example_ksk" "$example_zsk")

  # sub.example.test. (NSD, pre-signed)
  cat >"$z/sub.example.test.zone" <<EOF
\$TTL $TTL
$(soa sub.example.test. ns.sub.example.test.)
sub.example.test. $TTL IN NS ns.sub.example.test.
ns.sub.example.test. $TTL IN A $P.6
www.sub.example.test. $TTL IN TXT "sub.example.test. in the TrustSync lab"
EOF
  sign sub.example.test. "$k/sub" "$z/sub.example.test.zone" "$z/sub.example.test.signed" &
  local sub_pid=$!

  # island.plain.test. (BIND, pre-signed; its DS is only in $DIR/island.ds)
  cat >"$z/island.plain.test.zone" <<EOF
\$TTL $TTL
$(soa island.plain.test. ns.island.plain.test.)
island.plain.test. $TTL IN NS ns.island.plain.test.
ns.island.plain.test. $TTL IN A $P.8
www.island.plain.test. $TTL IN TXT "an island of trust"
EOF
  sign island.plain.test. "$k/island" "$z/island.plain.test.zone" "$z/island.plain.test.signed" &
  local island_pid=$!
  ds_of "$island_ksk" >"$DIR/island.ds"

  # plain.test. (NSD, unsigned) delegates to the island without DS.
  cat >"$z/plain.test.zone" <<EOF
\$TTL $TTL
$(soa plain.test. ns.plain.test.)
plain.test. $TTL IN NS ns.plain.test.
ns.plain.test. $TTL IN A $P.7
www.plain.test. $TTL IN TXT "unsigned"
island.plain.test. $TTL IN NS ns.island.plain.test.
ns.island.plain.test. $TTL IN A $P.8
EOF

  # example.test. (Knot signs it) with the DS of sub.example.test.
  mkdir -p "$DIR/knot-example"
  cat >"$DIR/knot-example/example.test.zone" <<EOF
\$TTL $TTL
$(soa example.test. ns1.example.test.)
example.test. $TTL IN NS ns1.example.test.
example.test. $TTL IN NS ns2.example.test.
ns1.example.test. $TTL IN A $P.4
ns2.example.test. $TTL IN A $P.5
www.example.test. $TTL IN TXT "example.test. in the TrustSync lab"
sub.example.test. $TTL IN NS ns.sub.example.test.
ns.sub.example.test. $TTL IN A $P.6
$(ds_of "$sub_ksk")
EOF

  # test. (BIND signs it) with the DS of example.test. and NO DS for plain.test.
  cat >"$DIR/bind-test/test.zone" <<EOF
\$TTL $TTL
$(soa test. ns1.test.)
test. $TTL IN NS ns1.test.
test. $TTL IN NS ns2.test.
ns1.test. $TTL IN A $P.2
ns2.test. $TTL IN A $P.3
example.test. $TTL IN NS ns1.example.test.
example.test. $TTL IN NS ns2.example.test.
ns1.example.test. $TTL IN A $P.4
ns2.example.test. $TTL IN A $P.5
$(ds_of "$example_ksk")
plain.test. $TTL IN NS ns.plain.test.
ns.plain.test. $TTL IN A $P.7
EOF

  # . (NSD, pre-signed) with the DS of test.
  cat >"$z/root.zone" <<EOF
\$TTL $TTL
$(soa . a.root-servers.lab.)
. $TTL IN NS a.root-servers.lab.
a.root-servers.lab. $TTL IN A $P.1
test. $TTL IN NS ns1.test.
test. $TTL IN NS ns2.test.
ns1.test. $TTL IN A $P.2
ns2.test. $TTL IN A $P.3
$(ds_of "$test_ksk")
EOF
  sign . "$k/root" "$z/root.zone" "$z/root.signed" &
  local root_pid=$!
  wait "$sub_pid" || die "dnssec-signzone sub.example.test. failed"
  wait "$island_pid" || die "dnssec-signzone island.plain.test. failed"
  wait "$root_pid" || die "dnssec-signzone . failed"

  # Trust material.
  ds_of "$root_ksk" >"$DIR/root.ds"
  grep -v '^;' "$root_ksk.key" >"$DIR/root.dnskey"
  grep -v '^;' "$island_ksk.key" >"$DIR/island.dnskey"
  printf '. %s IN NS a.root-servers.lab.\na.root-servers.lab. %s IN A %s\n' \
    "$TTL" "$TTL" "$P.1" >"$DIR/root.hints"
  {
    echo "trust-anchors {"
    awk '{print "  " $1 " static-ds " $5 " " $6 " " $7 " \"" $8 "\";"}' "$DIR/root.ds"
    echo "};"
  } >"$DIR/root.delv"
  {
    echo "trust-anchors {"
    awk '{print "  " $1 " static-ds " $5 " " $6 " " $7 " \"" $8 "\";"}' "$DIR/island.ds"
    echo "};"
  } >"$DIR/island.delv"
}

make_tsig() {
  LAB_TSIG_NAME="trustsync-lab-update."
  tsig-keygen -a hmac-sha256 "$LAB_TSIG_NAME" >"$DIR/tsig.key"
  chmod 600 "$DIR/tsig.key"
  LAB_TSIG_SECRET="$(awk -F'"' '/secret/ {print $2}' "$DIR/tsig.key")"
  [[ -n "$LAB_TSIG_SECRET" ]] || die "could not read the TSIG secret from $DIR/tsig.key"
}

write_configs() {
  write_nsd_conf nsd-root "$P.1" . "$DIR/zones/root.signed"
  write_nsd_conf nsd-sub "$P.6" sub.example.test. "$DIR/zones/sub.example.test.signed"
  write_nsd_conf nsd-plain "$P.7" plain.test. "$DIR/zones/plain.test.zone"
  make_rndc bind-test "$P.2"
  make_rndc bind-example2 "$P.5"
  make_rndc bind-island "$P.8"
  write_bind_test_conf
  write_bind_example2_conf follow
  write_bind_island_conf
  write_knot_example_conf
  write_knot_test2_conf
  write_unbound_conf
  local f
  for f in "${EXAMPLE_KEYS[@]}"; do
    keymgr -c "$DIR/knot-example/knot.conf" example.test. import-bind "$f.private" >/dev/null ||
      die "keymgr import-bind $f failed"
  done
}

launch_all() {
  launch nsd-root nsd -d -c "$DIR/nsd-root/nsd.conf"
  launch nsd-sub nsd -d -c "$DIR/nsd-sub/nsd.conf"
  launch nsd-plain nsd -d -c "$DIR/nsd-plain/nsd.conf"
  launch bind-test named -f -n 1 -4 -c "$DIR/bind-test/named.conf"
  launch bind-example2 named -f -n 1 -4 -c "$DIR/bind-example2/named.conf"
  launch bind-island named -f -n 1 -4 -c "$DIR/bind-island/named.conf"
  launch knot-example knotd -c "$DIR/knot-example/knot.conf"
  launch knot-test2 knotd -c "$DIR/knot-test2/knot.conf"
  launch unbound unbound -d -c "$DIR/unbound/unbound.conf"
}

# fail_server NAME WHAT: report a server that did not come up, stop the instance, exit 1.
fail_server() {
  local name="$1" f
  echo "lab.sh: instance $INSTANCE: server $name did not come up ($2)" >&2
  for f in "$DIR/logs/$name.out" "$DIR/$name"/*.log; do
    [[ -s "$f" ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 15 "$f" >&2
  done
  stop_instance
  exit 1
}

# wait_server NAME LIMIT WHAT CMD...: poll CMD; fail early if the server's process died.
wait_server() {
  local name="$1" limit="$2" what="$3"
  shift 3
  local deadline=$((SECONDS + limit)) pid
  pid="$(cat "$DIR/pids/$name.pid")"
  while ! "$@"; do
    pid_is_ours "$pid" || fail_server "$name" "process exited; $what"
    ((SECONDS < deadline)) || fail_server "$name" "timeout after ${limit}s; $what"
    sleep 0.05
  done
}

answers() { [[ -n "$(serial_at "$1" "$2")" ]]; }
signed_at() { has_rrsig_soa "$1" "$2"; }
synced_signed() {
  local a b
  a="$(serial_at "$1" "$3")"
  b="$(serial_at "$2" "$3")"
  [[ -n "$a" && "$a" == "$b" ]] && has_rrsig_soa "$2" "$3"
}
resolver_ad() {
  local out
  out="$(dig +time=1 +tries=1 +dnssec "@$P.53" sub.example.test. SOA 2>/dev/null)"
  [[ "$out" =~ flags:[a-z\ ]*\ ad[\ \;] ]]
}

wait_all() {
  wait_server nsd-root 10 "dig +norec @$P.1 SOA . signed" signed_at "$P.1" .
  wait_server nsd-sub 10 "dig +norec @$P.6 SOA sub.example.test. signed" signed_at "$P.6" sub.example.test.
  wait_server nsd-plain 10 "dig +norec @$P.7 SOA plain.test." answers "$P.7" plain.test.
  wait_server bind-island 10 "dig +norec @$P.8 SOA island.plain.test. signed" signed_at "$P.8" island.plain.test.
  wait_server bind-test 10 "dig +norec @$P.2 SOA test. signed by dnssec-policy" signed_at "$P.2" test.
  wait_server knot-example 10 "dig +norec @$P.4 SOA example.test. signed by Knot" signed_at "$P.4" example.test.
  phase "primaries signed"
  # Secondaries: a NOTIFY or first transfer attempt made before the primary was ready is lost
  # (or retried much later): ask each lagging secondary for a transfer, once a second.
  local t
  for t in $(seq 0 40); do
    local ok=1
    if ! synced_signed "$P.2" "$P.3" test.; then
      ok=0
      ((t % 10 != 0)) || knotc -s "$DIR/knot-test2/knot.sock" zone-retransfer test. >/dev/null 2>&1 || true
    fi
    if ! synced_signed "$P.4" "$P.5" example.test.; then
      ok=0
      ((t % 10 != 0)) || rndc -c "$DIR/bind-example2/rndc.conf" retransfer example.test >/dev/null 2>&1 || true
    fi
    [[ $ok == 0 ]] || break
    sleep 0.1
  done
  wait_server knot-test2 10 "dig +norec @$P.3 SOA test. same serial as $P.2" \
    synced_signed "$P.2" "$P.3" test.
  wait_server bind-example2 10 "dig +norec @$P.5 SOA example.test. same serial as $P.4" \
    synced_signed "$P.4" "$P.5" example.test.
  phase "secondaries in sync"
  wait_server unbound 10 "dig @$P.53 sub.example.test. SOA +dnssec with the AD flag" resolver_ad
}

write_env() {
  cat >"$DIR/lab.env.new" <<EOF
LAB_MODE=default
LAB_INSTANCE=$INSTANCE
LAB_DIR=$DIR
LAB_PREFIX=$P
LAB_ROOT_ADDR=$P.1
LAB_ROOT_NS=a.root-servers.lab.
LAB_TEST_PRIMARY=$P.2
LAB_TEST_SECONDARY=$P.3
LAB_EXAMPLE_PRIMARY=$P.4
LAB_EXAMPLE_SECONDARY=$P.5
LAB_SUB_ADDR=$P.6
LAB_PLAIN_ADDR=$P.7
LAB_ISLAND_ADDR=$P.8
LAB_RESOLVER=$P.53
LAB_TRUST_ANCHOR=$DIR/root.ds
LAB_DELV_ANCHOR=$DIR/root.delv
LAB_ROOT_DNSKEY=$DIR/root.dnskey
LAB_ROOT_HINTS=$DIR/root.hints
LAB_ISLAND_ANCHOR=$DIR/island.ds
LAB_ISLAND_DELV_ANCHOR=$DIR/island.delv
LAB_ISLAND_DNSKEY=$DIR/island.dnskey
LAB_TSIG_NAME=$LAB_TSIG_NAME
LAB_TSIG_ALG=hmac-sha256
LAB_TSIG_SECRET=$LAB_TSIG_SECRET
LAB_TSIG_FILE=$DIR/tsig.key
LAB_ROOT_ZONEFILE=$DIR/zones/root.signed
LAB_ROOT_KEYDIR=$DIR/keys/root
LAB_SUB_ZONEFILE=$DIR/zones/sub.example.test.signed
LAB_SUB_KEYDIR=$DIR/keys/sub
LAB_ISLAND_ZONEFILE=$DIR/zones/island.plain.test.signed
LAB_ISLAND_KEYDIR=$DIR/keys/island
LAB_TEST_PRIMARY_RNDC=$DIR/bind-test/rndc.conf
LAB_TEST_SECONDARY_KNOT_SOCK=$DIR/knot-test2/knot.sock
LAB_EXAMPLE_PRIMARY_KNOT_SOCK=$DIR/knot-example/knot.sock
LAB_EXAMPLE_SECONDARY_RNDC=$DIR/bind-example2/rndc.conf
LAB_SUB_NSD_CONF=$DIR/nsd-sub/nsd.conf
LAB_UNBOUND_CONF=$DIR/unbound/unbound.conf
EOF
  mv "$DIR/lab.env.new" "$DIR/lab.env"
}

# phase NAME: with LAB_VERBOSE=1, print the milliseconds since start began.
phase() {
  [[ -n "${LAB_VERBOSE:-}" ]] || return 0
  echo "lab.sh: +$(($(date +%s%3N) - START_MS)) ms $1" >&2
}

# prepare_instance: stop instance I wherever it runs, make a fresh run directory, add the
# addresses (shared by both modes).
prepare_instance() {
  [[ $EUID == 0 ]] || die "start must run as root (it adds addresses to lo and binds port 53)"
  # Stop instance I wherever it runs (it may have been started with another --dir).
  if [[ -f "$REGISTRY/$INSTANCE" ]]; then
    local old
    old="$(cat "$REGISTRY/$INSTANCE")"
    if [[ "$old" != "$DIR" ]]; then
      stop_instance "$old"
      if [[ -f "$old/.trustsync-lab" ]]; then rm -rf "$old"; fi
    fi
  fi
  stop_instance
  # Only ever wipe a directory this script created.
  if [[ -e "$DIR" ]]; then
    if [[ -f "$DIR/.trustsync-lab" ]] || [[ -z "$(ls -A "$DIR")" ]]; then
      rm -rf "$DIR"
    else
      die "$DIR exists and is not a lab directory; refusing to wipe it"
    fi
  fi
  mkdir -p "$DIR/pids" "$DIR/logs" "$REGISTRY"
  touch "$DIR/.trustsync-lab"
  echo "$DIR" >"$REGISTRY/$INSTANCE"
  local s
  for s in "${ADDR_SUFFIXES[@]}"; do echo "addr add $P.$s/32 dev lo"; done |
    ip -force -batch - 2>/dev/null || true
  local have
  have="$(ip -o addr show dev lo)"
  for s in "${ADDR_SUFFIXES[@]}"; do
    [[ "$have" == *" $P.$s/32 "* ]] || die "cannot add $P.$s/32 to lo"
  done
  phase "stopped previous, addresses added"
}

start_lab() {
  START_MS=$(date +%s%3N)
  prepare_instance
  make_tsig
  make_zones
  phase "keys and zones made"
  write_configs
  phase "configs written, Knot keys imported"
  launch_all
  phase "servers launched"
  wait_all
  phase "all servers answer, resolver validates"
  write_env
  log "instance $INSTANCE up in $(($(date +%s%3N) - START_MS)) ms: resolver $P.53, env $DIR/lab.env"
}
