// Lab proof of tar/ (instance 4): an RFC 5011 KSK rollover of island.plain.test. driven by
// tar::Rollover in fast time, with the trust-anchor document on a real HTTPS repository
// (nginx + WebDAV PUT, test CA made by openssl here, bearer token) and a separate real
// Unbound whose auto-trust-anchor-file was seeded from that repository; a probe asks it
// every 0.5 s. Also: repository down -> waits and alerts; tampered document -> detected;
// DLV publication by TSIG UPDATE into a BIND-served dlv.test. zone. Timers are shortened
// (Unbound add-holddown/del-holddown 20 s with permit-small-holddown), so the run takes
// about two minutes. TAR_LAB_KEEP=1 keeps the work directory.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"
#include "signer/crypto.h"
#include "signer/dnssec_records.h"
#include "signer/zone_loader.h"
#include "signer/zone_signer.h"
#include "signer/zone_writer.h"
#include "tar/publisher.h"
#include "tar/rfc5011_rollover.h"
#include "tests/lab/lab_fixture.h"

namespace ts::lab {
namespace {

using namespace ts::tar;
namespace sg = ts::signer;

class TarLab : public LabFixture {
 public:
  static void SetUpTestSuite() { StartLab(4); }
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Servers {
  std::string dir, prefix, web, unbound, dlv;
  HttpsOptions https;
  std::string nginx_conf;
};

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST_F(TarLab, IslandRolloverThroughRepositoryAndRfc5011) {
  Servers s;
  s.prefix = env().prefix;
  s.dir = "/tmp/ts-tar-lab-4";
  s.web = s.prefix + ".61", s.unbound = s.prefix + ".60", s.dlv = s.prefix + ".62";
  const std::string d = s.dir;
  // Servers started here are stopped by PID however the test ends (also a previous run's).
  const std::string stop_all = "for f in " + d + "/nginx.pid " + d + "/unbound.pid " + d +
                               "/named/pid; do [ -s $f ] && kill $(cat $f); done 2>/dev/null; "
                               "sleep 0.5; ip addr del " +
                               s.dlv + "/32 dev lo 2>/dev/null; true";
  struct Cleanup {
    std::string cmd, dir;
    ~Cleanup() {
      RunCommand(cmd);
      if (!getenv("TAR_LAB_KEEP")) RunCommand("rm -rf " + dir);
    }
  } cleanup{stop_all, d};
  Run(stop_all);
  Run("rm -rf " + d + " && mkdir -p " + d + "/www/anchors " + d + "/tmp");

  // --- HTTPS repository: test CA, server cert for the IP, nginx with PUT/DELETE + token.
  auto ca = Run("cd " + d +
                " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                "-keyout ca.key -out ca.crt -subj /CN=ts-test-ca -days 2 2>&1 && "
                "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
                "srv.key -out srv.csr -subj /CN=" +
                s.web + " 2>&1 && printf 'subjectAltName=IP:" + s.web +
                "\\n' > ext && openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key "
                "-CAcreateserial -out srv.crt -days 2 -extfile ext 2>&1");
  ASSERT_EQ(ca.exit_code, 0) << ca.output;
  const std::string token = "t" + std::to_string(getpid()) + "x" + std::to_string(unix_now());
  ASSERT_TRUE(write_new_secret_file(d + "/token", token + "\n").ok());
  s.nginx_conf = d + "/nginx.conf";
  write(s.nginx_conf,
        "user root;\nworker_processes 1;\npid " + d + "/nginx.pid;\nerror_log " + d +
            "/nginx.err;\nevents {}\nhttp {\n access_log " + d +
            "/nginx.access;\n client_body_temp_path " + d + "/tmp;\n server {\n  listen " + s.web +
            ":8443 ssl;\n  ssl_certificate " + d + "/srv.crt;\n  ssl_certificate_key " + d +
            "/srv.key;\n  root " + d +
            "/www;\n  location /anchors/ {\n   dav_methods PUT DELETE;\n   "
            "create_full_put_path on;\n   if ($request_method != GET) { set $w 1; }\n"
            "   if ($http_authorization != \"Bearer " +
            token + "\") { set $w \"${w}1\"; }\n   if ($w = 11) { return 401; }\n  }\n }\n}\n");
  auto ng = Run("nginx -e " + d + "/nginx.err -c " + s.nginx_conf + " 2>&1");
  ASSERT_EQ(ng.exit_code, 0) << ng.output;
  s.https.base_url = "https://" + s.web + ":8443/anchors";
  s.https.ca_file = d + "/ca.crt";
  s.https.bearer_token_file = d + "/token";
  auto repo = make_https_target(s.https);
  {  // without the token the repository refuses the upload
    HttpsOptions anon = s.https;
    anon.bearer_token_file.clear();
    auto st = make_https_target(anon)->publish(
        {"probe", *make_document(*Name::from_text("x."), {}, sg::DigestType::SHA256, ""), 0, 1});
    EXPECT_FALSE(st.ok());
  }

  // --- The island's keys (BIND files made by the lab) and its unsigned source zone.
  const std::string keydir = env().get("LAB_ISLAND_KEYDIR");
  auto ksk_base = trim(Run("grep -l 'DNSKEY 257' " + keydir + "/*.key").output);
  auto zsk_base = trim(Run("grep -l 'DNSKEY 256' " + keydir + "/*.key").output);
  ASSERT_FALSE(ksk_base.empty() || zsk_base.empty());
  ksk_base = ksk_base.substr(0, ksk_base.size() - 4),
  zsk_base = zsk_base.substr(0, zsk_base.size() - 4);
  auto old_ksk = sg::PrivateKey::from_bind_private(*read_file(ksk_base + ".private"));
  auto zsk = sg::PrivateKey::from_bind_private(*read_file(zsk_base + ".private"));
  auto new_ksk = sg::PrivateKey::generate(sg::Algorithm::ECDSAP256SHA256, 0);
  ASSERT_TRUE(old_ksk.ok()) << ksk_base << ": " << old_ksk.error().message;
  ASSERT_TRUE(zsk.ok()) << zsk_base << ": " << zsk.error().message;
  ASSERT_TRUE(new_ksk.ok()) << new_ksk.error().message;
  Name origin = *Name::from_text("island.plain.test.");
  sg::LoadOptions lo;
  lo.origin = origin;
  auto zone = sg::load_zone_file(env().dir + "/zones/island.plain.test.zone", lo);
  ASSERT_TRUE(zone.ok()) << zone.error().message;
  const std::string rndc = "rndc -c " + env().dir + "/bind-island/rndc.conf ";

  auto dnskey_of = [](const sg::PrivateKey& k) {
    return sg::Dnskey{sg::kFlagsKsk, k.algorithm(), k.public_key()};
  };
  sg::Dnskey old_key = dnskey_of(*old_ksk), new_key = dnskey_of(*new_ksk);
  uint16_t zsk_tag =
      sg::key_tag(sg::dnskey_rdata({sg::kFlagsZsk, zsk->algorithm(), zsk->public_key()}));

  // Re-sign the island with the rollover's KSK set, serve it and wait until BIND has it.
  auto sign_and_serve = [&](const std::vector<KskEntry>& ksks) -> std::string {
    sg::SignOptions o;
    for (const KskEntry& e : ksks) {
      const sg::PrivateKey* k = e.dnskey.public_key == old_key.public_key ? &*old_ksk : &*new_ksk;
      o.keys.push_back(
          {k, e.dnskey.flags, sg::key_tag(sg::dnskey_rdata(e.dnskey)), e.signs_dnskey, false});
    }
    o.keys.push_back({&*zsk, sg::kFlagsZsk, zsk_tag, false, true});
    int64_t now = unix_now();
    o.inception = now - 3600, o.expiration = now + 14 * 86400, o.now = now;
    o.serial = sg::SerialPolicy::Increment;
    o.dnskey_ttl = 10;
    zone->remove_rrset(origin, sg::rrtype::DNSKEY);
    auto st = sg::sign_zone(*zone, o);
    if (!st) return "sign: " + st.error().message;
    auto w = sg::write_zone_file(*zone, env().get("LAB_ISLAND_ZONEFILE"), {});
    if (!w) return "write: " + w.error().message;
    std::string serial = std::to_string(st->serial);
    for (int i = 0; i < 20; ++i) {
      Run("touch -d '+" + std::to_string(i + 1) + " sec' " + env().get("LAB_ISLAND_ZONEFILE"));
      Run(rndc + "reload island.plain.test. 2>&1");
      if (Run("dig +short +norec @" + env().island_addr + " island.plain.test. SOA")
              .output.find(" " + serial + " ") != std::string::npos)
        return "";
      usleep(300000);
    }
    return "BIND did not load serial " + serial;
  };

  // --- Initial document (old key only), then Unbound seeded from the repository.
  RolloverOptions ro;
  ro.add_holddown = 20, ro.remove_holddown = 20, ro.margin = 12, ro.retry = 2;
  ro.source = s.https.base_url + "/island.plain.test.xml";
  Rollover r = make_rollover(origin, old_key, unix_now() - 60, new_key, ro);
  Publication initial{"island.plain.test", expected_document(r), unix_now(), 10};
  ASSERT_TRUE(repo->publish(initial).ok());
  auto seed = https_get(s.https, s.https.base_url + "/island.plain.test.ds");
  ASSERT_TRUE(seed.ok()) << seed.error().message;
  ASSERT_NE(seed->find(std::to_string(sg::key_tag(sg::dnskey_rdata(old_key)))), std::string::npos);
  write(d + "/autotrust.island", *seed);
  write(d + "/unbound.conf",
        "server:\n interface: " + s.unbound +
            "\n port: 53\n username: \"\"\n chroot: \"\"\n"
            " directory: \"" +
            d + "\"\n pidfile: \"" + d +
            "/unbound.pid\"\n use-syslog: no\n"
            " logfile: \"" +
            d +
            "/unbound.log\"\n verbosity: 1\n do-not-query-localhost: no\n"
            " local-zone: \"test.\" nodefault\n root-hints: \"" +
            env().root_hints +
            "\"\n"
            " auto-trust-anchor-file: \"" +
            d +
            "/autotrust.island\"\n add-holddown: 20\n"
            " del-holddown: 20\n keep-missing: 20\n permit-small-holddown: yes\n"
            " cache-max-ttl: 5\n val-bogus-ttl: 1\n access-control: 127.0.0.0/8 allow\n"
            "remote-control:\n control-enable: no\n");
  auto ub = Run("unbound -c " + d + "/unbound.conf 2>&1");
  ASSERT_EQ(ub.exit_code, 0) << ub.output;

  // --- Probe every 0.5 s: secure (AD) answers only.
  std::atomic<bool> stop{false};
  std::atomic<int> probes{0}, bogus{0}, insecure{0};
  std::string last_bad;
  std::mutex bad_mu;
  std::thread probe([&] {
    while (!stop) {
      auto p = Run("dig +tries=1 +time=2 @" + s.unbound + " www.island.plain.test. TXT");
      ++probes;
      if (p.output.find("status: NOERROR") == std::string::npos) {
        ++bogus;
        std::lock_guard l(bad_mu);
        last_bad = p.output;
      } else if (!std::regex_search(p.output, std::regex("flags:[a-z ]* ad[ ;]"))) {
        ++insecure;
      }
      usleep(500000);
    }
  });
  while (probes < 4) usleep(100000);

  // --- The rollover, in real (short) time.
  std::vector<std::string> log;
  const std::string new_tag_s = std::to_string(sg::key_tag(sg::dnskey_rdata(new_key)));
  bool new_valid_at_switch = false, saw_revoked = false;
  auto autotrust_has = [&](const std::string& a, const std::string& b) {
    std::istringstream in(
        read_file(d + "/autotrust.island").ok() ? *read_file(d + "/autotrust.island") : "");
    for (std::string line; std::getline(in, line);)
      if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
    return false;
  };
  auto execute = [&](Step st) {
    for (auto& t : st.transitions) {
      log.push_back(t);
      if (t.rfind("NewKeyPublished -> Switched", 0) == 0)
        new_valid_at_switch = autotrust_has("id = " + new_tag_s + " ", "VALID");
    }
    if (st.alert) log.push_back("ALERT " + st.status);
    for (const Action& a : st.actions) {
      if (a.kind == ActionKind::SignZone) {
        std::string err = sign_and_serve(a.ksks);
        EXPECT_EQ(err, "");
        continue;
      }
      Publication p{"island.plain.test", *a.document, unix_now(), 10};
      auto up = repo->publish(p);
      Result<std::vector<DocumentProblem>> c =
          up ? repo->confirm(p) : Result<std::vector<DocumentProblem>>(up.error());
      Step f = !c           ? on_document_failed(r, unix_now(), c.error().message)
               : c->empty() ? on_document_served(r, unix_now(), p.document)
                            : on_document_failed(r, unix_now(), describe_problems(*c));
      if (f.alert) log.push_back("ALERT " + f.status);
    }
    return st.next;
  };
  std::optional<int64_t> next = execute(start(r, unix_now()));
  while (next && r.state != RolloverState::Done) {
    while (unix_now() < *next) {
      saw_revoked = saw_revoked || autotrust_has("DNSKEY", "REVOKED");
      usleep(200000);
    }
    next = execute(on_tick(r, unix_now()));
  }
  // Let Unbound see the final key set for a few probes.
  sleep(8);
  stop = true;
  probe.join();
  for (auto& l : log) std::cout << "[tar-lab] " << l << "\n";
  std::cout << "[tar-lab] probes " << probes << " bogus " << bogus << " insecure " << insecure
            << "\n";
  EXPECT_EQ(r.state, RolloverState::Done);
  // RFC 5011 really ran in Unbound: the new key was a trust anchor (add hold-down passed)
  // before the old one stopped signing, and the old one was seen revoked before removal.
  EXPECT_TRUE(new_valid_at_switch);
  EXPECT_TRUE(saw_revoked);
  EXPECT_EQ(bogus, 0) << last_bad;
  EXPECT_EQ(insecure, 0);
  std::string autotrust = *read_file(d + "/autotrust.island");
  std::cout << autotrust;
  std::string new_tag = std::to_string(sg::key_tag(sg::dnskey_rdata(new_key)));
  std::smatch m;
  int valid = 0;
  std::string valid_line;
  std::istringstream in(autotrust);
  for (std::string line; std::getline(in, line);)
    if (line.find("VALID") != std::string::npos && line.find("DNSKEY") != std::string::npos)
      ++valid, valid_line = line;
  EXPECT_EQ(valid, 1) << autotrust;
  EXPECT_NE(valid_line.find("id = " + new_tag + " "), std::string::npos) << autotrust;

  // --- Repository down: a second rollover waits and alerts, never switches.
  Run("kill $(cat " + d + "/nginx.pid)");
  sleep(1);
  Rollover down = make_rollover(origin, new_key, unix_now(), old_key, ro);
  Step st0 = start(down, unix_now());
  Publication p0{"island.plain.test", *st0.actions[1].document, unix_now(), 10};
  auto up = repo->publish(p0);
  ASSERT_FALSE(up.ok());
  std::cout << "[tar-lab] repository down: " << up.error().message << "\n";
  Step f = on_document_failed(down, unix_now(), up.error().message);
  EXPECT_TRUE(f.alert);
  Step late = on_tick(down, unix_now() + 3600);
  EXPECT_EQ(down.state, RolloverState::NewKeyPublished);
  EXPECT_TRUE(late.alert);
  std::cout << "[tar-lab] " << late.status << "\n";

  // --- Tampered document served by the repository: detected.
  ng = Run("nginx -e " + d + "/nginx.err -c " + s.nginx_conf + " 2>&1");
  ASSERT_EQ(ng.exit_code, 0) << ng.output;
  Publication fin{"island.plain.test", expected_document(r), unix_now(), 10};
  auto ok = repo->confirm(fin);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->empty()) << describe_problems(*ok);
  std::string xml = *read_file(d + "/www/anchors/island.plain.test.xml");
  size_t at = xml.rfind("<Digest>") + 10;
  xml[at] = xml[at] == '0' ? '1' : '0';
  write(d + "/www/anchors/island.plain.test.xml", xml);
  auto bad = repo->confirm(fin);
  ASSERT_TRUE(bad.ok());
  ASSERT_FALSE(bad->empty());
  EXPECT_EQ((*bad)[0].kind, DocumentProblem::Kind::DigestMismatch);
  std::cout << "[tar-lab] tampered: " << describe_problems(*bad) << "\n";
  Step t = on_document_served(r, unix_now(), *parse_xml(xml));
  EXPECT_TRUE(t.alert);

