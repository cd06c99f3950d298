// Zone file parsing through ldns: the record loop around ldns_rr_new_frm_fp_l, $INCLUDE
// (which ldns 1.8 reports but does not follow), and the parallel split of big files.
#include "signer/zone_parse.h"

#include <ldns/ldns.h>
#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/atomic_file.h"

namespace ts::signer {
namespace {

constexpr int kMaxIncludeDepth = 16;
constexpr size_t kMinSplitBytes = 1 << 20;  // smaller files are parsed by one thread

using FilePtr = std::unique_ptr<FILE, decltype(&fclose)>;

ldns_rdf* name_rdf(const Name& n) {
  return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, n.wire().size(), n.wire().data());
}

// The parser state ldns threads through its calls: origin, previous owner, default TTL.
struct LdnsState {
  ldns_rdf* origin = nullptr;
  ldns_rdf* prev = nullptr;
  uint32_t ttl = 0;

  LdnsState(const Name& o, uint32_t t) : origin(name_rdf(o)), ttl(t) {}
  LdnsState(const LdnsState&) = delete;
  LdnsState& operator=(const LdnsState&) = delete;
  ~LdnsState() {
    if (origin) ldns_rdf_deep_free(origin);
    if (prev) ldns_rdf_deep_free(prev);
  }
  Name origin_name() const {
    auto n = Name::from_wire(std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(origin)),
                                              ldns_rdf_size(origin)));
    return n ? *n : Name::root();
  }
};

// Shared by all files of one parse: keeps the file names that ParsedRR points to.
struct ParseContext {
  std::deque<std::string> files;
  std::mutex mu;
  const std::string* intern(const std::string& f) {
    std::lock_guard<std::mutex> lock(mu);
    files.push_back(f);
    return &files.back();
  }
};

std::string where(const std::string& file, uint32_t line) {
  return file + ":" + std::to_string(line) + ": ";
}

void append_rdata(const ldns_rr* rr, Bytes& out) {
  out.clear();
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr, i);
    out.insert(out.end(), ldns_rdf_data(f), ldns_rdf_data(f) + ldns_rdf_size(f));
  }
}

// Fills `out` from an ldns RR: owner as written, rdata in canonical form.
Status convert(ldns_rr* rr, ParsedRR& out) {
  const ldns_rdf* o = ldns_rr_owner(rr);
  auto owner = Name::from_wire(
      std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(o)), ldns_rdf_size(o)));
  if (!owner) return owner.error();
  out.owner = std::move(*owner);
  out.type = static_cast<uint16_t>(ldns_rr_get_type(rr));
  out.klass = static_cast<uint16_t>(ldns_rr_get_class(rr));
  out.ttl = ldns_rr_ttl(rr);
  append_rdata(rr, out.rdata);
  // ldns_rr2canonical only lowers ASCII letters: skip it when there are none to lower.
  if (std::any_of(out.rdata.begin(), out.rdata.end(),
                  [](uint8_t c) { return c >= 'A' && c <= 'Z'; })) {
    ldns_rr2canonical(rr);
    append_rdata(rr, out.rdata);
  }
  return {};
}

// After ldns reported $INCLUDE on line `line` of `file`, reads that directive line again
// (ldns does not hand it out) and returns its arguments: file name, optional origin.
std::vector<std::string> include_args(const std::string& file, uint32_t lineno) {
  std::vector<std::string> args;
  FilePtr fp(fopen(file.c_str(), "r"), fclose);
  if (!fp) return args;
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t len;
  uint32_t n = 0;
  while ((len = getline(&buf, &cap, fp.get())) >= 0) {
    if (++n < lineno) continue;
    std::string line(buf, static_cast<size_t>(len));
    if (line.size() < 8 || strncasecmp(line.c_str(), "$INCLUDE", 8) != 0) break;
    size_t i = 8;
    while (i < line.size()) {
      while (i < line.size() && isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i >= line.size() || line[i] == ';') break;
      std::string tok;
      if (line[i] == '"') {
        size_t end = line.find('"', i + 1);
        tok = line.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
        i = end == std::string::npos ? line.size() : end + 1;
      } else {
        while (i < line.size() && !isspace(static_cast<unsigned char>(line[i]))) tok += line[i++];
      }
      args.push_back(tok);
    }
    break;
  }
  free(buf);
  return args;
}

