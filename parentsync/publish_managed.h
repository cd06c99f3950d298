// The `managed` parent method: the parent zone is another zone of this same agent (a
// registry or an enterprise running several levels), so the DS goes straight into it. The
// agent implements ManagedParentZone (edit the parent zone's DS RRset for a child, re-sign,
// write and reload); this publisher only decides whether a change is needed and asks for it.
//
//   class AgentZones : public ManagedParentZone { ... };       // in agent/
//   ManagedPublisher pub(agent_zones, *Name::from_text("test."));
//   pub.publish(child, desired);   // no-op when the parent zone already holds `desired`
#pragma once

#include <string>
#include <vector>

#include "parentsync/publisher.h"

namespace ts::parentsync {

/// The agent's side of `managed`: access to a parent zone it signs itself.
class ManagedParentZone {
 public:
  virtual ~ManagedParentZone() = default;
  /// The DS RRset of `child` in the parent zone as the agent currently holds it.
  virtual Result<std::vector<DsRecord>> child_ds(const Name& parent_zone, const Name& child) = 0;
  /// Replaces the DS RRset of `child` (empty = delete it), re-signs the parent zone and
  /// publishes it (write + reload/notify). Atomic from the caller's point of view.
  virtual Status replace_child_ds(const Name& parent_zone, const Name& child,
                                  const std::vector<DsRecord>& ds) = 0;
};

class ManagedPublisher final : public ParentPublisher {
 public:
  ManagedPublisher(ManagedParentZone& zones, Name parent_zone)
      : zones_(zones), parent_zone_(std::move(parent_zone)) {}
  Status publish(const Name& child, const std::vector<DsRecord>& desired) override;
  std::string method() const override { return "managed"; }
  /// Whether the last publish() changed the parent zone.
  bool changed() const { return changed_; }

 private:
  ManagedParentZone& zones_;
  Name parent_zone_;
  bool changed_ = false;
};

}  // namespace ts::parentsync
