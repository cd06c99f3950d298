// trustsync sign: one-shot signing of a zone file with the keys of a key directory (like
// dnssec-signzone). Reads the zone (stripping old RRSIG/NSEC/NSEC3), signs it on all cores
// and writes the result atomically; on any error it writes nothing and exits non-zero.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "agent/commands.h"
#include "common/clock.h"
#include "signer/keystore.h"
#include "signer/zone_loader.h"
#include "signer/zone_signer.h"
#include "signer/zone_writer.h"

namespace ts::agent {
namespace {

using namespace ts::signer;

constexpr const char* kUsage =
    "usage: trustsync sign --origin ORIGIN --keys DIR --output FILE [options] ZONEFILE\n"
    "  --denial nsec|nsec3        denial of existence (default nsec)\n"
    "  --opt-out                  NSEC3 opt-out for delegations without DS\n"
    "  --iterations N             NSEC3 extra iterations (default 0, RFC 9276)\n"
    "  --salt HEX|-               NSEC3 salt (default none)\n"
    "  --validity DURATION        signature validity, e.g. 14d (default 30d)\n"
    "  --inception-offset DUR     inception this far in the past (default 1h)\n"
    "  --jitter DURATION          expirations spread over this much (default validity/10)\n"
    "  --serial keep|increment|unixtime|date   SOA serial policy (default keep)\n"
    "  --dnskey-ttl DURATION      TTL of the DNSKEY RRset (default: SOA MINIMUM)\n"
    "  --threads N                signing threads (default: number of cores)\n";

// "90", "90s", "30m", "12h", "14d", "2w" -> seconds.
std::optional<int64_t> parse_duration(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t pos = 0;
  int64_t v = 0;
  try {
    v = std::stoll(s, &pos);
  } catch (...) {
    return std::nullopt;
  }
  if (v < 0) return std::nullopt;
  std::string unit = s.substr(pos);
  if (unit.empty() || unit == "s") return v;
  if (unit == "m") return v * 60;
  if (unit == "h") return v * 3600;
  if (unit == "d") return v * 86400;
  if (unit == "w") return v * 7 * 86400;
  return std::nullopt;
}

std::optional<Bytes> parse_hex(const std::string& s) {
  if (s == "-" || s.empty()) return Bytes{};
  if (s.size() % 2 || s.size() > 510) return std::nullopt;
  Bytes out;
  for (size_t i = 0; i < s.size(); i += 2) {
    char* end = nullptr;
    std::string byte = s.substr(i, 2);
    long v = std::strtol(byte.c_str(), &end, 16);
    if (*end != '\0') return std::nullopt;
    out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

int usage_error(const std::string& msg) {
  std::cerr << "trustsync sign: " << msg << "\n" << kUsage;
  return 64;
}

}  // namespace

int cmd_sign(int argc, char** argv) {
  std::string origin_text, keys_dir, output, zonefile;
  std::string denial = "nsec", serial = "keep";
  bool opt_out = false;
  Nsec3Params nsec3;
  int64_t validity = 30 * 86400, inception_offset = 3600;
  std::optional<int64_t> jitter;
  uint32_t dnskey_ttl = 0;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());

  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--origin") {
      if (!value(origin_text)) return usage_error("--origin needs a value");
    } else if (a == "--keys") {
      if (!value(keys_dir)) return usage_error("--keys needs a value");
    } else if (a == "--output" || a == "-o") {
      if (!value(output)) return usage_error("--output needs a value");
    } else if (a == "--denial") {
      if (!value(denial) || (denial != "nsec" && denial != "nsec3"))
        return usage_error("--denial takes nsec or nsec3");
    } else if (a == "--opt-out") {
      opt_out = true;
    } else if (a == "--iterations") {
      if (!value(v)) return usage_error("--iterations needs a value");
      auto n = parse_duration(v);  // a plain number
      if (!n || *n > 65535 || v.find_first_not_of("0123456789") != std::string::npos)
        return usage_error("--iterations takes a number 0..65535");
      nsec3.iterations = static_cast<uint16_t>(*n);
    } else if (a == "--salt") {
      if (!value(v)) return usage_error("--salt needs a value");
      auto salt = parse_hex(v);
      if (!salt) return usage_error("--salt takes hex digits (or - for none)");
      nsec3.salt = *salt;
    } else if (a == "--validity" || a == "--inception-offset" || a == "--jitter" ||
               a == "--dnskey-ttl") {
      if (!value(v)) return usage_error(a + " needs a value");
      auto d = parse_duration(v);
      if (!d) return usage_error(a + ": bad duration '" + v + "' (e.g. 3600, 12h, 14d)");
      if (a == "--validity")
        validity = *d;
      else if (a == "--inception-offset")
        inception_offset = *d;
      else if (a == "--jitter")
        jitter = *d;
      else
        dnskey_ttl = static_cast<uint32_t>(*d);
    } else if (a == "--serial") {
      if (!value(serial)) return usage_error("--serial needs a value");
    } else if (a == "--threads") {
      if (!value(v)) return usage_error("--threads needs a value");
      auto n = parse_duration(v);
      if (!n || *n < 1 || *n > 256 || v.find_first_not_of("0123456789") != std::string::npos)
        return usage_error("--threads takes a number 1..256");
      threads = static_cast<unsigned>(*n);
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option " + a);
    } else if (zonefile.empty()) {
      zonefile = a;
    } else {
      return usage_error("more than one zone file given");
    }
  }
  if (origin_text.empty()) return usage_error("--origin is required");
  if (keys_dir.empty()) return usage_error("--keys is required");
  if (output.empty()) return usage_error("--output is required");
  if (zonefile.empty()) return usage_error("no zone file given");
  if (opt_out && denial != "nsec3") return usage_error("--opt-out needs --denial nsec3");
  if (validity <= 0) return usage_error("--validity must be positive");

