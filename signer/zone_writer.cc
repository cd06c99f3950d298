// Zone writing: presentation format (owner, TTL, class, type, rdata), formatted in parallel
// chunks and written in order. Names are escaped by rdata_text.cc (ldns 1.8 leaves '"' bare);
// the hot types take rdata_text.cc's direct path, every other type ldns_rdf2buffer_str.
#include "signer/zone_writer.h"

#include <charconv>
#include <condition_variable>
#include <mutex>
#include <optional>  // before ldns (common/atomic_file.h uses it)
#include <thread>
#include <vector>

// ldns after the standard headers: its C headers define names that break <optional>.
#include <ldns/ldns.h>

#include "common/atomic_file.h"
#include "signer/rdata_text.h"

namespace ts::signer {
namespace {

constexpr size_t kNodesPerChunk = 2048;
constexpr size_t kChunksInFlightPerThread = 4;

std::string owned_str(char* s, const std::string& fallback) {
  std::string out = s ? s : fallback;
  free(s);
  return out;
}

// Formats records; one per thread (it reuses an ldns buffer).
class Formatter {
 public:
  explicit Formatter(const Zone& zone)
      : klass_(owned_str(ldns_rr_class2str(static_cast<ldns_rr_class>(zone.klass())),
                         "CLASS" + std::to_string(zone.klass()))) {}
  Formatter(const Formatter&) = delete;
  Formatter& operator=(const Formatter&) = delete;

  void node(std::string& out, const Name& name, const Node& node) {
    std::string owner;
    append_name_text(owner, name.wire());
    const RRset* soa = node.find(rrtype::SOA);
    if (soa) rrset(out, owner, *soa);
    for (const RRset& set : node.rrsets) {
      if (&set != soa) rrset(out, owner, set);
    }
  }

  void nsec3(std::string& out, const Bytes& hash, const Nsec3Entry& e, const std::string& origin) {
    std::string owner(ldns_b32_ntop_calculate_size_no_padding(hash.size()) + 1, '\0');
    int n = ldns_b32_ntop_extended_hex(hash.data(), hash.size(), owner.data(), owner.size());
    owner.resize(n > 0 ? static_cast<size_t>(n) : 0);
    for (auto& c : owner) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    if (origin != ".")
      owner += "." + origin;
    else
      owner += ".";
    set_prefix(owner, e.ttl);
    if (!e.rdata.empty()) record(out, rrtype::NSEC3, e.rdata);
    for (const Bytes& sig : e.rrsigs) record(out, rrtype::RRSIG, sig);
  }

 private:
  // Records share "owner<TAB>ttl<TAB>class<TAB>": built once per RRset.
  void set_prefix(const std::string& owner, uint32_t ttl) {
    prefix_ = owner;
    prefix_ += '\t';
    char num[10];
    prefix_.append(num, std::to_chars(num, num + sizeof num, ttl).ptr);
    prefix_ += '\t';
    prefix_ += klass_;
    prefix_ += '\t';
  }

  void rrset(std::string& out, const std::string& owner, const RRset& set) {
    set_prefix(owner, set.ttl);
    for (const Bytes& rd : set.rdatas) record(out, set.type, rd);
    for (const Bytes& sig : set.rrsigs) record(out, rrtype::RRSIG, sig);
  }

  void record(std::string& out, uint16_t type, const Bytes& rdata) {
    out += prefix_;
    out += type_mnemonic(type);
    out += '\t';
    if (!append_rdata_fast(out, type, rdata)) ldns_.append(out, type, rdata);
    out += '\n';
  }

  std::string klass_, prefix_;
  LdnsRdataText ldns_;
};

// A unit of formatting work: a range of nodes or a range of NSEC3 entries.
struct Chunk {
  Zone::NodeMap::const_iterator nodes_begin, nodes_end;
  Zone::Nsec3Map::const_iterator nsec3_begin, nsec3_end;
};

// Cuts the zone into chunks, one after the other (walking the map is itself work: the
// writing thread does it a little ahead of the workers instead of all up front).
class ChunkMaker {
 public:
  explicit ChunkMaker(const Zone& zone)
      : nodes_(zone.nodes()), n3_(zone.nsec3()), node_it_(nodes_.begin()), n3_it_(n3_.begin()) {}

  size_t total() const {
    return (nodes_.size() + kNodesPerChunk - 1) / kNodesPerChunk +
           (n3_.size() + kNodesPerChunk - 1) / kNodesPerChunk;
  }

