// Zone file parsing: splits the master file into logical records (comments dropped, lines
// inside parentheses joined; the only text handling done here), runs the directives
// ($ORIGIN, $TTL, $INCLUDE, which ldns 1.8 does not follow) and hands every record to
// ldns_rr_new_frm_str for the conversion. Big files can be parsed in parallel parts.
// (ldns_rr_new_frm_fp_l reads a character at a time and allocates 64 KiB per record:
// splitting the lines here parses a 2.1M-record file in about 60% of its time.)
#include "signer/zone_parse.h"

#include <fcntl.h>
#include <ldns/ldns.h>
#include <malloc.h>
#include <string.h>  // memmem
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ts::signer {
namespace {

constexpr int kMaxIncludeDepth = 16;
constexpr size_t kMinSplitBytes = 1 << 20;  // smaller files are parsed by one thread

ldns_rdf* name_rdf(const Name& n) {
  return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, n.wire().size(), n.wire().data());
}

std::string where(const std::string& file, uint32_t line) {
  return file + ":" + std::to_string(line) + ": ";
}

Result<std::string> slurp(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(path + ": cannot open: " + std::strerror(errno));
  std::string text;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size > 0) text.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  int err = errno;
  ::close(fd);
  if (n < 0) return fail(path + ": read failed: " + std::strerror(err));
  return text;
}

// The state of a parse: origin, previous owner (for records that omit it), default TTL.
struct ParseState {
  Name origin;
  ldns_rdf* origin_rdf = nullptr;
  ldns_rdf* prev = nullptr;
  uint32_t ttl = 0;

  ParseState(const Name& o, uint32_t t) : origin(o), origin_rdf(name_rdf(o)), ttl(t) {}
  ParseState(const ParseState&) = delete;
  ParseState& operator=(const ParseState&) = delete;
  ~ParseState() {
    ldns_rdf_deep_free(origin_rdf);
    if (prev) ldns_rdf_deep_free(prev);
  }
  void set_origin(const Name& o) {
    origin = o;
    ldns_rdf_deep_free(origin_rdf);
    origin_rdf = name_rdf(o);
  }
};

// Cuts text into logical records: comments removed, parentheses replaced by spaces and
// the lines they span joined, quotes and backslash escapes respected, leading blanks kept
// (they mean "same owner as before"). Blank and comment-only lines are skipped.
class RecordScanner {
 public:
  RecordScanner(const char* begin, const char* end, uint32_t first_line)
      : p_(begin), end_(end), line_(first_line) {}

  /// Next record into `rec`; false at the end. `*error` is set for unbalanced parentheses.
  bool next(std::string& rec, uint32_t* first_line, std::string* error) {
    for (;;) {
      if (p_ >= end_) return false;
      rec.clear();
      *first_line = line_;
      int depth = 0;
      bool quote = false;
      while (p_ < end_) {
        char c = *p_++;
        if (c == '\\') {
          rec += c;
          if (p_ < end_) {
            if (*p_ == '\n') ++line_;
            rec += *p_++;
          }
        } else if (c == '\n') {
          ++line_;
          if (depth == 0) break;
          rec += ' ';
        } else if (quote) {
          if (c == '"') quote = false;
          rec += c;
        } else if (c == '"') {
          quote = true;
          rec += c;
        } else if (c == ';') {
          while (p_ < end_ && *p_ != '\n') ++p_;
        } else if (c == '(' || c == ')') {
          depth += c == '(' ? 1 : -1;
          if (depth < 0) {
            *error = "unbalanced parentheses: ')' without '('";
            return true;
          }
          rec += ' ';
        } else if (c == '\r') {
          rec += ' ';
        } else {
          rec += c;
        }
      }
      if (depth > 0) {
        *error = "unbalanced parentheses: '(' not closed";
        return true;
      }
      if (rec.find_first_not_of(" \t") != std::string::npos) return true;
    }
  }

 private:
  const char* p_;
  const char* end_;
  uint32_t line_;
};

