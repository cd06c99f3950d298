// Name: canonical ordering (RFC 4034 6.1 example), parents, subdomains, text round trip.
#include "common/name.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace ts {
namespace {

Name N(const char* s) {
  return *Name::from_text(s);
}

TEST(Name, CanonicalOrderMatchesRfc4034Example) {
  // RFC 4034 section 6.1, in canonical order.
  std::vector<const char*> ordered = {"example.",         "a.example.",      "yljkjljk.a.example.",
                                      "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
                                      "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
  for (size_t i = 0; i + 1 < ordered.size(); ++i)
    EXPECT_LT(N(ordered[i]), N(ordered[i + 1])) << ordered[i] << " < " << ordered[i + 1];
  EXPECT_EQ(N("Z.a.example."), N("z.A.example."));
}

TEST(Name, ParentSubdomainAndText) {
  Name n = N("www.Example.test.");
  EXPECT_EQ(n.label_count(), 3);
  EXPECT_EQ(n.parent(), N("example.test."));
  EXPECT_TRUE(n.is_subdomain_of(N("test.")));
  EXPECT_TRUE(n.is_subdomain_of(n));
  EXPECT_FALSE(N("test.").is_subdomain_of(n));
  EXPECT_FALSE(N("xtest.").is_subdomain_of(N("test.")));
  EXPECT_EQ(n.to_text(), "www.Example.test.");
  EXPECT_EQ(n.lowered().to_text(), "www.example.test.");
  EXPECT_TRUE(Name::root().is_root());
  EXPECT_EQ(N("example.").wildcard_child().to_text(), "*.example.");
}

TEST(Name, RelativeNamesUseOrigin) {
  Name origin = N("example.test.");
  EXPECT_EQ(Name::from_text("www", &origin)->to_text(), "www.example.test.");
  EXPECT_EQ(Name::from_text("@", &origin)->to_text(), "example.test.");
  EXPECT_FALSE(Name::from_text("a..b.").ok());
}

}  // namespace
}  // namespace ts
