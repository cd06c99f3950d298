// Import of BIND key pairs (K<zone>+<alg>+<tag>.key / .private, as written by
// dnssec-keygen) into a KeyStore, so operators can adopt existing keys.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/atomic_file.h"
#include "signer/dnssec_records.h"
#include "signer/keystore.h"

namespace ts::signer {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

/// BIND timestamp YYYYMMDDHHMMSS (UTC) -> UNIX time; nullopt if malformed.
std::optional<UnixTime> parse_bind_time(std::string_view s) {
  if (s.size() < 14) return std::nullopt;
  for (size_t i = 0; i < 14; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(s.substr(pos, len))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(8, 2);
  tm.tm_min = num(10, 2);
  tm.tm_sec = num(12, 2);
  return static_cast<UnixTime>(::timegm(&tm));  // a pure conversion, not the clock
}

/// The value of a "Created: ..." field (private file) or "; Created: ..." comment (.key).
std::optional<UnixTime> find_created(std::string_view text) {
  size_t pos = 0;
  while ((pos = text.find("Created:", pos)) != std::string_view::npos) {
    bool line_start = pos == 0 || text[pos - 1] == '\n' ||
                      (pos >= 2 && text[pos - 1] == ' ' && text[pos - 2] == ';');
    pos += 8;
    if (!line_start) continue;
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (auto t = parse_bind_time(text.substr(pos))) return t;
  }
  return std::nullopt;
}

/// Reads the .private file into cleansed memory (it holds the key in clear).
Result<SecretString> read_private(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
    ::close(fd);
    return fail(path + ": not a BIND private key file");
  }
  std::string buf(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  SecretString out(std::move(buf));
  if (done != out.str().size()) return fail(path + ": short read");
  return out;
}

}  // namespace

Result<KeyMeta> import_bind_key(KeyStore& store, const std::string& key_file_path,
                                std::optional<KeyRole> role_override) {
  std::string base = key_file_path;
  if (ends_with(base, ".key"))
    base.resize(base.size() - 4);
  else if (ends_with(base, ".private"))
    base.resize(base.size() - 8);
  std::string key_path = base + ".key", private_path = base + ".private";

  auto key_text = read_file(key_path);
  if (!key_text) return key_text.error();
  std::optional<TextRr> dnskey;
  size_t line_no = 0;
  for (std::string_view rest = *key_text; !rest.empty();) {
    ++line_no;
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == ';') continue;
    auto rr = rr_from_text(line);
    if (!rr) return fail(key_path + ":" + std::to_string(line_no) + ": " + rr.error().message);
    if (rr->type != kTypeDnskey)
      return fail(key_path + ":" + std::to_string(line_no) + ": not a DNSKEY record");
    dnskey = std::move(*rr);
    break;
  }
  if (!dnskey) return fail(key_path + ": no DNSKEY record");
  auto fields = parse_dnskey_rdata(dnskey->rdata);
  if (!fields) return fail(key_path + ": " + fields.error().message);
  if (fields->is_revoked()) return fail(key_path + ": the key is revoked; not importing it");
  if (fields->flags != kFlagsKsk && fields->flags != kFlagsZsk)
    return fail(key_path + ": DNSKEY flags " + std::to_string(fields->flags) +
                " are neither 257 (KSK) nor 256 (ZSK)");

  auto private_text = read_private(private_path);
  if (!private_text) return private_text.error();
  auto key = PrivateKey::from_bind_private(private_text->str());
  if (!key) return fail(private_path + ": " + key.error().message);
  if (key->algorithm() != fields->algorithm)
    return fail(private_path + ": algorithm differs from " + key_path);
  if (key->public_key() != fields->public_key)
    return fail(private_path + ": private key does not belong to the DNSKEY in " + key_path);

  UnixTime created = 0;
  if (auto t = find_created(private_text->str()))
    created = *t;
  else if (auto t2 = find_created(*key_text))
    created = *t2;
  KeyRole role = fields->is_sep() ? KeyRole::KSK : KeyRole::ZSK;
  if (role_override) {
    if (key_role_flags(*role_override) != fields->flags)
      return fail(key_path + ": DNSKEY flags " + std::to_string(fields->flags) +
                  " do not fit role " + std::string(key_role_name(*role_override)));
    role = *role_override;
  }
  return store.add(dnskey->owner, role, *key, created);
}

}  // namespace ts::signer
