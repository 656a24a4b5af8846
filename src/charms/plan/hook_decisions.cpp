#include "charms/plan/hook_decisions.hpp"

#include <map>

#include "charms/plan/relation_rules.hpp"

namespace grantor::charms {
namespace {

constexpr std::string_view kRotationKeyPrefix = "rotation.";

std::string RotationKey(int relation_id) {
  return std::string(kRotationKeyPrefix) + std::to_string(relation_id);
}

}  // namespace

bool RepublishesUnitsOnly(const HookPlan& plan) {
  return plan.republish_units.size() == 1 && plan.reconcile.empty() && !plan.full &&
         !plan.safety_net && !plan.revoke && !plan.sweep && plan.retire.empty() &&
         plan.rotate.empty();
}

std::vector<Operation> FollowerChanges(const DecisionContext& context, const HookPlan& plan,
                                       const std::optional<std::string>& request_digest,
                                       const Ledger& ledger) {
  std::vector<Operation> changes;
  if (context.relation && request_digest && !plan.reconcile.empty()) {
    const RelationRecord* found = ledger.Find(context.relation->id);
    RelationRecord record = found != nullptr ? *found : RelationRecord{};
    if (found == nullptr) record.endpoint = context.relation->endpoint;
    record.seen = *request_digest;
    changes.push_back(op::PutRecord{context.relation->id, std::move(record)});
  }
  if (plan.revoke) changes.push_back(op::ForgetRecord{*plan.revoke});
  return changes;
}

std::vector<Operation> AfterServerFailure(const DecisionContext& context, const HookPlan& plan,
                                          const Ledger& ledger) {
  std::vector<Operation> changes;
  for (const int id : plan.reconcile) {
    const RelationRecord* found = ledger.Find(id);
    RelationRecord record = found != nullptr ? *found : RelationRecord{};
    if (found == nullptr) {
      if (!context.relation) continue;
      record.endpoint = context.relation->endpoint;
    }
    if (record.endpoint.empty()) continue;
    record.pending = true;
    changes.push_back(op::PutRecord{id, std::move(record)});
  }
  for (const int id : plan.rotate) {
    if (const RelationRecord* found = ledger.Find(id)) {
      RelationRecord record = *found;
      record.rotation_owed = true;
      changes.push_back(op::PutRecord{id, std::move(record)});
    }
  }
  if (plan.sweep || plan.revoke) changes.push_back(op::SetSweepPending{true});
  return changes;
}

std::optional<juju::Status> StatusToSet(std::vector<juju::Status> statuses, const Ledger& ledger) {
  for (const auto& message : ledger.Problems()) statuses.push_back(juju::Status::Blocked(message));
  const juju::Status highest = juju::HighestStatus(statuses);
  if (Ledger::StatusKey(highest) == ledger.last_status()) return std::nullopt;
  return highest;
}

std::vector<Operation> PeerRotationReads(const juju::Databag& peer_data, const Ledger& ledger) {
  std::map<int, std::string> states;
  for (const auto& [key, value] : peer_data) {
    if (key.rfind(kRotationKeyPrefix, 0) != 0 || value.empty()) continue;
    try {
      states[std::stoi(key.substr(kRotationKeyPrefix.size()))] = value;
    } catch (const std::exception&) {
      // Not a key this charm writes.
    }
  }
  std::vector<Operation> changes;
  for (const auto& [id, state] : states) {
    RelationRecord probe;
    if (!ApplyRotationState(state, probe)) continue;
    const RelationRecord* found = ledger.Find(id);
    RelationRecord record = found != nullptr ? *found : RelationRecord{};
    if (found == nullptr) record.endpoint = probe.endpoint;
    ApplyRotationState(state, record);
    record.peer_rotation = state;
    changes.push_back(op::PutRecord{id, std::move(record)});
  }
  for (const auto& [id, found] : ledger.relations()) {
    if (states.contains(id)) continue;
    if (found.peer_rotation.empty() && IsDefaultRotation(found)) continue;
    RelationRecord record = found;
    ApplyRotationState(record.endpoint + " a - 0 " + std::to_string(record.rotated_at), record);
    record.peer_rotation.clear();
    changes.push_back(op::PutRecord{id, std::move(record)});
  }
  return changes;
}

PeerRotationWrite PeerRotationWrites(const Ledger& ledger) {
  PeerRotationWrite write;
  for (const int id : ledger.forgotten_peer_rotations()) write.changes[RotationKey(id)] = "";
  for (const auto& [id, found] : ledger.relations()) {
    const std::string desired = IsDefaultRotation(found) ? "" : RotationState(found);
    if (desired == found.peer_rotation) continue;
    write.changes[RotationKey(id)] = desired;
    RelationRecord record = found;
    record.peer_rotation = desired;
    write.records.push_back(op::PutRecord{id, std::move(record)});
  }
  return write;
}

}  // namespace grantor::charms
