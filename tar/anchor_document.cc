// RFC 9718 trust-anchor documents: generation, XML writing and libxml2 parsing, checks.
#include "tar/anchor_document.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <map>
#include <memory>
#include <tuple>

namespace ts::tar {
namespace {

std::string hex_upper(std::span<const uint8_t> b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  for (uint8_t c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

Result<Bytes> parse_hex(std::string_view s) {
  std::string clean;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
  if (clean.empty() || clean.size() % 2) return fail("digest: odd or empty hex string");
  Bytes out;
  for (size_t i = 0; i < clean.size(); i += 2) {
    uint8_t v = 0;
    auto r = std::from_chars(clean.data() + i, clean.data() + i + 2, v, 16);
    if (r.ec != std::errc() || r.ptr != clean.data() + i + 2)
      return fail("digest: not hex: " + clean.substr(i, 2));
    out.push_back(v);
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&apos;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

template <typename T>
Result<T> parse_uint(std::string_view s, const char* what) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  T v{};
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
    return fail(std::string(what) + ": not a number in range: '" + std::string(s) + "'");
  return v;
}

struct XmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

std::string node_text(xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  std::string s = c ? reinterpret_cast<const char*>(c) : "";
  xmlFree(c);
  return s;
}

std::optional<std::string> attr(xmlNode* n, const char* name) {
  xmlChar* c = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!c) return std::nullopt;
  std::string s = reinterpret_cast<const char*>(c);
  xmlFree(c);
  return s;
}

bool is(xmlNode* n, const char* name) {
  return xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

Result<KeyDigest> parse_key_digest(xmlNode* kd) {
  KeyDigest k;
  auto id = attr(kd, "id");
  auto from = attr(kd, "validFrom");
  if (!id || !from) return fail("KeyDigest: id and validFrom are required");
  k.id = *id;
  auto vf = parse_datetime(*from);
  if (!vf) return fail("KeyDigest " + k.id + ": validFrom: " + vf.error().message);
  k.valid_from = *vf;
  if (auto until = attr(kd, "validUntil")) {
    auto vu = parse_datetime(*until);
    if (!vu) return fail("KeyDigest " + k.id + ": validUntil: " + vu.error().message);
    k.valid_until = *vu;
  }
  bool tag = false, alg = false, dt = false, dg = false;
  for (xmlNode* c = kd->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    std::string text = node_text(c);
    std::string where = "KeyDigest " + k.id + ": ";
    if (is(c, "KeyTag")) {
      auto v = parse_uint<uint16_t>(text, "KeyTag");
      if (!v) return fail(where + v.error().message);
      k.key_tag = *v, tag = true;
    } else if (is(c, "Algorithm")) {
      auto v = parse_uint<uint8_t>(text, "Algorithm");
      if (!v) return fail(where + v.error().message);
      k.algorithm = *v, alg = true;
    } else if (is(c, "DigestType")) {
      auto v = parse_uint<uint8_t>(text, "DigestType");
      if (!v) return fail(where + v.error().message);
      k.digest_type = *v, dt = true;
    } else if (is(c, "Digest")) {
      auto v = parse_hex(text);
      if (!v) return fail(where + v.error().message);
      k.digest = *v, dg = true;
    } else if (is(c, "PublicKey")) {
      std::string b64;
      for (char ch : text)
        if (!std::isspace(static_cast<unsigned char>(ch))) b64 += ch;
      auto v = signer::base64_decode(b64);
      if (!v) return fail(where + "PublicKey: " + v.error().message);
      k.public_key = *v;
    } else if (is(c, "Flags")) {
      auto v = parse_uint<uint16_t>(text, "Flags");
      if (!v) return fail(where + v.error().message);
      k.flags = *v;
    } else {
      return fail(where + "unknown element <" + reinterpret_cast<const char*>(c->name) + ">");
    }
  }
  if (!tag || !alg || !dt || !dg)
    return fail("KeyDigest " + k.id + ": KeyTag, Algorithm, DigestType and Digest are required");
  return k;
}

std::tuple<uint16_t, uint8_t, uint8_t> key_of(const KeyDigest& k) {
  return {k.key_tag, k.algorithm, k.digest_type};
}

std::string key_name(const KeyDigest& k) {
  return "key " + std::to_string(k.key_tag) + "/alg " + std::to_string(k.algorithm) +
         "/digest type " + std::to_string(k.digest_type);
}

std::string opt_time(const std::optional<UnixTime>& t) {
  return t ? format_datetime(*t) : std::string("(none)");
}

}  // namespace

bool KeyDigest::valid_at(UnixTime t) const {
  return valid_from <= t && (!valid_until || t < *valid_until);
}

std::string format_datetime(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return buf;
}

Result<UnixTime> parse_datetime(std::string_view text) {
  std::string s(text);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || s.size() < 19) return fail("not an xsd:dateTime: '" + s + "'");
  std::string_view rest(end);
  if (!rest.empty() && rest.front() == '.') {  // fractional seconds: ignored
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())))
      rest.remove_prefix(1);
  }
  int64_t offset = 0;
  if (rest == "Z" || rest.empty()) {
    // UTC (a missing zone is taken as UTC, as validators do)
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    auto h = parse_uint<int>(rest.substr(1, 2), "offset hours");
    auto m = parse_uint<int>(rest.substr(4, 2), "offset minutes");
    if (!h || !m || *h > 14 || *m > 59) return fail("bad time zone offset in '" + s + "'");
    offset = (*h * 3600 + *m * 60) * (rest[0] == '+' ? 1 : -1);
  } else {
    return fail("bad time zone in '" + s + "'");
  }
  return static_cast<UnixTime>(timegm(&tm)) - offset;
}

