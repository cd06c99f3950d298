// RFC test vectors for key tags, DNSKEY/DS/CDS/CDNSKEY rdata and presentation format,
// plus the RFC 6605 / RFC 8080 examples end to end (BIND private key -> DNSKEY -> DS ->
// RRSIG). Every vector below was checked against the RFC text (RFC 8080 as corrected by
// verified erratum 4935); the tests also cross-check them against each other: a typo
// in a key, digest or signature makes a signature check or a digest comparison fail.
#include "signer/dnssec_records.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace ts::signer {
namespace {

std::string hex(std::span<const uint8_t> b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Name name(const char* text) {
  auto n = Name::from_text(text);
  EXPECT_TRUE(n) << text;
  return *n;
}

TextRr rr(const std::string& line) {
  auto r = rr_from_text(line);
  EXPECT_TRUE(r) << line << ": " << (r ? "" : r.error().message);
  return r ? *r : TextRr{};
}

/// RFC 4034 section 3.1.8.1 signing input: RRSIG RDATA without the signature, then the
/// (single) RR in canonical form with the original TTL. `rrsig` is the RRSIG RDATA and
/// `sig_len` the length of its signature field.
Bytes signing_input(const Bytes& rrsig, size_t sig_len, const TextRr& data) {
  Bytes in(rrsig.begin(), rrsig.end() - static_cast<long>(sig_len));
  Name owner = data.owner.lowered();
  in.insert(in.end(), owner.wire().begin(), owner.wire().end());
  uint32_t orig_ttl = (uint32_t{rrsig[4]} << 24) | (rrsig[5] << 16) | (rrsig[6] << 8) | rrsig[7];
  for (uint8_t b : {uint8_t(data.type >> 8), uint8_t(data.type), uint8_t(0), uint8_t(1),
                    uint8_t(orig_ttl >> 24), uint8_t(orig_ttl >> 16), uint8_t(orig_ttl >> 8),
                    uint8_t(orig_ttl), uint8_t(data.rdata.size() >> 8), uint8_t(data.rdata.size())})
    in.push_back(b);
  in.insert(in.end(), data.rdata.begin(), data.rdata.end());
  return in;
}

// ---- RFC 4034 section 5.4 and RFC 4509 section 2.3 -------------------------------------

constexpr const char* kRfc4034Dnskey =
    "dskey.example.com. 86400 IN DNSKEY 256 3 5 "
    "AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZ"
    "DRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc"
    "nOf+EPbtG9DMBmADjFDc2w/rljwvFw==";

TEST(DnssecRecords, Rfc4034KeyTagAndSha1Ds) {
  TextRr key = rr(kRfc4034Dnskey);
  EXPECT_EQ(key.type, kTypeDnskey);
  EXPECT_EQ(key_tag(key.rdata), 60485);
  auto ds = make_ds(key.owner, key.rdata, DigestType::SHA1);
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->key_tag, 60485);
  EXPECT_EQ(ds->algorithm, Algorithm::RSASHA1);
  EXPECT_EQ(ds->digest_type, 1);
  EXPECT_EQ(hex(ds->digest), lower("2BB183AF5F22588179A53B0A98631FAD1A292118"));
  auto text = rr_to_text(key.owner, 86400, kTypeDs, ds_rdata(*ds));
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text,
            "dskey.example.com.\t86400\tIN\tDS\t60485 5 1 "
            "2bb183af5f22588179a53b0a98631fad1a292118");
  EXPECT_TRUE(ds_matches(*ds, key.owner, key.rdata));
}

TEST(DnssecRecords, Rfc4509Sha256Ds) {
  TextRr key = rr(kRfc4034Dnskey);
  auto ds = make_ds(key.owner, key.rdata, DigestType::SHA256);
  ASSERT_TRUE(ds);
  EXPECT_EQ(hex(ds->digest),
            lower("D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A"));
  // The owner name is hashed in canonical (lower-case) form.
  auto upper = make_ds(name("DSKEY.Example.COM."), key.rdata, DigestType::SHA256);
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->digest, ds->digest);
  // A DS parsed back from text equals the computed one.
  TextRr parsed =
      rr("dskey.example.com. 86400 IN DS 60485 5 2 D4B7D520E7BB5F0F67674A0C"
         "CEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A");
  auto pds = parse_ds_rdata(parsed.rdata);
  ASSERT_TRUE(pds);
  EXPECT_EQ(*pds, *ds);
}

// ---- RFC 6605 section 6 --------------------------------------------------------------

struct EcdsaExample {
  const char* private_key;
  const char* dnskey;
  uint16_t tag;
  DigestType ds_type;
  const char* ds_digest;
  const char* a;
  const char* rrsig;
  size_t sig_len;
};

