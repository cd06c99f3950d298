// The resolver module (libunbound validation, direct queries); filled in by its issue.
namespace ts::resolver {}