  SignOptions o;
  o.denial = denial == "nsec3" ? Denial::Nsec3 : Denial::Nsec;
  nsec3.opt_out = opt_out;
  o.nsec3 = nsec3;
  if (serial == "keep")
    o.serial = SerialPolicy::Keep;
  else if (serial == "increment")
    o.serial = SerialPolicy::Increment;
  else if (serial == "unixtime")
    o.serial = SerialPolicy::UnixTime;
  else if (serial == "date")
    o.serial = SerialPolicy::Date;
  else
    return usage_error("--serial takes keep, increment, unixtime or date");

  auto origin = Name::from_text(origin_text.back() == '.' ? origin_text : origin_text + ".");
  if (!origin) return usage_error("--origin: invalid name '" + origin_text + "'");

  auto t0 = std::chrono::steady_clock::now();
  const UnixTime now = SystemClock().now();
  o.now = now;
  o.inception = now - inception_offset;
  o.expiration = now + validity;
  o.jitter_seconds = static_cast<uint32_t>(jitter ? *jitter : validity / 10);
  o.threads = threads;
  o.dnskey_ttl = dnskey_ttl;

  // Keys first: no point parsing a large zone without them.
  FileKeyStore store(keys_dir);
  auto metas = store.list(*origin);
  if (!metas) {
    std::cerr << "trustsync sign: " << metas.error().message << "\n";
    return 1;
  }
  if (metas->empty()) {
    std::cerr << "trustsync sign: no keys for " << origin->to_text() << " in " << keys_dir
              << " (create them with 'trustsync keygen --origin " << origin->to_text() << " --keys "
              << keys_dir << " ...')\n";
    return 1;
  }
  std::vector<PrivateKey> privs;
  privs.reserve(metas->size());
  for (const auto& m : *metas) {
    auto k = store.load_private(m);
    if (!k) {
      std::cerr << "trustsync sign: key " << m.id << ": " << k.error().message << "\n";
      return 1;
    }
    if (algorithm_is_deprecated(k->algorithm()))
      std::cerr << "trustsync sign: warning: key " << m.id << " uses "
                << algorithm_name(k->algorithm()) << ", which RFC 8624 says not to sign with\n";
    privs.push_back(std::move(*k));
  }
  for (size_t i = 0; i < metas->size(); ++i) {
    const auto& m = (*metas)[i];
    o.keys.push_back(SigningKey{&privs[i], m.flags, m.tag,
                                m.role == KeyRole::KSK || m.role == KeyRole::CSK,
                                m.role == KeyRole::ZSK || m.role == KeyRole::CSK});
  }
  if (auto st = check_sign_options(o); !st) {
    std::cerr << "trustsync sign: " << origin->to_text() << ": " << st.error().message << "\n";
    return 1;
  }

  LoadOptions lo;
  lo.origin = *origin;
  lo.dnssec = DnssecInput::Strip;
  lo.keep_dnskey = true;
  lo.threads = threads;
  lo.warn = [](const std::string& w) { std::cerr << "trustsync sign: warning: " << w << "\n"; };
  auto zone = load_zone_file(zonefile, lo);
  if (!zone) {
    std::cerr << "trustsync sign: " << zone.error().message << "\n";
    return 1;
  }
  auto t_loaded = std::chrono::steady_clock::now();
  auto stats = sign_zone(*zone, o);
  auto t_signed = std::chrono::steady_clock::now();
  if (!stats) {
    std::cerr << "trustsync sign: " << zonefile << ": " << stats.error().message << "\n";
    return 1;
  }
  WriteOptions wo;
  wo.threads = threads;
  if (auto st = write_zone_file(*zone, output, wo); !st) {
    std::cerr << "trustsync sign: " << st.error().message << "\n";
    return 1;
  }
  auto t_end = std::chrono::steady_clock::now();
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  char line[320];
  std::snprintf(line, sizeof line,
                "trustsync sign: %s: %zu records, %zu RRSIGs, %zu %s, serial %u, %.2f s "
                "(load %.2f, sign %.2f = %.0f RRSIG/s, write %.2f)\n",
                origin->to_text().c_str(), stats->records, stats->rrsigs, stats->denial,
                o.denial == Denial::Nsec ? "NSEC" : "NSEC3", stats->serial, secs(t0, t_end),
                secs(t0, t_loaded), secs(t_loaded, t_signed),
                static_cast<double>(stats->rrsigs) / std::max(1e-9, secs(t_loaded, t_signed)),
                secs(t_signed, t_end));
  std::cerr << line;
  return 0;
}

}  // namespace ts::agent
