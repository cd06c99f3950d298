// Test helpers for parentsync: deterministic fake DNSKEY rdata and observations.
#pragma once

#include <string>
#include <vector>

#include "parentsync/ds_assessment.h"

namespace ts::parentsync::testing {

// A KSK DNSKEY rdata (flags 257, protocol 3, algorithm 13) with a 64-byte public key
// derived from `seed`: not a real key, but tag and digest arithmetic do not care.
inline Bytes fake_dnskey(uint8_t seed, uint8_t algorithm = 13) {
  Bytes r{0x01, 0x01, 0x03, algorithm};
  for (int i = 0; i < 64; ++i) r.push_back(static_cast<uint8_t>(seed * 31 + i * 7));
  return r;
}

inline OurKey fake_key(uint8_t seed, KeyState state, bool submitted = false) {
  Bytes rdata = fake_dnskey(seed);
  return OurKey{key_tag(rdata), rdata[3], rdata, state, submitted};
}

inline DsRecord ds_of(const Name& child, const OurKey& k, uint8_t digest_type = 2) {
  return *make_ds(child, k.dnskey_rdata, digest_type);
}

inline ServerDsAnswer secure_answer(const std::string& server, std::vector<DsRecord> ds) {
  return ServerDsAnswer{server, true, "", Validation::Secure, std::move(ds)};
}

}  // namespace ts::parentsync::testing
