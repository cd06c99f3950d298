// FileKeyStore: PKCS#8 private keys (0600, O_EXCL) plus "key: value" metadata files in one
// directory (0700). Key roles and the metadata format live here too.
#include "signer/keystore.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/atomic_file.h"
#include "signer/dnssec_records.h"
#include "signer/key_file.h"
#include "signer/secret_file.h"

namespace ts::signer {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<uint64_t> parse_number(const std::string& v, uint64_t max, const std::string& where) {
  if (v.empty() || !std::all_of(v.begin(), v.end(), ::isdigit))
    return fail(where + ": '" + v + "' is not a number");
  // from_chars, not stoull: a 20-digit value above 2^64 must be an error, not an exception.
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n > max)
    return fail(where + ": " + v + " is out of range");
  return n;
}

/// Characters allowed in a key id (also a file name): the origin text may hold others.
std::string id_safe(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (std::isalnum(u) || c == '.' || c == '-' || c == '_') ? c : '_';
  }
  return out;
}

std::string base_id(const Name& origin, Algorithm alg, uint16_t tag) {
  char num[16];
  std::snprintf(num, sizeof num, "+%03u+%05u", static_cast<unsigned>(alg),
                static_cast<unsigned>(tag));
  return "K" + id_safe(lower(origin.lowered().to_text())) + num;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

// ---- roles ---------------------------------------------------------------------------

std::string_view key_role_name(KeyRole role) {
  switch (role) {
    case KeyRole::KSK:
      return "ksk";
    case KeyRole::ZSK:
      return "zsk";
    case KeyRole::CSK:
      return "csk";
  }
  return "?";
}

Result<KeyRole> key_role_from_name(std::string_view name) {
  std::string n = lower(name);
  for (KeyRole r : {KeyRole::KSK, KeyRole::ZSK, KeyRole::CSK})
    if (n == key_role_name(r)) return r;
  return fail("unknown key role '" + std::string(name) + "' (expected ksk, zsk or csk)");
}

uint16_t key_role_flags(KeyRole role) {
  return role == KeyRole::ZSK ? kFlagsZsk : kFlagsKsk;
}

Bytes dnskey_rdata(const KeyMeta& meta) {
  return dnskey_rdata(Dnskey{meta.flags, meta.algorithm, meta.public_key});
}

KeyStore::~KeyStore() = default;

// ---- metadata format -----------------------------------------------------------------

std::string format_key_meta(const KeyMeta& m) {
  std::string out = "# trustsync key metadata; the private key is in " + m.id + ".private.pem\n";
  out += "id: " + m.id + "\n";
  out += "origin: " + m.origin.to_text() + "\n";
  out += "algorithm: " + algorithm_name(m.algorithm) + "\n";
  out += "bits: " + std::to_string(m.bits) + "\n";
  out += "role: " + std::string(key_role_name(m.role)) + "\n";
  out += "flags: " + std::to_string(m.flags) + "\n";
  out += "tag: " + std::to_string(m.tag) + "\n";
  out += "created: " + std::to_string(m.created) + "\n";
  out += "public-key: " + base64_encode(m.public_key) + "\n";
  return out;
}

Result<KeyMeta> parse_key_meta(std::string_view text, const std::string& source) {
  KeyMeta m;
  unsigned seen = 0;
  enum : unsigned {
    kId = 1,
    kOrigin = 2,
    kAlg = 4,
    kBits = 8,
    kRole = 16,
    kFlags = 32,
    kTag = 64,
    kCreated = 128,
    kPub = 256,
    kAll = 511
  };
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    std::string where = source + ":" + std::to_string(line_no);
    size_t colon = line.find(':');
    if (colon == std::string::npos) return fail(where + ": expected 'key: value'");
    std::string key = trim(std::string_view(line).substr(0, colon));
    std::string val = trim(std::string_view(line).substr(colon + 1));
    if (key == "id") {
      m.id = val;
      seen |= kId;
    } else if (key == "origin") {
      auto n = Name::from_text(val);
      if (!n) return fail(where + ": " + n.error().message);
      m.origin = *n;
      seen |= kOrigin;
    } else if (key == "algorithm") {
      auto a = algorithm_from_name(val);
      if (!a) return fail(where + ": " + a.error().message);
      m.algorithm = *a;
      seen |= kAlg;
    } else if (key == "bits") {
      auto v = parse_number(val, 65535, where);
      if (!v) return v.error();
      m.bits = static_cast<unsigned>(*v);
      seen |= kBits;
    } else if (key == "role") {
      auto r = key_role_from_name(val);
      if (!r) return fail(where + ": " + r.error().message);
      m.role = *r;
      seen |= kRole;
    } else if (key == "flags" || key == "tag") {
      auto v = parse_number(val, 65535, where);
      if (!v) return v.error();
      (key == "flags" ? m.flags : m.tag) = static_cast<uint16_t>(*v);
      seen |= key == "flags" ? kFlags : kTag;
    } else if (key == "created") {
      auto v = parse_number(val, uint64_t{1} << 62, where);
      if (!v) return v.error();
      m.created = static_cast<UnixTime>(*v);
      seen |= kCreated;
    } else if (key == "public-key") {
      auto b = base64_decode(val);
      if (!b) return fail(where + ": public-key: " + b.error().message);
      m.public_key = std::move(*b);
      seen |= kPub;
    }  // unknown keys are ignored (newer versions may add fields)
  }
  if (seen != kAll) return fail(source + ": incomplete key metadata");
  if (key_tag(dnskey_rdata(m)) != m.tag)
    return fail(source + ": tag " + std::to_string(m.tag) + " does not match the public key");
  return m;
}

