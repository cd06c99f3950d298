// Name: wire-format domain names, canonical ordering, and ldns-backed text conversion.
#include "common/name.h"

#include <ldns/ldns.h>

#include <array>
#include <memory>

namespace ts {
namespace {

constexpr size_t kMaxLabels = 128;

unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

// Offsets of each label's length byte; returns the label count (root label excluded).
size_t label_offsets(std::string_view w, std::array<uint8_t, kMaxLabels>& off) {
  size_t n = 0, i = 0;
  while (i < w.size() && w[i] != 0 && n < kMaxLabels) {
    off[n++] = static_cast<uint8_t>(i);
    i += 1 + static_cast<unsigned char>(w[i]);
  }
  return n;
}

}  // namespace

int canonical_compare(std::string_view a, std::string_view b) {
  std::array<uint8_t, kMaxLabels> oa, ob;
  size_t na = label_offsets(a, oa), nb = label_offsets(b, ob);
  while (na > 0 && nb > 0) {
    --na;
    --nb;
    size_t la = static_cast<unsigned char>(a[oa[na]]), lb = static_cast<unsigned char>(b[ob[nb]]);
    const char* pa = a.data() + oa[na] + 1;
    const char* pb = b.data() + ob[nb] + 1;
    size_t common = la < lb ? la : lb;
    for (size_t i = 0; i < common; ++i) {
      unsigned char ca = lower(pa[i]), cb = lower(pb[i]);
      if (ca != cb) return ca < cb ? -1 : 1;
    }
    if (la != lb) return la < lb ? -1 : 1;
  }
  if (na == nb) return 0;
  return na < nb ? -1 : 1;
}

std::strong_ordering operator<=>(const Name& a, const Name& b) {
  int c = canonical_compare(a.wire_, b.wire_);
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

bool operator==(const Name& a, const Name& b) {
  return a.wire_.size() == b.wire_.size() && canonical_compare(a.wire_, b.wire_) == 0;
}

Result<Name> Name::from_wire(std::string_view wire) {
  size_t i = 0;
  while (i < wire.size()) {
    unsigned char len = static_cast<unsigned char>(wire[i]);
    if (len == 0) {
      if (i + 1 != wire.size()) return fail("name has bytes after the root label");
      if (wire.size() > 255) return fail("name longer than 255 octets");
      return Name(std::string(wire));
    }
    if (len > 63) return fail("label longer than 63 octets or compressed");
    i += 1 + len;
  }
  return fail("name is not terminated by the root label");
}

Result<Name> Name::from_text(std::string_view text, const Name* origin) {
  std::string s(text);
  ldns_rdf* rdf = ldns_dname_new_frm_str(s.c_str());
  if (!rdf) return fail("invalid domain name '" + s + "'");
  std::unique_ptr<ldns_rdf, decltype(&ldns_rdf_deep_free)> guard(rdf, ldns_rdf_deep_free);
  std::string w(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
  bool absolute = !s.empty() && s.back() == '.' && !(s.size() >= 2 && s[s.size() - 2] == '\\');
  if (!absolute && origin && s != "@") {
    w.pop_back();  // drop root label
    w += origin->wire_;
  } else if (s == "@" && origin) {
    w = origin->wire_;
  }
  return from_wire(w);
}

std::string Name::to_text() const {
  ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire_.size(), wire_.data());
  if (!rdf) return "?";
  char* str = ldns_rdf2str(rdf);
  ldns_rdf_deep_free(rdf);
  std::string out = str ? str : "?";
  free(str);
  return out;
}

int Name::label_count() const {
  std::array<uint8_t, kMaxLabels> off;
  return static_cast<int>(label_offsets(wire_, off));
}

Name Name::parent() const {
  if (is_root()) return *this;
  size_t skip = 1 + static_cast<unsigned char>(wire_[0]);
  return Name(wire_.substr(skip));
}

Name Name::lowered() const {
  std::string w = wire_;
  for (auto& c : w) c = static_cast<char>(lower(static_cast<unsigned char>(c)));
  return Name(std::move(w));
}

bool Name::is_subdomain_of(const Name& other) const {
  if (other.wire_.size() > wire_.size()) return false;
  // Walk labels of this name until the remaining suffix has the other's length.
  size_t i = 0;
  while (wire_.size() - i > other.wire_.size()) i += 1 + static_cast<unsigned char>(wire_[i]);
  if (wire_.size() - i != other.wire_.size()) return false;
  return canonical_compare(std::string_view(wire_).substr(i), other.wire_) == 0;
}

Name Name::wildcard_child() const {
  return Name(std::string("\x01*", 2) + wire_);
}

Result<Name> Name::prepend(std::string_view label) const {
  if (label.empty() || label.size() > 63) return fail("label length out of range");
  std::string w;
  w.push_back(static_cast<char>(label.size()));
  w.append(label);
  w += wire_;
  return from_wire(w);
}

}  // namespace ts