bool ends_with_newline(FILE* fp) {
  long here = ftell(fp);
  bool nl = true;
  if (fseek(fp, -1, SEEK_END) == 0) nl = fgetc(fp) == '\n';
  fseek(fp, here, SEEK_SET);
  return nl;
}

Status parse_stream(FILE* fp, const std::string* file, int first_line, LdnsState& st, int depth,
                    ParseContext& ctx, const RRSink& sink);

Status parse_include(const std::string* file, uint32_t line, LdnsState& st, int depth,
                     ParseContext& ctx, const RRSink& sink) {
  std::vector<std::string> args = include_args(*file, line);
  if (args.empty()) return fail(where(*file, line) + "$INCLUDE without a file name");
  if (depth >= kMaxIncludeDepth) return fail(where(*file, line) + "$INCLUDE nested too deep");
  std::string path = args[0];
  if (path[0] != '/') {  // relative to the including file's directory
    size_t slash = file->rfind('/');
    if (slash != std::string::npos) path = file->substr(0, slash + 1) + path;
  }
  Name origin = st.origin_name();
  if (args.size() > 1) {
    Name current = origin;
    auto o = Name::from_text(args[1], &current);
    if (!o) return fail(where(*file, line) + "$INCLUDE origin: " + o.error().message);
    origin = *o;
  }
  FilePtr in(fopen(path.c_str(), "r"), fclose);
  if (!in) {
    return fail(where(*file, line) + "$INCLUDE " + path + ": " + std::strerror(errno));
  }
  LdnsState inner(origin, st.ttl);  // the includer's origin and TTL are left unchanged
  return parse_stream(in.get(), ctx.intern(path), 1, inner, depth + 1, ctx, sink);
}

Status parse_stream(FILE* fp, const std::string* file, int first_line, LdnsState& st, int depth,
                    ParseContext& ctx, const RRSink& sink) {
  bool nl_at_end = ends_with_newline(fp);
  int line = first_line;
  ParsedRR rec;
  while (!feof(fp)) {
    ldns_rr* rr = nullptr;
    ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &st.ttl, &st.origin, &st.prev, &line);
    // ldns leaves `line` after the record's last line, unless the file ended without '\n'.
    uint32_t rec_line = static_cast<uint32_t>((feof(fp) && !nl_at_end) ? line : line - 1);
    switch (s) {
      case LDNS_STATUS_OK: {
        std::unique_ptr<ldns_rr, decltype(&ldns_rr_free)> guard(rr, ldns_rr_free);
        Status c = convert(rr, rec);
        if (!c) return fail(where(*file, rec_line) + c.error().message);
        rec.line = rec_line;
        rec.file = file;
        Status r = sink(std::move(rec));
        if (!r) return r;
        rec = ParsedRR();
        break;
      }
      case LDNS_STATUS_SYNTAX_EMPTY:
      case LDNS_STATUS_SYNTAX_TTL:
      case LDNS_STATUS_SYNTAX_ORIGIN:
        break;
      case LDNS_STATUS_SYNTAX_INCLUDE: {
        Status r = parse_include(file, rec_line, st, depth, ctx, sink);
        if (!r) return r;
        break;
      }
      default:
        if (rr) ldns_rr_free(rr);
        return fail(where(*file, rec_line) + ldns_get_errorstr_by_id(s));
    }
  }
  return {};
}

// One part of a split file: bytes [begin, end), its first line number, and the $ORIGIN /
// $TTL lines before it (replayed so the part starts in the state the whole parse had).
struct Part {
  size_t begin = 0, end = 0;
  int first_line = 1;
  std::string directives;
};

