// Scripted stand-ins for the resolver module's network edges, for unit tests of logic built
// on top of it (the chain walk, parent sync): FakeResolver answers (name, type) from a table
// (unknown questions get an insecure NODATA) and counts questions; FakeDirectQuerier does
// the same per (server, name, type) and answers Timeout when nothing was scripted.
//
//   FakeResolver r;
//   r.set(N("example.test."), kTypeDS, Answer{0, Security::Secure, "", {ds}, {sig}});
//   FakeDirectQuerier d;  d.set("127.0.0.2", N("example.test."), kTypeDS, direct_answer);
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "resolver/direct_query.h"
#include "resolver/resolver.h"

namespace ts::resolver {

class FakeResolver final : public Resolver {
 public:
  void set(const Name& name, uint16_t type, Answer a) {
    table_[{name.lowered().to_text(), type}] = std::move(a);
  }
  Result<Answer> query(const Name& name, uint16_t type) override {
    ++queries_;
    auto it = table_.find({name.lowered().to_text(), type});
    if (it != table_.end()) return it->second;
    Answer a;
    a.security = Security::Insecure;
    a.nodata = true;
    return a;
  }
  int queries() const { return queries_; }

 private:
  std::map<std::pair<std::string, uint16_t>, Answer> table_;
  int queries_ = 0;
};

class FakeDirectQuerier final : public DirectQuerier {
 public:
  void set(const std::string& server, const Name& name, uint16_t type, DirectAnswer a) {
    a.server = server;
    table_[{server, name.lowered().to_text(), type}] = std::move(a);
  }
  DirectAnswer query(const std::string& server, const Name& name, uint16_t type, bool) override {
    auto it = table_.find({server, name.lowered().to_text(), type});
    if (it != table_.end()) return it->second;
    DirectAnswer a;
    a.server = server;
    a.problem = DirectProblem::Timeout;
    a.detail = "not scripted";
    return a;
  }

 private:
  std::map<std::tuple<std::string, std::string, uint16_t>, DirectAnswer> table_;
};

}  // namespace ts::resolver
