// Key tag, DNSKEY/DS/CDS/CDNSKEY rdata and their presentation format (through ldns).
#include "signer/dnssec_records.h"

#include <ldns/ldns.h>

#include <cstdlib>
#include <memory>

namespace ts::signer {
namespace {

void put16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

uint16_t get16(std::span<const uint8_t> b, size_t i) {
  return static_cast<uint16_t>((b[i] << 8) | b[i + 1]);
}

struct RrFree {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;

/// Builds an ldns_rr from our wire pieces (ldns checks the RDATA against the type).
Result<RrPtr> make_ldns_rr(const Name& owner, uint32_t ttl, uint16_t type,
                           std::span<const uint8_t> rdata) {
  if (rdata.size() > 0xffff) return fail("RDATA longer than 65535 octets");
  // ldns accepts truncated DS/DNSKEY RDATA; check the fields we know first.
  if (type == kTypeDs || type == kTypeCds) {
    if (auto ds = parse_ds_rdata(rdata); !ds) return ds.error();
  } else if (type == kTypeDnskey || type == kTypeCdnskey) {
    if (auto k = parse_dnskey_rdata(rdata); !k) return k.error();
  }
  Bytes wire(owner.wire().begin(), owner.wire().end());
  put16(wire, type);
  put16(wire, 1);  // IN
  put16(wire, static_cast<uint16_t>(ttl >> 16));
  put16(wire, static_cast<uint16_t>(ttl));
  put16(wire, static_cast<uint16_t>(rdata.size()));
  wire.insert(wire.end(), rdata.begin(), rdata.end());
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  ldns_status st = ldns_wire2rr(&rr, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER);
  if (st != LDNS_STATUS_OK || pos != wire.size()) {
    ldns_rr_free(rr);
    return fail(std::string("malformed RDATA for type ") + std::to_string(type) + ": " +
                ldns_get_errorstr_by_id(st));
  }
  return RrPtr(rr);
}

std::string take_string(char* s) {
  std::string out = s ? s : "";
  std::free(s);
  return out;
}

}  // namespace

size_t digest_length(uint8_t type) {
  switch (type) {
    case 1:
      return 20;
    case 2:
      return 32;
    case 4:
      return 48;
    default:
      return 0;  // unknown: any length
  }
}

Bytes dnskey_rdata(const Dnskey& key) {
  Bytes out;
  out.reserve(4 + key.public_key.size());
  put16(out, key.flags);
  out.push_back(key.protocol);
  out.push_back(static_cast<uint8_t>(key.algorithm));
  out.insert(out.end(), key.public_key.begin(), key.public_key.end());
  return out;
}

Result<Dnskey> parse_dnskey_rdata(std::span<const uint8_t> rdata) {
  if (rdata.size() < 4) return fail("DNSKEY RDATA shorter than 4 octets");
  Dnskey k;
  k.flags = get16(rdata, 0);
  k.protocol = rdata[2];
  k.algorithm = static_cast<Algorithm>(rdata[3]);
  k.public_key.assign(rdata.begin() + 4, rdata.end());
  return k;
}

uint16_t key_tag(std::span<const uint8_t> rdata) {
  if (rdata.size() >= 4 && rdata[3] == 1) {
    // Algorithm 1 (RSA/MD5): the most significant 16 of the least significant 24 bits
    // of the modulus (RFC 4034 appendix B.1).
    if (rdata.size() < 7) return 0;
    return static_cast<uint16_t>((rdata[rdata.size() - 3] << 8) | rdata[rdata.size() - 2]);
  }
  uint32_t ac = 0;
  for (size_t i = 0; i < rdata.size(); ++i) ac += (i & 1) ? rdata[i] : uint32_t{rdata[i]} << 8;
  ac += (ac >> 16) & 0xffff;
  return static_cast<uint16_t>(ac & 0xffff);
}

Result<Ds> make_ds(const Name& owner, std::span<const uint8_t> dnskey, DigestType type) {
  if (dnskey.size() < 4) return fail("DNSKEY RDATA shorter than 4 octets");
  Name canonical = owner.lowered();  // canonical form, RFC 4034 6.2
  Bytes input(canonical.wire().begin(), canonical.wire().end());
  input.insert(input.end(), dnskey.begin(), dnskey.end());
  Ds ds;
  ds.key_tag = key_tag(dnskey);
  ds.algorithm = static_cast<Algorithm>(dnskey[3]);
  ds.digest_type = static_cast<uint8_t>(type);
  ds.digest = digest(type, input);
  return ds;
}

Bytes ds_rdata(const Ds& ds) {
  Bytes out;
  out.reserve(4 + ds.digest.size());
  put16(out, ds.key_tag);
  out.push_back(static_cast<uint8_t>(ds.algorithm));
  out.push_back(ds.digest_type);
  out.insert(out.end(), ds.digest.begin(), ds.digest.end());
  return out;
}

Result<Ds> parse_ds_rdata(std::span<const uint8_t> rdata) {
  if (rdata.size() < 5) return fail("DS RDATA shorter than 5 octets");
  Ds ds;
  ds.key_tag = get16(rdata, 0);
  ds.algorithm = static_cast<Algorithm>(rdata[2]);
  ds.digest_type = rdata[3];
  ds.digest.assign(rdata.begin() + 4, rdata.end());
  size_t want = digest_length(ds.digest_type);
  if (want != 0 && ds.digest.size() != want)
    return fail("DS digest of type " + std::to_string(ds.digest_type) + " must be " +
                std::to_string(want) + " octets, not " + std::to_string(ds.digest.size()));
  return ds;
}

bool ds_matches(const Ds& ds, const Name& owner, std::span<const uint8_t> dnskey) {
  if (dnskey.size() < 4 || ds.key_tag != key_tag(dnskey) ||
      static_cast<uint8_t>(ds.algorithm) != dnskey[3])
    return false;
  if (ds.digest_type != 1 && ds.digest_type != 2 && ds.digest_type != 4) return false;
  auto mine = make_ds(owner, dnskey, static_cast<DigestType>(ds.digest_type));
  return mine && mine->digest == ds.digest;
}

Bytes cds_delete_rdata() {
  return Bytes{0, 0, 0, 0, 0};  // key tag 0, algorithm 0, digest type 0, digest 00
}

Bytes cdnskey_delete_rdata() {
  return Bytes{0, 0, 3, 0, 0};  // flags 0, protocol 3, algorithm 0, key AA== (one 0 octet)
}

bool is_cds_delete(std::span<const uint8_t> rdata) {
  Bytes d = cds_delete_rdata();
  return std::equal(rdata.begin(), rdata.end(), d.begin(), d.end());
}

bool is_cdnskey_delete(std::span<const uint8_t> rdata) {
  Bytes d = cdnskey_delete_rdata();
  return std::equal(rdata.begin(), rdata.end(), d.begin(), d.end());
}

Result<std::string> rr_to_text(const Name& owner, uint32_t ttl, uint16_t type,
                               std::span<const uint8_t> rdata) {
  auto rr = make_ldns_rr(owner, ttl, type, rdata);
  if (!rr) return rr.error();
  std::string s = take_string(ldns_rr2str_fmt(ldns_output_format_nocomments, rr->get()));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.empty()) return fail("ldns could not format the record");
  return s;
}

Result<std::string> rdata_to_text(uint16_t type, std::span<const uint8_t> rdata) {
  auto rr = make_ldns_rr(Name::root(), 0, type, rdata);
  if (!rr) return rr.error();
  std::string out;
  for (size_t i = 0; i < ldns_rr_rd_count(rr->get()); ++i) {
    std::string field = take_string(ldns_rdf2str(ldns_rr_rdf(rr->get(), i)));
    if (i) out += ' ';
    out += field;
  }
  return out;
}

Result<TextRr> rr_from_text(std::string_view line, const Name* origin) {
  ldns_rdf* origin_rdf = nullptr;
  if (origin)
    origin_rdf =
        ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, origin->wire().size(), origin->wire().data());
  ldns_rr* raw = nullptr;
  std::string text(line);
  ldns_status st = ldns_rr_new_frm_str(&raw, text.c_str(), 3600, origin_rdf, nullptr);
  if (origin_rdf) ldns_rdf_deep_free(origin_rdf);
  if (st != LDNS_STATUS_OK) return fail(std::string("bad record: ") + ldns_get_errorstr_by_id(st));
  RrPtr rr(raw);
  const ldns_rdf* owner_rdf = ldns_rr_owner(rr.get());
  auto owner = Name::from_wire(std::string_view(
      reinterpret_cast<const char*>(ldns_rdf_data(owner_rdf)), ldns_rdf_size(owner_rdf)));
  if (!owner) return owner.error();
  uint8_t* wire = nullptr;
  size_t size = 0;
  if (ldns_rr2wire(&wire, rr.get(), LDNS_SECTION_ANSWER, &size) != LDNS_STATUS_OK)
    return fail("cannot convert record to wire form");
  size_t header = ldns_rdf_size(owner_rdf) + 10;
  TextRr out{*owner, ldns_rr_ttl(rr.get()), static_cast<uint16_t>(ldns_rr_get_type(rr.get())),
             Bytes(wire + std::min(header, size), wire + size)};
  std::free(wire);
  return out;
}

}  // namespace ts::signer
