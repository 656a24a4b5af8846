#include "charms/plan/leader_work.hpp"

#include <map>

#include "charms/plan/relation_rules.hpp"

namespace grantor::charms {
namespace {

using Kind = WorkItem::Kind;

WorkItem Item(Kind kind, juju::RelationRef relation) {
  WorkItem item;
  item.kind = kind;
  item.relation = std::move(relation);
  return item;
}

// Whether telling which of `relation_ids` are live needs the live relations (relation-ids):
// not when the only one is the relation this hook breaks.
bool NeedsLive(const DecisionContext& context, const std::vector<int>& relation_ids) {
  for (const int id : relation_ids) {
    if (!IsBrokenHere(context, id)) return true;
  }
  return false;
}

// Relation `relation_id` with the endpoint the ledger records for it ("" when none).
juju::RelationRef Recorded(const Ledger& ledger, int relation_id) {
  const RelationRecord* record = ledger.Find(relation_id);
  return {record != nullptr ? record->endpoint : std::string(), relation_id};
}

// Relations published in plain fields have no Juju secret to carry a rotate policy: their
// rotation-period is kept here, checked on update-status.
std::vector<WorkItem> ScheduledRotations(const DecisionContext& context, const Ledger& ledger) {
  std::vector<WorkItem> items;
  if (!context.config.rotation_period) return items;
  for (const auto& [id, record] : ledger.relations()) {
    if (!record.served || record.secrets.contains("user")) continue;
    if (context.now - record.rotated_at >= context.config.rotation_period->count()) {
      items.push_back(RotationItem(ledger, id, "rotation-period elapsed"));
    }
  }
  return items;
}

// Revoked users the ledger keeps locked, never of a relation still served.
std::optional<std::vector<WorkItem>> RetryCleanups(const DecisionContext& context,
                                                   const Ledger& ledger, const LeaderFacts& facts) {
  std::vector<int> relation_ids;
  for (const auto& [user, cleanup] : ledger.cleanups()) relation_ids.push_back(cleanup.relation_id);
  if (NeedsLive(context, relation_ids) && !facts.live) return std::nullopt;
  const auto live = facts.live.value_or(std::vector<juju::RelationRef>{});
  std::vector<WorkItem> items;
  for (const auto& [user, cleanup] : ledger.cleanups()) {
    if (IsLive(context, live, cleanup.relation_id)) continue;
    WorkItem item = Item(Kind::kRetryCleanup, {cleanup.endpoint, cleanup.relation_id});
    item.users = {user};
    items.push_back(std::move(item));
  }
  return items;
}

// Every relation user of this application whose relation is gone, by relation, each relation
// on its own; then the sweep is no longer owed.
std::optional<std::vector<WorkItem>> Sweep(const DecisionContext& context, const Ledger& ledger,
                                           const LeaderFacts& facts) {
  std::map<int, std::vector<std::string>> candidates;
  for (const auto& user : facts.users.value_or(std::set<std::string>{})) {
    if (const auto relation_id = context.names.RelationIdOfUser(user)) {
      candidates[*relation_id].push_back(user);
    }
  }
  std::vector<int> relation_ids;
  for (const auto& [relation_id, users] : candidates) relation_ids.push_back(relation_id);
  if (NeedsLive(context, relation_ids) && !facts.live) return std::nullopt;
  const auto live = facts.live.value_or(std::vector<juju::RelationRef>{});
  std::vector<WorkItem> items;
  for (const auto& [relation_id, users] : candidates) {
    if (IsLive(context, live, relation_id)) continue;
    const auto known = ledger.cleanups().find(users.front());
    const std::string endpoint =
        known != ledger.cleanups().end() ? known->second.endpoint : std::string();
    WorkItem item = Item(Kind::kRevokeOrphans, {endpoint, relation_id});
    item.users = users;
    items.push_back(std::move(item));
  }
  items.push_back(Item(Kind::kFinishSweep, {}));
  return items;
}

}  // namespace

WorkItem RotationItem(const Ledger& ledger, int relation_id, std::string reason) {
  WorkItem item = Item(Kind::kRotate, Recorded(ledger, relation_id));
  item.reason = std::move(reason);
  return item;
}

std::optional<std::vector<WorkEntry>> LeaderWork(const DecisionContext& context,
                                                 const HookPlan& plan, const Ledger& ledger,
                                                 const LeaderFacts& facts) {
  std::vector<WorkEntry> work;
  if (plan.full || plan.safety_net) {
    if (!facts.live) return std::nullopt;
    for (const auto& relation : *facts.live) {
      if (!IsLive(context, *facts.live, relation.id)) continue;
      WorkItem item = Item(Kind::kReconcile, relation);
      item.verify = true;
      work.push_back(std::move(item));
    }
    work.push_back(Batch::kForgetEnded);
  } else {
    for (const int id : plan.reconcile) {
      if (context.relation && context.relation->id == id) {
        work.push_back(Item(Kind::kReconcile, *context.relation));
      } else if (const RelationRecord* record = ledger.Find(id)) {
        work.push_back(Item(Kind::kReconcile, {record->endpoint, id}));
      }
    }
  }
  for (const int id : plan.republish_units) {
    work.push_back(Item(Kind::kRepublishUnits, Recorded(ledger, id)));
  }
  if (plan.revoke) {
    const std::string endpoint = context.relation ? context.relation->endpoint : std::string();
    work.push_back(Item(Kind::kRevoke, {endpoint, *plan.revoke}));
  }
  for (const int id : plan.retire) work.push_back(Item(Kind::kRetire, Recorded(ledger, id)));
  for (const int id : plan.rotate) work.push_back(RotationItem(ledger, id, "rotation due"));
  if (plan.safety_net) work.push_back(Batch::kScheduledRotations);
  if (plan.retry_cleanup) work.push_back(Batch::kRetryCleanups);
  if (plan.sweep) work.push_back(Batch::kSweep);
  return work;
}

std::optional<std::vector<WorkItem>> ExpandBatch(const DecisionContext& context, Batch batch,
                                                 const Ledger& ledger, const LeaderFacts& facts) {
  switch (batch) {
    case Batch::kForgetEnded: {
      if (!facts.live) return std::nullopt;
      std::vector<WorkItem> items;
      for (const int id : ledger.Ids()) {
        if (!IsLive(context, *facts.live, id)) {
          items.push_back(Item(Kind::kForgetEnded, Recorded(ledger, id)));
        }
      }
      return items;
    }
    case Batch::kScheduledRotations:
      return ScheduledRotations(context, ledger);
    case Batch::kRetryCleanups:
      return RetryCleanups(context, ledger, facts);
    case Batch::kSweep:
      return Sweep(context, ledger, facts);
  }
  return std::vector<WorkItem>{};
}

}  // namespace grantor::charms
