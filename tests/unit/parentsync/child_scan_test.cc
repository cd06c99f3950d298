// decide_child_ds: RFC 7344 4.1 / RFC 8078 / RFC 9615 acceptance of a child's CDS/CDNSKEY,
// with real ECDSA keys and signatures made by ldns (tests/unit/resolver/test_keys.h).
#include "parentsync/child_scan.h"

#include <gtest/gtest.h>

#include "tests/unit/resolver/test_keys.h"

namespace ts::parentsync {
namespace {

namespace rs = ts::resolver;
using rs::Record;
using rs::testing::N;
using rs::testing::TestKey;
using Kind = ChildDsDecision::Kind;

constexpr UnixTime kNow = 1800000000;
const Name kChild = N("sub.example.test.");

Record as_type(Record r, uint16_t type) {
  r.type = type;
  return r;
}
DsRecord ds_value(const TestKey& k) {
  const std::string rd = k.ds().rdata;
  return *DsRecord::from_rdata(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(rd.data()), rd.size()));
}
std::vector<Record> sign(const std::vector<Record>& set, std::vector<const TestKey*> keys) {
  std::vector<Record> out;
  for (const TestKey* k : keys)
    for (auto& s : k->sign(set, kNow - 3600, kNow + 86400)) out.push_back(s);
  return out;
}
void append(std::vector<Record>& to, const std::vector<Record>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

class ChildScan : public ::testing::Test {
 protected:
  TestKey old_ksk{kChild, true};
  TestKey new_ksk{kChild, true};
  TestKey zsk{kChild, false};
  TestKey stranger{kChild, true};  // never in the child's DNSKEY set

  // One server's answer: DNSKEY {old, new, zsk} signed by `key_signers`, CDS for `cds_keys`
  // and CDNSKEY for `cdnskey_keys` signed by `cds_signers`.
  ChildServerAnswer Server(const std::string& name, std::vector<const TestKey*> cds_keys,
                           std::vector<const TestKey*> cdnskey_keys,
                           std::vector<const TestKey*> cds_signers,
                           std::vector<const TestKey*> key_signers = {}) {
    if (key_signers.empty()) key_signers = {&old_ksk, &new_ksk};
    ChildServerAnswer a;
    a.server = name;
    a.dnskey = {old_ksk.dnskey(), new_ksk.dnskey(), zsk.dnskey()};
    for (const TestKey* k : cds_keys) a.cds.push_back(as_type(k->ds(), kTypeCDS));
    for (const TestKey* k : cdnskey_keys) a.cdnskey.push_back(as_type(k->dnskey(), kTypeCDNSKEY));
    append(a.rrsigs, sign(a.dnskey, key_signers));
    if (!a.cds.empty()) append(a.rrsigs, sign(a.cds, cds_signers));
    if (!a.cdnskey.empty()) append(a.rrsigs, sign(a.cdnskey, cds_signers));
    return a;
  }
  ResolvedCds View(const ChildServerAnswer& a, rs::Security sec = rs::Security::Secure) {
    return ResolvedCds{sec, "", a.cds, a.cdnskey};
  }
  ChildScanInput Secure(std::vector<ChildServerAnswer> servers) {
    ChildScanInput in;
    in.delegation.child = kChild;
    in.delegation.ds = {ds_value(old_ksk)};
    in.delegation.ns = {{N("ns1.sub.example.test."), {"192.0.2.1"}},
                        {N("ns2.example.net."), {"192.0.2.2"}}};
    in.validated = View(servers.front());
    in.servers = std::move(servers);
    in.now = kNow;
    return in;
  }
  ChildDsDecision Decide(const ChildScanInput& in) {
    ChildDsDecision d = decide_child_ds(in, {});
    std::cout << child_ds_kind_name(d.kind) << ": " << d.reason << "\n";
    return d;
  }
};

TEST_F(ChildScan, AcceptsRolloverCdsSignedByCurrentKsk) {
  auto in = Secure({Server("ns1/192.0.2.1", {&new_ksk}, {&new_ksk}, {&old_ksk, &new_ksk}),
                    Server("ns2/192.0.2.2", {&new_ksk}, {&new_ksk}, {&old_ksk, &new_ksk})});
  ChildDsDecision d = Decide(in);
  ASSERT_EQ(d.kind, Kind::Accept);
  EXPECT_FALSE(d.bootstrap);
  ASSERT_EQ(d.ds.size(), 1u);
  EXPECT_EQ(d.ds[0], ds_value(new_ksk));
}

TEST_F(ChildScan, CdnskeyOnlyGivesSha256Ds) {
  auto in = Secure({Server("ns1/192.0.2.1", {}, {&old_ksk, &new_ksk}, {&old_ksk})});
  ChildDsDecision d = Decide(in);
  ASSERT_EQ(d.kind, Kind::Accept);
  EXPECT_EQ(d.ds, canonical_set({ds_value(old_ksk), ds_value(new_ksk)}));
}

TEST_F(ChildScan, SameAsCurrentDsIsNoChange) {
  auto in = Secure({Server("ns1/192.0.2.1", {&old_ksk}, {}, {&old_ksk})});
  EXPECT_EQ(Decide(in).kind, Kind::NoChange);
  auto none = Secure({Server("ns1/192.0.2.1", {}, {}, {})});
  EXPECT_EQ(Decide(none).kind, Kind::NoChange);
}

TEST_F(ChildScan, InconsistentServersRejectedNamingTheServer) {
  auto in = Secure({Server("ns1/192.0.2.1", {&new_ksk}, {}, {&old_ksk}),
                    Server("ns2/192.0.2.2", {&old_ksk, &new_ksk}, {}, {&old_ksk})});
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("ns2/192.0.2.2"), std::string::npos);
  EXPECT_NE(d.reason.find("disagree"), std::string::npos);
}

TEST_F(ChildScan, ServerWithoutCdsWhileOthersHaveItRejected) {
  auto in = Secure(
      {Server("ns1/192.0.2.1", {&new_ksk}, {}, {&old_ksk}), Server("ns2/192.0.2.2", {}, {}, {})});
  EXPECT_EQ(Decide(in).kind, Kind::Reject);
}

TEST_F(ChildScan, UnansweringServerRejected) {
  auto in = Secure({Server("ns1/192.0.2.1", {&new_ksk}, {}, {&old_ksk}),
                    Server("ns2/192.0.2.2", {&new_ksk}, {}, {&old_ksk})});
  in.servers[1].error = "no answer over TCP";
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("ns2/192.0.2.2 did not answer"), std::string::npos);
}

