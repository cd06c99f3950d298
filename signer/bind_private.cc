// BIND private-key file text -> algorithm and decoded key fields.
#include "signer/bind_private.h"

#include <cctype>
#include <cstring>

namespace ts::signer {
namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool is_key_field(const std::string& k) {
  static const char* const kFields[] = {"Modulus",   "PublicExponent", "PrivateExponent",
                                        "Prime1",    "Prime2",         "Exponent1",
                                        "Exponent2", "Coefficient",    "PrivateKey"};
  for (const char* f : kFields)
    if (k == f) return true;
  return false;
}

}  // namespace

BindPrivateKey::~BindPrivateKey() {
  for (auto& [name, value] : fields)
    if (!value.empty()) ::explicit_bzero(value.data(), value.size());
}

const Bytes* BindPrivateKey::get(const std::string& name) const {
  auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

Result<BindPrivateKey> parse_bind_private(std::string_view text) {
  BindPrivateKey out;
  std::string format, alg_text;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (trim(line).empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return fail("line " + std::to_string(line_no) + ": expected 'Field: value'");
    std::string key = trim(line.substr(0, colon));
    if (key == "Private-key-format") {
      format = trim(line.substr(colon + 1));
    } else if (key == "Algorithm") {
      alg_text = trim(line.substr(colon + 1));
    } else if (is_key_field(key)) {
      auto v = base64_decode(line.substr(colon + 1));
      // The error names the field and line, never the value.
      if (!v) return fail("line " + std::to_string(line_no) + ": " + key + " is not base64");
      if (out.fields.count(key))
        return fail("line " + std::to_string(line_no) + ": " + key + " given twice");
      out.fields.emplace(key, std::move(*v));
    }  // other fields (Created, Publish, Activate, ...) carry timing only
  }
  if (format != "v1.2" && format != "v1.3")
    return fail("not a BIND private key (Private-key-format v1.2/v1.3 expected)");
  auto alg = algorithm_from_name(alg_text.substr(0, alg_text.find(' ')));
  if (!alg) return alg.error();
  out.algorithm = *alg;
  return out;
}

}  // namespace ts::signer
