// Key files (metadata + PKCS#8 in one file) and the key-directory reader: see key_file.h.
#include "signer/key_file.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "common/atomic_file.h"

namespace ts::signer {

namespace {

constexpr std::string_view kPemSuffix = ".private.pem";
constexpr std::string_view kMetaSuffix = ".meta";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

/// The metadata of the file `path` (named for key `id`) in layout 2, nullopt without any (or
/// when the file went meanwhile). Reads only the first kMetaPrefix bytes, with no secret-file
/// checks: the metadata is not secret, the private key is read (and checked) by load_private;
/// the buffer is cleansed as it may hold the start of the key.
Result<std::optional<KeyMeta>> meta_of_key_file(const std::string& path, const std::string& id) {
  constexpr size_t kMetaPrefix = 4096;
  auto buf = read_file_prefix(path, kMetaPrefix);
  if (!buf) return buf.error();
  if (!*buf) return std::optional<KeyMeta>{};  // gone meanwhile
  SecretString prefix(std::move(**buf));       // cleansed when it goes
  KeyFileParts parts = split_key_file(prefix.str());
  if (parts.meta.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return std::optional<KeyMeta>{};
  if (parts.pem.empty()) return fail(path + ": key metadata without a private key");
  auto m = parse_key_meta(parts.meta, path);
  if (!m) return m.error();
  if (m->id != id) return fail(path + ": id '" + m->id + "' does not match the file name");
  return std::optional<KeyMeta>(std::move(*m));
}

/// The metadata of the `.meta` file `path` (layout 1) of key `id`.
Result<KeyMeta> meta_of_meta_file(const std::string& path, const std::string& id) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto m = parse_key_meta(*text, path);
  if (!m) return m.error();
  if (m->id != id) return fail(path + ": id '" + m->id + "' does not match the file name");
  return m;
}

}  // namespace

KeyFileParts split_key_file(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {  // the PEM block starts at the beginning of a line
    if (text.compare(at, 10, "-----BEGIN") == 0) return {text.substr(0, at), text.substr(at)};
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  return {text, {}};
}

SecretString format_key_file(const KeyMeta& meta, std::string_view pem) {
  std::string text = "# trustsync key: its metadata, then its private key (PKCS#8)\n";
  std::string lines = format_key_meta(meta);
  // format_key_meta's own comment names the separate private file of the old layout.
  size_t first = lines.find('\n');
  text.append(lines, first == std::string::npos ? lines.size() : first + 1);
  text.append(pem);
  return SecretString(std::move(text));
}

Result<std::optional<KeyMeta>> read_key_meta(const std::string& dir, const std::string& id) {
  std::string meta_path = dir + "/" + id + std::string(kMetaSuffix);
  if (file_exists(meta_path)) {
    auto m = meta_of_meta_file(meta_path, id);
    if (!m) return m.error();
    return std::optional<KeyMeta>(std::move(*m));
  }
  std::string pem_path = dir + "/" + id + std::string(kPemSuffix);
  if (!file_exists(pem_path)) return std::optional<KeyMeta>{};
  return meta_of_key_file(pem_path, id);
}

Result<std::vector<KeyMeta>> read_key_directory(const std::string& dir,
                                                std::vector<Error>* skipped) {
  std::vector<KeyMeta> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) {
    if (errno == ENOENT) return out;  // no key directory yet: no keys
    return fail(dir + ": cannot read key directory: " + std::strerror(errno));
  }
  std::map<std::string, bool> ids;  // id -> has a `.meta` file (layout 1)
  while (dirent* e = ::readdir(d.get())) {
    std::string_view n = e->d_name;
    if (ends_with(n, kMetaSuffix))
      ids[std::string(n.substr(0, n.size() - kMetaSuffix.size()))] = true;
    else if (ends_with(n, kPemSuffix))
      ids.try_emplace(std::string(n.substr(0, n.size() - kPemSuffix.size())), false);
  }
  for (const auto& [id, layout1] : ids) {
    Result<std::optional<KeyMeta>> m = std::optional<KeyMeta>{};
    if (layout1) {
      auto one = meta_of_meta_file(dir + "/" + id + std::string(kMetaSuffix), id);
      if (one)
        m = std::optional<KeyMeta>(std::move(*one));
      else
        m = one.error();
    } else {
      m = meta_of_key_file(dir + "/" + id + std::string(kPemSuffix), id);
    }
    if (!m) {
      if (!skipped) return m.error();
      skipped->push_back(m.error());
      continue;
    }
    if (*m) out.push_back(std::move(**m));
  }
  return out;
}

}  // namespace ts::signer
