// HTTPS trust-anchor repository target over libcurl: PUT, DELETE and GET (read back and
// compare). TLS peer and host verification are always on; there is no option to disable
// them. Credentials: a bearer token read from a file that must not be readable by group
// or others, and/or a client certificate.
#include <curl/curl.h>
#include <sys/stat.h>

#include <memory>
#include <mutex>

#include "common/atomic_file.h"
#include "tar/publisher.h"

namespace ts::tar {
namespace {

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Result<std::string> read_token(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(path + ": bearer token file not found");
  if (st.st_mode & 077) return fail(path + ": bearer token file must be mode 0600 (is it shared?)");
  auto t = read_file(path);
  if (!t) return t.error();
  std::string s = *t;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) return fail(path + ": empty bearer token");
  return s;
}

struct HttpResult {
  long code = 0;
  std::string body;
};

// One request; never logs the token.
Result<HttpResult> request(const HttpsOptions& o, const std::string& method, const std::string& url,
                           const std::string* body) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (url.rfind("https://", 0) != 0) return fail(url + ": only https:// URLs are allowed");
  std::unique_ptr<CURL, CurlFree> c(curl_easy_init());
  if (!c) return fail("curl_easy_init failed");
  std::unique_ptr<curl_slist, SlistFree> headers;
  std::string auth;
  if (!o.bearer_token_file.empty()) {
    auto tok = read_token(o.bearer_token_file);
    if (!tok) return tok.error();
    auth = "Authorization: Bearer " + *tok;
    headers.reset(curl_slist_append(headers.release(), auth.c_str()));
  }
  if (body) headers.reset(curl_slist_append(headers.release(), "Content-Type: application/xml"));
  HttpResult r;
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* h = c.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.client_cert.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, o.client_cert.c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEY, o.client_key.c_str());
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT, o.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  if (method != "GET") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK)
    return fail(method + " " + url + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.code);
  return r;
}

std::string join(const std::string& base, const std::string& name) {
  return base.empty() || base.back() == '/' ? base + name : base + "/" + name;
}

class HttpsRepositoryTarget final : public TrustAnchorTarget {
 public:
  explicit HttpsRepositoryTarget(HttpsOptions o) : o_(std::move(o)) {}
  std::string describe() const override { return "repository " + o_.base_url; }

  Status publish(const Publication& p) override {
    auto files = render(p);
    if (!files) return files.error();
    for (int i : {1, 2, 0}) {  // the XML last, as in the local directory
      const RenderedFile& f = (*files)[i];
      std::string url = join(o_.base_url, f.name);
      auto r = request(o_, o_.method, url, &f.content);
      if (!r) return r.error();
      if (r->code < 200 || r->code > 299)
        return fail(o_.method + " " + url + ": HTTP " + std::to_string(r->code));
    }
    return {};
  }

  Result<std::vector<DocumentProblem>> confirm(const Publication& p) override {
    std::string url = join(o_.base_url, p.name + ".xml");
    auto text = https_get(o_, url);
    if (!text) return text.error();
    auto doc = parse_xml(*text);
    if (!doc) return fail(url + ": " + doc.error().message);
    return compare_documents(p.document, *doc);
  }

  Status withdraw(const Publication& p) override {
    for (const char* ext : {".xml", ".ds", ".dnskey"}) {
      std::string url = join(o_.base_url, p.name + ext);
      auto r = request(o_, "DELETE", url, nullptr);
      if (!r) return r.error();
      if ((r->code < 200 || r->code > 299) && r->code != 404)
        return fail("DELETE " + url + ": HTTP " + std::to_string(r->code));
    }
    return {};
  }

 private:
  HttpsOptions o_;
};

}  // namespace

Result<std::string> https_get(const HttpsOptions& o, const std::string& url) {
  auto r = request(o, "GET", url, nullptr);
  if (!r) return r.error();
  if (r->code != 200) return fail("GET " + url + ": HTTP " + std::to_string(r->code));
  return r->body;
}

std::unique_ptr<TrustAnchorTarget> make_https_target(HttpsOptions o) {
  return std::make_unique<HttpsRepositoryTarget>(std::move(o));
}

}  // namespace ts::tar
