// trustsync keygen: generates a DNSSEC key (or imports a BIND key pair) into a key
// directory and prints "<id> <tag>" of the new key on stdout.
#include <iostream>

#include "agent/cli_util.h"
#include "agent/commands.h"
#include "common/clock.h"
#include "common/name.h"
#include "signer/crypto.h"
#include "signer/keystore.h"

namespace ts::agent {
namespace {

constexpr const char* kCmd = "keygen";
constexpr const char* kSynopsis =
    "--origin ORIGIN --algorithm NAME [--bits N] --role ksk|zsk|csk --keys DIR\n"
    "       trustsync keygen --keys DIR --import Kzone+alg+tag.key [--role ROLE]";

constexpr CliOption kOptions[] = {
    {"origin", true, "ORIGIN", "zone apex the key is for"},
    {"algorithm", true, "NAME",
     "ECDSAP256SHA256, ECDSAP384SHA384, ED25519, ED448, RSASHA256,"
     " RSASHA512 (or the number)"},
    {"bits", true, "N", "RSA modulus size (default 2048; 2048..4096)"},
    {"role", true, "ROLE", "ksk, zsk or csk"},
    {"keys", true, "DIR", "key directory (created 0700 if missing)"},
    {"import", true, "FILE", "import a BIND key pair (K<zone>+<alg>+<tag>.key/.private)"},
    {"allow-deprecated", false, nullptr, "allow RSASHA1, NSEC3RSASHA1 and RSA below 2048 bits"},
};

/// Checks algorithm and size against policy; prints warnings. Empty string = allowed.
std::string check_policy(signer::Algorithm alg, unsigned bits, bool allow_deprecated) {
  bool rsa = alg == signer::Algorithm::RSASHA1 || alg == signer::Algorithm::NSEC3RSASHA1 ||
             alg == signer::Algorithm::RSASHA256 || alg == signer::Algorithm::RSASHA512;
  if (signer::algorithm_is_deprecated(alg)) {
    std::string what = signer::algorithm_name(alg) + " (algorithm " +
                       std::to_string(static_cast<int>(alg)) +
                       ") MUST NOT be used for DNSSEC signing (RFC 8624 section 3.1)";
    if (!allow_deprecated) return what + "; give --allow-deprecated to use it anyway";
    std::cerr << "trustsync keygen: warning: " << what << "\n";
  }
  if (rsa && bits < 2048) {
    std::string what = "RSA keys shorter than 2048 bits are too weak for new keys (" +
                       std::to_string(bits) + " bits; NIST SP 800-131A)";
    if (!allow_deprecated) return what + "; give --allow-deprecated to use it anyway";
    std::cerr << "trustsync keygen: warning: " << what << "\n";
  }
  return "";
}

int print_key(const signer::KeyMeta& m) {
  std::cout << m.id << " " << m.tag << "\n";
  std::cerr << "trustsync keygen: " << signer::key_role_name(m.role) << " "
            << signer::algorithm_name(m.algorithm) << " key " << m.tag << " for "
            << m.origin.to_text() << " (flags " << m.flags << ")\n";
  return std::cout.good() ? kExitOk : kExitFailure;
}

int run_import(const ParsedOptions& opts, signer::FileKeyStore& store) {
  std::optional<signer::KeyRole> role;
  if (opts.has("role")) {
    auto r = signer::key_role_from_name(opts.get("role"));
    if (!r) return usage_error(kCmd, r.error().message, kOptions, kSynopsis);
    role = *r;
  }
  if (opts.has("algorithm") || opts.has("bits"))
    return usage_error(kCmd, "--import takes algorithm and size from the BIND key", kOptions,
                       kSynopsis);
  auto meta = signer::import_bind_key(store, opts.get("import"), role);
  if (!meta) return failure(kCmd, meta.error().message);
  std::string refused;
  if (opts.has("origin")) {
    auto origin = Name::from_text(opts.get("origin"));
    if (!origin || !(*origin == meta->origin))
      refused = "the BIND key is for " + meta->origin.to_text() + ", not " + opts.get("origin");
  }
  if (refused.empty())
    refused = check_policy(meta->algorithm, meta->bits, opts.has("allow-deprecated"));
  if (!refused.empty()) {
    (void)store.remove(*meta);  // undo: the key must not be used
    return failure(kCmd, refused);
  }
  return print_key(*meta);
}

}  // namespace

int cmd_keygen(int argc, char** argv) {
  auto opts = parse_options(kCmd, argc, argv, kOptions);
  if (!opts) return usage_error(kCmd, opts.error().message, kOptions, kSynopsis);
  if (opts->has("help")) {
    print_usage(std::cout, kCmd, kOptions, kSynopsis);
    return kExitOk;
  }
  if (!opts->positional().empty())
    return usage_error(kCmd, "unexpected argument '" + opts->positional()[0] + "'", kOptions,
                       kSynopsis);
  auto dir = opts->require("keys");
  if (!dir) return usage_error(kCmd, dir.error().message, kOptions, kSynopsis);
  signer::FileKeyStore store(*dir);
  if (opts->has("import")) return run_import(*opts, store);

  auto origin_text = opts->require("origin");
  auto alg_text = opts->require("algorithm");
  auto role_text = opts->require("role");
  for (const auto* r : {&origin_text, &alg_text, &role_text})
    if (!*r) return usage_error(kCmd, r->error().message, kOptions, kSynopsis);
  auto origin = Name::from_text(*origin_text);
  if (!origin) return usage_error(kCmd, "--origin: " + origin.error().message, kOptions, kSynopsis);
  auto alg = signer::algorithm_from_name(*alg_text);
  if (!alg) return usage_error(kCmd, "--algorithm: " + alg.error().message, kOptions, kSynopsis);
  auto role = signer::key_role_from_name(*role_text);
  if (!role) return usage_error(kCmd, "--role: " + role.error().message, kOptions, kSynopsis);
  auto bits_opt = opts->get_unsigned("bits", 0, 65535);
  if (!bits_opt) return usage_error(kCmd, bits_opt.error().message, kOptions, kSynopsis);
  unsigned bits =
      bits_opt->has_value() ? static_cast<unsigned>(**bits_opt) : signer::default_key_bits(*alg);
  bool rsa = signer::default_key_bits(*alg) != 0;
  if (rsa) {
    if (auto s = signer::check_key_bits(*alg, bits); !s)
      return usage_error(kCmd, s.error().message, kOptions, kSynopsis);
  }
  if (std::string refused = check_policy(*alg, bits, opts->has("allow-deprecated"));
      !refused.empty())
    return usage_error(kCmd, refused, kOptions, kSynopsis);

  // For fixed-size algorithms a given --bits must be that size; generate() checks it.
  auto key = signer::PrivateKey::generate(*alg, bits);
  if (!key && !rsa) return usage_error(kCmd, key.error().message, kOptions, kSynopsis);
  if (!key) return failure(kCmd, key.error().message);
  SystemClock clock;
  auto meta = store.add(*origin, *role, *key, clock.now());
  if (!meta) return failure(kCmd, meta.error().message);
  return print_key(*meta);
}

}  // namespace ts::agent
