# shellcheck shell=bash
# TrustSync lab: configuration file writers for each server of an instance (sourced by
# lab.sh). Inputs: P (address prefix 127.53.I), DIR (run directory), LAB_TSIG_NAME,
# LAB_TSIG_SECRET. Each server gets its own directory $DIR/<server>/ with config, pid file,
# log and control socket.

# write_nsd_conf NAME ADDR ZONE ZONEFILE [NOTIFY_ADDR]: NOTIFY_ADDR (a secondary) is sent a
# NOTIFY, from ADDR, whenever the zone file is reloaded.
write_nsd_conf() {
  local addr="$2" zone="$3" zonefile="$4" d="$DIR/$1"
  mkdir -p "$d"
  cat >"$d/nsd.conf" <<EOF
server:
  ip-address: $addr
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$d"
  database: ""
  pidfile: "$d/nsd.pid"
  xfrdfile: "$d/xfrd.state"
  zonelistfile: "$d/zone.list"
  logfile: "$d/nsd.log"
  server-count: 1
  verbosity: 1
  hide-version: yes
  reuseport: no
  refuse-any: no
remote-control:
  control-enable: yes
  control-interface: "$d/nsd.ctl"
zone:
  name: "$zone"
  zonefile: "$zonefile"
  provide-xfr: 127.0.0.0/8 NOKEY
EOF
  if [[ -n "${5:-}" ]]; then
    printf '  notify: %s NOKEY\n  outgoing-interface: %s\n' "$5" "$addr" >>"$d/nsd.conf"
  fi
}

