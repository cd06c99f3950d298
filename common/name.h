// Domain names in uncompressed wire format (RFC 1035 3.1), case preserved as given, with
// the canonical ordering of RFC 4034 section 6.1. Text conversion goes through ldns.
//
//   auto n = Name::from_text("WWW.example.test.");   // Result<Name>
//   n->lowered() < Name::root();  n->is_subdomain_of(origin);  n->to_text();
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ts {

class Name {
 public:
  Name() : wire_(1, '\0') {}  // the root
  /// From wire bytes; `wire` must be a valid uncompressed name (checked).
  static Result<Name> from_wire(std::string_view wire);
  /// From presentation format; relative names are completed with `origin` if given.
  static Result<Name> from_text(std::string_view text, const Name* origin = nullptr);
  static Name root() { return Name(); }

  const std::string& wire() const { return wire_; }
  std::string to_text() const;
  /// Number of labels, not counting the root label.
  int label_count() const;
  /// The name with its first label removed; the root's parent is the root.
  Name parent() const;
  /// This name lowered to ASCII lower case (canonical form, RFC 4034 6.2).
  Name lowered() const;
  bool is_root() const { return wire_.size() == 1; }
  bool is_wildcard() const { return wire_.size() >= 2 && wire_[0] == 1 && wire_[1] == '*'; }
  /// True if this name equals `other` or is below it (case-insensitive).
  bool is_subdomain_of(const Name& other) const;
  /// "*.<this>"
  Name wildcard_child() const;
  /// Prepends a single label (raw bytes, 1..63 long).
  Result<Name> prepend(std::string_view label) const;

  /// Canonical order (RFC 4034 6.1); case-insensitive.
  friend std::strong_ordering operator<=>(const Name& a, const Name& b);
  friend bool operator==(const Name& a, const Name& b);

 private:
  explicit Name(std::string wire) : wire_(std::move(wire)) {}
  std::string wire_;
};

/// RFC 4034 6.1 canonical comparison of two wire-format names: <0, 0, >0.
int canonical_compare(std::string_view a, std::string_view b);

}  // namespace ts
