// Observation = directory (servers, keys, validated view) + one direct fetch per address.
#include "parentsync/observer.h"

namespace ts::parentsync {

Result<ParentObservation> DirectParentObserver::observe(const Name& child, UnixTime now) {
  auto parent = directory_.parent_servers(child);
  if (!parent)
    return fail("cannot find the parent servers of " + child.to_text() + ": " +
                parent.error().message);
  if (parent->servers.empty())
    return fail("the parent " + parent->parent.to_text() + " of " + child.to_text() +
                " has no name server address");
  ParentObservation o;
  o.parent = parent->parent;
  for (const ParentServer& s : parent->servers) {
    o.servers.push_back(source_.fetch(s, child, *parent, now));
  }
  o.validated = directory_.validated_ds(child);
  return o;
}

}  // namespace ts::parentsync
