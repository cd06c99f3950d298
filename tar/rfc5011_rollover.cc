// RFC 5011 island KSK rollover: one small function per event, transitions as values.
#include "tar/rfc5011_rollover.h"

#include <stdexcept>

namespace ts::tar {
namespace {

void transition(Rollover& r, Step& s, RolloverState to, const std::string& why) {
  s.transitions.push_back(std::string(rollover_state_name(r.state)) + " -> " +
                          rollover_state_name(to) + ": " + why);
  r.state = to;
}

Action sign_action(const Rollover& r) {
  return Action{ActionKind::SignZone, ksk_set(r), {}};
}
Action publish_action(const Rollover& r) {
  return Action{ActionKind::PublishDocument, {}, expected_document(r)};
}

// Waiting for the repository: re-upload, alert, try again after the retry interval.
Step wait_for_repository(const Rollover& r, UnixTime now, const std::string& why) {
  Step s;
  s.actions.push_back(publish_action(r));
  s.next = now + r.options.retry;
  s.alert = true;
  s.status = std::string(rollover_state_name(r.state)) + ": waiting, " + why;
  return s;
}

}  // namespace

const char* rollover_state_name(RolloverState s) {
  switch (s) {
    case RolloverState::Idle:
      return "Idle";
    case RolloverState::NewKeyPublished:
      return "NewKeyPublished";
    case RolloverState::Switched:
      return "Switched";
    case RolloverState::OldKeyRevoked:
      return "OldKeyRevoked";
    case RolloverState::Done:
      return "Done";
  }
  return "?";
}

Rollover make_rollover(Name zone, signer::Dnskey old_key, UnixTime old_valid_from,
                       signer::Dnskey new_key, RolloverOptions options) {
  Rollover r;
  r.zone = std::move(zone);
  r.old_key = std::move(old_key);
  r.new_key = std::move(new_key);
  r.old_valid_from = old_valid_from;
  r.options = std::move(options);
  return r;
}

std::vector<KskEntry> ksk_set(const Rollover& r) {
  signer::Dnskey revoked = r.old_key;
  revoked.flags |= signer::kFlagRevoke;
  switch (r.state) {
    case RolloverState::Idle:
      return {{r.old_key, true}};
    case RolloverState::NewKeyPublished:
      return {{r.old_key, true}, {r.new_key, true}};
    case RolloverState::Switched:
      return {{r.old_key, false}, {r.new_key, true}};
    case RolloverState::OldKeyRevoked:
      return {{revoked, true}, {r.new_key, true}};
    case RolloverState::Done:
      return {{r.new_key, true}};
  }
  return {};
}

AnchorDocument expected_document(const Rollover& r) {
  std::vector<AnchorKey> keys;
  std::optional<UnixTime> old_until;
  if (r.state == RolloverState::Switched || r.state == RolloverState::OldKeyRevoked ||
      r.state == RolloverState::Done)
    old_until = r.switched_at;
  keys.push_back({r.old_key, r.old_valid_from, old_until});
  if (r.state != RolloverState::Idle) keys.push_back({r.new_key, r.published_at, std::nullopt});
  auto doc = make_document(r.zone, keys, r.options.digest, r.options.source);
  if (!doc) throw std::logic_error("trust-anchor document: " + doc.error().message);
  return *doc;
}

Step start(Rollover& r, UnixTime now) {
  Step s;
  if (r.state != RolloverState::Idle) {
    s.status = std::string(rollover_state_name(r.state)) + ": already started";
    s.next = now;
    return s;
  }
  r.published_at = now;
  r.document_confirmed = false;
  transition(r, s, RolloverState::NewKeyPublished,
             "new KSK " + std::to_string(signer::key_tag(signer::dnskey_rdata(r.new_key))) +
                 " published, DNSKEY set signed by both KSKs; document adds it");
  s.actions = {sign_action(r), publish_action(r)};
  s.next = now + r.options.add_holddown + r.options.margin;
  s.status = "NewKeyPublished: add hold-down running";
  return s;
}

Step on_tick(Rollover& r, UnixTime now) {
  Step s;
  switch (r.state) {
    case RolloverState::Idle:
      s.status = "Idle";
      return s;
    case RolloverState::NewKeyPublished: {
      UnixTime due = r.published_at + r.options.add_holddown + r.options.margin;
      if (now < due) {
        s.next = due;
        s.status = "NewKeyPublished: add hold-down until " + format_datetime(due);
        return s;
      }
      if (!r.document_confirmed)
        return wait_for_repository(r, now,
                                   "add hold-down over but the repository has not "
                                   "confirmed the document with the new key");
      r.switched_at = now;
      r.document_confirmed = false;
      transition(r, s, RolloverState::Switched,
                 "add hold-down over and repository confirmed; new KSK signs alone, document "
                 "ends the old key's validity");
      s.actions = {sign_action(r), publish_action(r)};
      s.next = now;
      s.status = "Switched: waiting for the repository to confirm";
      return s;
    }
    case RolloverState::Switched: {
      if (!r.document_confirmed)
        return wait_for_repository(r, now,
                                   "the repository has not confirmed the document "
                                   "that retires the old key; not revoking");
      r.revoked_at = now;
      transition(r, s, RolloverState::OldKeyRevoked,
                 "repository confirmed; old KSK revoked, signing the DNSKEY set itself");
      s.actions = {sign_action(r)};
      s.next = now + r.options.remove_holddown + r.options.margin;
      s.status = "OldKeyRevoked: remove hold-down running";
      return s;
    }
    case RolloverState::OldKeyRevoked: {
      UnixTime due = r.revoked_at + r.options.remove_holddown + r.options.margin;
      if (now < due) {
        s.next = due;
        s.status = "OldKeyRevoked: remove hold-down until " + format_datetime(due);
        return s;
      }
      r.done_at = now;
      transition(r, s, RolloverState::Done, "remove hold-down over; revoked KSK removed");
      s.actions = {sign_action(r)};
      s.status = "Done";
      return s;
    }
    case RolloverState::Done:
      s.status = "Done";
      return s;
  }
  return s;
}

Step on_document_served(Rollover& r, UnixTime now, const AnchorDocument& served) {
  auto problems = compare_documents(expected_document(r), served);
  if (!problems.empty()) {
    r.document_confirmed = false;
    return wait_for_repository(
        r, now, "repository serves a tampered or stale document: " + describe_problems(problems));
  }
  Step s;
  r.document_confirmed = true;
  s.status = std::string(rollover_state_name(r.state)) + ": repository confirmed the document";
  s.next = now;
  return s;
}

Step on_document_failed(Rollover& r, UnixTime now, const std::string& reason) {
  r.document_confirmed = false;
  return wait_for_repository(r, now, "repository unavailable: " + reason);
}

}  // namespace ts::tar
