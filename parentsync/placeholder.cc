// The parent-sync module; filled in by its issue.
namespace ts::parentsync {}
