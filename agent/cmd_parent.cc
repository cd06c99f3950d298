// trustsync parent ZONE --resolver ADDR: what the parent of ZONE serves for ZONE's DS, from
// every parent server directly (each answer checked against the parent's DNSKEYs) and as the
// validating resolver sees it, assessed against ZONE's own KSKs (its validated SEP DNSKEYs,
// taken as our active keys): agreement, missing, rogue DS, unsigned parent.
// Exit codes: 0 healthy, 1 the parent is unsigned (use trust anchors), 2 problems found,
// 3 could not check. Until resolver/ is wired in, the validated view is the AD bit of the
// given resolver (use one on loopback).
#include <cstring>
#include <iostream>
#include <string>

#include "agent/commands.h"
#include "common/clock.h"
#include "parentsync/direct_ds.h"
#include "parentsync/resolver_directory.h"

namespace ts::agent {

namespace ps = ts::parentsync;

namespace {

int usage(std::ostream& out, int code) {
  out << "usage: trustsync parent ZONE --resolver ADDR[#PORT] [--timeout SECONDS]\n"
         "  Shows the DS of ZONE on every parent server and in the validated view, and\n"
         "  flags missing, rogue and disagreeing DS. Exit: 0 healthy, 1 unsigned parent,\n"
         "  2 problems found, 3 could not check.\n";
  return code;
}

}  // namespace

int cmd_parent(int argc, char** argv) {
  std::string zone_text, resolver_text;
  int timeout = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return usage(std::cout, 0);
    if (a == "--resolver" && i + 1 < argc) {
      resolver_text = argv[++i];
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
  if (zone_text.empty() || resolver_text.empty()) return usage(std::cerr, 64);
  auto zone = Name::from_text(zone_text.back() == '.' ? zone_text : zone_text + ".");
  if (!zone || zone->is_root()) {
    std::cerr << "trustsync parent: bad zone name '" << zone_text << "'\n";
    return 64;
  }
  auto resolver = ps::ServerAddress::parse(resolver_text);
  if (!resolver) {
    std::cerr << "trustsync parent: " << resolver.error().message << "\n";
    return 64;
  }

  ps::ResolverDirectory dir(*resolver, timeout);
  auto keys = dir.dnskeys(*zone);
  if (!keys) {
    std::cerr << "trustsync parent: " << keys.error().message << "\n";
    return 3;
  }
  std::vector<ps::OurKey> ours;
  for (const ps::Bytes& k : keys->second) {
    if (k.size() > 4 && (k[1] & 0x01))
      ours.push_back(ps::OurKey{ps::key_tag(k), k[3], k, ps::KeyState::Active, false});
  }
  if (ours.empty()) {
    std::cerr << "trustsync parent: no validated SEP DNSKEY for " << zone->to_text() << " ("
              << ps::to_string(keys->first) << "); cannot tell our DS from rogue ones\n";
    return 3;
  }
  ps::DirectDs direct(timeout);
  ps::DirectParentObserver observer(dir, direct);
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