std::vector<std::string> tokens(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    std::string tok;
    if (s[i] == '"') {
      size_t end = s.find('"', i + 1);
      tok = s.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
      i = end == std::string::npos ? s.size() : end + 1;
    } else {
      while (i < s.size() && s[i] != ' ' && s[i] != '\t') tok += s[i++];
    }
    out.push_back(tok);
  }
  return out;
}

class Parser {
 public:
  explicit Parser(const RRSink& sink) : sink_(sink) {}

  const std::string* intern(const std::string& f) {
    files_.push_back(f);
    return &files_.back();
  }

  /// Parses text [begin, end) of `file`, whose first line has number `first_line`.
  Status parse(const char* begin, const char* end, const std::string* file, uint32_t first_line,
               ParseState& st, int depth) {
    RecordScanner scan(begin, end, first_line);
    std::string rec, error;
    uint32_t line = 0;
    while (scan.next(rec, &line, &error)) {
      if (!error.empty()) return fail(where(*file, line) + error);
      Status s =
          rec[0] == '$' ? directive(rec, file, line, st, depth) : record(rec, file, line, st);
      if (!s) return s;
    }
    return {};
  }

 private:
  Status record(const std::string& rec, const std::string* file, uint32_t line, ParseState& st) {
    ldns_rr* rr = nullptr;
    ldns_status s = ldns_rr_new_frm_str(&rr, rec.c_str(), st.ttl, st.origin_rdf, &st.prev);
    if (s != LDNS_STATUS_OK) {
      if (rr) ldns_rr_free(rr);
      return fail(where(*file, line) + ldns_get_errorstr_by_id(s));
    }
    std::unique_ptr<ldns_rr, decltype(&ldns_rr_free)> guard(rr, ldns_rr_free);
    ParsedRR out;
    const ldns_rdf* o = ldns_rr_owner(rr);
    auto owner = Name::from_wire(
        std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(o)), ldns_rdf_size(o)));
    if (!owner) return fail(where(*file, line) + owner.error().message);
    out.owner = std::move(*owner);
    out.type = static_cast<uint16_t>(ldns_rr_get_type(rr));
    out.klass = static_cast<uint16_t>(ldns_rr_get_class(rr));
    out.ttl = ldns_rr_ttl(rr);
    out.line = line;
    out.file = file;
    append_rdata(rr, out.rdata);
    // ldns_rr2canonical only lowers ASCII letters: skip it when there are none to lower.
    if (std::any_of(out.rdata.begin(), out.rdata.end(),
                    [](uint8_t c) { return c >= 'A' && c <= 'Z'; })) {
      ldns_rr2canonical(rr);
      append_rdata(rr, out.rdata);
    }
    return sink_(std::move(out));
  }

  static void append_rdata(const ldns_rr* rr, Bytes& out) {
    out.clear();
    for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
      const ldns_rdf* f = ldns_rr_rdf(rr, i);
      out.insert(out.end(), ldns_rdf_data(f), ldns_rdf_data(f) + ldns_rdf_size(f));
    }
  }

  Status directive(const std::string& rec, const std::string* file, uint32_t line, ParseState& st,
                   int depth) {
    std::vector<std::string> t = tokens(rec);
    std::string at = where(*file, line);
    if (strcasecmp(t[0].c_str(), "$ORIGIN") == 0) {
      if (t.size() < 2) return fail(at + "$ORIGIN without a name");
      auto o = Name::from_text(t[1], &st.origin);
      if (!o) return fail(at + "$ORIGIN: " + o.error().message);
      st.set_origin(*o);
      return {};
    }
    if (strcasecmp(t[0].c_str(), "$TTL") == 0) {
      const char* end = nullptr;
      uint32_t ttl = t.size() < 2 ? 0 : ldns_str2period(t[1].c_str(), &end);
      if (t.size() < 2 || t[1].empty() || *end != '\0') return fail(at + "$TTL needs a TTL value");
      st.ttl = ttl;
      return {};
    }
    if (strcasecmp(t[0].c_str(), "$INCLUDE") == 0) {
      if (t.size() < 2) return fail(at + "$INCLUDE without a file name");
      if (depth >= kMaxIncludeDepth) return fail(at + "$INCLUDE nested too deep");
      std::string path = t[1];
      if (path[0] != '/') {  // relative to the including file's directory
        size_t slash = file->rfind('/');
        if (slash != std::string::npos) path = file->substr(0, slash + 1) + path;
      }
      Name origin = st.origin;
      if (t.size() > 2) {
        auto o = Name::from_text(t[2], &st.origin);
        if (!o) return fail(at + "$INCLUDE origin: " + o.error().message);
        origin = *o;
      }
      auto text = slurp(path);
      if (!text) return fail(at + "$INCLUDE " + text.error().message);
      ParseState inner(origin, st.ttl);  // the includer's origin and TTL stay as they are
      return parse(text->data(), text->data() + text->size(), intern(path), 1, inner, depth + 1);
    }
    return fail(at + "unknown directive " + t[0]);
  }

  const RRSink& sink_;
  std::deque<std::string> files_;
};