TEST_F(ChildScan, UnsignedCdsRejectedForSecureChild) {
  auto in = Secure({Server("ns1/192.0.2.1", {&new_ksk}, {}, {})});
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("CDS RRset is not signed"), std::string::npos);
}

TEST_F(ChildScan, CdsSignedOnlyByNewKeyRejected) {
  // The new key is in the DNSKEY set (signed by both) but has no DS yet: RFC 7344 4.1.
  auto in = Secure({Server("ns1/192.0.2.1", {&new_ksk}, {}, {&new_ksk, &stranger})});
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("current DS set"), std::string::npos);
}

TEST_F(ChildScan, DnskeySetNotSignedByDsKeyRejected) {
  auto in = Secure({Server("ns1/192.0.2.1", {&new_ksk}, {}, {&old_ksk}, {&new_ksk})});
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("DNSKEY RRset is not signed"), std::string::npos);
}

TEST_F(ChildScan, CdsThatWouldBreakTheChainRejected) {
  // Validly signed, but the only new DS is for a key not in the DNSKEY set.
  auto in = Secure({Server("ns1/192.0.2.1", {&stranger}, {}, {&old_ksk})});
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("break the chain"), std::string::npos);
  // A key in the DNSKEY set that does not sign it is no better.
  auto zsk_only = Secure({Server("ns1/192.0.2.1", {&zsk}, {}, {&old_ksk})});
  EXPECT_EQ(Decide(zsk_only).kind, Kind::Reject);
}

TEST_F(ChildScan, CdsAndCdnskeyDisagreeRejected) {
  auto in = Secure({Server("ns1/192.0.2.1", {&new_ksk}, {&old_ksk}, {&old_ksk})});
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("CDS and CDNSKEY disagree"), std::string::npos);
}

TEST_F(ChildScan, ResolverViewMustBeSecureAndEqual) {
  auto in = Secure({Server("ns1/192.0.2.1", {&new_ksk}, {}, {&old_ksk})});
  in.validated.security = rs::Security::Insecure;
  EXPECT_EQ(Decide(in).kind, Kind::Reject);
  in.validated.security = rs::Security::Secure;
  in.validated.cds = {as_type(old_ksk.ds(), kTypeCDS)};
  EXPECT_EQ(Decide(in).kind, Kind::Reject);
}