# Shared head of every named.conf: options, TSIG key, control channel.
# bind_head NAME ADDR
bind_head() {
  local addr="$2" d="$DIR/$1"
  cat <<EOF
options {
  directory "$d";
  pid-file "$d/named.pid";
  session-keyfile "$d/session.key";
  managed-keys-directory "$d";
  key-directory "$d/keys";
  listen-on port 53 { $addr; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify-source $addr;
  transfer-source $addr;
  query-source address $addr;
  allow-transfer { 127.0.0.0/8; };
  notify-delay 0;
  min-refresh-time 2;
  min-retry-time 1;
  max-retry-time 5;
  max-journal-size 10M;
};
key "$LAB_TSIG_NAME" { algorithm hmac-sha256; secret "$LAB_TSIG_SECRET"; };
include "$d/rndc.key";
controls { inet $addr port 953 allow { 127.0.0.0/8; } keys { "rndc-key"; }; };
logging {
  channel lab_log { file "$d/named.log"; severity info; print-time yes; print-category yes; };
  category default { lab_log; };
  category general { lab_log; };
  category lame-servers { null; };
};
EOF
}

# make_rndc NAME ADDR: control key + rndc.conf for a named instance.
make_rndc() {
  local d="$DIR/$1"
  mkdir -p "$d/keys"
  rndc-confgen -a -A hmac-sha256 -k rndc-key -c "$d/rndc.key" >/dev/null 2>&1
  {
    cat "$d/rndc.key"
    echo "options { default-key \"rndc-key\"; default-server $2; default-port 953; };"
  } >"$d/rndc.conf"
}

# test. primary: BIND with dnssec-policy (keys pre-made in $DIR/bind-test/keys), UPDATE by TSIG.
write_bind_test_conf() {
  local d="$DIR/bind-test"
  {
    bind_head bind-test "$P.2"
    cat <<EOF
dnssec-policy "lab" {
  keys {
    ksk key-directory lifetime unlimited algorithm ecdsap256sha256;
    zsk key-directory lifetime unlimited algorithm ecdsap256sha256;
  };
  dnskey-ttl $TTL;
  max-zone-ttl 60;
  publish-safety 1;
  retire-safety 1;
  purge-keys 1d;
  zone-propagation-delay 1;
  parent-ds-ttl $TTL;
  parent-propagation-delay 1;
  signatures-refresh 5d;
  signatures-validity 14d;
  signatures-validity-dnskey 14d;
};
zone "test." {
  type primary;
  file "$d/test.zone";
  dnssec-policy "lab";
  inline-signing yes;
  update-policy { grant "$LAB_TSIG_NAME" zonesub ANY; };
  notify explicit;
  also-notify { $P.3; };
};
EOF
  } >"$d/named.conf"
}

# example.test. secondary: BIND. MODE=follow (primary $P.4) or hold (a dead primary address,
# so NOTIFYs from $P.4 are refused and refreshes fail; the old copy stays served).
write_bind_example2_conf() {
  local mode="${1:-follow}" d="$DIR/bind-example2" primary="$P.4"
  [[ "$mode" == follow ]] || primary="$P.254"
  {
    bind_head bind-example2 "$P.5"
    cat <<EOF
zone "example.test." {
  type secondary;
  file "$d/example.test.zone";
  primaries { $primary; };
  notify no;
};
EOF
  } >"$d/named.conf.new"
  mv "$d/named.conf.new" "$d/named.conf"
}

# island.plain.test.: BIND serving a pre-signed zone.
write_bind_island_conf() {
  local d="$DIR/bind-island"
  {
    bind_head bind-island "$P.8"
    cat <<EOF
zone "island.plain.test." {
  type primary;
  file "$DIR/zones/island.plain.test.signed";
};
EOF
  } >"$d/named.conf"
}

knot_head() {
  local addr="$2" d="$DIR/$1"
  mkdir -p "$d"
  cat <<EOF
server:
  rundir: "$d"
  pidfile: "$d/knot.pid"
  listen: $addr@53
  background-workers: 1
  tcp-workers: 1
  udp-workers: 1
control:
  listen: "$d/knot.sock"
log:
  - target: "$d/knot.log"
    any: info
database:
  storage: "$d"
key:
  - id: $LAB_TSIG_NAME
    algorithm: hmac-sha256
    secret: $LAB_TSIG_SECRET
EOF
}

# example.test. primary: Knot, automatic signing with the imported keys, UPDATE by TSIG.
write_knot_example_conf() {
  local d="$DIR/knot-example"
  mkdir -p "$d"
  {
    knot_head knot-example "$P.4"
    cat <<EOF
remote:
  - id: secondary
    address: $P.5@53
    via: $P.4
acl:
  - id: update
    key: $LAB_TSIG_NAME
    action: update
  - id: transfer
    address: 127.0.0.0/8
    action: transfer
policy:
  - id: lab
    manual: on
    algorithm: ecdsap256sha256
    dnskey-ttl: $TTL
    zone-max-ttl: 60
    propagation-delay: 1
    rrsig-lifetime: 14d
    rrsig-refresh: 5d
zone:
  - domain: example.test.
    storage: "$d"
    file: "$d/example.test.zone"
    zonefile-sync: -1
    zonefile-load: difference-no-serial
    journal-content: all
    dnssec-signing: on
    dnssec-policy: lab
    notify: secondary
    acl: [update, transfer]
EOF
  } >"$d/knot.conf"
}

# test. secondary: Knot. Held with `knotc zone-freeze`.
write_knot_test2_conf() {
  local d="$DIR/knot-test2"
  mkdir -p "$d"
  {
    knot_head knot-test2 "$P.3"
    cat <<EOF
remote:
  - id: primary
    address: $P.2@53
    via: $P.3
acl:
  - id: notify
    address: $P.2
    action: notify
  - id: transfer
    address: 127.0.0.0/8
    action: transfer
zone:
  - domain: test.
    storage: "$d"
    file: "$d/test.zone"
    zonefile-sync: -1
    journal-content: changes
    master: primary
    acl: [notify, transfer]
EOF
  } >"$d/knot.conf"
}

write_unbound_conf() {
  local d="$DIR/unbound"
  mkdir -p "$d"
  cat >"$d/unbound.conf" <<EOF
server:
  interface: $P.53
  port: 53
  outgoing-interface: $P.53
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  username: ""
  chroot: ""
  directory: "$d"
  pidfile: "$d/unbound.pid"
  logfile: "$d/unbound.log"
  use-syslog: no
  verbosity: 1
  val-log-level: 2
  num-threads: 1
  so-reuseport: no
  do-not-query-localhost: no
  root-hints: "$DIR/root.hints"
  trust-anchor-file: "$DIR/root.ds"
  local-zone: "test." nodefault
  module-config: "validator iterator"
  qname-minimisation: no
  aggressive-nsec: no
  prefetch: no
  prefetch-key: no
  target-fetch-policy: "0 0 0 0 0"
  cache-max-ttl: 5
  cache-max-negative-ttl: 5
  val-bogus-ttl: 1
  trust-anchor-signaling: no
  infra-host-ttl: 5
  infra-keep-probing: yes
remote-control:
  control-enable: yes
  control-interface: "$d/unbound.ctl"
  control-use-cert: no
EOF
}
