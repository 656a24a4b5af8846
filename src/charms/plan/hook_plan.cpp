#include "charms/plan/hook_plan.hpp"

#include <charconv>

namespace grantor::charms {
namespace {

using juju::EventKind;

bool IsFullReconcile(EventKind kind) {
  return kind == EventKind::kConfigChanged || kind == EventKind::kLeaderElected ||
         kind == EventKind::kStart || kind == EventKind::kUpgradeCharm;
}

void AddUnique(std::vector<int>& ids, int id) {
  for (const int existing : ids) {
    if (existing == id) return;
  }
  ids.push_back(id);
}

// Whether the hook's relation must be reconciled, from what was read and what was recorded.
bool RequestChanged(const HookFacts& facts, const RelationRecord* record) {
  if (!facts.request_digest) return false;  // nothing read: nothing to compare
  return record == nullptr || record->seen != *facts.request_digest || record->pending;
}

}  // namespace

HookPlan PlanHook(const HookFacts& facts, const Ledger& ledger) {
  HookPlan plan;
  if (IsFullReconcile(facts.kind)) {
    plan.full = plan.read_config = plan.sweep = true;
  } else if (facts.kind == EventKind::kUpdateStatus) {
    plan.safety_net = plan.read_config = plan.sweep = true;
  }
  if (facts.relation && facts.kind == EventKind::kRelationBroken) {
    plan.revoke = facts.relation->id;
  } else if (facts.relation) {
    const RelationRecord* record = ledger.Find(facts.relation->id);
    if (RequestChanged(facts, record)) {
      plan.reconcile.push_back(facts.relation->id);
    } else if (facts.remote_units && (record == nullptr || !record->served)) {
      plan.reconcile.push_back(facts.relation->id);  // not provisioned yet: try now
    } else if (facts.remote_units && record->units != *facts.remote_units) {
      plan.republish_units.push_back(facts.relation->id);
    }
  }
  if (facts.kind == EventKind::kSecretRotate) {
    const auto id = RelationIdOfSecretLabel(facts.secret_label);
    if (id && ledger.Find(*id) != nullptr) plan.rotate.push_back(*id);
  }
  for (const auto& [id, record] : ledger.relations()) {
    if (record.rotation_owed) AddUnique(plan.rotate, id);
  }
  for (const int id : ledger.PendingIds()) {
    if (!plan.revoke || *plan.revoke != id) AddUnique(plan.reconcile, id);
  }
  plan.sweep = plan.sweep || ledger.sweep_pending();
  plan.retry_cleanup = !ledger.cleanups().empty();
  plan.retire = ledger.DueRetirements(facts.now);
  return plan;
}

std::optional<int> RelationIdOfSecretLabel(const std::string& label) {
  // "<endpoint>.<id>.user.secret"
  const std::string suffix = ".user.secret";
  if (label.size() <= suffix.size() || label.compare(label.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  const std::string head = label.substr(0, label.size() - suffix.size());
  const auto dot = head.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  int id = -1;
  const char* first = head.data() + dot + 1;
  const char* last = head.data() + head.size();
  const auto [end, error] = std::from_chars(first, last, id);
  if (error != std::errc{} || end != last || id < 0) return std::nullopt;
  return id;
}

}  // namespace grantor::charms