Result<AnchorDocument> make_document(const Name& zone, std::span<const AnchorKey> keys,
                                     signer::DigestType digest_type, std::string source) {
  AnchorDocument doc;
  doc.zone = zone;
  doc.source = std::move(source);
  doc.id = "trustsync:" + zone.lowered().to_text();
  for (const AnchorKey& a : keys) {
    signer::Dnskey k = a.dnskey;
    k.flags &= static_cast<uint16_t>(~signer::kFlagRevoke);
    Bytes rdata = signer::dnskey_rdata(k);
    auto ds = signer::make_ds(zone, rdata, digest_type);
    if (!ds) return ds.error();
    KeyDigest kd;
    kd.key_tag = ds->key_tag;
    kd.algorithm = static_cast<uint8_t>(ds->algorithm);
    kd.digest_type = ds->digest_type;
    kd.digest = ds->digest;
    kd.valid_from = a.valid_from;
    kd.valid_until = a.valid_until;
    kd.public_key = k.public_key;
    kd.flags = k.flags;
    kd.id = "k" + std::to_string(kd.key_tag) + "-" + std::to_string(kd.algorithm) + "-" +
            hex_upper(std::span(kd.digest).first(std::min<size_t>(4, kd.digest.size())));
    doc.keys.push_back(std::move(kd));
  }
  return doc;
}

std::string to_xml(const AnchorDocument& doc) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x +=
      "<TrustAnchor id=\"" + xml_escape(doc.id) + "\" source=\"" + xml_escape(doc.source) + "\">\n";
  x += "<Zone>" + xml_escape(doc.zone.to_text()) + "</Zone>\n";
  for (const KeyDigest& k : doc.keys) {
    x += "<KeyDigest id=\"" + xml_escape(k.id) + "\" validFrom=\"" + format_datetime(k.valid_from) +
         "\"";
    if (k.valid_until) x += " validUntil=\"" + format_datetime(*k.valid_until) + "\"";
    x += ">\n";
    x += "<KeyTag>" + std::to_string(k.key_tag) + "</KeyTag>\n";
    x += "<Algorithm>" + std::to_string(k.algorithm) + "</Algorithm>\n";
    x += "<DigestType>" + std::to_string(k.digest_type) + "</DigestType>\n";
    x += "<Digest>" + hex_upper(k.digest) + "</Digest>\n";
    if (k.public_key) x += "<PublicKey>" + signer::base64_encode(*k.public_key) + "</PublicKey>\n";
    if (k.flags) x += "<Flags>" + std::to_string(*k.flags) + "</Flags>\n";
    x += "</KeyDigest>\n";
  }
  x += "</TrustAnchor>\n";
  return x;
}

Result<AnchorDocument> parse_xml(std::string_view xml) {
  std::unique_ptr<xmlDoc, XmlDocFree> d(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "anchor.xml", nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!d) {
    const xmlError* e = xmlGetLastError();
    return fail(std::string("trust-anchor XML does not parse") +
                (e && e->message ? ": " + std::string(e->message) : ""));
  }
  xmlNode* root = xmlDocGetRootElement(d.get());
  if (!root || !is(root, "TrustAnchor")) return fail("root element is not <TrustAnchor>");
  AnchorDocument doc;
  doc.id = attr(root, "id").value_or("");
  doc.source = attr(root, "source").value_or("");
  bool have_zone = false;
  for (xmlNode* c = root->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (is(c, "Zone")) {
      std::string z = node_text(c);
      while (!z.empty() && std::isspace(static_cast<unsigned char>(z.back()))) z.pop_back();
      auto n = Name::from_text(z);
      if (!n) return fail("<Zone>: " + n.error().message);
      doc.zone = *n, have_zone = true;
    } else if (is(c, "KeyDigest")) {
      auto k = parse_key_digest(c);
      if (!k) return k.error();
      doc.keys.push_back(std::move(*k));
    } else {
      return fail(std::string("unknown element <") + reinterpret_cast<const char*>(c->name) +
                  "> in <TrustAnchor>");
    }
  }
  if (!have_zone) return fail("<TrustAnchor> has no <Zone>");
  if (doc.keys.empty()) return fail("<TrustAnchor> has no <KeyDigest>");
  return doc;
}