// ---- FileKeyStore --------------------------------------------------------------------

FileKeyStore::FileKeyStore(std::string dir) : dir_(std::move(dir)) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

std::string FileKeyStore::private_path(const std::string& id) const {
  return dir_ + "/" + id + ".private.pem";
}

std::string FileKeyStore::meta_path(const std::string& id) const {
  return dir_ + "/" + id + ".meta";
}

Result<std::vector<KeyMeta>> FileKeyStore::list(const Name& origin) const {
  auto all = read_key_directory(dir_);
  if (!all) return all.error();
  std::vector<KeyMeta> out;
  for (auto& m : *all)
    if (m.origin == origin) out.push_back(std::move(m));
  std::sort(out.begin(), out.end(), [](const KeyMeta& a, const KeyMeta& b) {
    return a.tag != b.tag ? a.tag < b.tag : a.id < b.id;
  });
  return out;
}

Result<std::optional<KeyMeta>> FileKeyStore::meta(const std::string& id) const {
  return read_key_meta(dir_, id);
}

Result<PrivateKey> FileKeyStore::load_private(const KeyMeta& meta) const {
  std::string path = private_path(meta.id);
  auto pem = read_secret_file(path, SecretFileRules::kOwnerOnly);
  if (!pem) return pem.error();
  KeyFileParts parts = split_key_file(pem->str());  // skips the metadata lines, if any
  auto key = PrivateKey::from_pkcs8_pem(parts.pem, meta.algorithm);
  if (!key) return fail(path + ": " + key.error().message);
  if (key->public_key() != meta.public_key)
    return fail(path + ": private key does not match the public key of key " + meta.id);
  return key;
}

Result<KeyMeta> FileKeyStore::add(const Name& origin, KeyRole role, const PrivateKey& key,
                                  UnixTime created) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
    return fail(dir_ + ": cannot create key directory: " + errno_text());
  KeyMeta m;
  m.origin = origin.lowered();  // stored and printed in canonical (lower) case
  m.algorithm = key.algorithm();
  m.bits = key.bits();
  m.role = role;
  m.flags = key_role_flags(role);
  m.public_key = key.public_key();
  m.tag = key_tag(dnskey_rdata(m));
  m.created = created;

  auto pem = key.to_pkcs8_pem();
  if (!pem) return pem.error();
  std::string base = base_id(origin, m.algorithm, m.tag);
  // One file (metadata + private key), written whole and durable under a temporary name and
  // then renamed to its id without replacing anything: the rename claims the id; on a clash
  // take a random suffix. A key file is never overwritten.
  static const char* kHex = "0123456789abcdef";
  auto hex = [](size_t n) {
    std::string h;
    for (uint8_t b : random_bytes(n)) (h += kHex[b >> 4]) += kHex[b & 15];
    return h;
  };
  for (int attempt = 0;; ++attempt) {
    m.id = base;
    if (attempt > 0) m.id += '-' + hex(3);
    if (exists(meta_path(m.id)) || exists(private_path(m.id))) {
      if (attempt >= 8) return fail(private_path(m.id) + ": no free key id");
      continue;
    }
    // Not the daemon's `.tmp-<8 hex>`: its start removes those as uncommitted.
    std::string tmp = private_path(m.id) + ".add-" + hex(4);
    if (Status s = write_new_secret_file(tmp, format_key_file(m, pem->str()).str()); !s)
      return s.error();
    auto placed = rename_no_replace(tmp, private_path(m.id));
    if (placed && *placed) break;
    ::unlink(tmp.c_str());
    if (!placed) return placed.error();
    if (attempt >= 8) return fail(private_path(m.id) + ": no free key id");
  }
  if (Status s = fsync_directory(dir_); !s) return s.error();
  return m;
}

Status FileKeyStore::remove(const KeyMeta& meta) {
  if (::unlink(meta_path(meta.id).c_str()) != 0 && errno != ENOENT)
    return fail(meta_path(meta.id) + ": cannot remove: " + errno_text());
  if (::unlink(private_path(meta.id).c_str()) != 0 && errno != ENOENT)
    return fail(private_path(meta.id) + ": cannot remove: " + errno_text());
  return {};
}

}  // namespace ts::signer
