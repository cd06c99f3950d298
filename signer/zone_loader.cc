// Zone loading: validates the records zone_parse.cc delivers (class, zone membership, SOA,
// CNAME rules, DNSSEC input policy) and inserts them in bulk into the zone model, then
// classifies it. Every error names the file and line of the record at fault.
#include "signer/zone_loader.h"

#include <ldns/ldns.h>

#include <map>
#include <memory>
#include <stdexcept>

#include "signer/zone_parse.h"

namespace ts::signer {
namespace {

constexpr int kMaxWarnings = 20;

std::string type_text(uint16_t type) {
  char* s = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
  std::string out = s ? s : std::to_string(type);
  free(s);
  return out;
}

std::string class_text(uint16_t klass) {
  char* s = ldns_rr_class2str(static_cast<ldns_rr_class>(klass));
  std::string out = s ? s : std::to_string(klass);
  free(s);
  return out;
}

std::string where(const ParsedRR& rr) {
  return *rr.file + ":" + std::to_string(rr.line) + ": ";
}

bool is_dnssec_type(uint16_t t) {
  return t == rrtype::DNSKEY || t == rrtype::RRSIG || t == rrtype::NSEC || t == rrtype::NSEC3 ||
         t == rrtype::NSEC3PARAM;
}

// Inserts records into a zone fast: files list most records of a name together and often
// in canonical order, so the last node is cached and the map is given insertion hints.
// Node kinds are left to Zone::classify().
class Builder {
 public:
  explicit Builder(Zone& zone) : zone_(zone), nodes_(zone.nodes()), last_(nodes_.end()) {}

  /// Adds a record with canonical rdata; returns the RRset's TTL before the merge (or
  /// `ttl` when the RRset is new).
  uint32_t add(const Name& owner, uint16_t type, uint32_t ttl, Bytes&& rdata) {
    Node& n = node(owner);
    auto& sets = n.rrsets;
    auto it = sets.end();
    if (sets.empty() || sets.back().type < type) {
      it = sets.insert(sets.end(), RRset{type, ttl, {}, {}});
    } else {
      it = std::lower_bound(sets.begin(), sets.end(), type,
                            [](const RRset& s, uint16_t t) { return s.type < t; });
      if (it == sets.end() || it->type != type) it = sets.insert(it, RRset{type, ttl, {}, {}});
    }
    uint32_t before = it->ttl;
    it->ttl = std::min(it->ttl, ttl);
    auto& rds = it->rdatas;
    if (rds.empty() || rds.back() < rdata) {
      rds.push_back(std::move(rdata));
    } else {
      auto pos = std::lower_bound(rds.begin(), rds.end(), rdata);
      if (*pos != rdata) rds.insert(pos, std::move(rdata));
    }
    return before;
  }

 private:
  Node& node(const Name& owner) {
    if (last_ != nodes_.end() && last_->first == owner) return last_->second;
    auto hint = last_ == nodes_.end() ? nodes_.end() : std::next(last_);
    Zone::NodeMap::iterator it;
    if (last_ != nodes_.end() && last_->first < owner &&
        (hint == nodes_.end() || owner < hint->first)) {
      it = nodes_.emplace_hint(hint, owner, Node{});
      add_ancestors(owner);
    } else {
      it = nodes_.lower_bound(owner);
      if (it == nodes_.end() || !(it->first == owner)) {
        it = nodes_.emplace_hint(it, owner, Node{});
        add_ancestors(owner);
      }
    }
    last_ = it;
    return it->second;
  }

  // Creates the empty non-terminals between a new node and the apex.
  void add_ancestors(const Name& owner) {
    Name cur = owner;
    while (!(cur == zone_.origin()) && !cur.is_root()) {
      cur = cur.parent();
      if (last_parent_ != nodes_.end() && last_parent_->first == cur) return;
      auto [pit, created] = nodes_.try_emplace(cur);
      last_parent_ = pit;
      if (!created) return;
    }
  }

