// RRSIG signing input and RRSIG rdata assembly (RFC 4034 3.1.8.1, 6.2, 6.3; RFC 4035 5.3.2).
#include "signer/signing_input.h"

#include <algorithm>
#include <cstring>

namespace ts::signer {
namespace {

void put16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void put32(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

uint8_t lower(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c;
}

// Appends wire name `w` lowered; length bytes are never letters (labels are <= 63 long).
void put_name_lowered(Bytes& out, const std::string& w) {
  for (char c : w) out.push_back(lower(static_cast<uint8_t>(c)));
}

}  // namespace

bool canonical_rdata_less(const Bytes& a, const Bytes& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

uint8_t rrsig_labels(const Name& owner) {
  int n = owner.label_count();
  if (owner.is_wildcard()) --n;
  return static_cast<uint8_t>(n);
}

void append_rrsig_prefix(const RrsigFields& f, Bytes& out) {
  put16(out, f.type_covered);
  out.push_back(f.algorithm);
  out.push_back(f.labels);
  put32(out, f.original_ttl);
  put32(out, f.expiration);
  put32(out, f.inception);
  put16(out, f.key_tag);
  put_name_lowered(out, f.signer.wire());
}

void build_signing_input(const RrsigFields& f, const Name& owner, uint16_t klass,
                         std::span<const Bytes> rdatas, Bytes& out) {
  out.clear();
  append_rrsig_prefix(f, out);

  // The owner as it appears in each RR, lowered; "*." + last `labels` labels if expanded.
  Bytes owner_wire;
  const std::string& w = owner.wire();
  int count = owner.label_count();
  if (f.labels < count) {
    size_t i = 0;
    for (int skip = count - f.labels; skip > 0; --skip) i += 1 + static_cast<uint8_t>(w[i]);
    owner_wire.push_back(1);
    owner_wire.push_back('*');
    for (; i < w.size(); ++i) owner_wire.push_back(lower(static_cast<uint8_t>(w[i])));
  } else {
    put_name_lowered(owner_wire, w);
  }

  // Canonical order of the rdatas; the zone model keeps them sorted, so this is a check.
  bool sorted = true;
  for (size_t i = 1; i < rdatas.size() && sorted; ++i)
    sorted = canonical_rdata_less(rdatas[i - 1], rdatas[i]);
  std::vector<const Bytes*> order;
  if (!sorted) {
    order.reserve(rdatas.size());
    for (const auto& r : rdatas) order.push_back(&r);
    std::sort(order.begin(), order.end(),
              [](const Bytes* a, const Bytes* b) { return canonical_rdata_less(*a, *b); });
    order.erase(std::unique(order.begin(), order.end(),
                            [](const Bytes* a, const Bytes* b) { return *a == *b; }),
                order.end());
  }
  size_t n = sorted ? rdatas.size() : order.size();
  for (size_t i = 0; i < n; ++i) {
    const Bytes& rd = sorted ? rdatas[i] : *order[i];
    out.insert(out.end(), owner_wire.begin(), owner_wire.end());
    put16(out, f.type_covered);
    put16(out, klass);
    put32(out, f.original_ttl);
    put16(out, static_cast<uint16_t>(rd.size()));
    out.insert(out.end(), rd.begin(), rd.end());
  }
}

Bytes assemble_rrsig(const RrsigFields& f, std::span<const uint8_t> signature) {
  Bytes out;
  out.reserve(18 + f.signer.wire().size() + signature.size());
  append_rrsig_prefix(f, out);
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

bool parse_rrsig_fields(const Bytes& r, RrsigFields& f) {
  if (r.size() < 19) return false;
  auto g16 = [&](size_t i) { return static_cast<uint16_t>(r[i] << 8 | r[i + 1]); };
  auto g32 = [&](size_t i) {
    return static_cast<uint32_t>(r[i]) << 24 | static_cast<uint32_t>(r[i + 1]) << 16 |
           static_cast<uint32_t>(r[i + 2]) << 8 | r[i + 3];
  };
  f.type_covered = g16(0);
  f.algorithm = r[2];
  f.labels = r[3];
  f.original_ttl = g32(4);
  f.expiration = g32(8);
  f.inception = g32(12);
  f.key_tag = g16(16);
  size_t i = 18;
  while (i < r.size() && r[i] != 0) i += 1 + r[i];
  if (i >= r.size()) return false;
  auto name =
      Name::from_wire(std::string_view(reinterpret_cast<const char*>(r.data()) + 18, i + 1 - 18));
  if (!name) return false;
  f.signer = *name;
  return true;
}

}  // namespace ts::signer
