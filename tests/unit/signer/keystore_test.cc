// Tests for signer/keystore: the file key store (modes, O_EXCL, metadata round trip,
// secret-file checks) and the import of BIND key pairs made by dnssec-keygen.
#include "signer/keystore.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/atomic_file.h"
#include "signer/dnssec_records.h"

namespace ts::signer {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ts-keystore-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Name name(const char* text) {
  return *Name::from_text(text);
}

unsigned mode_of(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

TEST(KeyRoles, Names) {
  EXPECT_EQ(key_role_name(KeyRole::KSK), "ksk");
  EXPECT_EQ(*key_role_from_name("CSK"), KeyRole::CSK);
  EXPECT_EQ(*key_role_from_name("zsk"), KeyRole::ZSK);
  EXPECT_FALSE(key_role_from_name("sep"));
  EXPECT_EQ(key_role_flags(KeyRole::KSK), 257);
  EXPECT_EQ(key_role_flags(KeyRole::CSK), 257);
  EXPECT_EQ(key_role_flags(KeyRole::ZSK), 256);
}

TEST(FileKeyStore, AddListLoadRoundTrip) {
  TempDir tmp;
  std::string dir = tmp.path() + "/keys";
  FileKeyStore store(dir);
  EXPECT_TRUE(store.list(name("example.com."))->empty());  // no directory yet

  auto ksk = PrivateKey::generate(Algorithm::ECDSAP256SHA256, 0);
  auto zsk = PrivateKey::generate(Algorithm::ED25519, 0);
  auto other = PrivateKey::generate(Algorithm::ECDSAP256SHA256, 0);
  ASSERT_TRUE(ksk && zsk && other);
  auto m1 = store.add(name("Example.COM."), KeyRole::KSK, *ksk, 1700000000);
  ASSERT_TRUE(m1) << m1.error().message;
  auto m2 = store.add(name("example.com."), KeyRole::ZSK, *zsk, 1700000001);
  ASSERT_TRUE(m2) << m2.error().message;
  ASSERT_TRUE(store.add(name("example.org."), KeyRole::CSK, *other, 1700000002));

  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(store.private_path(m1->id)), 0600u);
  EXPECT_FALSE(fs::exists(store.meta_path(m1->id)));  // one file per key: metadata inside
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++files;
    EXPECT_EQ(e.path().extension(), ".pem") << e.path();  // no temporary left behind
  }
  EXPECT_EQ(files, 3u);
  char expected_id[64];
  std::snprintf(expected_id, sizeof expected_id, "Kexample.com.+013+%05u", m1->tag);
  EXPECT_EQ(m1->id, expected_id);
  EXPECT_EQ(m1->flags, 257);
  EXPECT_EQ(m2->flags, 256);
  EXPECT_EQ(m1->bits, 256u);
  EXPECT_EQ(m1->tag,
            key_tag(dnskey_rdata(Dnskey{257, Algorithm::ECDSAP256SHA256, ksk->public_key()})));

  auto keys = store.list(name("EXAMPLE.com."));
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_LE((*keys)[0].tag, (*keys)[1].tag);
  for (const KeyMeta& m : *keys) {
    const KeyMeta& want = m.id == m1->id ? *m1 : *m2;
    EXPECT_EQ(m.id, want.id);
    EXPECT_EQ(m.origin, name("example.com."));
    EXPECT_EQ(m.algorithm, want.algorithm);
    EXPECT_EQ(m.role, want.role);
    EXPECT_EQ(m.flags, want.flags);
    EXPECT_EQ(m.tag, want.tag);
    EXPECT_EQ(m.created, want.created);
    EXPECT_EQ(m.public_key, want.public_key);
    auto loaded = store.load_private(m);
    ASSERT_TRUE(loaded) << loaded.error().message;
    auto sig = loaded->sign(bytes_of("data"));
    ASSERT_TRUE(sig);
    EXPECT_TRUE(*verify_signature(m.algorithm, m.public_key, bytes_of("data"), *sig));
  }
  EXPECT_EQ(store.list(name("example.org."))->size(), 1u);
  EXPECT_TRUE(store.list(name("example.net."))->empty());

  ASSERT_TRUE(store.remove(*m2));
  EXPECT_EQ(store.list(name("example.com."))->size(), 1u);
  EXPECT_FALSE(fs::exists(store.private_path(m2->id)));
}

