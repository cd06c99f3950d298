// trustsync chain ZONE: shows the chain of trust from the trust anchor down to ZONE as a
// validator sees it, with each parent server's DS and the DS/DNSKEY matching.
// Exit codes: 0 secure, 1 insecure, 2 bogus or broken, 3 could not check, 64 usage.
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "agent/commands.h"
#include "common/clock.h"
#include "resolver/chain.h"
#include "resolver/direct_query.h"
#include "resolver/records.h"
#include "resolver/resolver.h"

namespace ts::agent {
namespace {

constexpr const char* kUsage =
    "usage: trustsync chain ZONE [--trust-anchor FILE]... [--auto-trust-anchor FILE]\n"
    "                            [--root-hints FILE]\n"
    "                            [--stub ZONE=ADDR[,ADDR...]]... [--timeout MS] [--json]\n"
    "  --trust-anchor FILE  DS or DNSKEY records (zone-file format); default: IANA root KSKs\n"
    "  --auto-trust-anchor FILE  RFC 5011 managed anchor file (unbound format, updated)\n"
    "  --root-hints FILE    root hints (default: the real root servers)\n"
    "  --stub ZONE=ADDR     send queries for ZONE to ADDR (ADDR@PORT allowed)\n"
    "  --timeout MS         per-try timeout of direct queries (default 1500)\n"
    "  --json               machine-readable output\n"
    "exit: 0 secure, 1 insecure, 2 bogus or broken, 3 could not check\n";

std::string lower_key(const Name& n) {
  return n.lowered().to_text();
}

}  // namespace

int cmd_chain(int argc, char** argv) {
  using namespace ts::resolver;
  std::string zone_text;
  ResolverOptions ro;
  bool json = false;
  int timeout_ms = 1500;
  std::vector<std::pair<std::string, std::vector<std::string>>> stubs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&](const char* what) -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "trustsync chain: " << a << " needs " << what << "\n";
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--trust-anchor") {
      const char* v = need("a file");
      if (!v) return 64;
      ro.trust_anchor_files.push_back(v);
    } else if (a == "--auto-trust-anchor") {
      const char* v = need("a file");
      if (!v) return 64;
      ro.auto_trust_anchor_file = v;
    } else if (a == "--root-hints") {
      const char* v = need("a file");
      if (!v) return 64;
      ro.root_hints = v;
    } else if (a == "--timeout") {
      const char* v = need("milliseconds");
      if (!v) return 64;
      timeout_ms = std::atoi(v);
      if (timeout_ms <= 0) {
        std::cerr << "trustsync chain: bad --timeout\n";
        return 64;
      }
    } else if (a == "--stub") {
      const char* v = need("ZONE=ADDR");
      if (!v) return 64;
      std::string s = v;
      auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
        std::cerr << "trustsync chain: --stub wants ZONE=ADDR, got '" << s << "'\n";
        return 64;
      }
      std::vector<std::string> addrs;
      std::string rest = s.substr(eq + 1);
      for (size_t p = 0; p <= rest.size();) {
        size_t c = rest.find(',', p);
        if (c == std::string::npos) c = rest.size();
        std::string addr = rest.substr(p, c - p);
        if (!parse_server(addr)) {
          std::cerr << "trustsync chain: --stub " << s << ": '" << addr
                    << "' is not an IP address\n";
          return 64;
        }
        addrs.push_back(addr);
        p = c + 1;
      }
      stubs.emplace_back(s.substr(0, eq), addrs);
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "trustsync chain: unknown option " << a << "\n" << kUsage;
      return 64;
    } else if (zone_text.empty()) {
      zone_text = a;
    } else {
      std::cerr << "trustsync chain: one ZONE only\n" << kUsage;
      return 64;
    }
  }
  if (zone_text.empty()) {
    std::cerr << kUsage;
    return 64;
  }
  if (zone_text.back() != '.') zone_text += '.';
  auto zone = Name::from_text(zone_text);
  if (!zone) {
    std::cerr << "trustsync chain: " << zone.error().message << "\n";
    return 64;
  }

  ChainOptions co;
  co.now = SystemClock().now();
  if (ro.trust_anchor_files.empty() && ro.auto_trust_anchor_file.empty()) {
    ro.trust_anchors = iana_root_anchors();
    std::string text;
    for (const auto& t : ro.trust_anchors) text += t + "\n";
    auto recs = records_from_text(text);
    if (recs) co.anchors = *recs;
  }
  std::vector<std::string> anchor_files = ro.trust_anchor_files;
  if (!ro.auto_trust_anchor_file.empty()) anchor_files.push_back(ro.auto_trust_anchor_file);
  for (const auto& f : anchor_files) {
    auto recs = records_from_file(f);
    if (!recs) {
      std::cerr << "trustsync chain: trust anchor: " << recs.error().message << "\n";
      return 3;
    }
    co.anchors.insert(co.anchors.end(), recs->begin(), recs->end());
  }
  if (!ro.root_hints.empty()) {
    auto hints = records_from_file(ro.root_hints);
    if (!hints) {
      std::cerr << "trustsync chain: root hints: " << hints.error().message << "\n";
      return 3;
    }
    for (const auto& r : *hints) {
      if (r.type == kTypeA && r.rdata.size() == 4) {
        const auto* b = reinterpret_cast<const unsigned char*>(r.rdata.data());
        co.known_addresses[lower_key(r.owner)].push_back(
            std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
            std::to_string(b[3]));
      }
    }
  }
  for (const auto& [z, addrs] : stubs) {
    ro.stubs.push_back(ResolverOptions::Stub{z, addrs});
    std::string zt = z.back() == '.' ? z : z + ".";
    if (auto zn = Name::from_text(zt)) co.zone_servers[lower_key(*zn)] = addrs;
  }

  auto resolver = make_unbound_resolver(ro);
  if (!resolver) {
    std::cerr << "trustsync chain: " << resolver.error().message << "\n";
    return 3;
  }
  DirectQueryOptions dqo;
  dqo.timeout_ms = timeout_ms;
  auto rng = std::make_shared<std::mt19937>(std::random_device{}());
  dqo.random = [rng] { return static_cast<uint32_t>((*rng)()); };
  NetworkDirectQuerier direct(dqo);

  auto report = walk_chain(**resolver, direct, *zone, co);
  if (!report) {
    std::cerr << "trustsync chain: could not check " << zone->to_text() << ": "
              << report.error().message << "\n";
    return 3;
  }
  std::cout << (json ? format_chain_json(*report) : format_chain_text(*report));
  return chain_exit_code(*report);
}

}  // namespace ts::agent
