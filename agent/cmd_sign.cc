// trustsync sign: one-shot signing of a zone file with the keys of a key directory (like
// dnssec-signzone). Reads the zone (stripping old RRSIG/NSEC/NSEC3), signs it on all cores
// and writes the result atomically; on any error it writes nothing and exits non-zero.
#include <sys/resource.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "agent/cli_util.h"
#include "agent/commands.h"
#include "common/clock.h"
#include "signer/keystore.h"
#include "signer/sign_to_file.h"
#include "signer/zone_loader.h"
#include "signer/zone_signer.h"
#include "signer/zone_writer.h"

namespace ts::agent {
namespace {

using namespace ts::signer;

constexpr const char* kCmd = "sign";
constexpr const char* kSynopsis = "--origin ORIGIN --keys DIR --output FILE [options] ZONEFILE";

constexpr CliOption kOptions[] = {
    {"origin", true, "ORIGIN", "zone apex"},
    {"keys", true, "DIR", "key directory (trustsync keygen)"},
    {"output", true, "FILE", "signed zone file to write (atomically)"},
    {"denial", true, "nsec|nsec3", "denial of existence (default nsec)"},
    {"opt-out", false, nullptr, "NSEC3 opt-out for delegations without DS"},
    {"iterations", true, "N", "NSEC3 extra iterations (default 0, RFC 9276)"},
    {"salt", true, "HEX|-", "NSEC3 salt (default none)"},
    {"validity", true, "DURATION", "signature validity, e.g. 14d (default 30d)"},
    {"inception-offset", true, "DURATION", "inception this far in the past (default 1h)"},
    {"jitter", true, "DURATION", "spread expirations over this much (default validity/10)"},
    {"serial", true, "POLICY", "keep (default), increment, unixtime or date"},
    {"dnskey-ttl", true, "DURATION", "DNSKEY RRset TTL (default: the SOA MINIMUM)"},
    {"threads", true, "N", "signing threads (default: number of cores)"},
};

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
    if (!std::isxdigit(static_cast<unsigned char>(s[i])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 1])))
      return std::nullopt;
    out.push_back(static_cast<uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// User + system CPU seconds of the whole process so far (all threads).
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

}  // namespace

