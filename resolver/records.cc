// DNSSEC record fields (DS, DNSKEY, RRSIG), key tags, DS digests and ldns conversions.
#include "resolver/records.h"

#include <ldns/ldns.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace ts::resolver {
namespace {

uint16_t u16(const std::string& s, size_t i) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[i]) << 8) | static_cast<uint8_t>(s[i + 1]));
}
uint32_t u32(const std::string& s, size_t i) {
  return (static_cast<uint32_t>(u16(s, i)) << 16) | u16(s, i + 2);
}

struct BufferFree {
  void operator()(ldns_buffer* b) const { ldns_buffer_free(b); }
};
using BufferPtr = std::unique_ptr<ldns_buffer, BufferFree>;

}  // namespace

Result<DsFields> parse_ds(const std::string& rdata) {
  if (rdata.size() < 5) return fail("DS rdata too short");
  return DsFields{u16(rdata, 0), static_cast<uint8_t>(rdata[2]), static_cast<uint8_t>(rdata[3]),
                  rdata.substr(4)};
}

Result<DnskeyFields> parse_dnskey(const std::string& rdata) {
  if (rdata.size() < 5) return fail("DNSKEY rdata too short");
  return DnskeyFields{u16(rdata, 0), static_cast<uint8_t>(rdata[2]), static_cast<uint8_t>(rdata[3]),
                      rdata.substr(4)};
}

Result<RrsigFields> parse_rrsig(const std::string& rdata) {
  if (rdata.size() < 19) return fail("RRSIG rdata too short");
  RrsigFields f;
  f.type_covered = u16(rdata, 0);
  f.algorithm = static_cast<uint8_t>(rdata[2]);
  f.labels = static_cast<uint8_t>(rdata[3]);
  f.original_ttl = u32(rdata, 4);
  f.expiration = u32(rdata, 8);
  f.inception = u32(rdata, 12);
  f.key_tag = u16(rdata, 16);
  size_t i = 18;
  while (i < rdata.size() && rdata[i] != 0) i += 1 + static_cast<uint8_t>(rdata[i]);
  if (i >= rdata.size()) return fail("RRSIG signer name truncated");
  auto signer = Name::from_wire(std::string_view(rdata).substr(18, i + 1 - 18));
  if (!signer) return fail("RRSIG signer name: " + signer.error().message);
  f.signer = *signer;
  return f;
}

uint16_t dnskey_key_tag(const std::string& rdata) {
  return ldns_calc_keytag_raw(reinterpret_cast<const uint8_t*>(rdata.data()), rdata.size());
}

bool algorithm_supported(uint8_t a) {
  return a == 5 || a == 7 || a == 8 || a == 10 || a == 13 || a == 14 || a == 15 || a == 16;
}

bool digest_type_supported(uint8_t d) {
  return d == 1 || d == 2 || d == 4;
}

Result<std::string> ds_for_dnskey(const Name& owner, const std::string& dnskey_rdata,
                                  uint8_t digest_type) {
  if (!digest_type_supported(digest_type))
    return fail("unsupported DS digest type " + std::to_string(digest_type));
  ldns_rr* key = record_to_ldns(Record{owner, kTypeDNSKEY, 0, dnskey_rdata});
  if (!key) return fail("DNSKEY rdata does not parse");
  ldns_rr* ds = ldns_key_rr2ds(key, static_cast<ldns_hash>(digest_type));
  ldns_rr_free(key);
  if (!ds) return fail("could not compute DS digest");
  auto rec = record_from_ldns(ds);
  ldns_rr_free(ds);
  if (!rec) return rec.error();
  return rec->rdata;
}

UnixTime rrsig_time(uint32_t field, UnixTime now) {
  // RFC 1982: the value within 2^31 of now.
  int32_t delta = static_cast<int32_t>(field - static_cast<uint32_t>(now));
  return now + delta;
}