TEST(FileKeyStore, NeverOverwritesAKeyFile) {
  TempDir tmp;
  FileKeyStore store(tmp.path());
  auto key = PrivateKey::generate(Algorithm::ED25519, 0);
  ASSERT_TRUE(key);
  auto a = store.add(name("example.com."), KeyRole::KSK, *key, 1);
  ASSERT_TRUE(a);
  auto before = read_file(store.private_path(a->id));
  ASSERT_TRUE(before);
  // The same key again: same base id, so the second copy gets a suffix.
  auto b = store.add(name("example.com."), KeyRole::KSK, *key, 2);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(b->id.rfind(a->id + "-", 0), 0u) << b->id;
  EXPECT_EQ(*read_file(store.private_path(a->id)), *before);
  EXPECT_EQ(store.list(name("example.com."))->size(), 2u);
  // A stray private file with a key's id (no metadata) is not overwritten either.
  auto other = PrivateKey::generate(Algorithm::ED25519, 0);
  Dnskey k{257, Algorithm::ED25519, other->public_key()};
  char id[64];
  std::snprintf(id, sizeof id, "Kexample.com.+015+%05u", key_tag(dnskey_rdata(k)));
  ASSERT_TRUE(write_new_secret_file(store.private_path(id), "stray"));
  auto c = store.add(name("example.com."), KeyRole::KSK, *other, 3);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_NE(c->id, id);
  EXPECT_EQ(*read_file(store.private_path(id)), "stray");
}

TEST(FileKeyStore, RefusesPrivateKeyReadableByOthers) {
  TempDir tmp;
  FileKeyStore store(tmp.path());
  auto key = PrivateKey::generate(Algorithm::ECDSAP384SHA384, 0);
  auto m = store.add(name("example.com."), KeyRole::ZSK, *key, 1);
  ASSERT_TRUE(m);
  ASSERT_EQ(::chmod(store.private_path(m->id).c_str(), 0640), 0);
  auto loaded = store.load_private(*m);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("chmod 600"), std::string::npos);
  EXPECT_EQ(loaded.error().message.find("PRIVATE KEY"), std::string::npos);
}

TEST(FileKeyStore, DetectsMismatchedPrivateKey) {
  TempDir tmp;
  FileKeyStore store(tmp.path());
  auto k1 = PrivateKey::generate(Algorithm::ED25519, 0);
  auto k2 = PrivateKey::generate(Algorithm::ED25519, 0);
  auto m1 = store.add(name("example.com."), KeyRole::ZSK, *k1, 1);
  auto m2 = store.add(name("example.com."), KeyRole::ZSK, *k2, 1);
  ASSERT_TRUE(m1 && m2);
  fs::rename(store.private_path(m2->id), store.private_path(m1->id));
  auto loaded = store.load_private(*m1);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("does not match"), std::string::npos);
}

TEST(KeyMeta, FormatParseAndErrors) {
  auto key = PrivateKey::generate(Algorithm::ED448, 0);
  KeyMeta m{"Kexample.+016+00001",
            name("example."),
            Algorithm::ED448,
            456,
            KeyRole::CSK,
            257,
            0,
            1700000000,
            key->public_key()};
  m.tag = key_tag(dnskey_rdata(m));
  std::string text = format_key_meta(m);
  auto back = parse_key_meta(text, "x.meta");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->tag, m.tag);
  EXPECT_EQ(back->role, KeyRole::CSK);
  EXPECT_EQ(back->public_key, m.public_key);
  EXPECT_EQ(text.find("PRIVATE"), std::string::npos);

  auto incomplete = parse_key_meta("id: x\n", "x.meta");
  ASSERT_FALSE(incomplete);
  EXPECT_NE(incomplete.error().message.find("x.meta"), std::string::npos);
  std::string bad_tag = text;
  bad_tag.replace(bad_tag.find("tag: "), 5, "tag: 1");
  EXPECT_FALSE(parse_key_meta(bad_tag, "x.meta"));
  auto bad_line = parse_key_meta("id: x\nbits: lots\n", "y.meta");
  ASSERT_FALSE(bad_line);
  EXPECT_NE(bad_line.error().message.find("y.meta:2"), std::string::npos);
  // A number above 2^64 in a damaged file is an error value, not an escaping exception.
  auto huge = parse_key_meta("id: x\nbits: 99999999999999999999\n", "z.meta");
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("z.meta:2"), std::string::npos);
}

// ---- BIND import -----------------------------------------------------------------------

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

