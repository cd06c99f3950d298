// decide_child_ds: RFC 7344 4.1 / RFC 8078 / RFC 9615 acceptance of a child's CDS/CDNSKEY.
#include "parentsync/child_scan.h"

#include <algorithm>

#include "resolver/direct_validate.h"
#include "resolver/records.h"
#include "signer/dnssec_records.h"

namespace ts::parentsync {
namespace {

namespace rs = ts::resolver;
using Kind = ChildDsDecision::Kind;
using Records = std::vector<rs::Record>;

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<std::string> rdata_set(const Records& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.rdata);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// "{12345 13 2 3490A680…, 23456 13 2 …}" or "{}" for messages.
std::string brief(const Records& rs) {
  std::string out = "{";
  for (const auto& rdata : rdata_set(rs)) {
    if (out.size() > 1) out += ", ";
    if (rdata.size() >= 4 && rs.front().type == kTypeCDS) {
      auto ds = DsRecord::from_rdata(bytes_of(rdata));
      std::string t = ds ? ds->rdata_text() : "?";
      out += t.size() > 24 ? t.substr(0, 24) + "..." : t;
    } else if (rdata.size() >= 4) {
      out += "key " + std::to_string(key_tag(bytes_of(rdata))) + " alg " +
             std::to_string(static_cast<uint8_t>(rdata[3])) + " flags " +
             std::to_string(static_cast<uint8_t>(rdata[0]) << 8 | static_cast<uint8_t>(rdata[1]));
    }
  }
  return out + "}";
}

const std::string kCdnskeyDelete("\x00\x00\x03\x00\x00", 5);  // "0 3 0 AA==" (RFC 8078 4)

ChildDsDecision reject(std::string why) {
  return ChildDsDecision{Kind::Reject, {}, false, std::move(why)};
}
ChildDsDecision no_change(std::string why) {
  return ChildDsDecision{Kind::NoChange, {}, false, std::move(why)};
}

// The keys of `dnskeys` that a DS of `ds` designates.
Records keys_matching(const Name& child, const Records& dnskeys, const std::vector<DsRecord>& ds) {
  Records out;
  for (const auto& k : dnskeys)
    for (const auto& d : ds)
      if (ds_matches_dnskey(d, child, bytes_of(k.rdata))) {
        out.push_back(k);
        break;
      }
  return out;
}

// Checks that `set` (CDS or CDNSKEY, may be empty) is signed by one of `keys` at this server.
std::string check_signed(const ChildServerAnswer& s, const Records& set, const Records& keys,
                         const char* what, const char* by, UnixTime now) {
  if (set.empty()) return "";
  rs::RrsetCheck c = rs::validate_rrset(set, s.rrsigs, keys, now);
  if (c.valid) return "";
  return s.server + ": the " + what + " RRset is not signed by " + by + " (" + c.reason + ")";
}

// New DS RRset from CDS (taken as published, SHA-1 left out) or, without CDS, from
// CDNSKEY; checks that CDS and CDNSKEY agree when both are published. `note` says what was
// left out. Error text on failure.
Result<std::vector<DsRecord>> new_ds_set(const Name& child, const Records& cds,
                                         const Records& cdnskey, uint8_t digest_type,
                                         std::string& note) {
  std::vector<DsRecord> ds;
  std::vector<std::string> sha1;
  for (const auto& r : cds) {
    auto d = DsRecord::from_rdata(bytes_of(r.rdata));
    if (!d) return fail("malformed CDS: " + d.error().message);
    if (d->digest_type != 1 && d->digest_type != 2 && d->digest_type != 4)
      return fail("CDS " + d->rdata_text() + " has digest type " + std::to_string(d->digest_type) +
                  ", which this parent cannot check (1, 2 and 4 are)");
    if (d->digest.size() != signer::digest_length(d->digest_type))
      return fail("CDS " + std::to_string(d->key_tag) + " " + std::to_string(d->algorithm) + " " +
                  std::to_string(d->digest_type) + " has a digest of " +
                  std::to_string(d->digest.size()) + " bytes; digest type " +
                  std::to_string(d->digest_type) + " has " +
                  std::to_string(signer::digest_length(d->digest_type)));
    if (!rs::algorithm_supported(d->algorithm))
      return fail("CDS " + d->rdata_text() + " has an unsupported algorithm " +
                  std::to_string(d->algorithm));
    if (d->digest_type == 1) {  // RFC 8624 3.3: DS SHA-1 MUST NOT be generated
      sha1.push_back(std::to_string(d->key_tag));
      continue;
    }
    ds.push_back(*d);
  }
  if (!sha1.empty() && ds.empty())
    return fail(
        "only SHA-1 CDS (digest type 1), which this parent does not put into its zone "
        "(RFC 8624: DS SHA-1 MUST NOT be generated); publish SHA-256 CDS");
  for (const auto& t : sha1)
    note += (note.empty() ? "SHA-1 CDS left out (RFC 8624): key " : ", key ") + t;
  for (const auto& k : cdnskey) {
    auto f = rs::parse_dnskey(k.rdata);
    if (!f || !f->zone_key() || f->protocol != 3)
      return fail("CDNSKEY key " + std::to_string(key_tag(bytes_of(k.rdata))) +
                  " is not a zone key (flags/protocol)");
    if (cds.empty()) {
      auto d = make_ds(child, bytes_of(k.rdata), digest_type);
      if (!d) return fail("CDNSKEY key: " + d.error().message);
      ds.push_back(*d);
    } else if (std::none_of(ds.begin(), ds.end(), [&](const DsRecord& d) {
                 return ds_matches_dnskey(d, child, bytes_of(k.rdata));
               })) {
      return fail("CDS and CDNSKEY disagree: CDNSKEY key " +
                  std::to_string(key_tag(bytes_of(k.rdata))) + " has no CDS" +
                  (sha1.empty() ? "" : " (SHA-1 CDS do not count)"));
    }
  }
  if (!cds.empty() && !cdnskey.empty())
    for (const auto& d : ds)
      if (std::none_of(cdnskey.begin(), cdnskey.end(), [&](const rs::Record& k) {
            return ds_matches_dnskey(d, child, bytes_of(k.rdata));
          }))
        return fail("CDS and CDNSKEY disagree: CDS " + d.rdata_text() + " matches no CDNSKEY");
  return canonical_set(std::move(ds));
}

// The rejection of a CDS/CDNSKEY set as published (the same at every server).
ChildDsDecision reject_set(const ChildScanInput& in, const std::string& why) {
  return reject(in.delegation.child.to_text() + ": " + why + " (served by " +
                in.servers.front().server +
                (in.servers.size() > 1 ? " and every other server" : "") + ")");
}

// "accepted ..." plus what was left out of the set.
std::string with_note(std::string reason, const std::string& note) {
  return note.empty() ? reason : reason + "; " + note;
}

// At least one DS of `ds` designates a key that signs C's DNSKEY RRset at every server.
std::string chain_check(const ChildScanInput& in, const std::vector<DsRecord>& ds) {
  const Name& child = in.delegation.child;
  for (const auto& s : in.servers) {
    bool ok = false;
    for (const auto& k : keys_matching(child, s.dnskey, ds))
      if (rs::validate_rrset(s.dnskey, s.rrsigs, {k}, in.now).valid) {
        ok = true;
        break;
      }
    if (!ok)
      return s.server + ": no DS of the new set matches a key that signs " + child.to_text() +
             "'s DNSKEY RRset there; publishing it would break the chain of trust";
  }
  return "";
}

// The resolver's view must agree with what the servers serve.
std::string view_check(const ResolvedCds& v, const ChildServerAnswer& ref, const std::string& where,
                       bool must_be_secure) {
  if (!v.error.empty() && v.security != rs::Security::Bogus)
    return "the resolver could not look up CDS/CDNSKEY at " + where + ": " + v.error;
  if (v.security == rs::Security::Bogus)
    return "the resolver finds CDS/CDNSKEY at " + where + " bogus: " + v.error;
  if (must_be_secure && v.security != rs::Security::Secure)
    return "the resolver finds CDS/CDNSKEY at " + where + " " + rs::security_name(v.security) +
           ", not secure";
  if (rdata_set(v.cds) != rdata_set(ref.cds) || rdata_set(v.cdnskey) != rdata_set(ref.cdnskey))
    return "the resolver sees CDS " + brief(v.cds) + " CDNSKEY " + brief(v.cdnskey) + " at " +
           where + " but " + ref.server + " serves CDS " + brief(ref.cds) + " CDNSKEY " +
           brief(ref.cdnskey) + " (caches not expired yet? try again after the TTL)";
  return "";
}

ChildDsDecision decide_secure(const ChildScanInput& in, const ChildScanOptions& o, bool deleting) {
  const ChildDelegation& d = in.delegation;
  for (const auto& s : in.servers) {
    Records trusted = keys_matching(d.child, s.dnskey, d.ds);
    if (trusted.empty())
      return reject(s.server + ": no DNSKEY of " + d.child.to_text() +
                    " matches a DS it has in the parent; the CDS cannot be authenticated");
    std::string e =
        check_signed(s, s.dnskey, trusted, "DNSKEY", "a key in the current DS set", in.now);
    if (e.empty())
      e = check_signed(s, s.cds, trusted, "CDS", "a key in the current DS set (RFC 7344 4.1)",
                       in.now);
    if (e.empty())
      e = check_signed(s, s.cdnskey, trusted, "CDNSKEY",
                       "a key in the current DS set (RFC 7344 4.1)", in.now);
    if (!e.empty()) return reject(e);
  }
  if (std::string e = view_check(in.validated, in.servers.front(), d.child.to_text(), true);
      !e.empty())
    return reject(e);
  if (deleting)
    return ChildDsDecision{Kind::Delete,
                           {},
                           false,
                           d.child.to_text() + " asks for its DS to be removed (RFC 8078 delete)"};
  std::string note;
  auto ds =
      new_ds_set(d.child, in.servers.front().cds, in.servers.front().cdnskey, o.digest_type, note);
  if (!ds) return reject_set(in, ds.error().message);
  if (std::string e = chain_check(in, *ds); !e.empty()) return reject(e);
  if (*ds == canonical_set(d.ds))
    return no_change(with_note("CDS/CDNSKEY match the DS in the parent", note));
  return ChildDsDecision{
      Kind::Accept, *ds, false,
      with_note("validated CDS/CDNSKEY from every server of " + d.child.to_text(), note)};
}

// Why RFC 9615 does not authenticate the CDS ("" = it does): off, NS inside the child, a
// signal missing, not validated or different.
std::string signal_problem(const ChildScanInput& in, const ChildScanOptions& o) {
  const ChildDelegation& d = in.delegation;
  if (!o.bootstrap)
    return d.child.to_text() +
           " has no DS and publishes CDS/CDNSKEY, but bootstrapping is off for this parent";
  for (const auto& ns : d.ns)
    if (ns.name.is_subdomain_of(d.child))
      return "RFC 9615 bootstrapping of " + d.child.to_text() + " is impossible: NS " +
             ns.name.to_text() +
             " is inside the child, so its signal cannot be validated; use name servers "
             "outside the child or add the DS by hand";
  for (const auto& ns : d.ns) {
    auto sig = std::find_if(in.signals.begin(), in.signals.end(),
                            [&](const BootstrapSignal& b) { return b.ns == ns.name; });
    if (sig == in.signals.end())
      return "no RFC 9615 signal was looked up for NS " + ns.name.to_text();
    if (sig->view.cds.empty() && sig->view.cdnskey.empty() &&
        sig->view.security != rs::Security::Bogus)
      return "NS " + ns.name.to_text() + " has no bootstrapping signal: publish " +
             d.child.to_text() + "'s CDS/CDNSKEY at " + sig->name.to_text() + " (in a signed zone)";
    if (std::string e = view_check(sig->view, in.servers.front(), sig->name.to_text(), true);
        !e.empty())
      return "RFC 9615 signal of NS " + ns.name.to_text() + ": " + e;
  }
  return "";
}

ChildDsDecision decide_bootstrap(const ChildScanInput& in, const ChildScanOptions& o) {
  const ChildDelegation& d = in.delegation;
  const ChildServerAnswer& ref = in.servers.front();
  std::string note;
  auto ds = new_ds_set(d.child, ref.cds, ref.cdnskey, o.digest_type, note);
  if (!ds) return reject_set(in, ds.error().message);
  for (const auto& s : in.servers) {
    Records designated = keys_matching(d.child, s.dnskey, *ds);
    if (designated.empty())
      return reject(s.server + ": the CDS/CDNSKEY of " + d.child.to_text() +
                    " designate no key of its DNSKEY RRset");
    std::string e =
        check_signed(s, s.dnskey, designated, "DNSKEY", "a key the CDS/CDNSKEY designate", in.now);
    if (e.empty()) e = check_signed(s, s.cds, s.dnskey, "CDS", "the child's DNSKEY RRset", in.now);
    if (e.empty())
      e = check_signed(s, s.cdnskey, s.dnskey, "CDNSKEY", "the child's DNSKEY RRset", in.now);
    if (!e.empty()) return reject(e);
  }
  if (in.validated.security == rs::Security::Bogus)
    return reject("the resolver finds " + d.child.to_text() +
                  "'s CDS/CDNSKEY bogus: " + in.validated.error);
  std::string problem = signal_problem(in, o);
  if (problem.empty())
    return ChildDsDecision{
        Kind::Accept, *ds, true,
        with_note("RFC 9615 bootstrapping: signals validated at all " +
                      std::to_string(d.ns.size()) + " name servers of " + d.child.to_text(),
                  note)};
  if (o.accept_after_delay <= 0) return reject(problem);
  // RFC 8078 3.3 "accept after delay": not authenticated, only unchanged for long enough.
  int64_t waited = in.unchanged_since > 0 ? in.now - in.unchanged_since : 0;
  if (in.unchanged_since > 0 && waited >= o.accept_after_delay)
    return ChildDsDecision{Kind::Accept, *ds, false,
                           with_note("RFC 8078 accept after delay (NOT authenticated): the same "
                                     "CDS/CDNSKEY on every server for " +
                                         std::to_string(waited) + " s (delay " +
                                         std::to_string(o.accept_after_delay) + " s); " + problem,
                                     note)};
  return no_change("waiting to accept after delay (" + std::to_string(waited) + " of " +
                   std::to_string(o.accept_after_delay) + " s unchanged); " + problem);
}

}  // namespace

const char* child_ds_kind_name(ChildDsDecision::Kind k) {
  switch (k) {
    case Kind::Accept:
      return "accept";
    case Kind::Delete:
      return "delete";
    case Kind::NoChange:
      return "no-change";
    case Kind::Reject:
      return "reject";
  }
  return "?";
}

Result<Name> bootstrap_signal_name(const Name& child, const Name& ns) {
  return Name::from_text("_dsboot." + child.to_text() + "_signal." + ns.to_text());
}

ChildDsDecision decide_child_ds(const ChildScanInput& in, const ChildScanOptions& options) {
  const ChildDelegation& d = in.delegation;
  const std::string child = d.child.to_text();
  if (!in.abandoned.empty())
    return reject("the scan of " + child + " was abandoned for this round: " + in.abandoned);
  if (in.servers.empty())
    return reject("no address for any name server of " + child + " in the delegation");
  for (const auto& s : in.servers)
    if (!s.error.empty())
      return reject(s.server + " did not answer for " + child + ": " + s.error +
                    " (every child server must be checked, RFC 7344 4.1)");
  const ChildServerAnswer& ref = in.servers.front();
  for (const auto& s : in.servers) {
    if (rdata_set(s.cds) != rdata_set(ref.cds))
      return reject("the child servers disagree: " + ref.server + " serves CDS " + brief(ref.cds) +
                    ", " + s.server + " serves CDS " + brief(s.cds));
    if (rdata_set(s.cdnskey) != rdata_set(ref.cdnskey))
      return reject("the child servers disagree: " + ref.server + " serves CDNSKEY " +
                    brief(ref.cdnskey) + ", " + s.server + " serves CDNSKEY " + brief(s.cdnskey));
  }
  if (ref.cds.empty() && ref.cdnskey.empty()) return no_change(child + " publishes no CDS/CDNSKEY");

  // RRsets are sets: duplicates collapse before anything is counted.
  const std::vector<std::string> cds = rdata_set(ref.cds), keys = rdata_set(ref.cdnskey);
  if (cds.size() > kMaxChildCdsRecords || keys.size() > kMaxChildCdsRecords)
    return reject_set(in, std::to_string(cds.size()) + " CDS and " + std::to_string(keys.size()) +
                              " CDNSKEY records; this parent takes at most " +
                              std::to_string(kMaxChildCdsRecords) + " of each");
  auto is_delete_cds = [](const std::string& rdata) {
    auto ds = DsRecord::from_rdata(bytes_of(rdata));
    return ds && ds->is_delete();
  };
  bool del_cds = std::any_of(cds.begin(), cds.end(), is_delete_cds);
  bool del_key = std::find(keys.begin(), keys.end(), kCdnskeyDelete) != keys.end();
  // RFC 8078 4: the delete form means "remove the DS" only as the whole RRset.
  if ((del_cds && cds.size() > 1) || (del_key && keys.size() > 1))
    return reject_set(in,
                      "the delete form (CDS 0 0 0 00 / CDNSKEY 0 3 0 AA==) is published "
                      "together with other CDS/CDNSKEY records; RFC 8078 4: the RRsets are "
                      "ignored and the DS stays");
  bool deleting = del_cds || del_key;
  if (deleting && ((!cds.empty() && !del_cds) || (!keys.empty() && !del_key)))
    return reject(child + ": CDS and CDNSKEY disagree (one is the delete form, the other not)");

  if (!d.ds.empty()) return decide_secure(in, options, deleting);
  if (deleting) return no_change(child + " asks for DS removal but has no DS in the parent");
  return decide_bootstrap(in, options);
}

}  // namespace ts::parentsync