std::string to_hex(const std::string& bytes) {
  static const char* d = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::string format_time(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ldns_rr* record_to_ldns(const Record& r) {
  std::string wire = r.owner.wire();
  auto put16 = [&](uint16_t v) {
    wire.push_back(static_cast<char>(v >> 8));
    wire.push_back(static_cast<char>(v & 0xff));
  };
  put16(r.type);
  put16(1);  // class IN
  put16(static_cast<uint16_t>(r.ttl >> 16));
  put16(static_cast<uint16_t>(r.ttl & 0xffff));
  if (r.rdata.size() > 65535) return nullptr;
  put16(static_cast<uint16_t>(r.rdata.size()));
  wire += r.rdata;
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  if (ldns_wire2rr(&rr, reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), &pos,
                   LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
    return nullptr;
  return rr;
}

Result<Record> record_from_ldns(const ldns_rr* rr) {
  Record r;
  const ldns_rdf* owner = ldns_rr_owner(rr);
  auto name = Name::from_wire(
      std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner)));
  if (!name) return name.error();
  r.owner = *name;
  r.type = static_cast<uint16_t>(ldns_rr_get_type(rr));
  r.ttl = ldns_rr_ttl(rr);
  BufferPtr buf(ldns_buffer_new(512));
  if (ldns_rr_rdata2buffer_wire(buf.get(), rr) != LDNS_STATUS_OK)
    return fail("could not encode rdata");
  r.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buf.get())),
                 ldns_buffer_position(buf.get()));
  return r;
}

ldns_rr_list* records_to_ldns(const std::vector<Record>& rs) {
  ldns_rr_list* list = ldns_rr_list_new();
  for (const auto& r : rs) {
    ldns_rr* rr = record_to_ldns(r);
    if (rr) ldns_rr_list_push_rr(list, rr);
  }
  return list;
}

std::string record_to_text(const Record& r) {
  ldns_rr* rr = record_to_ldns(r);
  if (!rr) return r.owner.to_text() + " TYPE" + std::to_string(r.type) + " (unparseable)";
  char* s = ldns_rr2str(rr);
  ldns_rr_free(rr);
  std::string out = s ? s : "";
  free(s);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (auto& c : out)
    if (c == '\t') c = ' ';
  return out;
}

Result<std::vector<Record>> records_from_text(const std::string& text) {
  FILE* fp = fmemopen(const_cast<char*>(text.data()), text.size(), "r");
  if (!fp) return fail("fmemopen failed");
  std::vector<Record> out;
  uint32_t default_ttl = 3600;
  ldns_rdf* origin = nullptr;
  ldns_rdf* prev = nullptr;
  int line = 1;
  Status status;
  while (!feof(fp)) {
    ldns_rr* rr = nullptr;
    ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &default_ttl, &origin, &prev, &line);
    if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL ||
        s == LDNS_STATUS_SYNTAX_ORIGIN || s == LDNS_STATUS_SYNTAX_INCLUDE)
      continue;
    if (s != LDNS_STATUS_OK) {
      if (feof(fp) && !rr) break;
      status = fail("line " + std::to_string(line) + ": " + ldns_get_errorstr_by_id(s));
      break;
    }
    auto rec = record_from_ldns(rr);
    ldns_rr_free(rr);
    if (!rec) {
      status = rec.error();
      break;
    }
    out.push_back(std::move(*rec));
  }
  fclose(fp);
  if (origin) ldns_rdf_deep_free(origin);
  if (prev) ldns_rdf_deep_free(prev);
  if (!status) return status.error();
  return out;
}

Result<std::vector<Record>> records_from_file(const std::string& path) {
  FILE* fp = fopen(path.c_str(), "r");
  if (!fp) return fail(path + ": cannot open");
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, fp)) > 0) text.append(buf, n);
  fclose(fp);
  auto recs = records_from_text(text);
  if (!recs) return fail(path + ": " + recs.error().message);
  return recs;
}

}  // namespace ts::resolver