void check_ecdsa_example(const EcdsaExample& ex) {
  auto key = PrivateKey::from_bind_private(ex.private_key);
  ASSERT_TRUE(key) << key.error().message;
  TextRr dnskey = rr(ex.dnskey);
  auto parsed = parse_dnskey_rdata(dnskey.rdata);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->flags, kFlagsKsk);
  EXPECT_EQ(parsed->algorithm, key->algorithm());
  EXPECT_EQ(key->public_key(), parsed->public_key);
  EXPECT_EQ(dnskey_rdata({kFlagsKsk, key->algorithm(), key->public_key()}), dnskey.rdata);
  EXPECT_EQ(key_tag(dnskey.rdata), ex.tag);
  auto ds = make_ds(dnskey.owner, dnskey.rdata, ex.ds_type);
  ASSERT_TRUE(ds);
  EXPECT_EQ(hex(ds->digest), ex.ds_digest);

  // The RFC's RRSIG verifies with our verifier and the RFC's key ...
  TextRr a = rr(ex.a), rrsig = rr(ex.rrsig);
  Bytes input = signing_input(rrsig.rdata, ex.sig_len, a);
  Bytes sig(rrsig.rdata.end() - static_cast<long>(ex.sig_len), rrsig.rdata.end());
  auto ok = verify_signature(key->algorithm(), parsed->public_key, input, sig);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(*ok);
  input.back() ^= 1;
  EXPECT_FALSE(*verify_signature(key->algorithm(), parsed->public_key, input, sig));
  input.back() ^= 1;
  // ... and our signature (random nonce) over the same input verifies too.
  auto mine = key->sign(input);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->size(), ex.sig_len);
  EXPECT_TRUE(*verify_signature(key->algorithm(), parsed->public_key, input, *mine));
}

TEST(DnssecRecords, Rfc6605P256Example) {
  check_ecdsa_example({
      "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\n"
      "PrivateKey: GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=\n",
      "example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb"
      "krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
      55648,
      DigestType::SHA256,
      "b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17",
      "www.example.net. 3600 IN A 192.0.2.1",
      "www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 55648 "
      "example.net. qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus"
      "7ZwmwWep666VCw==",
      64,
  });
}

TEST(DnssecRecords, Rfc6605P384Example) {
  check_ecdsa_example({
      "Private-key-format: v1.2\nAlgorithm: 14 (ECDSAP384SHA384)\n"
      "PrivateKey: WURgWHCcYIYUPWgeLmiPY2DJJk02vgrmTfitxgqcL4vwW7BOrbawVmVe0d9V94SR\n",
      "example.net. 3600 IN DNSKEY 257 3 14 xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1"
      "w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
      10771,
      DigestType::SHA384,
      "72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d288405c3008a"
      "946df983d6",
      "www.example.net. 3600 IN A 192.0.2.1",
      "www.example.net. 3600 IN RRSIG A 14 3 3600 20100909102025 20100812102025 10771 "
      "example.net. /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP95hxQouuroGCeZOvzFaxsT8Glr74"
      "hbavRKayJNuydCuzWTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm",
      96,
  });
}

// ---- RFC 8080 section 6 (with verified erratum 4935) ----------------------------------

struct EddsaExample {
  const char* alg;  // "15 (ED25519)" / "16 (ED448)"
  const char* private_key;
  const char* public_key;
  uint16_t tag;
  const char* ds_sha256;
  const char* sig_erratum;    // RRSIG MX <alg> 2 3600 ... (erratum 4935)
  const char* sig_published;  // the RFC as published: labels field 3
};

// Signs the MX RRset of the example with the given label count and compares with `want`.
void check_eddsa_rrsig(const PrivateKey& key, uint16_t tag, int labels, const char* want) {
  Name origin = name("example.com.");
  // RRSIG RDATA fields: type covered MX, algorithm, labels, original TTL 3600,
  // expiration 1440021600, inception 1438207200, key tag, signer example.com.
  Bytes rrsig{0, 15, static_cast<uint8_t>(key.algorithm()), static_cast<uint8_t>(labels)};
  for (uint32_t v : {3600u, 1440021600u, 1438207200u})
    for (int s = 24; s >= 0; s -= 8) rrsig.push_back(static_cast<uint8_t>(v >> s));
  rrsig.push_back(static_cast<uint8_t>(tag >> 8));
  rrsig.push_back(static_cast<uint8_t>(tag));
  rrsig.insert(rrsig.end(), origin.wire().begin(), origin.wire().end());
  TextRr mx = rr("example.com. 3600 IN MX 10 mail.example.com.");
  Bytes input = signing_input(rrsig, 0, mx);
  auto sig = key.sign(input);
  ASSERT_TRUE(sig);
  auto expected = base64_decode(want);
  ASSERT_TRUE(expected);
  EXPECT_EQ(base64_encode(*sig), base64_encode(*expected)) << "labels " << labels;
  EXPECT_TRUE(*verify_signature(key.algorithm(), key.public_key(), input, *expected));
}

