// The parent-side child scan (parentsync/child_scan*.h) against the lab's real servers,
// instance 25. The child sub.example.test. (NSD, pre-signed) is re-signed with
// dnssec-signzone with a second KSK and CDS/CDNSKEY for it: the scan accepts that rollover
// CDS. A second NSD on .9, outside lab.sh, serves a different CDS for the same zone: with
// that address in the delegation the scan rejects, naming it. RFC 9615: .9 also serves the
// unsigned-at-the-parent child boot.example.test. (delegated in example.test. by UPDATE to
// Knot, no DS) whose NS ns9.sub.example.test. carries the signal
// _dsboot.boot.example.test._signal.ns9.sub.example.test. in the signed zone sub: accepted;
// with a second NS ns9b.sub.example.test. that has no signal: rejected, naming it. Last,
// sub.example.test. re-signed with the RFC 8078 delete form: Delete.
// The resolver is the project's libunbound one (lab root anchor, fresh context per query).
#include <signal.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "parentsync/child_scan_fetch.h"
#include "resolver/resolver.h"
#include "tests/lab/lab_fixture.h"

namespace ts::lab {
namespace {

using namespace ts::parentsync;
using Kind = ChildDsDecision::Kind;

Name N(const std::string& s) {
  return *Name::from_text(s);
}

class ChildScanLab : public LabFixture {
 public:
  static void SetUpTestSuite() {
    // Instance 25 unless CHILDSCAN_LAB_TEST_INSTANCE says otherwise (a helper's free one).
    const char* inst = std::getenv("CHILDSCAN_LAB_TEST_INSTANCE");
    StartLab(inst && std::atoi(inst) > 0 ? std::atoi(inst) : 25);
    prepared_ = false;
    prepare_error_.clear();
  }
  static void TearDownTestSuite() {
    if (!nsd9_pidfile_.empty()) {
      std::ifstream in(nsd9_pidfile_);
      pid_t pid = 0;
      if (in >> pid && pid > 1) kill(pid, SIGTERM);
    }
    StopLab();
  }

 protected:
  void SetUp() override {
    LabFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!prepared_ && prepare_error_.empty()) Prepare();
    ASSERT_TRUE(prepared_) << prepare_error_;
  }

