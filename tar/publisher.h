// Where trust anchors are published: the TrustAnchorTarget interface and its three kinds.
// A Publication is one zone's document; each target puts it where validators look, reads
// it back (confirm) and can withdraw it.
//  - LocalDirectoryTarget: <dir>/<name>.xml, .ds, .dnskey written atomically (temp, fsync,
//    rename) for a web server to serve.
//  - HttpsRepositoryTarget: PUT/DELETE/GET of <base_url>/<name>.xml/.ds/.dnskey via libcurl,
//    TLS always verified (optional private CA), bearer token from a 0600 file or a client
//    certificate.
//  - DlvTarget: DLV records (RFC 4431, DS rdata, type 32769) at <zone>.<dlv-zone> replaced
//    by RFC 2136 UPDATE signed with TSIG (ldns). DLV is historic (RFC 8749): closed
//    deployments only.
//
//   HttpsOptions o;  o.base_url = "https://127.0.0.1:8443/anchors";  o.ca_file = ca;
//   auto t = make_https_target(o);
//   Publication p{"island.plain.test", doc, now, 3600};
//   if (auto st = t->publish(p); !st) alert(st.error().message);
//   auto problems = t->confirm(p);      // Result<vector<DocumentProblem>>; empty = served
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "signer/crypto.h"
#include "tar/anchor_document.h"

namespace ts::tar {

struct Publication {
  std::string name;  // file base name, e.g. "island.plain.test"
  AnchorDocument document;
  UnixTime now = 0;     // the DS/DNSKEY files hold the keys valid at this time
  uint32_t ttl = 3600;  // TTL of the DS/DNSKEY/DLV records
};

/// The three files of a publication: name.xml, name.ds, name.dnskey.
struct RenderedFile {
  std::string name;
  std::string content;
};
Result<std::vector<RenderedFile>> render(const Publication& p);

class TrustAnchorTarget {
 public:
  virtual ~TrustAnchorTarget() = default;
  virtual std::string describe() const = 0;
  virtual Status publish(const Publication& p) = 0;
  /// Reads back what the target serves and compares it with the publication; the problems
  /// are empty when it serves exactly this document. Failure = could not read it.
  virtual Result<std::vector<DocumentProblem>> confirm(const Publication& p) = 0;
  virtual Status withdraw(const Publication& p) = 0;
};

struct LocalDirectoryOptions {
  std::string dir;
  unsigned mode = 0644;
};
std::unique_ptr<TrustAnchorTarget> make_local_directory_target(LocalDirectoryOptions o);

struct HttpsOptions {
  std::string base_url;           // https://host[:port]/path (no trailing slash needed)
  std::string ca_file;            // PEM CA bundle to verify the server; empty: system CAs
  std::string bearer_token_file;  // must be mode 0600 (or stricter)
  std::string client_cert;        // PEM client certificate (with client_key)
  std::string client_key;
  long timeout_seconds = 10;
  /// "PUT" (WebDAV style, the default) or "POST" (repositories that take uploads by POST).
  std::string method = "PUT";
};
std::unique_ptr<TrustAnchorTarget> make_https_target(HttpsOptions o);
/// GET one URL (TLS verified as above); for tests and for seeding validators.
Result<std::string> https_get(const HttpsOptions& o, const std::string& url);

struct DlvOptions {
  std::string server;     // primary of the DLV registry zone: "127.0.0.1" or "ADDR@PORT"
  std::string dlv_zone;   // e.g. "dlv.test."
  std::string tsig_name;  // TSIG key name
  std::string tsig_alg = "hmac-sha256";
  signer::SecretString tsig_secret;  // base64; wiped when the target goes
};
std::unique_ptr<TrustAnchorTarget> make_dlv_target(DlvOptions o);

}  // namespace ts::tar