// One part of a split file: bytes [begin, end), its first line number, and the $ORIGIN /
// $TTL lines before it (replayed so the part starts in the state the whole parse had).
struct Part {
  size_t begin = 0, end = 0;
  uint32_t first_line = 1;
  std::string directives;
};

// Splits `text` into up to `parts` parts at line starts outside parentheses, quotes and
// comments whose line has an explicit owner name. Returns one part when that is not safe
// (any $INCLUDE) or not worth it.
std::vector<Part> plan_parts(const std::string& text, unsigned parts, double part0_less) {
  std::vector<Part> out(1);
  out[0].end = text.size();
  if (parts < 2 || text.size() < kMinSplitBytes) return out;
  auto target = [&](size_t k) {
    return static_cast<size_t>(text.size() * (k - part0_less) / parts);
  };
  size_t next_target = target(1);
  std::string directives;
  int depth = 0;
  uint32_t line = 1;
  bool quote = false, comment = false, escape = false, line_start = true;
  // Characters that change the scanner's state (outside a comment); the others are skipped
  // a run at a time, and a comment up to its newline: the plan is made by one thread while
  // the other cores wait, so it has to be quick.
  static const auto special = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : {'\n', '\\', '"', ';', '(', ')'}) t[c] = true;
    return t;
  }();
  const char* const data = text.data();
  const size_t size = text.size();
  for (size_t i = 0; i < size; ++i) {
    if (!line_start && !escape) {
      if (comment) {
        const void* nl = std::memchr(data + i, '\n', size - i);
        i = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) : size;
      } else {
        while (i < size && !special[static_cast<unsigned char>(data[i])]) ++i;
      }
      if (i >= size) break;
    }
    char c = data[i];
    if (line_start && depth == 0) {
      if (c == '$') {
        size_t eol = text.find('\n', i);
        std::string d = text.substr(i, eol == std::string::npos ? std::string::npos : eol - i);
        if (strncasecmp(d.c_str(), "$INCLUDE", 8) == 0) return {Part{0, text.size(), 1, {}}};
        directives += d + "\n";
      } else if (i >= next_target && c != ' ' && c != '\t' && c != ';' && c != '\n' && c != '\r' &&
                 c != '(') {
        out.back().end = i;
        out.push_back(Part{i, text.size(), line, directives});
        next_target = out.size() == parts ? text.size() + 1 : target(out.size());
        // After the last split only an $INCLUDE still matters (it makes the file one part):
        // unless some line of the rest starts with "$", the scan can stop here.
        if (out.size() == parts && !::memmem(data + i, size - i, "\n$", 2)) return out;
      }
    }
    line_start = false;
    if (escape) {  // as RecordScanner: an escaped character, even a newline, is text
      escape = false;
      if (c == '\n') ++line;
      continue;
    }
    if (c == '\n') {
      ++line;
      if (depth == 0) quote = false;  // as RecordScanner: a newline ends the record
      line_start = depth == 0;
      comment = false;
      continue;
    }
    if (comment) continue;
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

void tune_malloc() {
  // ldns allocates and frees buffers of up to 64 KiB per record; with glibc's default trim
  // threshold they sit at the heap top and cost a brk() pair per record (measured: 8 s of
  // system time for 2.1M records). Keeping freed memory in the process removes that.
  static std::once_flag malloc_tuned;
  std::call_once(malloc_tuned, [] { mallopt(M_TRIM_THRESHOLD, 64 << 20); });
}

}  // namespace

