// trustsync ds: prints the DS records (presentation format, via ldns) of the KSKs and
// CSKs of a zone in a key directory, one per line, for submission to the parent.
#include <iostream>

#include "agent/cli_util.h"
#include "agent/commands.h"
#include "common/name.h"
#include "signer/dnssec_records.h"
#include "signer/keystore.h"

namespace ts::agent {
namespace {

constexpr const char* kCmd = "ds";
constexpr const char* kSynopsis = "--origin ORIGIN --keys DIR [--digest sha256|sha384]";

constexpr CliOption kOptions[] = {
    {"origin", true, "ORIGIN", "zone apex"},
    {"keys", true, "DIR", "key directory"},
    {"digest", true, "TYPE", "sha256 (default) or sha384; sha1 only for legacy parents"},
    {"ttl", true, "SECONDS", "TTL printed with the records (default 3600)"},
};

}  // namespace

int cmd_ds(int argc, char** argv) {
  auto opts = parse_options(kCmd, argc, argv, kOptions);
  if (!opts) return usage_error(kCmd, opts.error().message, kOptions, kSynopsis);
  if (opts->has("help")) {
    print_usage(std::cout, kCmd, kOptions, kSynopsis);
    return kExitOk;
  }
  if (!opts->positional().empty())
    return usage_error(kCmd, "unexpected argument '" + opts->positional()[0] + "'", kOptions,
                       kSynopsis);
  auto origin_text = opts->require("origin");
  if (!origin_text) return usage_error(kCmd, origin_text.error().message, kOptions, kSynopsis);
  auto dir = opts->require("keys");
  if (!dir) return usage_error(kCmd, dir.error().message, kOptions, kSynopsis);
  auto origin = Name::from_text(*origin_text);
  if (!origin) return usage_error(kCmd, "--origin: " + origin.error().message, kOptions, kSynopsis);
  std::string digest = opts->get("digest", "sha256");
  signer::DigestType type;
  if (digest == "sha256" || digest == "SHA256" || digest == "2") {
    type = signer::DigestType::SHA256;
  } else if (digest == "sha384" || digest == "SHA384" || digest == "4") {
    type = signer::DigestType::SHA384;
  } else if (digest == "sha1" || digest == "SHA1" || digest == "1") {
    type = signer::DigestType::SHA1;
    std::cerr << "trustsync ds: warning: SHA-1 DS records MUST NOT be used (RFC 8624 section "
                 "3.3)\n";
  } else {
    return usage_error(kCmd, "--digest: '" + digest + "' is not sha256 or sha384", kOptions,
                       kSynopsis);
  }
  auto ttl = opts->get_unsigned("ttl", 0, 0x7fffffff);
  if (!ttl) return usage_error(kCmd, ttl.error().message, kOptions, kSynopsis);

  signer::FileKeyStore store(*dir);
  auto keys = store.list(*origin);
  if (!keys) return failure(kCmd, keys.error().message);
  int printed = 0;
  for (const signer::KeyMeta& m : *keys) {
    if (!(m.flags & signer::kFlagSep) || (m.flags & signer::kFlagRevoke)) continue;
    signer::Bytes rdata = signer::dnskey_rdata(m);
    auto ds = signer::make_ds(m.origin, rdata, type);
    if (!ds) return failure(kCmd, m.id + ": " + ds.error().message);
    auto text = signer::rr_to_text(m.origin, static_cast<uint32_t>(ttl->value_or(3600)),
                                   signer::kTypeDs, signer::ds_rdata(*ds));
    if (!text) return failure(kCmd, m.id + ": " + text.error().message);
    std::cout << *text << "\n";
    ++printed;
  }
  if (printed == 0) return failure(kCmd, "no KSK or CSK for " + origin->to_text() + " in " + *dir);
  return std::cout.good() ? kExitOk : kExitFailure;
}

}  // namespace ts::agent