  // Keys, zones, the second NSD, the delegation of boot.example.test.
  static void Prepare() {
    const LabEnv& e = env();
    const std::string d = e.dir + "/childscan", p = e.prefix;
    addr9_ = p + ".9";
    std::string script =
        "set -e; rm -rf " + d + "; mkdir -p " + d + "/sub " + d + "/boot; cd " + d + "\n";
    // sub: the lab's keys plus a new KSK; CDS/CDNSKEY for the new KSK only (a rollover).
    script += "cp " + e.sub_keydir + "/K* sub/\n";
    script +=
        "NEW=$(dnssec-keygen -q -K sub -a ECDSAP256SHA256 -L 10 -f KSK -n ZONE "
        "sub.example.test.)\n";
    script += "OLD=$(grep -l 'key-signing' sub/K*.key | grep -v \"$NEW\" | head -1)\n";
    script += "echo \"$NEW\" >new.ksk\n";
    // boot: its own keys, CDS/CDNSKEY of its KSK.
    script +=
        "BK=$(dnssec-keygen -q -K boot -a ECDSAP256SHA256 -L 10 -f KSK -n ZONE "
        "boot.example.test.)\n";
    script +=
        "dnssec-keygen -q -K boot -a ECDSAP256SHA256 -L 10 -n ZONE boot.example.test. "
        ">/dev/null\n";
    script +=
        "cds() { dnssec-dsfromkey -C -2 -T 10 \"$1\"; grep -v '^;' \"$1\" | "
        "sed 's/ DNSKEY / CDNSKEY /; s/ IN DNSKEY / IN CDNSKEY /'; }\n";
    script += "cds boot/$BK.key >boot.cds\n";
    script += "{ cat " + e.dir + "/zones/sub.example.test.zone\n";
    script += "  echo 'ns9.sub.example.test. 10 IN A " + addr9_ + "'\n";
    script += "  echo 'ns9b.sub.example.test. 10 IN A " + addr9_ + "'\n";
    script +=
        "  sed 's/^boot.example.test./_dsboot.boot.example.test._signal.ns9.sub.example."
        "test./' boot.cds; } >sub.base\n";
    script += "{ cat sub.base; cds sub/$NEW.key; } >sub.zone\n";
    script +=
        "{ cat sub.base; cds sub/$NEW.key; dnssec-dsfromkey -C -2 -T 10 $OLD; } "
        ">sub9.zone\n";
    script +=
        "sign() { dnssec-signzone -q -S -x -K $1 -o $2 -e +2592000 -d . -f $4 $3 "
        ">/dev/null; }\n";
    script += "sign sub sub.example.test. sub.zone sub.signed\n";
    script += "sign sub sub.example.test. sub9.zone sub9.signed\n";
    script +=
        "{ echo '$TTL 10'; echo 'boot.example.test. 10 IN SOA ns9.sub.example.test. "
        "h.boot.example.test. 1 10 5 1209600 5'; echo 'boot.example.test. 10 IN NS "
        "ns9.sub.example.test.'; echo 'www.boot.example.test. 10 IN TXT boot'; cat "
        "boot.cds; } >boot.zone\n";
    script += "sign boot boot.example.test. boot.zone boot.signed\n";
    script += "cp sub.signed " + e.sub_zonefile + "\n";
    Run("true");
    CommandResult r = Run("bash -c '" + Escape(script) + "'");
    if (r.exit_code != 0) {
      prepare_error_ = "preparing zones failed:\n" + r.output;
      return;
    }
    r = Lab("reload-sub");
    if (r.exit_code != 0) {
      prepare_error_ = "reload-sub failed:\n" + r.output;
      return;
    }
    // The second NSD (.9): the other sub.example.test. and boot.example.test.
    std::string conf = d + "/nsd9.conf";
    nsd9_pidfile_ = d + "/nsd9.pid";
    std::ofstream(conf) << "server:\n  ip-address: " << addr9_
                        << "\n  port: 53\n  do-ip6: no\n  username: \"\"\n  chroot: \"\"\n"
                        << "  zonesdir: \"" << d << "\"\n  database: \"\"\n  pidfile: \""
                        << nsd9_pidfile_ << "\"\n  xfrdfile: \"" << d
                        << "/xfrd.state\"\n  zonelistfile: \"" << d << "/zone.list\"\n  logfile: \""
                        << d << "/nsd9.log\"\n  server-count: 1\n  reuseport: no\n"
                        << "remote-control:\n  control-enable: no\n"
                        << "zone:\n  name: sub.example.test.\n  zonefile: \"" << d
                        << "/sub9.signed\"\nzone:\n  name: boot.example.test.\n  zonefile: \"" << d
                        << "/boot.signed\"\n";
    r = Run("nsd -c " + conf + " && for i in $(seq 50); do dig +norec +short +time=1 +tries=1 @" +
            addr9_ + " boot.example.test. SOA | grep -q . && exit 0; sleep 0.1; done; exit 1");
    if (r.exit_code != 0) {
      prepare_error_ = "the second NSD on " + addr9_ + " did not start:\n" + r.output;
      return;
    }
    // The insecure delegation of boot.example.test. in example.test. (Knot signs it).
    r = Run("printf 'server " + e.example_primary +
            "\\nupdate add boot.example.test. 10 NS ns9.sub.example.test.\\nsend\\n' | "
            "nsupdate -k " +
            e.tsig_file);
    if (r.exit_code != 0) {
      prepare_error_ = "nsupdate of example.test. failed:\n" + r.output;
      return;
    }
    prepared_ = true;
  }
  static std::string Escape(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out;
  }

  std::unique_ptr<resolver::Resolver> Resolver() {
    resolver::ResolverOptions ro;
    ro.trust_anchor_files = {env().trust_anchor};
    ro.root_hints = env().root_hints;
    ro.fresh_context_per_query = true;
    ro.query_timeout_ms = 5000;
    auto r = resolver::make_unbound_resolver(ro);
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(*r) : nullptr;
  }
  // The DS of sub.example.test. as example.test.'s primary serves it (P's zone data).
  std::vector<DsRecord> SubDs() {
    std::vector<DsRecord> out;
    std::istringstream in(
        Run("dig +norec +short @" + env().example_primary + " sub.example.test. DS").output);
    for (std::string l; std::getline(in, l);)
      if (auto ds = DsRecord::from_rdata_text(l)) out.push_back(*ds);
    return out;
  }
  ChildDsDecision Scan(const ChildDelegation& d) {
    auto r = Resolver();
    if (!r) return {};
    NetworkChildScanSource src(*r, 3);
    auto in = src.gather(d, static_cast<UnixTime>(time(nullptr)));
    for (const auto& s : in.servers)
      std::cout << "  " << s.server << ": " << (s.error.empty() ? "ok" : s.error) << ", "
                << s.dnskey.size() << " DNSKEY, " << s.cds.size() << " CDS, " << s.cdnskey.size()
                << " CDNSKEY, " << s.rrsigs.size() << " RRSIG\n";
    ChildDsDecision dec = decide_child_ds(in, {});
    std::cout << d.child.to_text() << ": " << child_ds_kind_name(dec.kind) << ": " << dec.reason
              << "\n";
    return dec;
  }
  std::string NewKsk() {
    std::ifstream in(env().dir + "/childscan/new.ksk");
    std::string base;
    in >> base;
    return env().dir + "/childscan/sub/" + base + ".key";
  }

