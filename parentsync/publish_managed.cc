// `managed` publisher: compare, then ask the agent to edit and re-sign the parent zone.
#include "parentsync/publish_managed.h"

namespace ts::parentsync {

Status ManagedPublisher::publish(const Name& child, const std::vector<DsRecord>& desired) {
  changed_ = false;
  if (!child.is_subdomain_of(parent_zone_) || child == parent_zone_)
    return fail("managed: " + child.to_text() + " is not a child of " + parent_zone_.to_text());
  auto current = zones_.child_ds(parent_zone_, child);
  if (!current)
    return fail("managed parent " + parent_zone_.to_text() + ": " + current.error().message);
  if (canonical_set(*current) == canonical_set(desired)) return {};
  Status s = zones_.replace_child_ds(parent_zone_, child, canonical_set(desired));
  if (!s) return fail("managed parent " + parent_zone_.to_text() + ": " + s.error().message);
  changed_ = true;
  return {};
}

}  // namespace ts::parentsync
