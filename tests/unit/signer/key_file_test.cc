// Tests for signer/key_file: one file per key (metadata, then PKCS#8), the earlier two-file
// layout still read, and keys without metadata (pool, uncommitted) never listed.
#include "signer/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/atomic_file.h"
#include "signer/dnssec_records.h"

namespace ts::signer {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() /
                  ("ts-keyfile-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  static inline int counter = 0;
};

Name name(const char* text) {
  return *Name::from_text(text);
}

KeyMeta meta_for(const PrivateKey& key, const std::string& id, const char* origin) {
  KeyMeta m;
  m.id = id;
  m.origin = name(origin);
  m.algorithm = key.algorithm();
  m.bits = key.bits();
  m.role = KeyRole::KSK;
  m.flags = 257;
  m.created = 1700000000;
  m.public_key = key.public_key();
  m.tag = key_tag(dnskey_rdata(m));
  return m;
}

TEST(KeyFile, FormatSplitAndLoad) {
  auto key = PrivateKey::generate(Algorithm::ECDSAP256SHA256, 0);
  ASSERT_TRUE(key);
  auto pem = key->to_pkcs8_pem();
  ASSERT_TRUE(pem);
  KeyMeta m = meta_for(*key, "Kexample.+013+00001", "example.");
  SecretString text = format_key_file(m, pem->str());
  KeyFileParts parts = split_key_file(text.str());
  EXPECT_EQ(parts.pem, pem->str());
  auto back = parse_key_meta(parts.meta, "k");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->public_key, m.public_key);
  // OpenSSL's reader skips the text before the PEM block, too.
  auto whole = PrivateKey::from_pkcs8_pem(text.str(), m.algorithm);
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->public_key(), key->public_key());
  // A bare PEM file has no metadata.
  KeyFileParts bare = split_key_file(pem->str());
  EXPECT_TRUE(bare.meta.empty());
  EXPECT_EQ(bare.pem, pem->str());
  EXPECT_TRUE(split_key_file("id: x\n").pem.empty());
}

TEST(KeyFile, ReadsBothLayoutsAndSkipsKeysWithoutMetadata) {
  TempDir tmp;
  std::string dir = tmp.path.string();
  FileKeyStore store(dir);
  auto a = PrivateKey::generate(Algorithm::ED25519, 0);
  auto b = PrivateKey::generate(Algorithm::ED25519, 0);
  auto c = PrivateKey::generate(Algorithm::ED25519, 0);
  ASSERT_TRUE(a && b && c);
  // a: this layout, through the store.
  auto ma = store.add(name("example."), KeyRole::KSK, *a, 1);
  ASSERT_TRUE(ma) << ma.error().message;
  // b: the earlier layout, a bare private file beside `<id>.meta`.
  KeyMeta mb = meta_for(*b, "Kexample.+015+old", "example.");
  ASSERT_TRUE(write_new_secret_file(store.private_path(mb.id), b->to_pkcs8_pem()->str()));
  ASSERT_TRUE(write_file_atomically(store.meta_path(mb.id), format_key_meta(mb), 0600));
  // c: a bare private file (a pool key, or a key never committed): not a key of any zone.
  ASSERT_TRUE(write_new_secret_file(store.private_path("pool-15-0001"), c->to_pkcs8_pem()->str()));

  auto keys = store.list(name("example."));
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  for (const KeyMeta& m : *keys) {
    auto loaded = store.load_private(m);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->public_key(), m.public_key);
  }
  auto old = store.meta(mb.id);
  ASSERT_TRUE(old && *old);
  EXPECT_EQ((*old)->public_key, b->public_key());
  auto pool = store.meta("pool-15-0001");
  ASSERT_TRUE(pool);
  EXPECT_FALSE(*pool);
  auto none = store.meta("Knothere.+015+00000");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  // A damaged key file: an error naming it, or skipped and reported.
  {
    std::ofstream bad(store.private_path("Kbad.+015+00002"));
    bad << "id: Kbad.+015+00002\nbits: lots\n-----BEGIN PRIVATE KEY-----\n";
  }
  ::chmod(store.private_path("Kbad.+015+00002").c_str(), 0600);
  auto strict = read_key_directory(dir);
  ASSERT_FALSE(strict);
  EXPECT_NE(strict.error().message.find("Kbad.+015+00002.private.pem:2"), std::string::npos)
      << strict.error().message;
  EXPECT_EQ(strict.error().message.find("BEGIN"), std::string::npos);
  std::vector<Error> skipped;
  auto lenient = read_key_directory(dir, &skipped);
  ASSERT_TRUE(lenient);
  EXPECT_EQ(lenient->size(), 2u);
  EXPECT_EQ(skipped.size(), 1u);
  // Metadata under another key's name is refused.
  fs::rename(store.private_path(ma->id), store.private_path("Kother.+015+00003"));
  fs::remove(store.private_path("Kbad.+015+00002"));
  auto moved = read_key_directory(dir);
  ASSERT_FALSE(moved);
  EXPECT_NE(moved.error().message.find("does not match the file name"), std::string::npos);
}

}  // namespace
}  // namespace ts::signer