TEST_F(ChildScan, DeleteFormRemovesDs) {
  ChildServerAnswer a = Server("ns1/192.0.2.1", {}, {}, {});
  a.cds = {rs::testing::R("sub.example.test. 60 IN CDS 0 0 0 00")};
  a.cdnskey = {rs::testing::R("sub.example.test. 60 IN CDNSKEY 0 3 0 AA==")};
  ASSERT_EQ(a.cds[0].type, kTypeCDS);
  ASSERT_EQ(a.cdnskey[0].type, kTypeCDNSKEY);
  append(a.rrsigs, sign(a.cds, {&old_ksk}));
  append(a.rrsigs, sign(a.cdnskey, {&old_ksk}));
  auto in = Secure({a});
  EXPECT_EQ(Decide(in).kind, Kind::Delete);
  // Unsigned delete form: rejected.
  auto unsigned_in = in;
  unsigned_in.servers[0].rrsigs = sign(a.dnskey, {&old_ksk});
  EXPECT_EQ(Decide(unsigned_in).kind, Kind::Reject);
  // Mixed with a real CDS: rejected.
  auto mixed = in;
  mixed.servers[0].cds.push_back(as_type(old_ksk.ds(), kTypeCDS));
  mixed.validated = View(mixed.servers[0]);
  EXPECT_EQ(Decide(mixed).kind, Kind::Reject);
  // Child without DS: nothing to delete.
  auto insecure = in;
  insecure.delegation.ds.clear();
  EXPECT_EQ(Decide(insecure).kind, Kind::NoChange);
}

// ---- Hostile children: the delete form, digest lengths, SHA-1, oversized RRsets.

Record cds_of(const DsRecord& d) {
  Bytes rd = d.to_rdata();
  return Record{kChild, kTypeCDS, 60, std::string(rd.begin(), rd.end())};
}
DsRecord ds_of(const TestKey& k, uint8_t digest_type) {
  const std::string rd = k.dnskey().rdata;
  return *make_ds(kChild,
                  std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(rd.data()), rd.size()),
                  digest_type);
}

class ChildScanHostile : public ChildScan {
 protected:
  // One server; DNSKEY {old, new, zsk} signed by old and new; `cds` signed by the old KSK.
  ChildScanInput WithCds(std::vector<Record> cds, std::vector<Record> cdnskey = {}) {
    ChildServerAnswer a = Server("ns1/192.0.2.1", {}, {}, {});
    a.cds = std::move(cds);
    a.cdnskey = std::move(cdnskey);
    if (!a.cds.empty()) append(a.rrsigs, sign(a.cds, {&old_ksk}));
    if (!a.cdnskey.empty()) append(a.rrsigs, sign(a.cdnskey, {&old_ksk}));
    return Secure({a});
  }
  const Record del_cds = rs::testing::R("sub.example.test. 60 IN CDS 0 0 0 00");
  const Record del_key = rs::testing::R("sub.example.test. 60 IN CDNSKEY 0 3 0 AA==");
};

TEST_F(ChildScanHostile, DeleteFormOnlyAsTheWholeRRsetDuplicatesCollapse) {
  // Repeated delete form: still exactly the delete form (an RRset is a set).
  EXPECT_EQ(Decide(WithCds({del_cds, del_cds}, {del_key, del_key})).kind, Kind::Delete);
  // The delete form next to another record, also when repeated: ignored, the DS stays.
  for (auto in : {WithCds({del_cds, del_cds, as_type(old_ksk.ds(), kTypeCDS)}),
                  WithCds({}, {del_key, as_type(old_ksk.dnskey(), kTypeCDNSKEY), del_key})}) {
    ChildDsDecision d = Decide(in);
    EXPECT_EQ(d.kind, Kind::Reject);
    EXPECT_NE(d.reason.find("together with other"), std::string::npos) << d.reason;
    EXPECT_TRUE(d.ds.empty());
  }
}

