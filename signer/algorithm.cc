// DNSSEC algorithm names, deprecation (RFC 8624) and key sizes; declared in crypto.h.
#include <cctype>

#include "signer/crypto.h"

namespace ts::signer {
namespace {

bool is_rsa(Algorithm alg) {
  return alg == Algorithm::RSASHA1 || alg == Algorithm::NSEC3RSASHA1 ||
         alg == Algorithm::RSASHA256 || alg == Algorithm::RSASHA512;
}

}  // namespace

Result<Algorithm> algorithm_from_name(std::string_view name) {
  static const std::pair<const char*, Algorithm> kNames[] = {
      {"RSASHA1", Algorithm::RSASHA1},
      {"NSEC3RSASHA1", Algorithm::NSEC3RSASHA1},
      {"RSASHA1-NSEC3-SHA1", Algorithm::NSEC3RSASHA1},  // RFC 5155 / ldns mnemonic
      {"RSASHA256", Algorithm::RSASHA256},
      {"RSASHA512", Algorithm::RSASHA512},
      {"ECDSAP256SHA256", Algorithm::ECDSAP256SHA256},
      {"ECDSAP384SHA384", Algorithm::ECDSAP384SHA384},
      {"ED25519", Algorithm::ED25519},
      {"ED448", Algorithm::ED448},
  };
  std::string upper(name);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& [n, alg] : kNames)
    if (upper == n || upper == std::to_string(static_cast<int>(alg))) return alg;
  return fail("unknown or unsupported DNSSEC algorithm '" + std::string(name) + "'");
}

std::string algorithm_name(Algorithm alg) {
  switch (alg) {
    case Algorithm::RSASHA1:
      return "RSASHA1";
    case Algorithm::NSEC3RSASHA1:
      return "NSEC3RSASHA1";
    case Algorithm::RSASHA256:
      return "RSASHA256";
    case Algorithm::RSASHA512:
      return "RSASHA512";
    case Algorithm::ECDSAP256SHA256:
      return "ECDSAP256SHA256";
    case Algorithm::ECDSAP384SHA384:
      return "ECDSAP384SHA384";
    case Algorithm::ED25519:
      return "ED25519";
    case Algorithm::ED448:
      return "ED448";
  }
  return std::to_string(static_cast<int>(alg));
}

bool algorithm_is_deprecated(Algorithm alg) {
  return alg == Algorithm::RSASHA1 || alg == Algorithm::NSEC3RSASHA1;
}

unsigned default_key_bits(Algorithm alg) {
  return is_rsa(alg) ? 2048 : 0;
}

Status check_key_bits(Algorithm alg, unsigned bits) {
  if (is_rsa(alg)) {
    // RFC 3110 / 5702 allow 512..4096 (RSASHA512: 1024..4096); below 1024 is unsafe.
    if (bits < 1024 || bits > 4096)
      return fail(algorithm_name(alg) + ": key size " + std::to_string(bits) +
                  " bits is outside 1024..4096");
    return {};
  }
  if (bits != 0) return fail(algorithm_name(alg) + " has a fixed key size; do not give a size");
  return {};
}

}  // namespace ts::signer