  Chunk next() {
    if (node_it_ != nodes_.end()) {
      Chunk c{node_it_, node_it_, n3_.end(), n3_.end()};
      for (size_t i = 0; i < kNodesPerChunk && node_it_ != nodes_.end(); ++i) ++node_it_;
      c.nodes_end = node_it_;
      return c;
    }
    Chunk c{nodes_.end(), nodes_.end(), n3_it_, n3_it_};
    for (size_t i = 0; i < kNodesPerChunk && n3_it_ != n3_.end(); ++i) ++n3_it_;
    c.nsec3_end = n3_it_;
    return c;
  }

 private:
  const Zone::NodeMap& nodes_;
  const Zone::Nsec3Map& n3_;
  Zone::NodeMap::const_iterator node_it_;
  Zone::Nsec3Map::const_iterator n3_it_;
};

void format_chunk(Formatter& f, const Chunk& c, const std::string& origin, std::string& out) {
  for (auto it = c.nodes_begin; it != c.nodes_end; ++it) f.node(out, it->first, it->second);
  for (auto it = c.nsec3_begin; it != c.nsec3_end; ++it)
    f.nsec3(out, it->first, it->second, origin);
}

Status put(FILE* out, const std::string& s) {
  if (!s.empty() && fwrite(s.data(), 1, s.size(), out) != s.size()) {
    return fail("write failed (disk full?)");
  }
  return {};
}

}  // namespace

Status write_zone(const Zone& zone, FILE* out, const WriteOptions& options) {
  std::string origin;
  append_name_text(origin, zone.origin().wire());
  ChunkMaker maker(zone);
  const size_t total = maker.total();
  unsigned threads = std::max(1u, options.threads);
  if (threads == 1 || total <= 1) {
    Formatter f(zone);
    std::string text;
    for (size_t i = 0; i < total; ++i) {
      text.clear();
      format_chunk(f, maker.next(), origin, text);
      if (Status s = put(out, text); !s) return s;
    }
    return {};
  }
  // This thread cuts chunks a little ahead of the workers and writes the formatted slots in
  // order; workers format chunks into slots. A worker never runs more than a window of
  // chunks ahead of the writer, which bounds memory. Written buffers go back to `spare` for
  // reuse: no fresh (page-faulting) memory per chunk.
  std::vector<Chunk> chunks(total);
  std::vector<std::string> slots(total), spare;
  std::vector<char> done(total, 0);
  std::mutex mu;
  std::condition_variable cv;
  size_t next = 0, written = 0, made = 0;
  bool stop = false;
  const size_t window = threads * kChunksInFlightPerThread;
  auto worker = [&] {
    Formatter f(zone);
    std::string text;
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock,
                [&] { return stop || next >= total || (next < made && next < written + window); });
        if (stop || next >= total) return;
        i = next++;
        if (!spare.empty()) {
          text = std::move(spare.back());
          spare.pop_back();
        }
      }
      text.clear();
      format_chunk(f, chunks[i], origin, text);
      {
        std::lock_guard<std::mutex> lock(mu);
        slots[i] = std::move(text);
        done[i] = 1;
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  size_t cut = 0;  // chunks cut so far (this thread's copy of `made`)
  Status result;
  for (size_t i = 0; i < total && result; ++i) {
    size_t want = std::min(total, i + window + 1);
    if (cut < want) {
      for (; cut < want; ++cut) chunks[cut] = maker.next();
      {
        std::lock_guard<std::mutex> lock(mu);
        made = cut;
      }
      cv.notify_all();
    }
    std::string text;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done[i] != 0; });
      text = std::move(slots[i]);
      written = i + 1;
    }
    cv.notify_all();
    result = put(out, text);
    std::lock_guard<std::mutex> lock(mu);
    spare.push_back(std::move(text));
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : pool) t.join();
  return result;
}

struct ZoneFormatter::Impl {
  explicit Impl(const Zone& zone) : f(zone) {}
  Formatter f;
};

ZoneFormatter::ZoneFormatter(const Zone& zone) : impl_(std::make_unique<Impl>(zone)) {}
ZoneFormatter::~ZoneFormatter() = default;

void ZoneFormatter::nodes(std::string& out, Zone::NodeMap::const_iterator begin,
                          Zone::NodeMap::const_iterator end) {
  for (auto it = begin; it != end; ++it) impl_->f.node(out, it->first, it->second);
}

Status write_zone_file(const Zone& zone, const std::string& path, const WriteOptions& options) {
  AtomicFile file(path, options.mode);
  if (Status s = file.open(); !s) return s;
  if (Status s = write_zone(zone, file.stream(), options); !s)
    return fail(path + ": " + s.error().message);
  return file.commit();
}

}  // namespace ts::signer
