// trustsync parent ZONE (--trust-anchor FILE [--root-hints FILE] | --resolver ADDR): what the
// parent of ZONE serves for ZONE's DS, from every parent server directly (each answer checked
// against the parent's DNSKEYs) and as the validating resolver sees it, assessed against ZONE's own
// KSKs (its validated SEP DNSKEYs, taken as our active keys): agreement, missing, rogue DS,
// unsigned parent. Exit codes: 0 healthy, 1 the parent is unsigned (use trust anchors), 2 problems
// found, 3 could not check. With --trust-anchor, the project's libunbound resolver validates (fresh
// context per query); with --resolver, the AD bit of that validating resolver is trusted
// (use one on loopback).
#include <cstring>
#include <iostream>
#include <string>

#include "agent/commands.h"
#include "agent/control_cli.h"
#include "common/clock.h"
#include "parentsync/direct_ds.h"
#include "parentsync/resolver_directory.h"
#include "parentsync/validating_directory.h"
#include "resolver/resolver.h"

namespace ts::agent {

namespace ps = ts::parentsync;

namespace {

int usage(std::ostream& out, int code) {
  out << "usage: trustsync parent ZONE --trust-anchor FILE [--root-hints FILE] [--timeout S]\n"
         "       trustsync parent ZONE --resolver ADDR[#PORT] [--timeout SECONDS]\n"
         "       trustsync parent ZONE (--config FILE | --socket PATH)\n"
         "  Shows the DS of ZONE on every parent server and in the validated view, and\n"
         "  flags missing, rogue and disagreeing DS. Exit: 0 healthy, 1 unsigned parent,\n"
         "  2 problems found, 3 could not check. With --config/--socket: the running daemon\n"
         "  observes the parent of ZONE now (see `trustsync status ZONE`).\n";
  return code;
}

}  // namespace

int cmd_parent(int argc, char** argv) {
  // With --config / --socket: ask the running daemon to observe the parent now.
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" || a == "--socket" || a.rfind("--config=", 0) == 0 ||
        a.rfind("--socket=", 0) == 0) {
      CliArgs args = split_args(argc, argv, {"config", "socket"});
      if (!args.error.empty() || args.positional.size() != 1) return usage(std::cerr, 64);
      return control_command("parent", args, "parent-poll " + args.positional[0]);
    }
  }
  std::string zone_text, resolver_text, anchor_file, hints_file;
  int timeout = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return usage(std::cout, 0);
    if (a == "--resolver" && i + 1 < argc) {
      resolver_text = argv[++i];
    } else if (a == "--trust-anchor" && i + 1 < argc) {
      anchor_file = argv[++i];
    } else if (a == "--root-hints" && i + 1 < argc) {
      hints_file = argv[++i];
    } else if (a == "--timeout" && i + 1 < argc) {
      timeout = std::atoi(argv[++i]);
      if (timeout <= 0) return usage(std::cerr, 64);
    } else if (!a.empty() && a[0] != '-' && zone_text.empty()) {
      zone_text = a;
    } else {
      std::cerr << "trustsync parent: unexpected argument '" << a << "'\n";
      return usage(std::cerr, 64);
    }
  }
  if (zone_text.empty() || resolver_text.empty() == anchor_file.empty())
    return usage(std::cerr, 64);
  auto zone = Name::from_text(zone_text.back() == '.' ? zone_text : zone_text + ".");
  if (!zone || zone->is_root()) {
    std::cerr << "trustsync parent: bad zone name '" << zone_text << "'\n";
    return 64;
  }
  // Our keys: the zone's own SEP DNSKEYs as the validator sees them.
  std::unique_ptr<ts::resolver::Resolver> validator;
  std::unique_ptr<ps::ParentDirectory> dir;
  std::pair<ps::Validation, std::vector<ps::Bytes>> keys;
  if (!anchor_file.empty()) {
    ts::resolver::ResolverOptions ro;
    ro.trust_anchor_files = {anchor_file};
    ro.root_hints = hints_file;
    ro.fresh_context_per_query = true;
    ro.query_timeout_ms = timeout * 1000;
    auto r = ts::resolver::make_unbound_resolver(ro);
    if (!r) {
      std::cerr << "trustsync parent: " << r.error().message << "\n";
      return 3;
    }
    validator = std::move(*r);
    auto a = validator->query(*zone, ts::resolver::kTypeDNSKEY);
    if (!a) {
      std::cerr << "trustsync parent: DNSKEY of " << zone->to_text() << ": " << a.error().message
                << "\n";
      return 3;
    }
    keys.first = ps::to_validation(a->security);
    for (const auto& rec : a->records)
      if (rec.type == ts::resolver::kTypeDNSKEY && rec.owner == *zone)
        keys.second.emplace_back(rec.rdata.begin(), rec.rdata.end());
    dir = std::make_unique<ps::ValidatingDirectory>(*validator);
  } else {
    auto resolver = ps::ServerAddress::parse(resolver_text);
    if (!resolver) {
      std::cerr << "trustsync parent: " << resolver.error().message << "\n";
      return 64;
    }
    auto rd = std::make_unique<ps::ResolverDirectory>(*resolver, timeout);
    auto k = rd->dnskeys(*zone);
    if (!k) {
      std::cerr << "trustsync parent: " << k.error().message << "\n";
      return 3;
    }
    keys = *k;
    dir = std::move(rd);
  }
  std::vector<ps::OurKey> ours;
  for (const ps::Bytes& k : keys.second) {
    if (k.size() > 4 && (k[1] & 0x01))
      ours.push_back(ps::OurKey{ps::key_tag(k), k[3], k, ps::KeyState::Active, false});
  }
  if (ours.empty()) {
    std::cerr << "trustsync parent: no validated SEP DNSKEY for " << zone->to_text() << " ("
              << ps::to_string(keys.first) << "); cannot tell our DS from rogue ones\n";
    return 3;
  }
  ps::DirectDs direct(timeout);
  ps::DirectParentObserver observer(*dir, direct);
  SystemClock clock;
  auto obs = observer.observe(*zone, clock.now());
  if (!obs) {
    std::cerr << "trustsync parent: " << obs.error().message << "\n";
    return 3;
  }
  for (const auto& s : obs->servers) {
    std::cout << "  " << s.server << ": "
              << (s.answered ? std::string(ps::to_string(s.validation)) : "no answer") << ", "
              << s.ds.size() << " DS" << (s.error.empty() ? "" : " (" + s.error + ")") << "\n";
    for (const auto& ds : s.ds) std::cout << "    " << ds.rdata_text() << "\n";
  }
  ps::ParentView view = ps::assess_ds(*zone, ours, *obs);
  std::cout << view.summary();
  if (view.parent_insecure) return 1;
  return view.healthy() ? 0 : 2;
}

}  // namespace ts::agent
