# shellcheck shell=bash
# TrustSync lab: `lab.sh start --agent` (sourced by lab.sh after lab_start.sh, whose helpers
# it uses). A hierarchy whose middle levels are served from files that TrustSync daemons
# write, so that agents can run every level:
#   .1  `.`                BIND dnssec-policy + inline-signing, TSIG UPDATE (DS of test.)
#   .2  test.              NSD primary, from $LAB_TEST_ZONEFILE, NOTIFY .3
#   .3  test.              Knot secondary (hold-secondary: zone-freeze)
#   .4  example.test.      NSD primary, from $LAB_EXAMPLE_ZONEFILE, NOTIFY .5
#   .5  example.test.      BIND secondary (hold-secondary: dead primary)
#   .6  sub.example.test.  NSD, from $LAB_SUB_ZONEFILE
#   .9  knot.example.test. Knot dnssec-policy + ksk-submission (parents .4 .5) - comparison
#   .10 bind.example.test. BIND dnssec-policy + parental-agents .4 .5 - comparison
#   .53 Unbound validating resolver (trust anchor = the root's DS)
# test., example.test. and sub.example.test. start pre-signed (dnssec-signzone) with keys in
# $LAB_*_KEYDIR for a daemon to import; their unsigned inputs ($LAB_*_INPUT) hold the DS of
# every child, so the chain is valid from the start. `lab.sh reload-zone ZONE` makes NSD load
# a zone file the daemon wrote.

# agent_keys: all keys at once. Base paths land in $DIR/keys/<name>.ksk|.zsk.
agent_keys() {
  local k="$DIR/keys" e name zone dir
  mkdir -p "$k/test" "$k/example" "$k/sub" "$k/knotchild" "$DIR/bind-root/keys" "$DIR/bind-child/keys"
  for e in root:.:$DIR/bind-root/keys test:test.:$k/test example:example.test.:$k/example \
    sub:sub.example.test.:$k/sub knot:knot.example.test.:$k/knotchild \
    bind:bind.example.test.:$DIR/bind-child/keys; do
    IFS=: read -r name zone dir <<<"$e"
    keygen "$zone" "$dir" ksk >"$k/$name.ksk" &
    keygen "$zone" "$dir" >"$k/$name.zsk" &
  done
  wait
  for name in root test example sub knot bind; do
    for e in ksk zsk; do
      [[ -f "$(cat "$k/$name.$e").private" ]] || die "dnssec-keygen failed for $name $e"
    done
  done
}