  Zone& zone_;
  Zone::NodeMap& nodes_;
  Zone::NodeMap::iterator last_;
  Zone::NodeMap::iterator last_parent_ = nodes_.end();
};

// Moves the nodes of `src` whose names are not in `dst` into `dst`, keeping the others in
// `src`. Both maps are sorted the same way, so one forward walk finds every insertion point
// (a hinted insert is O(1)): linear, where std::map::merge searches from the root each time.
void splice_nodes(Zone::NodeMap& src, Zone::NodeMap& dst) {
  auto cur = dst.begin();
  for (auto it = src.begin(); it != src.end();) {
    auto next = std::next(it);
    while (cur != dst.end() && cur->first < it->first) ++cur;
    if (cur == dst.end() || !(cur->first == it->first)) dst.insert(cur, src.extract(it));
    it = next;
  }
}

// What one part of the file produced: its own zone (nodes and ENTs of its records), the
// places the checks need, and its warnings (emitted in file order after the parse).
struct PartState {
  explicit PartState(const LoadOptions& opt) : zone(opt.origin, opt.klass), builder(zone) {}
  Zone zone;
  Builder builder;
  std::string first_where, soa_where;
  std::map<Name, std::string> cname_where;
  std::vector<std::string> warnings;
};

class Loader {
 public:
  Loader(const std::string& path, const LoadOptions& opt) : path_(path), opt_(opt) {}

  Result<Zone> run() {
    // Kept DNSSEC data may fill the NSEC3 map, which parts do not merge: one sink then.
    bool split = opt_.dnssec != DnssecInput::Keep && opt_.threads > 1;
    Status s;
    if (split) {
      s = parse_zone_parts(path_, opt_.origin, opt_.default_ttl, opt_.threads,
                           [this](size_t n) { return make_sinks(n); });
    } else {
      make_sinks(1);
      s = parse_zone_records(
          path_, opt_.origin, opt_.default_ttl, opt_.threads,
          [this](ParsedRR&& rr) { return on_record(*parts_[0], std::move(rr)); });
    }
    for (const auto& part : parts_)  // in file order, as a serial parse gives them
      for (const auto& w : part->warnings) warn(w);
    if (!s) return s.error();
    if (Status m = merge_parts(); !m) return m.error();
    PartState& all = *parts_[0];
    if (all.soa_where.empty()) {
      return fail((all.first_where.empty() ? path_ + ":1: " : all.first_where) +
                  "no SOA record for " + opt_.origin.to_text() + " in the zone");
    }
    for (const auto& [owner, loc] : all.cname_where) {
      const Node* n = all.zone.find(owner);
      if (!n) continue;
      std::string others;
      for (const auto& set : n->rrsets) {
        if (set.type == rrtype::CNAME) {
          if (set.rdatas.size() > 1) return fail(loc + "more than one CNAME at " + owner.to_text());
        } else if (set.type != rrtype::RRSIG && set.type != rrtype::NSEC && !set.rdatas.empty()) {
          others += (others.empty() ? "" : ", ") + type_text(set.type);
        }
      }
      if (!others.empty()) {
        return fail(loc + "CNAME at " + owner.to_text() + " beside other data (" + others +
                    "), RFC 1034 3.6.2 / RFC 2181 10.1");
      }
    }
    all.zone.classify();
    return std::move(all.zone);
  }

 private:
  std::vector<RRSink> make_sinks(size_t n) {
    std::vector<RRSink> sinks;
    for (size_t k = 0; k < n; ++k) {
      parts_.push_back(std::make_unique<PartState>(opt_));
      PartState* p = parts_.back().get();
      sinks.push_back([this, p](ParsedRR&& rr) { return on_record(*p, std::move(rr)); });
    }
    return sinks;
  }