// Splits `text` into up to `parts` parts at line starts outside parentheses, quotes and
// comments whose line has an explicit owner name. Returns one part when that is not safe
// (any $INCLUDE) or not worth it.
std::vector<Part> plan_parts(const std::string& text, unsigned parts) {
  std::vector<Part> out(1);
  out[0].end = text.size();
  if (parts < 2 || text.size() < kMinSplitBytes) return out;
  size_t next_target = text.size() / parts;
  std::string directives;
  int depth = 0, line = 1;
  bool quote = false, comment = false, escape = false, line_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (line_start && depth == 0 && !quote) {
      if (c == '$') {
        size_t eol = text.find('\n', i);
        std::string d = text.substr(i, eol == std::string::npos ? std::string::npos : eol - i);
        if (strncasecmp(d.c_str(), "$INCLUDE", 8) == 0) return {Part{0, text.size(), 1, {}}};
        directives += d + "\n";
      } else if (i >= next_target && c != ' ' && c != '\t' && c != ';' && c != '\n' && c != '\r' &&
                 c != '(') {
        out.back().end = i;
        out.push_back(Part{i, text.size(), line, directives});
        next_target = text.size() / parts * out.size();
        if (out.size() == parts) next_target = text.size() + 1;
      }
    }
    line_start = false;
    if (c == '\n') {
      ++line;
      line_start = true;
      comment = false;
      escape = false;
      continue;
    }
    if (comment) continue;
    if (escape) {
      escape = false;
      continue;
    }
    if (c == '\\') {
      escape = true;
    } else if (quote) {
      if (c == '"') quote = false;
    } else if (c == '"') {
      quote = true;
    } else if (c == ';') {
      comment = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    }
  }
  return out;
}

// Parses one part of an in-memory file (its own ldns state, records into `sink`).
Status parse_part(const std::string& text, const Part& part, const std::string* file,
                  const Name& origin, uint32_t ttl, ParseContext& ctx, const RRSink& sink) {
  LdnsState st(origin, ttl);
  if (!part.directives.empty()) {
    std::string d = part.directives;
    FilePtr dfp(fmemopen(d.data(), d.size(), "r"), fclose);
    if (!dfp) return fail(*file + ": fmemopen failed");
    Status s = parse_stream(dfp.get(), file, 1, st, kMaxIncludeDepth, ctx,
                            [](ParsedRR&&) { return Status(); });
    if (!s) return s;
  }
  if (part.end == part.begin) return {};
  FilePtr fp(fmemopen(const_cast<char*>(text.data()) + part.begin, part.end - part.begin, "r"),
             fclose);
  if (!fp) return fail(*file + ": fmemopen failed");
  return parse_stream(fp.get(), file, part.first_line, st, 0, ctx, sink);
}

}  // namespace

Status parse_zone_records(const std::string& path, const Name& origin, uint32_t default_ttl,
                          unsigned threads, const RRSink& sink) {
  // ldns allocates and frees a 64 KiB line buffer per record; with glibc's default trim
  // threshold that chunk sits at the heap top and costs a brk() pair per record (measured:
  // 7 s of system time for 2.1M records). Keeping freed memory around removes that.
  static std::once_flag malloc_tuned;
  std::call_once(malloc_tuned, [] { mallopt(M_TRIM_THRESHOLD, 64 << 20); });
  ParseContext ctx;
  const std::string* file = ctx.intern(path);
  if (threads > 1) {
    auto text = read_file(path);
    if (!text) return fail(path + ": " + text.error().message);
    std::vector<Part> parts = plan_parts(*text, threads);
    if (parts.size() > 1) {
      // Parts 1.. are parsed into buffers by worker threads while this thread parses part
      // 0 straight into the sink; the buffers are then fed in order.
      std::vector<std::vector<ParsedRR>> bufs(parts.size());
      std::vector<Status> results(parts.size());
      std::vector<std::thread> workers;
      for (size_t k = 1; k < parts.size(); ++k) {
        workers.emplace_back([&, k] {
          results[k] = parse_part(*text, parts[k], file, origin, default_ttl, ctx,
                                  [&bufs, k](ParsedRR&& rr) {
                                    bufs[k].push_back(std::move(rr));
                                    return Status();
                                  });
        });
      }
      Status first = parse_part(*text, parts[0], file, origin, default_ttl, ctx, sink);
      for (auto& w : workers) w.join();
      if (!first) return first;
      for (size_t k = 1; k < parts.size(); ++k) {
        for (auto& rr : bufs[k]) {
          Status s = sink(std::move(rr));
          if (!s) return s;
        }
        std::vector<ParsedRR>().swap(bufs[k]);
        if (!results[k]) return results[k];
      }
      return {};
    }
  }
  FilePtr fp(fopen(path.c_str(), "r"), fclose);
  if (!fp) return fail(path + ": cannot open: " + std::strerror(errno));
  LdnsState st(origin, default_ttl);
  return parse_stream(fp.get(), file, 1, st, 0, ctx, sink);
}

}  // namespace ts::signer
