// RFC 9718 trust-anchor documents: XML round trip, libxml2 parsing of foreign documents,
// tamper and staleness detection, DS/DNSKEY presentation of the keys valid at a time.
#include "tar/anchor_document.h"

#include <gtest/gtest.h>

#include "signer/crypto.h"

namespace ts::tar {
namespace {

signer::Dnskey make_ksk() {
  auto k = signer::PrivateKey::generate(signer::Algorithm::ECDSAP256SHA256, 0);
  EXPECT_TRUE(k.ok());
  return signer::Dnskey{signer::kFlagsKsk, signer::Algorithm::ECDSAP256SHA256, k->public_key()};
}

Name zone() {
  return *Name::from_text("island.plain.test.");
}

AnchorDocument two_key_doc(signer::Dnskey a, signer::Dnskey b) {
  std::vector<AnchorKey> keys = {{a, 1700000000, 1800000000}, {b, 1750000000, std::nullopt}};
  auto doc = make_document(zone(), keys, signer::DigestType::SHA256, "https://r.test/a&b.xml");
  EXPECT_TRUE(doc.ok());
  return *doc;
}

TEST(AnchorDocument, DatetimeFormatsAndParses) {
  EXPECT_EQ(format_datetime(1700000000), "2023-11-14T22:13:20+00:00");
  EXPECT_EQ(*parse_datetime("2023-11-14T22:13:20+00:00"), 1700000000);
  EXPECT_EQ(*parse_datetime("2023-11-14T22:13:20Z"), 1700000000);
  EXPECT_EQ(*parse_datetime("2023-11-14T23:13:20.5+01:00"), 1700000000);
  EXPECT_FALSE(parse_datetime("2023-11-14").ok());
  EXPECT_FALSE(parse_datetime("2023-11-14T22:13:20 CET").ok());
}

TEST(AnchorDocument, RoundTripsThroughXml) {
  AnchorDocument doc = two_key_doc(make_ksk(), make_ksk());
  std::string xml = to_xml(doc);
  EXPECT_NE(xml.find("source=\"https://r.test/a&amp;b.xml\""), std::string::npos);
  EXPECT_NE(xml.find("validUntil=\"2027-01-15T08:00:00+00:00\""), std::string::npos);
  auto back = parse_xml(xml);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->source, "https://r.test/a&b.xml");
  EXPECT_EQ(back->zone, zone());
  ASSERT_EQ(back->keys.size(), 2u);
  EXPECT_EQ(back->keys[0], doc.keys[0]);
  EXPECT_EQ(back->keys[1], doc.keys[1]);
  EXPECT_TRUE(compare_documents(doc, *back).empty());
  EXPECT_TRUE(check_document(*back).empty());
}

TEST(AnchorDocument, ParsesIanaStyleDocumentWithoutPublicKey) {
  // The shape of IANA's root-anchors.xml (RFC 7958 / 9718), with a made-up digest.
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<TrustAnchor id="380DC50D-484E-40D0-A3AE-68F2B18F61C7" source="https://data.iana.org/root-anchors/root-anchors.xml">
<Zone>.</Zone>
<KeyDigest id="Kjqmt7v" validFrom="2010-07-15T00:00:00+00:00" validUntil="2019-01-11T00:00:00+00:00">
<KeyTag>19036</KeyTag>
<Algorithm>8</Algorithm>
<DigestType>2</DigestType>
<Digest>49AAC11D7B6F6446702E54A1607371607A1A41855200FD2CE1CDDE32F24E8FB5</Digest>
</KeyDigest>
</TrustAnchor>)";
  auto doc = parse_xml(xml);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_TRUE(doc->zone.is_root());
  ASSERT_EQ(doc->keys.size(), 1u);
  EXPECT_EQ(doc->keys[0].key_tag, 19036);
  EXPECT_EQ(doc->keys[0].digest.size(), 32u);
  EXPECT_FALSE(doc->keys[0].public_key.has_value());
  EXPECT_TRUE(doc->keys[0].valid_at(1500000000));
  EXPECT_FALSE(doc->keys[0].valid_at(1600000000));  // after validUntil
  auto ds = ds_presentation(*doc, 1500000000, 3600);
  ASSERT_TRUE(ds.ok());
  EXPECT_NE(ds->find("19036 8 2 49aac11d"), std::string::npos) << *ds;
}

