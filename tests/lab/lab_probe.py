#!/usr/bin/python3
"""Lab probe: asks a validating resolver about every zone of a group, every INTERVAL seconds,
one thread per group, and counts answers that are not NOERROR with the AD bit (bogus or
SERVFAIL) and questions not answered within 2 s (a resolver waiting on a stopped server).

  lab_probe.py --resolver 127.53.30.53 --out DIR [--interval 0.5] \
      GROUP=ZONE[,ZONE...] ...        # each ZONE asked for SOA, DNSKEY, DS and www.ZONE TXT

Writes DIR/probe.json ({group: {"queries": n, "fail": n, "timeout": n}}, replaced atomically
every round) and appends each failure to DIR/probe.fail, each timeout to DIR/probe.timeout.
Runs until killed (SIGTERM writes the counts once more). dnspython (Debian's, as DNSViz uses).
"""
import argparse
import datetime
import json
import os
import signal
import sys
import threading
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode

lock = threading.Lock()
counts = {}
stop = threading.Event()


def stamp():
    return datetime.datetime.utcnow().strftime("%H:%M:%S.%f")[:-3]


def write_counts(out):
    with lock:
        data = json.dumps(counts, sort_keys=True)
    tmp = os.path.join(out, "probe.json.tmp")
    with open(tmp, "w") as f:
        f.write(data + "\n")
    os.replace(tmp, os.path.join(out, "probe.json"))


def record(out, group, kind, line):
    with lock:
        counts[group][kind] += 1
        with open(os.path.join(out, "probe." + kind), "a") as f:
            f.write(f"{stamp()} [{group}] {line}\n")


def run_group(args, group, zones):
    questions = []
    for z in zones:
        z = z if z.endswith(".") else z + "."
        questions += [(z, "SOA"), (z, "DNSKEY"), (z, "DS"), ("www." + z, "TXT")]
    while not stop.is_set():
        t0 = time.monotonic()
        for name, rtype in questions:
            q = dns.message.make_query(name, rtype, want_dnssec=True)
            q.flags |= dns.flags.RD
            with lock:
                counts[group]["queries"] += 1
            try:
                r = dns.query.udp(q, args.resolver, timeout=2.0)
                if r.flags & dns.flags.TC:
                    r = dns.query.tcp(q, args.resolver, timeout=2.0)
            except Exception as e:  # timeout or socket error: no answer
                record(args.out, group, "timeout", f"{name} {rtype}: no answer ({type(e).__name__})")
                continue
            rc = r.rcode()
            ad = bool(r.flags & dns.flags.AD)
            if rc != dns.rcode.NOERROR or not ad:
                record(args.out, group, "fail", f"{name} {rtype}: {dns.rcode.to_text(rc)} ad={int(ad)}")
        stop.wait(max(0.0, args.interval - (time.monotonic() - t0)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolver", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("groups", nargs="+")
    args = ap.parse_args()
    for k in ("fail", "timeout"):
        open(os.path.join(args.out, "probe." + k), "w").close()
    threads = []
    for g in args.groups:
        name, _, zones = g.partition("=")
        counts[name] = {"queries": 0, "fail": 0, "timeout": 0}
        t = threading.Thread(target=run_group, args=(args, name, zones.split(",")), daemon=True)
        threads.append(t)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for t in threads:
        t.start()
    while not stop.is_set():
        write_counts(args.out)
        stop.wait(1.0)
    for t in threads:
        t.join(3)
    write_counts(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
