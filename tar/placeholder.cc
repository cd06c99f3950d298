// The trust-anchor repository module; filled in by its issue.
namespace ts::tar {}
