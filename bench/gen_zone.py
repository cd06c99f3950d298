#!/usr/bin/env python3
"""Deterministic zone generator for the signing benchmarks (stdlib only).

Shapes:
  tld         apex SOA/NS (+ A/AAAA of the apex name servers) and N delegations, each with
              2 NS; 10% of them carry a DS, 1% have an in-bailiwick name server with
              A/AAAA glue (the other NS stays out of bailiwick).
  enterprise  N names, each with A, AAAA, MX and TXT, plus apex SOA/NS/MX and the hosts
              they name.

The same --seed, --shape, size and --origin always give the same bytes. Owner names are
not written in canonical order (signers must sort). The record count goes to stderr.

Usage:
  gen_zone.py --shape tld --delegations 1000000 --origin tld. --output tld.zone
  gen_zone.py --shape enterprise --names 100000 --origin corp.example. > corp.zone
"""
import argparse
import random
import sys

SERIAL = 2026112801
WORDS = ("shop", "net", "web", "mail", "cloud", "host", "data", "blue", "green", "alpha",
         "nova", "city", "home", "art", "food", "bank", "tech", "zone", "star", "link")
CHUNK = 20000  # lines per write


def header(origin, ttl):
    apex_ns = ("ns1", "ns2")
    lines = [
        f"$ORIGIN {origin}",
        f"$TTL {ttl}",
        f"@ 3600 IN SOA {apex_ns[0]}.{origin} hostmaster.{origin} {SERIAL} 1800 900 604800 86400",
    ]
    for ns in apex_ns:
        lines.append(f"@ IN NS {ns}")
    for i, ns in enumerate(apex_ns):
        lines.append(f"{ns} IN A 192.0.2.{i + 1}")
        lines.append(f"{ns} IN AAAA 2001:db8::{i + 1}")
    return lines, 1 + 2 * len(apex_ns)


def gen_tld(out, n, origin, seed):
    rng = random.Random(seed)
    lines, count = header(origin, 86400)
    out.write("\n".join(lines) + "\n")
    getbits = rng.getrandbits
    buf = []
    for i in range(n):
        r = getbits(48)
        label = f"{WORDS[r % 20]}{i}"
        hoster = (r >> 8) % 5000
        sel = (r >> 28) % 1000  # 0..99: DS (10%), 0..9: glue (1%)
        if sel < 10:
            buf.append(f"{label} IN NS ns1.{label}\n{label} IN NS ns2.hoster{hoster}.net.\n"
                       f"ns1.{label} IN A 198.51.{(i >> 8) & 255}.{i & 255}\n"
                       f"ns1.{label} IN AAAA 2001:db8:{(i >> 16) & 0xffff:x}:{i & 0xffff:x}::1\n")
            count += 4
        else:
            buf.append(f"{label} IN NS ns1.hoster{hoster}.net.\n"
                       f"{label} IN NS ns2.hoster{hoster}.net.\n")
            count += 2
        if sel < 100:
            buf.append(f"{label} 3600 IN DS {getbits(16)} 13 2 {getbits(256):064X}\n")
            count += 1
        if len(buf) >= CHUNK:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))
    return count


def gen_enterprise(out, n, origin, seed):
    rng = random.Random(seed)
    lines, count = header(origin, 3600)
    nmail = max(1, min(10, n // 1000 + 1))
    lines.append(f"@ IN MX 10 mail0")
    lines.append(f"@ IN TXT \"v=spf1 mx -all\"")
    count += 2
    for m in range(nmail):
        lines.append(f"mail{m} IN A 192.0.2.{100 + m}")
        count += 1
    out.write("\n".join(lines) + "\n")
    getbits = rng.getrandbits
    buf = []
    for i in range(n):
        r = getbits(48)
        label = f"{WORDS[r % 20]}-{i}"
        buf.append(f"{label} IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n"
                   f"{label} IN AAAA 2001:db8:{(i >> 16) & 0xffff:x}:{i & 0xffff:x}::{(r >> 5) & 0xfff:x}\n"
                   f"{label} IN MX 10 mail{(r >> 17) % nmail}\n"
                   f"{label} IN TXT \"id={r >> 20:07x}\" \"owner=team{(r >> 9) % 97}\"\n")
        count += 4
        if len(buf) >= CHUNK:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))
    return count


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--shape", choices=("tld", "enterprise"), default="tld")
    p.add_argument("--delegations", type=int, default=None, help="tld: number of delegations")
    p.add_argument("--names", type=int, default=None, help="enterprise: number of names")
    p.add_argument("--origin", default=None, help="zone origin (default tld. / corp.example.)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--output", "-o", default="-", help="file to write (default stdout)")
    a = p.parse_args()
    origin = a.origin or ("tld." if a.shape == "tld" else "corp.example.")
    if not origin.endswith("."):
        origin += "."
    n = a.delegations if a.shape == "tld" else a.names
    if n is None:
        n = a.names if a.shape == "tld" else a.delegations
    if n is None or n < 0:
        p.error("give --delegations N (tld) or --names N (enterprise)")
    out = sys.stdout if a.output == "-" else open(a.output, "w", buffering=1 << 20)
    gen = gen_tld if a.shape == "tld" else gen_enterprise
    count = gen(out, n, origin, a.seed)
    out.flush()
    if out is not sys.stdout:
        out.close()
    print(f"gen_zone: {a.shape} origin={origin} n={n} records={count}", file=sys.stderr)


if __name__ == "__main__":
    main()