TEST_F(ChildScanHostile, DigestLengthMustFitTheDigestType) {
  DsRecord short256 = ds_value(new_ksk);
  short256.digest.pop_back();  // 31 bytes for SHA-256
  DsRecord as384 = ds_value(new_ksk);
  as384.digest_type = 4;  // SHA-384 with a 32-byte digest
  for (const DsRecord& bad : {short256, as384}) {
    // Next to a good CDS that keeps the chain: the malformed one must not reach the parent.
    ChildDsDecision d = Decide(WithCds({as_type(new_ksk.ds(), kTypeCDS), cds_of(bad)}));
    EXPECT_EQ(d.kind, Kind::Reject);
    EXPECT_NE(d.reason.find("sub.example.test."), std::string::npos) << d.reason;
    EXPECT_NE(d.reason.find("ns1/192.0.2.1"), std::string::npos) << d.reason;
    EXPECT_NE(d.reason.find("digest of " + std::to_string(bad.digest.size()) + " bytes"),
              std::string::npos)
        << d.reason;
  }
}

TEST_F(ChildScanHostile, OversizedRRsetRejected) {
  std::vector<Record> cds = {as_type(new_ksk.ds(), kTypeCDS)};
  for (size_t i = 1; i < kMaxChildCdsRecords; ++i) {
    DsRecord junk = ds_value(new_ksk);
    junk.key_tag = static_cast<uint16_t>(junk.key_tag + i);  // never the real one
    cds.push_back(cds_of(junk));
  }
  ChildDsDecision at_limit = Decide(WithCds(cds));
  ASSERT_EQ(at_limit.kind, Kind::Accept);
  EXPECT_EQ(at_limit.ds.size(), kMaxChildCdsRecords);
  DsRecord one_more = ds_value(new_ksk);
  one_more.key_tag = static_cast<uint16_t>(one_more.key_tag + 1000);
  cds.push_back(cds_of(one_more));
  ChildDsDecision d = Decide(WithCds(cds));
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("at most 32"), std::string::npos) << d.reason;
  EXPECT_TRUE(d.ds.empty());
}

TEST_F(ChildScanHostile, Sha1CdsNeverReachTheParent) {
  // SHA-1 only: rejected with a clear reason.
  ChildDsDecision only = Decide(WithCds({cds_of(ds_of(new_ksk, 1))}));
  EXPECT_EQ(only.kind, Kind::Reject);
  EXPECT_NE(only.reason.find("SHA-1"), std::string::npos) << only.reason;
  // SHA-1 next to SHA-256: the SHA-256 DS is taken, the SHA-1 one left out (and said so).
  ChildDsDecision mixed = Decide(WithCds({cds_of(ds_of(new_ksk, 1)), cds_of(ds_of(new_ksk, 2))},
                                         {as_type(new_ksk.dnskey(), kTypeCDNSKEY)}));
  ASSERT_EQ(mixed.kind, Kind::Accept) << mixed.reason;
  EXPECT_EQ(mixed.ds, std::vector<DsRecord>{ds_of(new_ksk, 2)});
  EXPECT_NE(mixed.reason.find("SHA-1 CDS left out"), std::string::npos) << mixed.reason;
}

// RFC 9615: an unsigned child (no DS in P) with out-of-bailiwick name servers.
class ChildBootstrap : public ChildScan {
 protected:
  ChildScanInput Bootstrap(bool all_signals = true) {
    ChildServerAnswer s1 =
        Server("ns1.example.net./192.0.2.1", {&new_ksk}, {&new_ksk}, {&new_ksk}, {&new_ksk});
    ChildServerAnswer s2 = s1;
    s2.server = "ns2.example.org./2001:db8::2";
    ChildScanInput in;
    in.delegation.child = kChild;
    in.delegation.ns = {{N("ns1.example.net."), {"192.0.2.1"}},
                        {N("ns2.example.org."), {"2001:db8::2"}}};
    in.servers = {s1, s2};
    in.validated = View(s1, rs::Security::Insecure);
    for (const auto& ns : in.delegation.ns) {
      if (!all_signals && ns.name == N("ns2.example.org.")) continue;
      in.signals.push_back({ns.name, *bootstrap_signal_name(kChild, ns.name), View(s1)});
    }
    in.now = kNow;
    return in;
  }
};

TEST_F(ChildBootstrap, SignalName) {
  EXPECT_EQ(bootstrap_signal_name(kChild, N("ns1.example.net."))->to_text(),
            "_dsboot.sub.example.test._signal.ns1.example.net.");
}

TEST_F(ChildBootstrap, AcceptedWithAllSignalsValidated) {
  ChildDsDecision d = Decide(Bootstrap());
  ASSERT_EQ(d.kind, Kind::Accept);
  EXPECT_TRUE(d.bootstrap);
  EXPECT_EQ(d.ds, std::vector<DsRecord>{ds_value(new_ksk)});
}

