// The observer: on demand, learn what the parent really serves for CHILD/DS. It asks a
// ParentDirectory (implemented by the agent over resolver/, branch `resolver`; fakes in unit
// tests; dig through the lab's validating Unbound in lab tests) for the parent zone, its name
// servers' IPv4 and IPv6 addresses and its validated DNSKEY set, then queries the DS RRset
// from EVERY address directly (RD=0, DO) and checks each answer against those DNSKEYs
// (DirectDsSource), and adds the validated view. The result feeds assess_ds().
//
//   DirectParentObserver obs(directory, direct_source);
//   auto o = obs.observe(child, now);                 // Result<ParentObservation>
//   ParentView v = assess_ds(child, keys, *o);
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "parentsync/ds_assessment.h"

namespace ts::parentsync {

struct ParentServer {
  std::string name;     // "ns1.test."
  std::string address;  // "127.53.6.2" or an IPv6 literal
  std::string label() const { return name + "/" + address; }
};

struct ParentServers {
  Name parent;  // apex of the parent zone
  /// Whether the parent zone itself is signed and validates (Insecure = unsigned parent).
  Validation security = Validation::Indeterminate;
  std::vector<ParentServer> servers;  // every NS name x every A and AAAA address
  std::vector<Bytes> dnskeys;         // the parent's validated DNSKEY rdata (when Secure)
};

/// What the validating resolver knows (implemented over resolver/ by the agent).
class ParentDirectory {
 public:
  virtual ~ParentDirectory() = default;
  virtual Result<ParentServers> parent_servers(const Name& child) = 0;
  virtual ValidatedDs validated_ds(const Name& child) = 0;
};

/// Fetches and checks the DS RRset at one server (DirectDs in direct_ds.h is the real one).
class DirectDsSource {
 public:
  virtual ~DirectDsSource() = default;
  virtual ServerDsAnswer fetch(const ParentServer& server, const Name& child,
                               const ParentServers& parent, UnixTime now) = 0;
};

class ParentObserver {
 public:
  virtual ~ParentObserver() = default;
  virtual Result<ParentObservation> observe(const Name& child, UnixTime now) = 0;
};

class DirectParentObserver final : public ParentObserver {
 public:
  DirectParentObserver(ParentDirectory& directory, DirectDsSource& source)
      : directory_(directory), source_(source) {}
  Result<ParentObservation> observe(const Name& child, UnixTime now) override;

 private:
  ParentDirectory& directory_;
  DirectDsSource& source_;
};

}  // namespace ts::parentsync
