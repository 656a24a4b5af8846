// Taking access away: a removed relation's users (relation-broken), a rotated user whose grace
// is over, a clean-up the ledger still owes, users whose relation is gone (the sweep).
// Revocation always takes effect: every user is locked before any is dropped, and what cannot
// be dropped stays locked on the clean-up list (revocation_steps.hpp).

#include "charms/plan/item_deciders.hpp"
#include "charms/plan/relation_rules.hpp"
#include "charms/plan/revocation_steps.hpp"

namespace grantor::charms {

// Both login users go (locked at once, then dropped; objects kept), after the secrets. Users of
// a relation the ledger does not know (another leader served it) go all the same.
Step DecideRevoke(const DecisionContext& context, const WorkItem& item, const ItemState& state) {
  Walk walk(state);
  const int id = item.relation.id;
  const RelationRecord* found = state.record ? &*state.record : nullptr;
  RelationRecord record = found != nullptr ? *found : RelationRecord{};
  if (record.endpoint.empty() && context.relation) record.endpoint = context.relation->endpoint;
  std::map<std::string, PendingCleanup> cleanups = state.cleanups;
  // The secrets first: they need no server, so a server outage during this hook still takes
  // the credentials away from the application; the users then go now or, after an outage,
  // with the sweep of a later hook.
  if (!RemovePublishedSecrets(context, walk, id, found)) return walk.Pause();
  if (found != nullptr) {
    RelationRecord without_secrets = *found;
    without_secrets.secrets.clear();
    walk.Run(op::PutRecord{id, std::move(without_secrets)});
  }
  const std::vector<std::string> users{UserOf(context, id, Slot::kA),
                                       UserOf(context, id, Slot::kB)};
  const auto dropped = RevokeUsers(walk, cleanups, id, record.endpoint, users);
  if (!dropped) return walk.Pause();
  for (const Slot slot : {Slot::kA, Slot::kB}) {
    const std::string user = UserOf(context, id, slot);
    const bool issued = record.served && (slot == record.active || record.retiring == slot);
    if (!issued) continue;
    if (dropped->contains(user)) {
      walk.Run(
          AuditOf(context, core::AuditEvent::kRevoke, id, record, user, "ok", "relation removed"));
    } else {
      walk.Run(AuditOf(context, core::AuditEvent::kRevoke, id, record, user, "locked",
                       "relation removed; login refused and sessions ended, drop pending: " +
                           cleanups.at(user).reason));
    }
  }
  walk.Run(op::ForgetRecord{id});
  return walk.Finish();
}

Step DecideRetire(const DecisionContext& context, const WorkItem& item, const ItemState& state) {
  Walk walk(state);
  if (!state.record || !state.record->retiring) return walk.Finish();
  RelationRecord record = *state.record;
  std::map<std::string, PendingCleanup> cleanups = state.cleanups;
  if (!RetireInto(context, walk, cleanups, item.relation.id, record)) return walk.Pause();
  walk.Run(op::PutRecord{item.relation.id, std::move(record)});
  return walk.Finish();
}

Step DecideRetryCleanup(const DecisionContext& context, const WorkItem& item,
                        const ItemState& state) {
  Walk walk(state);
  const std::string& user = item.users.front();
  const auto known = state.cleanups.find(user);
  if (known == state.cleanups.end()) return walk.Finish();
  const PendingCleanup cleanup = known->second;
  std::map<std::string, PendingCleanup> cleanups = state.cleanups;
  const auto gone = DropLockedUser(walk, cleanups, user, cleanup.relation_id, cleanup.endpoint);
  if (!gone) return walk.Pause();
  if (*gone) {
    RelationRecord record;
    record.endpoint = cleanup.endpoint;
    walk.Run(AuditOf(context, core::AuditEvent::kRevoke, cleanup.relation_id, record, user, "ok",
                     "clean-up finished"));
  }
  return walk.Finish();
}

// How a revocation missed while the server was down (or by an earlier leader) happens later.
Step DecideRevokeOrphans(const DecisionContext& context, const WorkItem& item,
                         const ItemState& state) {
  Walk walk(state);
  std::map<std::string, PendingCleanup> cleanups = state.cleanups;
  const auto dropped =
      RevokeUsers(walk, cleanups, item.relation.id, item.relation.endpoint, item.users);
  if (!dropped) return walk.Pause();
  RelationRecord orphan;
  orphan.endpoint = item.relation.endpoint;
  for (const auto& user : *dropped) {
    walk.Run(AuditOf(context, core::AuditEvent::kRevoke, item.relation.id, orphan, user, "ok",
                     "its relation is gone"));
  }
  return walk.Finish();
}

Step DecideFinishSweep(const DecisionContext&, const WorkItem&, const ItemState& state) {
  Walk walk(state);
  walk.Run(op::SetSweepPending{false});
  return walk.Finish();
}

}  // namespace grantor::charms
