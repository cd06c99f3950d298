// TsigKey::load_key_file: BIND / nsupdate -k key files, mode checks, malformed files.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "parentsync/tsig_secret.h"

namespace ts::parentsync {
namespace {

std::string write_temp(const std::string& text, mode_t mode) {
  char path[] = "/tmp/ts-tsig-test.XXXXXX";
  int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::fchmod(fd, mode);
  ::close(fd);
  return path;
}

TEST(TsigKeyFile, ReadsNameAlgorithmAndSecret) {
  std::string p = write_temp(
      "# lab key\nkey \"lab-key\" {\n\talgorithm HMAC-SHA256;\n\tsecret "
      "\"c2VjcmV0c2VjcmV0\";\n};\n",
      0600);
  auto k = TsigKey::load_key_file(p);
  ::unlink(p.c_str());
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->name(), "lab-key.");
  EXPECT_EQ(k->algorithm(), "hmac-sha256");
  EXPECT_STREQ(k->secret(), "c2VjcmV0c2VjcmV0");
}

TEST(TsigKeyFile, RefusesAGroupReadableFileWithoutShowingTheSecret) {
  std::string p =
      write_temp("key k. { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0\"; };", 0644);
  auto k = TsigKey::load_key_file(p);
  ::unlink(p.c_str());
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message.find("chmod 600"), std::string::npos);
  EXPECT_EQ(k.error().message.find("c2VjcmV0"), std::string::npos);
}

TEST(TsigKeyFile, RefusesAFileWithoutAKeyClause) {
  std::string p = write_temp("c2VjcmV0c2VjcmV0\n", 0600);
  auto k = TsigKey::load_key_file(p);
  ::unlink(p.c_str());
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message.find("not a TSIG key file"), std::string::npos);
  EXPECT_EQ(k.error().message.find("c2VjcmV0"), std::string::npos);
}

}  // namespace
}  // namespace ts::parentsync