const char* problem_kind_name(DocumentProblem::Kind kind) {
  switch (kind) {
    case DocumentProblem::Kind::ZoneMismatch:
      return "zone-mismatch";
    case DocumentProblem::Kind::MissingKey:
      return "missing-key";
    case DocumentProblem::Kind::ExtraKey:
      return "extra-key";
    case DocumentProblem::Kind::DigestMismatch:
      return "digest-mismatch";
    case DocumentProblem::Kind::ValidityMismatch:
      return "validity-mismatch";
  }
  return "?";
}

std::vector<DocumentProblem> check_document(const AnchorDocument& doc) {
  std::vector<DocumentProblem> out;
  for (const KeyDigest& k : doc.keys) {
    if (!k.public_key) continue;
    signer::Dnskey key;
    key.flags = k.flags.value_or(signer::kFlagsKsk);
    key.algorithm = static_cast<signer::Algorithm>(k.algorithm);
    key.public_key = *k.public_key;
    Bytes rdata = signer::dnskey_rdata(key);
    signer::Ds ds{k.key_tag, key.algorithm, k.digest_type, k.digest};
    if (!signer::ds_matches(ds, doc.zone, rdata))
      out.push_back({DocumentProblem::Kind::DigestMismatch,
                     key_name(k) + ": digest or tag does not match its PublicKey"});
  }
  return out;
}

std::vector<DocumentProblem> compare_documents(const AnchorDocument& expected,
                                               const AnchorDocument& actual) {
  using K = DocumentProblem::Kind;
  std::vector<DocumentProblem> out;
  if (!(expected.zone == actual.zone))
    out.push_back({K::ZoneMismatch,
                   "zone " + actual.zone.to_text() + " instead of " + expected.zone.to_text()});
  std::map<std::tuple<uint16_t, uint8_t, uint8_t>, const KeyDigest*> have;
  for (const KeyDigest& k : actual.keys) have[key_of(k)] = &k;
  for (const KeyDigest& e : expected.keys) {
    auto it = have.find(key_of(e));
    if (it == have.end()) {
      out.push_back({K::MissingKey, key_name(e) + " is missing"});
      continue;
    }
    const KeyDigest& a = *it->second;
    if (a.digest != e.digest || (a.public_key && e.public_key && a.public_key != e.public_key))
      out.push_back({K::DigestMismatch, key_name(e) + ": digest or public key differs"});
    if (a.valid_from != e.valid_from || a.valid_until != e.valid_until)
      out.push_back({K::ValidityMismatch, key_name(e) + ": valid " + format_datetime(a.valid_from) +
                                              " .. " + opt_time(a.valid_until) + ", expected " +
                                              format_datetime(e.valid_from) + " .. " +
                                              opt_time(e.valid_until)});
    have.erase(it);
  }
  for (const auto& [key, k] : have) out.push_back({K::ExtraKey, key_name(*k) + " is unexpected"});
  for (auto& p : check_document(actual)) out.push_back(std::move(p));
  return out;
}

std::string describe_problems(const std::vector<DocumentProblem>& problems) {
  std::string s;
  for (const auto& p : problems) {
    if (!s.empty()) s += "; ";
    s += std::string(problem_kind_name(p.kind)) + ": " + p.detail;
  }
  return s;
}

Result<std::string> ds_presentation(const AnchorDocument& doc, UnixTime t, uint32_t ttl) {
  std::string out;
  for (const KeyDigest& k : doc.keys) {
    if (!k.valid_at(t)) continue;
    signer::Ds ds{k.key_tag, static_cast<signer::Algorithm>(k.algorithm), k.digest_type, k.digest};
    auto line = signer::rr_to_text(doc.zone, ttl, signer::kTypeDs, signer::ds_rdata(ds));
    if (!line) return line.error();
    out += *line + "\n";
  }
  return out;
}

Result<std::string> dnskey_presentation(const AnchorDocument& doc, UnixTime t, uint32_t ttl) {
  std::string out;
  for (const KeyDigest& k : doc.keys) {
    if (!k.valid_at(t) || !k.public_key) continue;
    signer::Dnskey key{k.flags.value_or(signer::kFlagsKsk),
                       static_cast<signer::Algorithm>(k.algorithm), *k.public_key};
    auto line = signer::rr_to_text(doc.zone, ttl, signer::kTypeDnskey, signer::dnskey_rdata(key));
    if (!line) return line.error();
    out += *line + "\n";
  }
  return out;
}

}  // namespace ts::tar