  static inline bool prepared_ = false;
  static inline std::string prepare_error_;
  static inline std::string nsd9_pidfile_;
  static inline std::string addr9_;
};

TEST_F(ChildScanLab, AcceptsRolloverCdsFromNsd) {
  ChildDelegation d{N("sub.example.test."), SubDs(), {{N("ns.sub.example.test."), {}}}, 10};
  ASSERT_EQ(d.ds.size(), 1u);
  ChildDsDecision dec = Scan(d);
  ASSERT_EQ(dec.kind, Kind::Accept) << dec.reason;
  // The accepted DS is the new KSK's (dnssec-dsfromkey), not the current one.
  auto want = DsRecord::from_rdata_text(
      Run("dnssec-dsfromkey -2 " + NewKsk() + " | awk '{print $4, $5, $6, $7}'").output);
  ASSERT_TRUE(want);
  ASSERT_EQ(dec.ds.size(), 1u);
  EXPECT_EQ(dec.ds[0], *want);
  EXPECT_NE(dec.ds[0], d.ds[0]);
}

TEST_F(ChildScanLab, RejectsWhenOneServerServesAnotherCds) {
  ChildDelegation d{
      N("sub.example.test."), SubDs(), {{N("ns.sub.example.test."), {env().sub_addr, addr9_}}}, 10};
  ChildDsDecision dec = Scan(d);
  EXPECT_EQ(dec.kind, Kind::Reject);
  EXPECT_NE(dec.reason.find("disagree"), std::string::npos) << dec.reason;
  EXPECT_NE(dec.reason.find(addr9_), std::string::npos) << dec.reason;
}

TEST_F(ChildScanLab, SecureChildCdsIsNotTakenWithoutTheCurrentDs) {
  // The same CDS judged against a DS set that does not contain the child's KSK: nothing
  // authenticates it (RFC 7344 4.1).
  ChildDelegation d{N("sub.example.test."), {}, {{N("ns.sub.example.test."), {}}}, 10};
  d.ds = {*DsRecord::from_rdata_text("12345 13 2 " + std::string(64, 'A'))};
  ChildDsDecision dec = Scan(d);
  EXPECT_EQ(dec.kind, Kind::Reject);
  EXPECT_NE(dec.reason.find("matches a DS"), std::string::npos) << dec.reason;
}

TEST_F(ChildScanLab, Rfc9615BootstrapAcceptedWithValidatedSignal) {
  ChildDelegation d{N("boot.example.test."), {}, {{N("ns9.sub.example.test."), {}}}, 10};
  ChildDsDecision dec = Scan(d);
  ASSERT_EQ(dec.kind, Kind::Accept) << dec.reason;
  EXPECT_TRUE(dec.bootstrap);
  EXPECT_EQ(dec.ds.size(), 1u);
}

TEST_F(ChildScanLab, Rfc9615BootstrapRejectedWhenOneNsLacksItsSignal) {
  ChildDelegation d{N("boot.example.test."),
                    {},
                    {{N("ns9.sub.example.test."), {}}, {N("ns9b.sub.example.test."), {}}},
                    10};
  ChildDsDecision dec = Scan(d);
  EXPECT_EQ(dec.kind, Kind::Reject);
  EXPECT_NE(dec.reason.find("ns9b.sub.example.test."), std::string::npos) << dec.reason;
}

TEST_F(ChildScanLab, DeleteFormFromNsdRemovesTheDs) {
  // Last: sub.example.test. re-signed with the RFC 8078 delete form only.
  const std::string d = env().dir + "/childscan";
  CommandResult r = Run("cd " + d +
                        " && { cat sub.base; echo 'sub.example.test. 10 IN CDS 0 0 0 00'; echo "
                        "'sub.example.test. 10 IN CDNSKEY 0 3 0 AA=='; } >subdel.zone && "
                        "dnssec-signzone -q -S -x -K sub -o sub.example.test. -e +2592000 -d . -f "
                        "subdel.signed subdel.zone && cp subdel.signed " +
                        env().sub_zonefile);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(Lab("reload-sub").exit_code, 0);
  ChildDelegation del{N("sub.example.test."), SubDs(), {{N("ns.sub.example.test."), {}}}, 10};
  ChildDsDecision dec = Scan(del);
  EXPECT_EQ(dec.kind, Kind::Delete) << dec.reason;
}

}  // namespace
}  // namespace ts::lab