Status parse_zone_text(std::string_view text, const std::string& path, const Name& origin,
                       uint32_t default_ttl, const RRSink& sink) {
  Parser parser(sink);
  const std::string* file = parser.intern(path);
  ParseState st(origin, default_ttl);
  return parser.parse(text.data(), text.data() + text.size(), file, 1, st, 0);
}

Status parse_zone_parts(const std::string& path, const Name& origin, uint32_t default_ttl,
                        unsigned threads, const PartSinks& make_sinks) {
  tune_malloc();
  auto text = slurp(path);
  if (!text) return text.error();
  std::vector<Part> parts = plan_parts(*text, threads, 0);
  std::vector<RRSink> sinks = make_sinks(parts.size());
  std::vector<Status> results(parts.size());
  std::deque<Parser> parsers;
  for (size_t k = 0; k < parts.size(); ++k) parsers.emplace_back(sinks[k]);
  const std::string* file = parsers[0].intern(path);
  auto run_part = [&](size_t k) {
    const Part& part = parts[k];
    ParseState st(origin, default_ttl);
    if (!part.directives.empty()) {
      const std::string& d = part.directives;
      Status s = parsers[k].parse(d.data(), d.data() + d.size(), file, 1, st, kMaxIncludeDepth);
      if (!s) return s;
    }
    const char* base = text->data();
    return parsers[k].parse(base + part.begin, base + part.end, file, part.first_line, st, 0);
  };
  std::vector<std::thread> workers;
  for (size_t k = 1; k < parts.size(); ++k)
    workers.emplace_back([&, k] { results[k] = run_part(k); });
  results[0] = run_part(0);
  for (auto& w : workers) w.join();
  for (const Status& r : results)
    if (!r) return r;
  return {};
}

Status parse_zone_records(const std::string& path, const Name& origin, uint32_t default_ttl,
                          unsigned threads, const RRSink& sink) {
  tune_malloc();
  auto text = slurp(path);
  if (!text) return text.error();
  // Part 0 is smaller: the calling thread also inserts every record into the zone.
  std::vector<Part> parts = plan_parts(*text, threads, 0.2);
  // Parts 1.. are parsed into buffers by worker threads while this thread parses part 0
  // straight into the sink; the buffers are then fed in order.
  std::vector<std::vector<ParsedRR>> bufs(parts.size());
  std::vector<RRSink> buf_sinks;
  for (size_t k = 0; k < parts.size(); ++k) {
    buf_sinks.push_back([&bufs, k](ParsedRR&& rr) {
      bufs[k].push_back(std::move(rr));
      return Status();
    });
  }
  std::vector<Status> results(parts.size());
  std::vector<std::thread> workers;
  Parser main_parser(sink);
  const std::string* file = main_parser.intern(path);
  auto run_part = [&](size_t k, Parser& parser) {
    const Part& part = parts[k];
    ParseState st(origin, default_ttl);
    const char* base = text->data();
    if (!part.directives.empty()) {
      const std::string& d = part.directives;
      Status s = parser.parse(d.data(), d.data() + d.size(), file, 1, st, kMaxIncludeDepth);
      if (!s) return s;
    }
    return parser.parse(base + part.begin, base + part.end, file, part.first_line, st, 0);
  };
  for (size_t k = 1; k < parts.size(); ++k) {
    workers.emplace_back([&, k] {
      Parser parser(buf_sinks[k]);
      results[k] = run_part(k, parser);
    });
  }
  Status first = run_part(0, main_parser);
  for (auto& w : workers) w.join();
  if (!first) return first;
  for (size_t k = 1; k < parts.size(); ++k) {
    for (auto& rr : bufs[k]) {
      if (Status s = sink(std::move(rr)); !s) return s;
    }
    std::vector<ParsedRR>().swap(bufs[k]);
    if (!results[k]) return results[k];
  }
  return {};
}

}  // namespace ts::signer
