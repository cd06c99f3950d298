#!/usr/bin/python3
"""The lab test playing a parent zone's operator, for zones whose parent is signed by a
TrustSync daemon from an input file (lab.sh start --agent). Two jobs:

  lab_parent.py hook --input PARENT_INPUT
      a registrar hook (parent method `command`): reads the daemon's JSON document on stdin
      ({"zone", "action", "ds": ["NAME TTL IN DS ..."], ...}) and makes the child's DS lines
      in PARENT_INPUT exactly that set (atomic rewrite); the parent's daemon signs it next.
  lab_parent.py cds-watch --resolver ADDR --input PARENT_INPUT [--interval 1]
                          [--unbound-conf CONF] CHILD[=ADDR]...
      a parent scanning its children's CDS (RFC 7344 section 4): every INTERVAL, each CHILD's
      CDS RRset through the validating resolver (with =ADDR: only when the child's server
      serves a CDS set that differs from the DS set, after flushing the resolver's cached
      CDS with unbound-control); accepted only when the answer validates
      (AD: signed by a key the current DS set leads to) and is not the delete form; then the
      child's DS lines in PARENT_INPUT become that set. Logs each change with a timestamp.

DS lines are rewritten only when the set differs. dnspython (Debian's).
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time

TTL = 10


def stamp():
    return datetime.datetime.utcnow().strftime("%H:%M:%S.%f")[:-3]


def norm(rdata_text):
    p = rdata_text.split()
    return f"{int(p[0])} {int(p[1])} {int(p[2])} {''.join(p[3:]).upper()}"


def ds_lines_re(child):
    return re.compile(r"^" + re.escape(child) + r"\s+(\d+\s+)?(IN\s+)?DS\s+(.*)$", re.I)


def current_ds(path, child):
    rx = ds_lines_re(child)
    with open(path) as f:
        return {norm(m.group(3)) for m in map(rx.match, f.read().splitlines()) if m}


def set_ds(path, child, wanted):
    """Makes CHILD's DS set in the zone file PATH equal to WANTED (normalised rdata texts).
    Returns True when the file changed."""
    child = child if child.endswith(".") else child + "."
    if current_ds(path, child) == set(wanted):
        return False
    rx = ds_lines_re(child)
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if not rx.match(l)]
    lines += [f"{child} {TTL} IN DS {d}" for d in sorted(wanted)]
    tmp = path + ".lab-parent.tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return True


def hook(args):
    doc = json.load(sys.stdin)
    child = doc["zone"]
    wanted = set()
    for line in doc.get("ds", []):
        m = re.match(r"^\S+\s+\d+\s+IN\s+DS\s+(.*)$", line)
        if not m:
            print(f"bad DS line {line!r}", file=sys.stderr)
            return 1
        wanted.add(norm(m.group(1)))
    changed = set_ds(args.input, child, wanted)
    print(f"{stamp()} {doc.get('action')} {child}: DS {sorted(wanted)}"
          f" ({'written' if changed else 'unchanged'})")
    return 0


def cds_watch(args):
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype

    log = open(args.log, "a", buffering=1) if args.log else sys.stdout
    children = []  # (child, its server or None)
    for c in args.children:
        name, _, addr = c.partition("=")
        children.append((name if name.endswith(".") else name + ".", addr or None))

    def ask(server, child, rd):
        q = dns.message.make_query(child, "CDS", want_dnssec=True)
        if rd:
            q.flags |= dns.flags.RD
        else:
            q.flags &= ~dns.flags.RD
        try:
            r = dns.query.udp(q, server, timeout=2.0)
            if r.flags & dns.flags.TC:
                r = dns.query.tcp(q, server, timeout=2.0)
        except Exception:
            return None
        if r.rcode() != dns.rcode.NOERROR:
            return None
        return r, {norm(rr.to_text()) for rrset in r.answer if rrset.rdtype == dns.rdatatype.CDS
                   for rr in rrset}

    while True:
        for child, addr in children:
            if addr:
                # The child's own server says whether anything changed (no cache); only then
                # is the resolver's cached CDS dropped and the validated answer taken.
                direct = ask(addr, child, False)
                if direct is None or not direct[1] or direct[1] == current_ds(args.input, child):
                    continue
                if args.unbound_conf:
                    subprocess.run(["unbound-control", "-c", args.unbound_conf, "flush_type",
                                    child, "CDS"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=5)
            got = ask(args.resolver, child, True)
            if got is None or not (got[0].flags & dns.flags.AD) or not got[1]:
                continue
            wanted = got[1]
            if any(w.split()[1] == "0" for w in wanted):  # RFC 8078 delete: not in this lab
                continue
            if set_ds(args.input, child, wanted):
                tags = " ".join(sorted(w.split()[0] for w in wanted))
                print(f"{time.time():.3f} {stamp()} {child} DS set <- CDS {tags}", file=log)
        time.sleep(args.interval)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hook")
    h.add_argument("--input", required=True)
    w = sub.add_parser("cds-watch")
    w.add_argument("--resolver", required=True)
    w.add_argument("--input", required=True)
    w.add_argument("--interval", type=float, default=1.0)
    w.add_argument("--log", default="")
    w.add_argument("--unbound-conf", default="", help="flush the resolver's CDS on a change")
    w.add_argument("children", nargs="+")
    args = ap.parse_args()
    return hook(args) if args.cmd == "hook" else cds_watch(args)


if __name__ == "__main__":
    sys.exit(main())
