// Small shared pieces of the resolver interface: security names and the IANA root anchors.
#include "resolver/resolver.h"

namespace ts::resolver {

const char* security_name(Security s) {
  switch (s) {
    case Security::Secure:
      return "secure";
    case Security::Insecure:
      return "insecure";
    case Security::Bogus:
      return "bogus";
    case Security::Indeterminate:
      return "indeterminate";
  }
  return "?";
}

const std::vector<std::string>& iana_root_anchors() {
  // https://data.iana.org/root-anchors/root-anchors.xml (also Debian's dns-root-data
  // /usr/share/dns/root.ds): KSK-2017 and KSK-2024.
  static const std::vector<std::string> anchors = {
      ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
      ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
  };
  return anchors;
}

}  // namespace ts::resolver
