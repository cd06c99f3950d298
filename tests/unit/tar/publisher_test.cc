// Trust-anchor targets without servers: the local directory (atomic files, read back,
// tampering seen), and the HTTPS target's refusals (plain http, token file mode).
#include "tar/publisher.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <type_traits>

#include "common/atomic_file.h"
#include "signer/crypto.h"

namespace ts::tar {
namespace {

Publication publication() {
  auto k = signer::PrivateKey::generate(signer::Algorithm::ED25519, 0);
  std::vector<AnchorKey> keys = {
      {{signer::kFlagsKsk, signer::Algorithm::ED25519, k->public_key()}, 100, std::nullopt}};
  auto doc = make_document(*Name::from_text("island.plain.test."), keys, signer::DigestType::SHA256,
                           "file:///x");
  return Publication{"island.plain.test", *doc, 200, 60};
}

std::string temp_dir() {
  char tmpl[] = "/tmp/ts-tar-test-XXXXXX";
  return mkdtemp(tmpl);
}

// The DLV target's TSIG secret lives in a SecretString (wiped when the target goes), never
// in a plain copy that outlives it.
static_assert(std::is_same_v<decltype(DlvOptions::tsig_secret), signer::SecretString>);
static_assert(!std::is_copy_constructible_v<DlvOptions>);

TEST(LocalDirectoryTarget, PublishesConfirmsDetectsTamperingAndWithdraws) {
  std::string dir = temp_dir();
  auto t = make_local_directory_target({dir, 0644});
  Publication p = publication();
  ASSERT_TRUE(t->publish(p).ok());
  auto ds = read_file(dir + "/island.plain.test.ds");
  ASSERT_TRUE(ds.ok());
  EXPECT_NE(ds->find("IN\tDS\t"), std::string::npos) << *ds;
  auto c = t->confirm(p);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->empty());
  // Someone edits the served document: the digest no longer matches.
  std::string xml = *read_file(dir + "/island.plain.test.xml");
  size_t at = xml.find("<Digest>") + 8;
  xml[at] = xml[at] == 'A' ? 'B' : 'A';
  ASSERT_TRUE(write_file_atomically(dir + "/island.plain.test.xml", xml, 0644).ok());
  c = t->confirm(p);
  ASSERT_TRUE(c.ok());
  ASSERT_FALSE(c->empty());
  EXPECT_EQ((*c)[0].kind, DocumentProblem::Kind::DigestMismatch);
  ASSERT_TRUE(t->withdraw(p).ok());
  EXPECT_FALSE(t->confirm(p).ok());
  std::filesystem::remove_all(dir);
}

TEST(HttpsRepositoryTarget, RefusesPlainHttpAndSharedTokenFiles) {
  std::string dir = temp_dir();
  Publication p = publication();
  HttpsOptions po;
  po.base_url = "http://127.0.0.1:1/anchors";
  auto plain = make_https_target(po);
  auto st = plain->publish(p);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("only https"), std::string::npos) << st.error().message;
  std::string tok = dir + "/token";
  std::ofstream(tok) << "secret\n";
  ::chmod(tok.c_str(), 0644);
  HttpsOptions so;
  so.base_url = "https://127.0.0.1:1/anchors";
  so.bearer_token_file = tok;
  auto shared = make_https_target(so);
  st = shared->publish(p);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("0600"), std::string::npos) << st.error().message;
  EXPECT_EQ(st.error().message.find("secret"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ts::tar
