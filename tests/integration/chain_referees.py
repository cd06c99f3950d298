#!/usr/bin/python3
"""Referee helpers for chain_lab.sh: verdicts from tools we did not write, and a reader of
`trustsync chain --json`. Runs under the system python (Debian's dnsviz and dnspython).

  chain_referees.py dnskey-anchor DSFILE SERVER OUT   DNSKEYs at SERVER matching DSFILE -> OUT
  chain_referees.py dnsviz PROBE.json ANCHOR ZONE     grok with a DNSKEY anchor; prints the
                                                      zone's verdict, then one line per DS
  chain_referees.py ts JSONFILE ZONE                  facts from trustsync's JSON for ZONE

DNSViz 0.9.4's grok insists on `from pygraphviz import release`, which Debian's
pygraphviz 1.7 no longer ships: we provide that module (its version only) before grok runs.
With a trust anchor, grok 0.9.4 also crashes (KeyError) serializing RRsets that its graph
never saw (the SOA of an unsigned ancestor's negative answer): those get the status
NON_EXISTENT instead of a crash, so they can never pass for secure or insecure here.
"""
import json
import os
import sys
import tempfile
import types


def dnskey_anchor(ds_file, server, out):
    import dns.dnssec
    import dns.message
    import dns.name
    import dns.query
    import dns.rdatatype
    import dns.zone

    wanted = {}
    for line in open(ds_file):
        f = line.split()
        if len(f) >= 8 and f[3] == 'DS':
            wanted.setdefault(f[0], set()).add((int(f[4]), int(f[5]), int(f[6]), ''.join(f[7:]).upper()))
    lines = []
    for owner, dss in wanted.items():
        name = dns.name.from_text(owner)
        q = dns.message.make_query(name, dns.rdatatype.DNSKEY, want_dnssec=True)
        r = dns.query.tcp(q, server, timeout=3)
        for rrset in r.answer:
            if rrset.rdtype != dns.rdatatype.DNSKEY:
                continue
            for key in rrset:
                for tag, alg, dtype, digest in dss:
                    algo = {1: 'SHA1', 2: 'SHA256', 4: 'SHA384'}.get(dtype)
                    if algo is None:
                        continue
                    ds = dns.dnssec.make_ds(name, key, algo)
                    if ds.key_tag == tag and ds.algorithm == alg and ds.digest.hex().upper() == digest:
                        lines.append('%s 3600 IN DNSKEY %s' % (owner, key.to_text()))
    if not lines:
        sys.exit('no DNSKEY at %s matches %s' % (server, ds_file))
    with open(out, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')


def run_grok(probe, anchor):
    import pygraphviz
    try:
        from pygraphviz import release  # noqa: F401
    except ImportError:
        mod = types.ModuleType('pygraphviz.release')
        mod.version = getattr(pygraphviz, '__version__', '1.7')
        sys.modules['pygraphviz.release'] = mod
        pygraphviz.release = mod
    from dnsviz.analysis import offline
    from dnsviz.analysis import status as Status
    from dnsviz.commands import grok

    class Tolerant(dict):
        def __missing__(self, key):
            return Status.RRSET_STATUS_NON_EXISTENT

    cls = offline.OfflineDomainNameAnalysis
    if not getattr(cls, '_ts_patched', False):
        original = cls._set_response_component_status

        def tolerant_set(self, status, *args, **kwargs):
            if not isinstance(status, Tolerant):
                status = Tolerant(status)
            return original(self, status, *args, **kwargs)

        cls._set_response_component_status = tolerant_set
        cls._ts_patched = True
    fd, out = tempfile.mkstemp(suffix='.json')
    os.close(fd)
    try:
        try:
            grok.main(['grok', '-P', '-r', probe, '-t', anchor, '-o', out])
        except SystemExit as e:
            if e.code:
                raise
        with open(out) as fh:
            return json.load(fh)
    finally:
        os.unlink(out)


def dnsviz_verdict(probe, anchor, zone):
    g = run_grok(probe, anchor)
    z = g.get(zone)
    if z is None:
        print('indeterminate')
        return
    deleg = z.get('delegation', {}).get('status')
    soa = [a.get('status') for a in z.get('queries', {}).get(zone + '/IN/SOA', {}).get('answer', [])]
    if deleg == 'BOGUS' or 'BOGUS' in soa:
        verdict = 'bogus'
    elif soa and all(s == 'SECURE' for s in soa):
        verdict = 'secure'
    elif 'INSECURE' in soa or deleg == 'INSECURE':
        verdict = 'insecure'
    else:
        verdict = 'indeterminate'
    print(verdict)
    for ds in z.get('delegation', {}).get('ds', []):
        print('ds %s %s %s' % (ds.get('key_tag'), ds.get('status'), ','.join(sorted(ds.get('servers', [])))))


def ts_facts(path, zone):
    rep = json.load(open(path))
    print('verdict=%s exit=%s' % (rep['verdict'], rep['exit_code']))
    for lv in rep['levels']:
        if lv['zone'] != zone:
            continue
        rogue = sum(1 for d in lv['ds'] if d['rogue'])
        mismatch = sum(1 for d in lv['ds'] if d['match'] == 'digest-mismatch')
        good = sum(1 for d in lv['ds'] if d['match'] == 'matches-key')
        sig = ','.join(sorted({s['signature'] for s in lv['parent_servers']}))
        print('agree=%s rogue=%d mismatch=%d matching=%d level=%s signatures=%s' % (
            'yes' if lv['servers_agree'] else 'no', rogue, mismatch, good, lv['verdict'], sig))
        for s in lv['parent_servers']:
            print('server %s %s ds=%d' % (s['address'], s['status'], len(s['ds'])))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ''
    if cmd == 'dnskey-anchor' and len(sys.argv) == 5:
        dnskey_anchor(*sys.argv[2:])
    elif cmd == 'dnsviz' and len(sys.argv) == 5:
        dnsviz_verdict(*sys.argv[2:])
    elif cmd == 'ts' and len(sys.argv) == 4:
        ts_facts(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