void check_eddsa_example(const EddsaExample& ex) {
  std::string priv = std::string("Private-key-format: v1.2\nAlgorithm: ") + ex.alg +
                     "\nPrivateKey: " + ex.private_key + "\n";
  auto key = PrivateKey::from_bind_private(priv);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(base64_encode(key->public_key()), ex.public_key);
  Bytes rdata = dnskey_rdata({kFlagsKsk, key->algorithm(), key->public_key()});
  EXPECT_EQ(key_tag(rdata), ex.tag);
  auto ds = make_ds(name("example.com."), rdata, DigestType::SHA256);
  ASSERT_TRUE(ds);
  EXPECT_EQ(hex(ds->digest), ex.ds_sha256);
  check_eddsa_rrsig(*key, ex.tag, 2, ex.sig_erratum);
  check_eddsa_rrsig(*key, ex.tag, 3, ex.sig_published);
}

TEST(DnssecRecords, Rfc8080Ed25519Examples) {
  check_eddsa_example({"15 (ED25519)", "ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=",
                       "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", 3613,
                       "3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b",
                       "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9"
                       "VrbpMngwcrqNAg==",
                       "Edk+IB9KNNWg0HAjm7FazXyrd5m3Rk8zNZbvNpAcM+eysqcUOMIjWoevFkjH5GaMWeG96GUV"
                       "Zu6ECKOQmemHDg=="});
  check_eddsa_example({"15 (ED25519)", "DSSF3o0s0f+ElWzj9E/Osxw8hLpk55chkmx0LYN5WiY=",
                       "zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=", 35217,
                       "401781b934e392de492ec77ae2e15d70f6575a1c0bc59c5275c04ebe80c6614c",
                       "zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQoSm5poJ7gD7AQ"
                       "R0O7KuI5k2pcBg==",
                       "5LL2obmzdqjWI+Xto5eP5adXt/T5tMhasWvwcyW4L3SzfcRawOle9bodhC+oip9ayUGjY9T/"
                       "rL4rN3bOuESGDA=="});
}

TEST(DnssecRecords, Rfc8080Ed448Examples) {
  check_eddsa_example(
      {"16 (ED448)", "xZ+5Cgm463xugtkY5B0Jx6erFTXp13rYegst0qRtNsOYnaVpMx0Z/c5EiA9x8wWbDDct/U3FhYWA",
       "3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA", 9713,
       "6ccf18d5bc5d7fc2fceb1d59d17321402f2aa8d368048db93dd811f5cb2b19c7",
       "3cPAHkmlnxcDHMyg7vFC34l0blBhuG1qpwLmjInI8w1CMB29FkEAIJUA0amxWndkmnBZ6SKiwZSA"
       "xGILn/NBtOXft0+Gj7FSvOKxE/07+4RQvE581N3Aj/JtIyaiYVdnYtyMWbSNyGEY2213WKsJlwEA",
       "Nmc0rgGKpr3GKYXcB1JmqqS4NYwhmechvJTqVzt3jR+Qy/lSLFoIk1L+9e39GPL+5tVzDPN3f9kA"
       "wiu8KCuPPjtl227ayaCZtRKZuJax7n9NuYlZJIusX0SOIOKBGzG+yWYtz1/jjbzl5GGkWvREUCUA"});
  check_eddsa_example(
      {"16 (ED448)", "WEykD3ht3MHkU8iH4uVOLz8JLwtRBSqiBoM6fF72+Mrp/u5gjxuB1DV6NnPO2BlZdz4hdSTkOdOA",
       "kkreGWoccSDmUBGAe7+zsbG6ZAFQp+syPmYUurBRQc3tDjeMCJcVMRDmgcNLp5HlHAMy12VoISsA", 38353,
       "645ff078b3568f5852b70cb60e8e696cc77b75bfaaffc118cf79cbda1ba28af4",
       "E1/oLjSGIbmLny/4fcgM1z4oL6aqo+izT3urCyHyvEp4Sp8Syg1eI+lJ57CSnZqjJP41O/9l4m0A"
       "sQ4f7qI1gVnML8vWWiyW2KXhT9kuAICUSxv5OWbf81Rq7Yu60npabODB0QFPb/rkW3kUZmQ0YQUA",
       "+JjANio/LIzp7osmMYE5XD3H/YES8kXs5Vb9H8MjPS8OAGZMD37+LsCIcjg5ivt0d4Om/UaqETEA"
       "sJjaYe56CEQP5lhRWuD2ivBqE0zfwJTyp4WqvpULbpvaukswvv/WNEFxzEYQEIm9+xDlXj4pMAMA"});
}