agent_zones() {
  local z="$DIR/zones" k="$DIR/keys"
  mkdir -p "$z" "$DIR/knot-child"
  cat >"$z/sub.example.test.zone" <<EOF
\$TTL $TTL
$(soa sub.example.test. ns.sub.example.test.)
sub.example.test. $TTL IN NS ns.sub.example.test.
ns.sub.example.test. $TTL IN A $P.6
www.sub.example.test. $TTL IN TXT "sub.example.test. in the TrustSync lab"
EOF
  local c
  for c in knot:9 bind:10; do
    cat >"$z/${c%%:*}.example.test.zone" <<EOF
\$TTL $TTL
$(soa "${c%%:*}.example.test." "ns.${c%%:*}.example.test.")
${c%%:*}.example.test. $TTL IN NS ns.${c%%:*}.example.test.
ns.${c%%:*}.example.test. $TTL IN A $P.${c#*:}
www.${c%%:*}.example.test. $TTL IN TXT "${c%%:*}.example.test. (comparison signer)"
EOF
  done
  cp "$z/knot.example.test.zone" "$DIR/knot-child/knot.example.test.zone"
  cp "$z/bind.example.test.zone" "$DIR/bind-child/bind.example.test.zone"
  cat >"$z/example.test.zone" <<EOF
\$TTL $TTL
$(soa example.test. ns1.example.test.)
example.test. $TTL IN NS ns1.example.test.
example.test. $TTL IN NS ns2.example.test.
ns1.example.test. $TTL IN A $P.4
ns2.example.test. $TTL IN A $P.5
www.example.test. $TTL IN TXT "example.test. in the TrustSync lab"
sub.example.test. $TTL IN NS ns.sub.example.test.
ns.sub.example.test. $TTL IN A $P.6
$(ds_of "$(cat "$k/sub.ksk")")
knot.example.test. $TTL IN NS ns.knot.example.test.
ns.knot.example.test. $TTL IN A $P.9
$(ds_of "$(cat "$k/knot.ksk")")
bind.example.test. $TTL IN NS ns.bind.example.test.
ns.bind.example.test. $TTL IN A $P.10
$(ds_of "$(cat "$k/bind.ksk")")
EOF
  cat >"$z/test.zone" <<EOF
\$TTL $TTL
$(soa test. ns1.test.)
test. $TTL IN NS ns1.test.
test. $TTL IN NS ns2.test.
ns1.test. $TTL IN A $P.2
ns2.test. $TTL IN A $P.3
www.test. $TTL IN TXT "test. in the TrustSync lab"
example.test. $TTL IN NS ns1.example.test.
example.test. $TTL IN NS ns2.example.test.
ns1.example.test. $TTL IN A $P.4
ns2.example.test. $TTL IN A $P.5
$(ds_of "$(cat "$k/example.ksk")")
EOF
  cat >"$DIR/bind-root/root.zone" <<EOF
\$TTL $TTL
$(soa . a.root-servers.lab.)
. $TTL IN NS a.root-servers.lab.
a.root-servers.lab. $TTL IN A $P.1
test. $TTL IN NS ns1.test.
test. $TTL IN NS ns2.test.
ns1.test. $TTL IN A $P.2
ns2.test. $TTL IN A $P.3
$(ds_of "$(cat "$k/test.ksk")")
EOF
  local pids=() zone
  for zone in test example.test sub.example.test; do
    sign "$zone." "$k/${zone%%.*}" "$z/$zone.zone" "$z/$zone.signed" &
    pids+=($!)
  done
  for zone in "${pids[@]}"; do wait "$zone" || die "dnssec-signzone failed"; done
  # BIND's child starts with its keys fully in place (DS at the parent): state files say so.
  dnssec-settime -s -g OMNIPRESENT -k OMNIPRESENT now -r OMNIPRESENT now -d OMNIPRESENT now \
    "$(cat "$k/bind.ksk")" >/dev/null 2>&1 || die "dnssec-settime (bind.example.test. KSK) failed"
  dnssec-settime -s -g OMNIPRESENT -k OMNIPRESENT now -z OMNIPRESENT now \
    "$(cat "$k/bind.zsk")" >/dev/null 2>&1 || die "dnssec-settime (bind.example.test. ZSK) failed"
  local root_ksk
  root_ksk="$(cat "$k/root.ksk")"
  ds_of "$root_ksk" >"$DIR/root.ds"
  grep -v '^;' "$root_ksk.key" >"$DIR/root.dnskey"
  printf '. %s IN NS a.root-servers.lab.\na.root-servers.lab. %s IN A %s\n' \
    "$TTL" "$TTL" "$P.1" >"$DIR/root.hints"
  {
    echo "trust-anchors {"
    awk '{print "  " $1 " static-ds " $5 " " $6 " " $7 " \"" $8 "\";"}' "$DIR/root.ds"
    echo "};"
  } >"$DIR/root.delv"
}

# The policy of the BIND servers that sign (root, comparison child). Terms as the test's.
bind_policy() {
  cat <<EOF
dnssec-policy "lab" {
  keys {
    ksk key-directory lifetime unlimited algorithm ecdsap256sha256;
    zsk key-directory lifetime unlimited algorithm ecdsap256sha256;
  };
  dnskey-ttl $TTL;
  max-zone-ttl $TTL;
  publish-safety 2;
  retire-safety 2;
  purge-keys 1d;
  zone-propagation-delay 2;
  parent-ds-ttl $TTL;
  parent-propagation-delay 3;
  signatures-refresh 5d;
  signatures-validity 14d;
  signatures-validity-dnskey 14d;
};
EOF
}

write_agent_configs() {
  make_rndc bind-root "$P.1"
  make_rndc bind-example2 "$P.5"
  make_rndc bind-child "$P.10"
  {
    bind_head bind-root "$P.1"
    bind_policy
    cat <<EOF
zone "." {
  type primary;
  file "$DIR/bind-root/root.zone";
  dnssec-policy "lab";
  inline-signing yes;
  update-policy { grant "$LAB_TSIG_NAME" zonesub ANY; };
  notify no;
};
EOF
  } >"$DIR/bind-root/named.conf"
  {
    bind_head bind-child "$P.10"
    bind_policy
    cat <<EOF
zone "bind.example.test." {
  type primary;
  file "$DIR/bind-child/bind.example.test.zone";
  dnssec-policy "lab";
  inline-signing yes;
  parental-agents { $P.4; $P.5; };
  notify no;
};
EOF
  } >"$DIR/bind-child/named.conf"
  write_nsd_conf nsd-test "$P.2" test. "$DIR/zones/test.signed" "$P.3"
  write_nsd_conf nsd-example "$P.4" example.test. "$DIR/zones/example.test.signed" "$P.5"
  write_nsd_conf nsd-sub "$P.6" sub.example.test. "$DIR/zones/sub.example.test.signed"
  write_knot_test2_conf
  write_bind_example2_conf follow
  write_knot_child_conf
  write_unbound_conf
  local f
  for f in "$(cat "$DIR/keys/knot.ksk")" "$(cat "$DIR/keys/knot.zsk")"; do
    keymgr -c "$DIR/knot-child/knot.conf" knot.example.test. import-bind "$f.private" >/dev/null ||
      die "keymgr import-bind $f failed"
  done
}

# knot.example.test.: Knot signs, KSK rollover on `knotc zone-key-rollover`, CDS published
# for the new KSK, `submission` checks its DS at both example.test. servers every second.
write_knot_child_conf() {
  local d="$DIR/knot-child"
  {
    knot_head knot-child "$P.9"
    cat <<EOF
remote:
  - id: parent1
    address: $P.4@53
  - id: parent2
    address: $P.5@53
submission:
  - id: parent
    parent: [parent1, parent2]
    check-interval: 1s
policy:
  - id: child
    algorithm: ecdsap256sha256
    ksk-lifetime: 0
    zsk-lifetime: 0
    dnskey-ttl: $TTL
    zone-max-ttl: $TTL
    propagation-delay: 2
    rrsig-lifetime: 14d
    rrsig-refresh: 5d
    ksk-submission: parent
    cds-cdnskey-publish: rollover
zone:
  - domain: knot.example.test.
    storage: "$d"
    file: "$d/knot.example.test.zone"
    zonefile-sync: -1
    journal-content: all
    dnssec-signing: on
    dnssec-policy: child
EOF
  } >"$d/knot.conf"
}

launch_agent_all() {
  launch bind-root named -f -n 1 -4 -c "$DIR/bind-root/named.conf"
  launch nsd-test nsd -d -c "$DIR/nsd-test/nsd.conf"
  launch nsd-example nsd -d -c "$DIR/nsd-example/nsd.conf"
  launch nsd-sub nsd -d -c "$DIR/nsd-sub/nsd.conf"
  launch knot-test2 knotd -c "$DIR/knot-test2/knot.conf"
  launch bind-example2 named -f -n 1 -4 -c "$DIR/bind-example2/named.conf"
  launch knot-child knotd -c "$DIR/knot-child/knot.conf"
  launch bind-child named -f -n 1 -4 -c "$DIR/bind-child/named.conf"
  launch unbound unbound -d -c "$DIR/unbound/unbound.conf"
}

agent_resolver_ad() {
  local z out
  for z in sub.example.test. knot.example.test. bind.example.test.; do
    out="$(dig +time=1 +tries=1 +dnssec "@$P.53" "$z" SOA 2>/dev/null)"
    [[ "$out" =~ flags:[a-z\ ]*\ ad[\ \;] ]] || return 1
  done
}

wait_agent_all() {
  wait_server bind-root 10 "dig +norec @$P.1 SOA . signed" signed_at "$P.1" .
  wait_server nsd-test 10 "dig +norec @$P.2 SOA test. signed" signed_at "$P.2" test.
  wait_server nsd-example 10 "dig +norec @$P.4 SOA example.test. signed" signed_at "$P.4" example.test.
  wait_server nsd-sub 10 "dig +norec @$P.6 SOA sub.example.test. signed" signed_at "$P.6" sub.example.test.
  wait_server knot-child 10 "dig +norec @$P.9 SOA knot.example.test. signed" signed_at "$P.9" knot.example.test.
  wait_server bind-child 10 "dig +norec @$P.10 SOA bind.example.test. signed" signed_at "$P.10" bind.example.test.
  phase "primaries signed"
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
  wait_server knot-test2 10 "dig +norec @$P.3 SOA test. same serial as $P.2" synced_signed "$P.2" "$P.3" test.
  wait_server bind-example2 10 "dig +norec @$P.5 SOA example.test. same serial as $P.4" \
    synced_signed "$P.4" "$P.5" example.test.
  phase "secondaries in sync"
  wait_server unbound 15 "dig @$P.53 SOA +dnssec with the AD flag for sub, knot, bind" agent_resolver_ad
}

write_agent_env() {
  local lab="bash $LAB_SCRIPT_DIR/lab.sh" z="$DIR/zones"
  cat >"$DIR/lab.env.new" <<EOF
LAB_MODE=agent
LAB_INSTANCE=$INSTANCE
LAB_DIR=$DIR
LAB_PREFIX=$P
LAB_ROOT_ADDR=$P.1
LAB_ROOT_NS=a.root-servers.lab.
LAB_ROOT_RNDC=$DIR/bind-root/rndc.conf
LAB_TEST_PRIMARY=$P.2
LAB_TEST_SECONDARY=$P.3
LAB_EXAMPLE_PRIMARY=$P.4
LAB_EXAMPLE_SECONDARY=$P.5
LAB_SUB_ADDR=$P.6
LAB_RESOLVER=$P.53
LAB_TRUST_ANCHOR=$DIR/root.ds
LAB_DELV_ANCHOR=$DIR/root.delv
LAB_ROOT_DNSKEY=$DIR/root.dnskey
LAB_ROOT_HINTS=$DIR/root.hints
LAB_TSIG_NAME=$LAB_TSIG_NAME
LAB_TSIG_ALG=hmac-sha256
LAB_TSIG_SECRET=$LAB_TSIG_SECRET
LAB_TSIG_FILE=$DIR/tsig.key
LAB_TEST_INPUT=$z/test.zone
LAB_TEST_ZONEFILE=$z/test.signed
LAB_TEST_KEYDIR=$DIR/keys/test
LAB_TEST_RELOAD="$lab reload-zone test. --instance $INSTANCE"
LAB_TEST_NSD_CONF=$DIR/nsd-test/nsd.conf
LAB_EXAMPLE_INPUT=$z/example.test.zone
LAB_EXAMPLE_ZONEFILE=$z/example.test.signed
LAB_EXAMPLE_KEYDIR=$DIR/keys/example
LAB_EXAMPLE_RELOAD="$lab reload-zone example.test. --instance $INSTANCE"
LAB_EXAMPLE_NSD_CONF=$DIR/nsd-example/nsd.conf
LAB_SUB_INPUT=$z/sub.example.test.zone
LAB_SUB_ZONEFILE=$z/sub.example.test.signed
LAB_SUB_KEYDIR=$DIR/keys/sub
LAB_SUB_RELOAD="$lab reload-zone sub.example.test. --instance $INSTANCE"
LAB_SUB_NSD_CONF=$DIR/nsd-sub/nsd.conf
LAB_TEST_SECONDARY_KNOT_SOCK=$DIR/knot-test2/knot.sock
LAB_EXAMPLE_SECONDARY_RNDC=$DIR/bind-example2/rndc.conf
LAB_KNOT_CHILD=knot.example.test.
LAB_KNOT_CHILD_ADDR=$P.9
LAB_KNOT_CHILD_CONF=$DIR/knot-child/knot.conf
LAB_BIND_CHILD=bind.example.test.
LAB_BIND_CHILD_ADDR=$P.10
LAB_BIND_CHILD_RNDC=$DIR/bind-child/rndc.conf
LAB_UNBOUND_CONF=$DIR/unbound/unbound.conf
EOF
  mv "$DIR/lab.env.new" "$DIR/lab.env"
}

start_lab_agent() {
  START_MS=$(date +%s%3N)
  prepare_instance
  make_tsig
  agent_keys
  agent_zones
  phase "keys and zones made"
  write_agent_configs
  phase "configs written, Knot keys imported"
  launch_agent_all
  wait_agent_all
  phase "all servers answer, resolver validates"
  write_agent_env
  log "instance $INSTANCE (agent mode) up in $(($(date +%s%3N) - START_MS)) ms: resolver $P.53, env $DIR/lab.env"
}