TEST_F(ChildBootstrap, OneNsWithoutSignalRejected) {
  auto in = Bootstrap();
  in.signals[1].view.cds.clear();
  in.signals[1].view.cdnskey.clear();
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("ns2.example.org."), std::string::npos);
  EXPECT_NE(d.reason.find("_dsboot.sub.example.test._signal.ns2.example.org."), std::string::npos);
  EXPECT_EQ(Decide(Bootstrap(/*all_signals=*/false)).kind, Kind::Reject);
}

TEST_F(ChildBootstrap, SignalNotValidatedRejected) {
  auto in = Bootstrap();
  in.signals[0].view.security = rs::Security::Insecure;
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("ns1.example.net."), std::string::npos);
  in.signals[0].view.security = rs::Security::Bogus;
  in.signals[0].view.error = "signature expired";
  EXPECT_EQ(Decide(in).kind, Kind::Reject);
}

TEST_F(ChildBootstrap, SignalDifferentFromChildRejected) {
  auto in = Bootstrap();
  in.signals[1].view.cds = {as_type(old_ksk.ds(), kTypeCDS)};
  EXPECT_EQ(Decide(in).kind, Kind::Reject);
}

TEST_F(ChildBootstrap, NoSignalsAtAllRejected) {
  // RFC 8078 "accept after delay" is not done: without signals no DS is taken.
  auto in = Bootstrap();
  in.signals.clear();
  EXPECT_EQ(Decide(in).kind, Kind::Reject);
}

TEST_F(ChildBootstrap, AcceptAfterDelayOnlyWhenConfiguredAndWaited) {
  auto in = Bootstrap(/*all_signals=*/false);
  ChildScanOptions o;
  o.accept_after_delay = 3600;
  in.unchanged_since = 0;  // unknown: the wait starts now
  EXPECT_EQ(decide_child_ds(in, o).kind, Kind::NoChange);
  in.unchanged_since = kNow - 100;
  ChildDsDecision waiting = decide_child_ds(in, o);
  EXPECT_EQ(waiting.kind, Kind::NoChange);
  EXPECT_NE(waiting.reason.find("100 of 3600 s"), std::string::npos) << waiting.reason;
  in.unchanged_since = kNow - 3600;
  ChildDsDecision d = decide_child_ds(in, o);
  ASSERT_EQ(d.kind, Kind::Accept) << d.reason;
  EXPECT_FALSE(d.bootstrap);
  EXPECT_NE(d.reason.find("NOT authenticated"), std::string::npos);
  EXPECT_EQ(d.ds, std::vector<DsRecord>{ds_value(new_ksk)});
  // Off by default, whatever the wait.
  EXPECT_EQ(decide_child_ds(in, {}).kind, Kind::Reject);
  // Still not for CDS that fail the other checks.
  for (auto& s : in.servers) s.rrsigs = sign(s.dnskey, {&old_ksk});
  EXPECT_EQ(decide_child_ds(in, o).kind, Kind::Reject);
}

TEST_F(ChildBootstrap, CdsNotSelfSignedRejected) {
  auto in = Bootstrap();
  // DNSKEY set signed only by the old key, which the CDS does not designate.
  for (auto& s : in.servers) s.rrsigs = sign(s.dnskey, {&old_ksk});
  for (auto& s : in.servers) append(s.rrsigs, sign(s.cds, {&new_ksk}));
  for (auto& s : in.servers) append(s.rrsigs, sign(s.cdnskey, {&new_ksk}));
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("designate"), std::string::npos);
}

TEST_F(ChildBootstrap, InBailiwickNameServerMakesBootstrappingImpossible) {
  auto in = Bootstrap();
  in.delegation.ns[1].name = N("ns.sub.example.test.");
  ChildDsDecision d = Decide(in);
  EXPECT_EQ(d.kind, Kind::Reject);
  EXPECT_NE(d.reason.find("inside the child"), std::string::npos);
}

TEST_F(ChildBootstrap, InconsistentChildServersRejected) {
  auto in = Bootstrap();
  in.servers[1].cds = {as_type(old_ksk.ds(), kTypeCDS)};
  EXPECT_EQ(Decide(in).kind, Kind::Reject);
}

}  // namespace
}  // namespace ts::parentsync