  // Moves the nodes of parts 1.. into part 0's zone (node handles: no copies); names in
  // both get their RRs added one by one. A second SOA across parts is an error here.
  Status merge_parts() {
    PartState& all = *parts_[0];
    for (size_t k = 1; k < parts_.size(); ++k) {
      PartState& p = *parts_[k];
      if (all.first_where.empty()) all.first_where = p.first_where;
      if (!p.soa_where.empty()) {
        if (!all.soa_where.empty()) {
          return fail(p.soa_where + "second SOA record (the first is at " +
                      all.soa_where.substr(0, all.soa_where.size() - 2) + ")");
        }
        all.soa_where = p.soa_where;
      }
      for (auto& [owner, loc] : p.cname_where) all.cname_where.try_emplace(owner, loc);
      splice_nodes(p.zone.nodes(), all.zone.nodes());
      for (auto& [owner, node] : p.zone.nodes()) {  // names already in part 0's zone
        for (auto& set : node.rrsets) {
          for (auto& rd : set.rdatas) {
            uint32_t before = all.builder.add(owner, set.type, set.ttl, std::move(rd));
            if (before != set.ttl) {
              warn(path_ + ": TTL " + std::to_string(set.ttl) + " of " + owner.to_text() + " " +
                   type_text(set.type) + " records differs from the RRset's TTL " +
                   std::to_string(before) +
                   " elsewhere in the file; the RRset gets the minimum (RFC 2181 5.2)");
            }
          }
        }
      }
      parts_[k].reset();
    }
    return {};
  }

  void warn(const std::string& w) {
    if (!opt_.warn || warnings_ > kMaxWarnings) return;
    if (++warnings_ > kMaxWarnings) {
      opt_.warn(path_ + ": further TTL warnings suppressed");
      return;
    }
    opt_.warn(w);
  }

  Status on_record(PartState& p, ParsedRR&& rr) {
    if (p.first_where.empty()) p.first_where = where(rr);
    if (rr.klass != opt_.klass) {
      return fail(where(rr) + "class " + class_text(rr.klass) + " differs from the zone class " +
                  class_text(opt_.klass));
    }
    if (!rr.owner.is_subdomain_of(opt_.origin)) {
      return fail(where(rr) + rr.owner.to_text() + " is outside the zone " + opt_.origin.to_text());
    }
    if (is_dnssec_type(rr.type)) {
      switch (opt_.dnssec) {
        case DnssecInput::Reject:
          return fail(where(rr) + type_text(rr.type) + " record at " + rr.owner.to_text() +
                      " in an unsigned input zone (DNSSEC records are not expected here)");
        case DnssecInput::Strip:
          if (rr.type != rrtype::DNSKEY || !opt_.keep_dnskey) return {};
          break;
        case DnssecInput::Keep:
          if (rr.type == rrtype::RRSIG || rr.type == rrtype::NSEC3) {
            try {
              p.zone.add(rr.owner, rr.type, rr.ttl, rr.rdata);
            } catch (const std::invalid_argument& e) {
              return fail(where(rr) + e.what());
            }
            return {};
          }
          break;
      }
    }
    if (rr.type == rrtype::SOA) {
      if (!(rr.owner == opt_.origin)) {
        return fail(where(rr) + "SOA record at " + rr.owner.to_text() + ", not at the zone apex " +
                    opt_.origin.to_text());
      }
      if (!p.soa_where.empty()) {
        return fail(where(rr) + "second SOA record (the first is at " +
                    p.soa_where.substr(0, p.soa_where.size() - 2) + ")");
      }
      p.soa_where = where(rr);
    }
    if (rr.type == rrtype::CNAME) p.cname_where.try_emplace(rr.owner, where(rr));
    uint32_t ttl = rr.ttl;
    uint32_t before = p.builder.add(rr.owner, rr.type, ttl, std::move(rr.rdata));
    if (before != ttl && p.warnings.size() <= static_cast<size_t>(kMaxWarnings)) {
      p.warnings.push_back(where(rr) + "TTL " + std::to_string(rr.ttl) + " of this " +
                           type_text(rr.type) + " record differs from its RRset's TTL " +
                           std::to_string(before) + "; the RRset gets the minimum (RFC 2181 5.2)");
    }
    return {};
  }

  std::string path_;
  const LoadOptions& opt_;
  std::vector<std::unique_ptr<PartState>> parts_;
  int warnings_ = 0;
};

}  // namespace

Result<Zone> load_zone_file(const std::string& path, const LoadOptions& options) {
  Loader loader(path, options);
  return loader.run();
}

}  // namespace ts::signer
