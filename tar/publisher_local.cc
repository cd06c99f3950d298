// Publication rendering and the local-directory trust-anchor target.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/atomic_file.h"
#include "tar/publisher.h"

namespace ts::tar {

Result<std::vector<RenderedFile>> render(const Publication& p) {
  auto ds = ds_presentation(p.document, p.now, p.ttl);
  if (!ds) return ds.error();
  auto dnskey = dnskey_presentation(p.document, p.now, p.ttl);
  if (!dnskey) return dnskey.error();
  return std::vector<RenderedFile>{
      {p.name + ".xml", to_xml(p.document)}, {p.name + ".ds", *ds}, {p.name + ".dnskey", *dnskey}};
}

namespace {

class LocalDirectoryTarget final : public TrustAnchorTarget {
 public:
  explicit LocalDirectoryTarget(LocalDirectoryOptions o) : o_(std::move(o)) {}
  std::string describe() const override { return "directory " + o_.dir; }

  Status publish(const Publication& p) override {
    auto files = render(p);
    if (!files) return files.error();
    // The XML goes last: a reader that sees the new document also finds the new DS files.
    for (int i : {1, 2, 0}) {
      const RenderedFile& f = (*files)[i];
      if (auto st = write_file_atomically(o_.dir + "/" + f.name, f.content, o_.mode); !st)
        return st.error();
    }
    return {};
  }

  Result<std::vector<DocumentProblem>> confirm(const Publication& p) override {
    auto text = read_file(o_.dir + "/" + p.name + ".xml");
    if (!text) return text.error();
    auto doc = parse_xml(*text);
    if (!doc) return fail(o_.dir + "/" + p.name + ".xml: " + doc.error().message);
    return compare_documents(p.document, *doc);
  }

  Status withdraw(const Publication& p) override {
    for (const char* ext : {".xml", ".ds", ".dnskey"}) {
      std::string path = o_.dir + "/" + p.name + ext;
      if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return fail(path + ": " + std::strerror(errno));
    }
    return {};
  }

 private:
  LocalDirectoryOptions o_;
};

}  // namespace

std::unique_ptr<TrustAnchorTarget> make_local_directory_target(LocalDirectoryOptions o) {
  return std::make_unique<LocalDirectoryTarget>(std::move(o));
}

}  // namespace ts::tar