  // --- DLV into a BIND-served dlv.test. zone.
  Run("ip addr add " + s.dlv + "/32 dev lo 2>/dev/null");
  Run("mkdir -p " + d + "/named");
  write(d + "/named/dlv.test.zone",
        "$TTL 10\n@ SOA ns.dlv.test. h.dlv.test. 1 10 5 100 5\n@ NS ns\nns A " + s.dlv + "\n");
  std::string alg = env().tsig_alg, kname = env().tsig_name;
  write(d + "/named/named.conf", "options { directory \"" + d + "/named\"; pid-file \"" + d +
                                     "/named/pid\"; listen-on port 53 { " + s.dlv +
                                     "; }; listen-on-v6 { none; }; session-keyfile \"" + d +
                                     "/named/session.key\"; recursion no; };\n"
                                     "key \"" +
                                     kname + "\" { algorithm " + alg + "; secret \"" +
                                     env().tsig_secret +
                                     "\"; };\n"
                                     "controls { };\nzone \"dlv.test.\" { type primary; file \"" +
                                     d + "/named/dlv.test.zone\"; update-policy { grant \"" +
                                     kname + "\" zonesub ANY; }; };\n");
  auto named = Run("named -c " + d + "/named/named.conf -n 1 -4 2>&1");
  ASSERT_EQ(named.exit_code, 0) << named.output;
  for (int i = 0; i < 30 && Run("dig +short @" + s.dlv + " dlv.test. SOA").output.empty(); ++i)
    usleep(200000);
  auto dlv = make_dlv_target(
      DlvOptions{s.dlv, "dlv.test.", kname, alg, signer::SecretString(env().tsig_secret)});
  auto pub = dlv->publish(fin);
  EXPECT_TRUE(pub.ok()) << (pub ? "" : pub.error().message);
  auto dig = Run("dig +short @" + s.dlv + " island.plain.test.dlv.test. DLV");
  std::cout << "[tar-lab] dig DLV: " << dig.output;
  EXPECT_NE(dig.output.find(new_tag + " 13 2 "), std::string::npos) << dig.output;
  auto dc = dlv->confirm(fin);
  ASSERT_TRUE(dc.ok()) << dc.error().message;
  EXPECT_TRUE(dc->empty()) << describe_problems(*dc);
  DlvOptions wrong{s.dlv, "dlv.test.", kname, alg,
                   signer::SecretString("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")};
  EXPECT_FALSE(make_dlv_target(std::move(wrong))->publish(fin).ok());
}

}  // namespace
}  // namespace ts::lab
