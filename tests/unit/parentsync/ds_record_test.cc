// DS record arithmetic against the RFC 4034 5.4 and RFC 4509 2.3 examples.
#include "parentsync/ds_record.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ts::parentsync {
namespace {

// dskey.example.com. DNSKEY 256 3 5 ... (RFC 4034 5.4, RFC 4509 2.3).
Bytes rfc_dnskey() {
  auto key = base64_to_bytes(
      "AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMm"
      "mAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==");
  Bytes r(4 + key->size());
  r[0] = 0x01, r[1] = 0x00, r[2] = 0x03, r[3] = 0x05;
  std::copy(key->begin(), key->end(), r.begin() + 4);
  return r;
}

TEST(DsRecord, KeyTagMatchesRfc4034Example) {
  EXPECT_EQ(key_tag(rfc_dnskey()), 60485);
}

TEST(DsRecord, Sha1DigestMatchesRfc4034Example) {
  auto owner = Name::from_text("DSKEY.example.com.");  // upper case: digest uses lower case
  auto ds = make_ds(*owner, rfc_dnskey(), 1);
  ASSERT_TRUE(ds) << ds.error().message;
  EXPECT_EQ(ds->rdata_text(), "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
}

TEST(DsRecord, Sha256DigestMatchesRfc4509Example) {
  auto ds = make_ds(*Name::from_text("dskey.example.com."), rfc_dnskey(), 2);
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->rdata_text(),
            "60485 5 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A");
  EXPECT_TRUE(ds_matches_dnskey(*ds, *Name::from_text("dskey.example.com."), rfc_dnskey()));
  EXPECT_FALSE(ds_matches_dnskey(*ds, *Name::from_text("other.example.com."), rfc_dnskey()));
}

TEST(DsRecord, UnsupportedDigestTypeFails) {
  EXPECT_FALSE(make_ds(*Name::from_text("a."), rfc_dnskey(), 3));
  EXPECT_FALSE(make_ds(*Name::from_text("a."), Bytes{1, 2}, 2));
}

TEST(DsRecord, TextAndWireRoundTrip) {
  auto ds = DsRecord::from_rdata_text("60485 5 1 2BB183AF5F22588179A5 3B0A98631FAD1A292118");
  ASSERT_TRUE(ds) << ds.error().message;
  auto back = DsRecord::from_rdata(ds->to_rdata());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *ds);
  EXPECT_EQ(ds->to_text(*Name::from_text("dskey.example.com."), 300),
            "dskey.example.com. 300 IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
  EXPECT_FALSE(DsRecord::from_rdata_text("1 2"));
  EXPECT_FALSE(DsRecord::from_rdata_text("1 2 3 ABC"));
  EXPECT_FALSE(DsRecord::from_rdata_text("70000 2 3 AB"));
  EXPECT_FALSE(DsRecord::from_rdata(Bytes{1, 2, 3}));
}

TEST(DsRecord, DeleteForm) {
  EXPECT_TRUE(DsRecord::delete_form().is_delete());
  EXPECT_EQ(DsRecord::delete_form().rdata_text(), "0 0 0 00");
  EXPECT_FALSE(DsRecord::from_rdata_text("0 0 0 01")->is_delete());
}

TEST(DsRecord, CanonicalSetSortsAndDedups) {
  DsRecord a{1, 13, 2, {1}}, b{2, 13, 2, {1}};
  EXPECT_EQ(canonical_set({b, a, b}), (std::vector<DsRecord>{a, b}));
}

}  // namespace
}  // namespace ts::parentsync
