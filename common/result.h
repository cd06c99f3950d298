// Result<T>: the value of an operation that can fail in an expected way (file missing,
// server refused, DS absent). Failures carry a human-readable message that names the
// file/line or server involved. Exceptions are kept for broken invariants only.
//
//   Result<Zone> z = load_zone(path);
//   if (!z) { std::cerr << z.error().message; return 1; }
//   use(*z);
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ts {

/// An expected failure: what went wrong, in words that name the input at fault.
struct Error {
  std::string message;
};

/// Builds an Error; `return fail("zone.db:12: no SOA");`
inline Error fail(std::string message) {
  return Error{std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

/// Result of an operation that returns nothing on success.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace ts