TEST(AnchorDocument, RejectsMalformedDocuments) {
  EXPECT_FALSE(parse_xml("<TrustAnchor><Zone>x.</Zone>").ok());  // not well-formed
  EXPECT_FALSE(parse_xml("<Other/>").ok());
  EXPECT_FALSE(parse_xml("<TrustAnchor id='a' source='b'><Zone>x.</Zone></TrustAnchor>").ok());
  auto r = parse_xml(
      "<TrustAnchor id='a' source='b'><Zone>x.</Zone><KeyDigest id='k' "
      "validFrom='2020-01-01T00:00:00Z'><KeyTag>1</KeyTag><Algorithm>13</Algorithm>"
      "<DigestType>2</DigestType><Digest>ZZ</Digest></KeyDigest></TrustAnchor>");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not hex"), std::string::npos) << r.error().message;
  // An external entity is neither fetched nor expanded.
  auto xxe = parse_xml(
      "<?xml version='1.0'?><!DOCTYPE t [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
      "<TrustAnchor id='a' source='b'><Zone>&e;</Zone></TrustAnchor>");
  EXPECT_FALSE(xxe.ok());
}

TEST(AnchorDocument, DetectsTamperedDigest) {
  AnchorDocument doc = two_key_doc(make_ksk(), make_ksk());
  auto served = *parse_xml(to_xml(doc));
  served.keys[1].digest[5] ^= 0x40;
  auto problems = compare_documents(doc, served);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].kind, DocumentProblem::Kind::DigestMismatch);
  // Even without an expected copy, the digest no longer matches the published key.
  auto own = check_document(served);
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].kind, DocumentProblem::Kind::DigestMismatch);
}

TEST(AnchorDocument, DetectsMissingExtraAndStaleKeys) {
  signer::Dnskey a = make_ksk(), b = make_ksk();
  AnchorDocument expected = two_key_doc(a, b);
  std::vector<AnchorKey> old_keys = {{a, 1700000000, std::nullopt}};
  AnchorDocument stale = *make_document(zone(), old_keys, signer::DigestType::SHA256, "x");
  auto p = compare_documents(expected, stale);
  ASSERT_EQ(p.size(), 2u) << describe_problems(p);
  EXPECT_EQ(p[0].kind, DocumentProblem::Kind::ValidityMismatch);  // a: validUntil missing
  EXPECT_EQ(p[1].kind, DocumentProblem::Kind::MissingKey);        // b absent
  auto q = compare_documents(stale, expected);
  bool extra = false;
  for (auto& x : q) extra |= x.kind == DocumentProblem::Kind::ExtraKey;
  EXPECT_TRUE(extra) << describe_problems(q);
}

TEST(AnchorDocument, RevokedFlagIsNotPublishedAndPresentationFollowsValidity) {
  signer::Dnskey a = make_ksk(), b = make_ksk();
  signer::Dnskey revoked = a;
  revoked.flags |= signer::kFlagRevoke;
  std::vector<AnchorKey> keys = {{revoked, 100, 200}, {b, 150, std::nullopt}};
  auto doc = make_document(zone(), keys, signer::DigestType::SHA256, "x");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->keys[0].flags, signer::kFlagsKsk);
  EXPECT_EQ(doc->keys[0].key_tag, signer::key_tag(signer::dnskey_rdata(a)));
  auto at120 = dnskey_presentation(*doc, 120, 60);
  auto at170 = dnskey_presentation(*doc, 170, 60);
  auto at250 = ds_presentation(*doc, 250, 60);
  ASSERT_TRUE(at120.ok() && at170.ok() && at250.ok());
  EXPECT_EQ(std::count(at120->begin(), at120->end(), '\n'), 1);
  EXPECT_EQ(std::count(at170->begin(), at170->end(), '\n'), 2);
  EXPECT_EQ(std::count(at250->begin(), at250->end(), '\n'), 1);
  EXPECT_NE(at250->find(std::to_string(doc->keys[1].key_tag)), std::string::npos);
}

}  // namespace
}  // namespace ts::tar