int cmd_sign(int argc, char** argv) {
  auto opts = parse_options(kCmd, argc, argv, kOptions);
  auto usage = [&](const std::string& m) { return usage_error(kCmd, m, kOptions, kSynopsis); };
  if (!opts) return usage(opts.error().message);
  if (opts->has("help")) {
    print_usage(std::cout, kCmd, kOptions, kSynopsis);
    return kExitOk;
  }
  std::string origin_text, keys_dir, output;
  for (auto [name, out] : {std::pair{"origin", &origin_text}, std::pair{"keys", &keys_dir},
                           std::pair{"output", &output}}) {
    auto v = opts->require(name);
    if (!v) return usage(v.error().message);
    *out = *v;
  }
  if (opts->positional().size() != 1) return usage("give exactly one zone file");
  const std::string zonefile = opts->positional()[0];
  std::string denial = opts->get("denial", "nsec"), serial = opts->get("serial", "keep");
  if (denial != "nsec" && denial != "nsec3") return usage("--denial takes nsec or nsec3");
  bool opt_out = opts->has("opt-out");
  if (opt_out && denial != "nsec3") return usage("--opt-out needs --denial nsec3");
  Nsec3Params nsec3;
  auto iterations = opts->get_unsigned("iterations", 0, 65535);
  if (!iterations) return usage(iterations.error().message);
  nsec3.iterations = static_cast<uint16_t>(iterations->value_or(0));
  auto salt = parse_hex(opts->get("salt", "-"));
  if (!salt) return usage("--salt takes hex digits (or - for none)");
  nsec3.salt = *salt;
  std::map<std::string, int64_t> durations = {
      {"validity", 30 * 86400}, {"inception-offset", 3600}, {"jitter", -1}, {"dnskey-ttl", 0}};
  for (auto& [name, value] : durations) {
    if (!opts->has(name)) continue;
    auto d = parse_duration(opts->get(name));
    if (!d) return usage("--" + name + ": bad duration '" + opts->get(name) + "' (e.g. 12h, 14d)");
    value = *d;
  }
  int64_t validity = durations["validity"];
  if (validity <= 0) return usage("--validity must be positive");
  auto threads_opt = opts->get_unsigned("threads", 1, 256);
  if (!threads_opt) return usage(threads_opt.error().message);
  unsigned threads = static_cast<unsigned>(
      threads_opt->value_or(std::max(1u, std::thread::hardware_concurrency())));

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
    return usage("--serial takes keep, increment, unixtime or date");

  if (origin_text.empty()) return usage("--origin is empty");
  auto origin = Name::from_text(origin_text.back() == '.' ? origin_text : origin_text + ".");
  if (!origin) return usage("--origin: invalid name '" + origin_text + "'");

  auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  const UnixTime now = SystemClock().now();
  o.now = now;
  o.inception = now - durations["inception-offset"];
  o.expiration = now + validity;
  int64_t jitter = durations["jitter"];
  o.jitter_seconds = static_cast<uint32_t>(jitter >= 0 ? jitter : validity / 10);
  o.threads = threads;
  o.dnskey_ttl = static_cast<uint32_t>(durations["dnskey-ttl"]);

  // Keys first: no point parsing a large zone without them.
  FileKeyStore store(keys_dir);
  auto metas = store.list(*origin);
  if (!metas) {
    return failure(kCmd, metas.error().message);
  }
  if (metas->empty()) {
    return failure(kCmd, "no keys for " + origin->to_text() + " in " + keys_dir +
                             " (create them with 'trustsync keygen --origin " + origin->to_text() +
                             " --keys " + keys_dir + " ...')");
  }
  std::vector<PrivateKey> privs;
  privs.reserve(metas->size());
  for (const auto& m : *metas) {
    auto k = store.load_private(m);
    if (!k) {
      return failure(kCmd, "key " + m.id + ": " + k.error().message);
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
    return failure(kCmd, origin->to_text() + ": " + st.error().message);
  }

  LoadOptions lo;
  lo.origin = *origin;
  lo.dnssec = DnssecInput::Strip;
  lo.keep_dnskey = true;
  lo.threads = threads;
  lo.warn = [](const std::string& w) { std::cerr << "trustsync sign: warning: " << w << "\n"; };
  auto zone = load_zone_file(zonefile, lo);
  if (!zone) {
    return failure(kCmd, zone.error().message);
  }
  auto t_loaded = std::chrono::steady_clock::now();
  const double c_loaded = cpu_seconds();
  // Deliberately never freed: the process ends right after the write, and releasing a
  // million-node zone one allocation at a time would cost about a second for nothing.
  Zone& signed_zone = *new Zone(std::move(*zone));
  o.zone_classified = true;  // load_zone_file classified it
  // NSEC: the output is written while signing goes on (sign_to_file.h), so "sign" below
  // includes formatting and writing, and "write" is only what is left after the last
  // signature (the last chunks, fsync, rename).
  WriteOptions wo;
  wo.threads = threads;
  auto t_signed = t_loaded;
  double c_signed = c_loaded;
  auto stats = sign_zone_to_file(signed_zone, o, output, wo, [&] {
    t_signed = std::chrono::steady_clock::now();
    c_signed = cpu_seconds();
  });
  if (!stats) {
    return failure(kCmd, zonefile + ": " + stats.error().message);
  }
  auto t_end = std::chrono::steady_clock::now();
  const double c_end = cpu_seconds();
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  char line[400];
  std::snprintf(line, sizeof line,
                "trustsync sign: %s: %zu records, %zu RRSIGs, %zu %s, serial %u, %.2f s "
                "(load %.2f, sign %.2f = %.0f RRSIG/s, write %.2f); CPU s (user+sys) %.2f "
                "(load %.2f, sign %.2f, write %.2f)\n",
                origin->to_text().c_str(), stats->records, stats->rrsigs, stats->denial,
                o.denial == Denial::Nsec ? "NSEC" : "NSEC3", stats->serial, secs(t0, t_end),
                secs(t0, t_loaded), secs(t_loaded, t_signed),
                static_cast<double>(stats->rrsigs) / std::max(1e-9, secs(t_loaded, t_signed)),
                secs(t_signed, t_end), c_end - c0, c_loaded - c0, c_signed - c_loaded,
                c_end - c_signed);
  std::cerr << line;
  return 0;
}

}  // namespace ts::agent
