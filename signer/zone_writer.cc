// Zone writing: presentation format through ldns (rdata fields by ldns_rdf2buffer_str, owner,
// TTL, class and type around them), formatted in parallel chunks and written in order.
#include "signer/zone_writer.h"

#include <ldns/ldns.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/atomic_file.h"

namespace ts::signer {
namespace {

constexpr size_t kNodesPerChunk = 2048;
constexpr size_t kChunksInFlightPerThread = 4;

std::string owned_str(char* s, const std::string& fallback) {
  std::string out = s ? s : fallback;
  free(s);
  return out;
}

// Formats records; one per thread (it reuses an ldns buffer and caches type names).
class Formatter {
 public:
  explicit Formatter(const Zone& zone)
      : klass_(owned_str(ldns_rr_class2str(static_cast<ldns_rr_class>(zone.klass())),
                         "CLASS" + std::to_string(zone.klass()))),
        buf_(ldns_buffer_new(1024)) {}
  ~Formatter() { ldns_buffer_free(buf_); }
  Formatter(const Formatter&) = delete;
  Formatter& operator=(const Formatter&) = delete;

  void node(std::string& out, const Name& name, const Node& node) {
    std::string owner = name.to_text();
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
    owner += origin == "." ? "." : "." + origin;
    if (!e.rdata.empty()) record(out, owner, e.ttl, rrtype::NSEC3, e.rdata);
    for (const Bytes& sig : e.rrsigs) record(out, owner, e.ttl, rrtype::RRSIG, sig);
  }

 private:
  void rrset(std::string& out, const std::string& owner, const RRset& set) {
    for (const Bytes& rd : set.rdatas) record(out, owner, set.ttl, set.type, rd);
    for (const Bytes& sig : set.rrsigs) record(out, owner, set.ttl, rrtype::RRSIG, sig);
  }

  void record(std::string& out, const std::string& owner, uint32_t ttl, uint16_t type,
              const Bytes& rdata) {
    out += owner;
    out += '\t';
    out += std::to_string(ttl);
    out += '\t';
    out += klass_;
    out += '\t';
    out += type_text(type);
    out += '\t';
    rdata_text(out, type, rdata);
    out += '\n';
  }

  const std::string& type_text(uint16_t type) {
    auto it = types_.find(type);
    if (it != types_.end()) return it->second;
    std::string t =
        owned_str(ldns_rr_type2str(static_cast<ldns_rr_type>(type)), "TYPE" + std::to_string(type));
    return types_.emplace(type, std::move(t)).first->second;
  }

  // The rdata fields as ldns prints them, separated by spaces; RFC 3597 generic form when
  // ldns cannot parse the rdata as its type.
  void rdata_text(std::string& out, uint16_t type, const Bytes& rdata) {
    wire_.assign({0, static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1, 0, 0, 0, 0,
                  static_cast<uint8_t>(rdata.size() >> 8), static_cast<uint8_t>(rdata.size())});
    wire_.insert(wire_.end(), rdata.begin(), rdata.end());
    ldns_rr* rr = nullptr;
    size_t pos = 0;
    bool ok = rdata.size() <= 0xffff && ldns_wire2rr(&rr, wire_.data(), wire_.size(), &pos,
                                                     LDNS_SECTION_ANSWER) == LDNS_STATUS_OK;
    if (ok && ldns_rr_rd_count(rr) > 0) {
      ldns_buffer_clear(buf_);
      for (size_t i = 0; ok && i < ldns_rr_rd_count(rr); ++i) {
        if (i > 0) ldns_buffer_write_u8(buf_, ' ');
        ok = ldns_rdf2buffer_str(buf_, ldns_rr_rdf(rr, i)) == LDNS_STATUS_OK;
      }
      ok = ok && ldns_buffer_status_ok(buf_);
      if (ok) {
        // ldns ends some fields (type bitmaps, an empty salt) with a space: drop it.
        const char* text = reinterpret_cast<const char*>(ldns_buffer_begin(buf_));
        size_t len = ldns_buffer_position(buf_);
        while (len > 0 && text[len - 1] == ' ') --len;
        out.append(text, len);
      }
    } else {
      ok = false;
    }
    if (rr) ldns_rr_free(rr);
    if (!ok) generic(out, rdata);
  }

  static void generic(std::string& out, const Bytes& rdata) {
    static const char* hex = "0123456789abcdef";
    out += "\\# " + std::to_string(rdata.size());
    if (!rdata.empty()) out += ' ';
    for (uint8_t b : rdata) {
      out += hex[b >> 4];
      out += hex[b & 15];
    }
  }

  std::string klass_;
  ldns_buffer* buf_;
  Bytes wire_;
  std::unordered_map<uint16_t, std::string> types_;
};

// A unit of formatting work: a range of nodes or a range of NSEC3 entries.
struct Chunk {
  Zone::NodeMap::const_iterator nodes_begin, nodes_end;
  Zone::Nsec3Map::const_iterator nsec3_begin, nsec3_end;
};

std::vector<Chunk> make_chunks(const Zone& zone) {
  std::vector<Chunk> chunks;
  const auto& nodes = zone.nodes();
  const auto& n3 = zone.nsec3();
  for (auto it = nodes.begin(); it != nodes.end();) {
    Chunk c{it, it, n3.end(), n3.end()};
    for (size_t i = 0; i < kNodesPerChunk && it != nodes.end(); ++i) ++it;
    c.nodes_end = it;
    chunks.push_back(c);
  }
  for (auto it = n3.begin(); it != n3.end();) {
    Chunk c{nodes.end(), nodes.end(), it, it};
    for (size_t i = 0; i < kNodesPerChunk && it != n3.end(); ++i) ++it;
    c.nsec3_end = it;
    chunks.push_back(c);
  }
  return chunks;
}

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
  const std::string origin = zone.origin().to_text();
  std::vector<Chunk> chunks = make_chunks(zone);
  unsigned threads = std::max(1u, options.threads);
  if (threads == 1 || chunks.size() <= 1) {
    Formatter f(zone);
    std::string text;
    for (const Chunk& c : chunks) {
      text.clear();
      format_chunk(f, c, origin, text);
      if (Status s = put(out, text); !s) return s;
    }
    return {};
  }
  // Workers format chunks into slots; this thread writes the slots in order. A worker
  // never runs more than a window of chunks ahead of the writer, which bounds memory.
  std::vector<std::string> slots(chunks.size());
  std::vector<char> done(chunks.size(), 0);
  std::mutex mu;
  std::condition_variable cv;
  size_t next = 0, written = 0;
  bool stop = false;
  const size_t window = threads * kChunksInFlightPerThread;
  auto worker = [&] {
    Formatter f(zone);
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || next >= chunks.size() || next < written + window; });
        if (stop || next >= chunks.size()) return;
        i = next++;
      }
      std::string text;
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
  Status result;
  for (size_t i = 0; i < chunks.size() && result; ++i) {
    std::string text;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done[i] != 0; });
      text = std::move(slots[i]);
      written = i + 1;
    }
    cv.notify_all();
    result = put(out, text);
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : pool) t.join();
  return result;
}

Status write_zone_file(const Zone& zone, const std::string& path, const WriteOptions& options) {
  AtomicFile file(path, options.mode);
  if (Status s = file.open(); !s) return s;
  if (Status s = write_zone(zone, file.stream(), options); !s)
    return fail(path + ": " + s.error().message);
  return file.commit();
}

}  // namespace ts::signer