class BindImportTest : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(BindImportTest, ImportedKeyMatchesBind) {
  if (std::system("command -v dnssec-keygen >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "dnssec-keygen (bind9-utils) is not installed";
  const auto& [alg, extra] = GetParam();
  TempDir tmp;
  std::string bind_dir = tmp.path() + "/bind";
  fs::create_directory(bind_dir);
  std::string base = run("cd " + bind_dir + " && dnssec-keygen -q -K . -a " + alg + " " + extra +
                         " example.com 2>/dev/null");
  ASSERT_FALSE(base.empty()) << "dnssec-keygen failed for " << alg;
  std::string key_path = bind_dir + "/" + base + ".key";
  unsigned bind_tag = static_cast<unsigned>(std::stoul(base.substr(base.rfind('+') + 1)));

  FileKeyStore store(tmp.path() + "/keys");
  auto meta = import_bind_key(store, key_path);
  ASSERT_TRUE(meta) << meta.error().message;
  EXPECT_EQ(meta->tag, bind_tag);
  EXPECT_EQ(meta->origin, name("example.com."));
  bool ksk = std::string(extra).find("KSK") != std::string::npos;
  EXPECT_EQ(meta->role, ksk ? KeyRole::KSK : KeyRole::ZSK);
  EXPECT_EQ(meta->flags, ksk ? 257 : 256);
  EXPECT_GT(meta->created, 1600000000);  // from the Created: field

  // BIND's DNSKEY (the .key file, parsed by ldns) has our public key and tag.
  std::string key_text = *read_file(key_path);
  std::string line = key_text.substr(key_text.find("example.com. IN DNSKEY"));
  auto bind_rr = rr_from_text(line.substr(0, line.find('\n')));
  ASSERT_TRUE(bind_rr) << bind_rr.error().message;
  EXPECT_EQ(dnskey_rdata(*meta), bind_rr->rdata);
  auto bind_key = parse_dnskey_rdata(bind_rr->rdata);
  EXPECT_EQ(meta->public_key, bind_key->public_key);

  // A signature by the imported (stored, reloaded) key verifies with BIND's public key.
  auto loaded = store.load_private(*meta);
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto sig = loaded->sign(bytes_of("signed by trustsync"));
  ASSERT_TRUE(sig);
  auto ok = verify_signature(meta->algorithm, bind_key->public_key, bytes_of("signed by trustsync"),
                             *sig);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(*ok);
  EXPECT_EQ(mode_of(store.private_path(meta->id)), 0600u);

  // Importing through the .private path gives the same key (a second copy, new id).
  auto again = import_bind_key(store, bind_dir + "/" + base + ".private");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->public_key, meta->public_key);
  EXPECT_NE(again->id, meta->id);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, BindImportTest,
                         ::testing::Values(std::make_pair("RSASHA1", "-b 1024"),
                                           std::make_pair("NSEC3RSASHA1", "-b 1024 -f KSK"),
                                           std::make_pair("RSASHA256", "-b 2048 -f KSK"),
                                           std::make_pair("RSASHA512", "-b 1024"),
                                           std::make_pair("ECDSAP256SHA256", "-f KSK"),
                                           std::make_pair("ECDSAP384SHA384", ""),
                                           std::make_pair("ED25519", "-f KSK"),
                                           std::make_pair("ED448", "")),
                         [](const auto& info) { return std::string(info.param.first); });

TEST(BindImport, RejectsMismatchedPair) {
  if (std::system("command -v dnssec-keygen >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "dnssec-keygen (bind9-utils) is not installed";
  TempDir tmp;
  std::string a = run("cd " + tmp.path() + " && dnssec-keygen -q -K . -a ED25519 a.example");
  std::string b = run("cd " + tmp.path() + " && dnssec-keygen -q -K . -a ED25519 a.example");
  ASSERT_FALSE(a.empty() || b.empty());
  fs::rename(tmp.path() + "/" + b + ".private", tmp.path() + "/" + a + ".private");
  FileKeyStore store(tmp.path() + "/keys");
  auto meta = import_bind_key(store, tmp.path() + "/" + a + ".key");
  ASSERT_FALSE(meta);
  EXPECT_NE(meta.error().message.find("does not belong"), std::string::npos);
  EXPECT_FALSE(import_bind_key(store, tmp.path() + "/missing.key"));
}

}  // namespace
}  // namespace ts::signer
