// The daemon's signing pass and the self-verification of its output.
#include "agent/daemon_sign.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>

#include "agent/daemon_parent_cds.h"  // branch parent
#include "agent/key_files.h"
#include "common/atomic_file.h"
#include "signer/crypto.h"
#include "signer/dnssec_records.h"
#include "signer/keystore.h"
#include "signer/zone_loader.h"
#include "signer/zone_signer.h"
#include "signer/zone_writer.h"

extern char** environ;

namespace ts::agent {
namespace {

using signer::Bytes;
namespace rrtype = signer::rrtype;

/// RFC 1982: a is after b.
bool serial_after(uint32_t a, uint32_t b) {
  return a != b && static_cast<uint32_t>(a - b) < 0x80000000u;
}

/// Offset of the serial field in SOA rdata (after MNAME and RNAME, uncompressed).
std::optional<size_t> soa_serial_offset(const Bytes& rdata) {
  size_t p = 0;
  for (int names = 0; names < 2; ++names) {
    while (p < rdata.size() && rdata[p] != 0) p += rdata[p] + 1;
    if (p >= rdata.size()) return std::nullopt;
    ++p;
  }
  if (p + 20 > rdata.size()) return std::nullopt;
  return p;
}

Status raise_serial(signer::Zone& zone, uint32_t at_least) {
  signer::RRset* soa = zone.apex().find(rrtype::SOA);
  if (!soa || soa->rdatas.size() != 1) return fail("zone has no single apex SOA");
  Bytes& rd = soa->rdatas[0];
  auto off = soa_serial_offset(rd);
  if (!off) return fail("malformed SOA rdata");
  uint32_t cur = (uint32_t(rd[*off]) << 24) | (uint32_t(rd[*off + 1]) << 16) |
                 (uint32_t(rd[*off + 2]) << 8) | rd[*off + 3];
  if (!serial_after(at_least, cur)) return {};
  for (int i = 0; i < 4; ++i) rd[*off + i] = static_cast<uint8_t>(at_least >> (24 - 8 * i));
  return {};
}

signer::SerialPolicy serial_policy(int s) {
  switch (s) {
    case 0:
      return signer::SerialPolicy::Keep;
    case 2:
      return signer::SerialPolicy::UnixTime;
    case 3:
      return signer::SerialPolicy::Date;
    default:
      return signer::SerialPolicy::Increment;
  }
}

Result<signer::PrivateKey> load_key(const signer::FileKeyStore& store, const std::string& id) {
  auto meta = store.meta(id);
  if (!meta) return fail("key " + id + ": " + meta.error().message);
  if (!*meta) return fail("key " + id + ": not in the key store " + store.dir());
  return store.load_private(**meta);
}

}  // namespace

Result<signer::Zone> load_zone_stripped(const std::string& file, const std::string& name) {
  auto origin = Name::from_text(name);
  if (!origin) return origin.error();
  signer::LoadOptions lo;
  lo.origin = *origin;
  lo.dnssec = signer::DnssecInput::Strip;
  lo.keep_dnskey = false;
  return signer::load_zone_file(file, lo);
}

namespace {

/// Loads, signs and self-checks the zone; `write` gets the verified zone.
Result<SignOutcome> sign_zone_for(
    const ZoneSpec& spec, const ZoneKeyState& state, const signer::FileKeyStore& store,
    const HeldKeys& held, UnixTime now, uint32_t last_serial, const ManagedChildren* managed,
    const std::function<Status(const signer::Zone&, SignOutcome&)>& write) {
  auto zone = load_zone_stripped(spec.input_file, spec.name);
  if (!zone) return zone.error();
  if (spec.serial != 0 && last_serial != 0)
    if (Status s = raise_serial(*zone, last_serial); !s) return s.error();
  if (Status s = add_parent_records(spec, state, store, *zone); !s) return s.error();  // parent
  std::optional<ChildDsNotes> child_ds;  // managed children: their DS sets replace the input's
  if (managed && managed->is_parent(spec.name)) {
    // A managed child whose DS set is not known (start, key store unreadable, P's output not
    // readable either): never let the input's DS stand in for it. P waits (retried).
    std::string pending;
    for (const auto& c : managed->pending_of(spec.name))
      pending += (pending.empty() ? "" : ", ") + c;
    if (!pending.empty())
      return fail("managed: not signed while the DS set of " + pending +
                  " is unknown (its keys cannot be read and the DS this zone publishes could "
                  "not be read back from " +
                  spec.output_file + "); the input's DS is not used in its place");
    apply_child_ds(*zone, managed->children_of(spec.name), child_ds.emplace());
  }

  std::vector<signer::PrivateKey> privs;
  privs.reserve(state.keys.size());
  signer::SignOptions o;
  for (const KeyRecord& k : state.keys) {
    if (!in_dnskey_rrset(k, now)) continue;
    const signer::PrivateKey* pk = nullptr;
    if (auto h = held.find(k.id); h != held.end()) {
      pk = h->second;
    } else {
      auto key = load_key(store, k.id);
      if (!key) return key.error();
      privs.push_back(std::move(*key));
      pk = &privs.back();
    }
    signer::SigningKey sk;
    sk.key = pk;
    sk.flags = k.role == KeyRole::ZSK ? 256 : 257;
    sk.tag = k.tag;
    if (k.has_ksk_duty() && reached(k.revoked, now)) {  // RFC 5011 revocation (island rollover)
      sk.flags |= signer::kFlagRevoke;
      Bytes rd{static_cast<uint8_t>(sk.flags >> 8), static_cast<uint8_t>(sk.flags), 3,
               static_cast<uint8_t>(pk->algorithm())};
      Bytes pub = pk->public_key();
      rd.insert(rd.end(), pub.begin(), pub.end());
      sk.tag = signer::key_tag(rd);  // the revoked key signs under its new tag
    }
    sk.signs_dnskey = signs_dnskey_rrset(k, now);
    sk.signs_zone = signs_zone_data(k, now);
    o.keys.push_back(sk);
  }
  o.inception = now - 3600;
  o.expiration = now + spec.sig_lifetime;
  o.denial = spec.nsec3 ? signer::Denial::Nsec3 : signer::Denial::Nsec;
  o.nsec3.iterations = spec.iterations;
  o.nsec3.salt = spec.salt;
  o.nsec3.opt_out = spec.opt_out;
  o.serial = serial_policy(spec.serial);
  o.now = now;
  o.dnskey_ttl = static_cast<uint32_t>(spec.dnskey_ttl);
  auto stats = signer::sign_zone(*zone, o);
  if (!stats) return fail("signing: " + stats.error().message);
  std::vector<const signer::PrivateKey*> signing;
  for (const auto& sk : o.keys) signing.push_back(sk.key);
  auto verified = verify_signed_zone(*zone, now, spec.verify, signing);
  if (!verified) return fail("self-check failed, output not written: " + verified.error().message);
  SignOutcome out;
  out.serial = stats->serial;
  out.rrsigs = stats->rrsigs;
  out.verified = *verified;
  out.expires = o.expiration;
  out.child_ds = std::move(child_ds);
  if (Status s = write(*zone, out); !s) return s.error();
  return out;
}

}  // namespace

Result<SignOutcome> sign_and_write(const ZoneSpec& spec, const ZoneKeyState& state,
                                   const signer::FileKeyStore& store, UnixTime now,
                                   uint32_t last_serial) {
  return sign_zone_for(spec, state, store, {}, now, last_serial, nullptr,
                       [&](const signer::Zone& zone, SignOutcome&) {
                         return signer::write_zone_file(zone, spec.output_file, {});
                       });
}

Result<SignOutcome> sign_to_temp(const ZoneSpec& spec, const ZoneKeyState& state,
                                 const signer::FileKeyStore& store, const HeldKeys& held,
                                 UnixTime now, uint32_t last_serial,
                                 const ManagedChildren* managed) {
  return sign_zone_for(spec, state, store, held, now, last_serial, managed,
                       [&](const signer::Zone& zone, SignOutcome& out) -> Status {
                         out.temp = spec.output_file + ".ts-" + random_hex(12);
                         int fd = ::open(out.temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                                         0644);
                         if (fd < 0)
                           return fail(out.temp + ": cannot create: " + std::strerror(errno));
                         FILE* fp = ::fdopen(fd, "w");
                         if (!fp) {
                           ::close(fd);
                           ::unlink(out.temp.c_str());
                           return fail(out.temp + ": fdopen failed");
                         }
                         // One write(2) for a small zone instead of one per 4 KiB.
                         std::setvbuf(fp, nullptr, _IOFBF, size_t{1} << 16);
                         Status s = signer::write_zone(zone, fp, {});
                         bool closed = std::fclose(fp) == 0;
                         if (s && !closed)
                           s = fail(out.temp + ": write failed: " + std::strerror(errno));
                         if (!s) ::unlink(out.temp.c_str());
                         return s;
                       });
}

Status run_command(const std::string& command) {
  pid_t pid;
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  int rc = posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ);
  if (rc != 0) return fail("cannot run '" + command + "'");
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return fail("waitpid failed for '" + command + "'");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail("'" + command + "' exited with status " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
  return {};
}

}  // namespace ts::agent