// ---- DNSKEY flags, CDS/CDNSKEY, presentation format --------------------------------------

TEST(DnssecRecords, DnskeyRoundTripAndFlags) {
  Dnskey k{kFlagsKsk, Algorithm::ED25519, Bytes(32, 7)};
  Bytes rdata = dnskey_rdata(k);
  EXPECT_EQ(rdata.size(), 36u);
  EXPECT_EQ(rdata[0], 1);
  EXPECT_EQ(rdata[1], 1);
  EXPECT_EQ(rdata[2], 3);
  EXPECT_EQ(rdata[3], 15);
  auto back = parse_dnskey_rdata(rdata);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, k);
  EXPECT_TRUE(back->is_sep());
  EXPECT_FALSE(back->is_revoked());
  // RFC 5011: the REVOKE bit changes the key tag.
  Dnskey revoked = k;
  revoked.flags |= kFlagRevoke;
  EXPECT_TRUE(revoked.is_revoked());
  EXPECT_NE(key_tag(dnskey_rdata(revoked)), key_tag(rdata));
  EXPECT_FALSE(parse_dnskey_rdata(Bytes{1, 1, 3}));
}

TEST(DnssecRecords, CdsAndCdnskeyHaveDsAndDnskeyFormat) {
  TextRr key = rr(kRfc4034Dnskey);
  auto ds = make_ds(key.owner, key.rdata, DigestType::SHA256);
  ASSERT_TRUE(ds);
  auto cds = rr_to_text(key.owner, 3600, kTypeCds, ds_rdata(*ds));
  ASSERT_TRUE(cds) << cds.error().message;
  EXPECT_EQ(*cds,
            "dskey.example.com.\t3600\tIN\tCDS\t60485 5 2 "
            "d4b7d520e7bb5f0f67674a0cceb1e3e0614b93c4f9e99b8383f6a1e4469da50a");
  auto cdnskey = rdata_to_text(kTypeCdnskey, key.rdata);
  ASSERT_TRUE(cdnskey) << cdnskey.error().message;
  EXPECT_EQ(cdnskey->substr(0, 20), "256 3 5 AQOeiiR0GOMY");
}

TEST(DnssecRecords, Rfc8078DeleteForms) {
  auto cds = rdata_to_text(kTypeCds, cds_delete_rdata());
  ASSERT_TRUE(cds) << cds.error().message;
  EXPECT_EQ(*cds, "0 0 0 00");
  auto cdnskey = rdata_to_text(kTypeCdnskey, cdnskey_delete_rdata());
  ASSERT_TRUE(cdnskey) << cdnskey.error().message;
  EXPECT_EQ(*cdnskey, "0 3 0 AA==");
  // Parsed from the RFC's text, they are recognised.
  EXPECT_TRUE(is_cds_delete(rr("example.com. 0 IN CDS 0 0 0 00").rdata));
  EXPECT_TRUE(is_cdnskey_delete(rr("example.com. 0 IN CDNSKEY 0 3 0 AA==").rdata));
  EXPECT_FALSE(is_cds_delete(rr("example.com. 0 IN CDS 1 0 0 00").rdata));
  EXPECT_FALSE(is_cdnskey_delete(rr(kRfc4034Dnskey).rdata));
}

TEST(DnssecRecords, DsParsingChecksDigestLength) {
  EXPECT_FALSE(parse_ds_rdata(Bytes{0, 1, 13, 2, 0xaa}));  // SHA-256 needs 32 octets
  EXPECT_FALSE(parse_ds_rdata(Bytes{0, 1, 13}));
  Bytes ok{0, 1, 13, 2};
  ok.resize(4 + 32, 0x11);
  EXPECT_TRUE(parse_ds_rdata(ok));
}

TEST(DnssecRecords, DsMatchesOnlyItsKey) {
  TextRr key = rr(kRfc4034Dnskey);
  auto ds = make_ds(key.owner, key.rdata, DigestType::SHA384);
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->digest.size(), 48u);
  EXPECT_TRUE(ds_matches(*ds, key.owner, key.rdata));
  EXPECT_FALSE(ds_matches(*ds, name("other.example.com."), key.rdata));
  Ds wrong = *ds;
  wrong.digest[0] ^= 1;
  EXPECT_FALSE(ds_matches(wrong, key.owner, key.rdata));
}

TEST(DnssecRecords, MalformedRdataIsAnError) {
  EXPECT_FALSE(rr_to_text(name("example.com."), 0, kTypeDs, Bytes{0, 1}));
  EXPECT_FALSE(rr_from_text("example.com. IN DS not a ds"));
}

}  // namespace
}  // namespace ts::signer
