// Zone loading: validates the records zone_parse.cc delivers (class, zone membership, SOA,
// CNAME rules, DNSSEC input policy) and inserts them in bulk into the zone model, then
// classifies it. Every error names the file and line of the record at fault.
#include "signer/zone_loader.h"

#include <ldns/ldns.h>

#include <map>
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

class Loader {
 public:
  Loader(const std::string& path, const LoadOptions& opt)
      : path_(path), opt_(opt), zone_(opt.origin, opt.klass), builder_(zone_) {}

  Result<Zone> run() {
    Status s = parse_zone_records(path_, opt_.origin, opt_.default_ttl, opt_.threads,
                                  [this](ParsedRR&& rr) { return on_record(std::move(rr)); });
    if (!s) return s.error();
    if (soa_where_.empty()) {
      return fail((first_where_.empty() ? path_ + ":1: " : first_where_) + "no SOA record for " +
                  opt_.origin.to_text() + " in the zone");
    }
    for (const auto& [owner, loc] : cname_where_) {
      const Node* n = zone_.find(owner);
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
    zone_.classify();
    return std::move(zone_);
  }

 private:
  Status on_record(ParsedRR&& rr) {
    if (first_where_.empty()) first_where_ = where(rr);
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
              zone_.add(rr.owner, rr.type, rr.ttl, rr.rdata);
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
      if (!soa_where_.empty()) {
        return fail(where(rr) + "second SOA record (the first is at " +
                    soa_where_.substr(0, soa_where_.size() - 2) + ")");
      }
      soa_where_ = where(rr);
    }
    if (rr.type == rrtype::CNAME) cname_where_.try_emplace(rr.owner, where(rr));
    uint32_t ttl = rr.ttl;
    uint32_t before = builder_.add(rr.owner, rr.type, ttl, std::move(rr.rdata));
    if (before != ttl) warn_ttl(rr, before);
    return {};
  }

  void warn_ttl(const ParsedRR& rr, uint32_t before) {
    if (!opt_.warn || warnings_ > kMaxWarnings) return;
    if (++warnings_ > kMaxWarnings) {
      opt_.warn(path_ + ": further TTL warnings suppressed");
      return;
    }
    opt_.warn(where(rr) + "TTL " + std::to_string(rr.ttl) + " of this " + type_text(rr.type) +
              " record differs from its RRset's TTL " + std::to_string(before) +
              "; the RRset gets the minimum (RFC 2181 5.2)");
  }

  std::string path_;
  const LoadOptions& opt_;
  Zone zone_;
  Builder builder_;
  std::string first_where_, soa_where_;
  std::map<Name, std::string> cname_where_;
  int warnings_ = 0;
};

}  // namespace

Result<Zone> load_zone_file(const std::string& path, const LoadOptions& options) {
  Loader loader(path, options);
  return loader.run();
}

}  // namespace ts::signer
