// The hook flow of the provider charms: first reads and plan, configuration and role, the
// leader's work item by item, then the status and the ledger. Every decision is the pure
// decider's (src/charms/plan); this file only sequences the stages.

#include "charms/provider_executor.hpp"

#include "charms/plan/hook_decisions.hpp"
#include "charms/plan/leader_work.hpp"
#include "charms/plan/relation_rules.hpp"

namespace grantor::charms {
namespace {

using juju::EventKind;

void Append(std::vector<juju::Status>& statuses, const std::vector<juju::Status>& more) {
  statuses.insert(statuses.end(), more.begin(), more.end());
}

}  // namespace

ProviderExecutor::ProviderExecutor(const ProviderDeps& deps, juju::JujuBackend& backend)
    : deps_(deps), spec_(deps.spec), backend_(backend), context_(backend.context()) {}

// --- the hook -----------------------------------------------------------------------------------

void ProviderExecutor::RunHook() {
  const EventKind kind = context_.kind;
  if (kind == EventKind::kInstall || kind == EventKind::kStop || kind == EventKind::kRemove) return;
  if (kind == EventKind::kSecretRemove) {
    // A revision of a secret this application owns has no consumer left: remove it.
    if (!context_.secret_id.empty() && context_.secret_revision > 0 && backend_.IsLeader()) {
      backend_.SecretRemove(context_.secret_id, context_.secret_revision);
    }
    return;
  }
  const EndpointKind endpoint =
      context_.relation ? KindOfEndpoint(spec_, context_.relation->endpoint) : EndpointKind::kOther;
  const HookReads reads = ReadsFor(kind, endpoint, context_.remote_unit.empty());
  if (reads.Nothing()) return;  // as ProviderHookHasNothingToDo (hook_reads.hpp) foresees
  RunHook(ReadFirst(reads, context_, endpoint, backend_, deps_.clock()));
}

void ProviderExecutor::RunHook(const FirstReads& first) {
  ledger_.emplace(first.unit_state);
  const HookPlan plan = PlanHook(first.readings.facts, *ledger_);
  if (plan.Nothing()) return;
  std::vector<juju::Status> statuses;
  auto config = LoadConfig(plan.read_config);
  if (auto* problem = std::get_if<core::Problem>(&config)) {
    statuses.push_back(juju::Status::Blocked(problem->message));
    return Finish(statuses);
  }
  const DecisionContext context(spec_, std::get<ProviderConfig>(std::move(config)), context_,
                                first.readings.facts.now);
  ProviderInterpreter interpreter(deps_, backend_, *ledger_, context);
  interpreter.Remember(first.readings);
  if (RepublishesUnitsOnly(plan)) {
    WorkItem item;
    item.kind = WorkItem::Kind::kRepublishUnits;
    item.relation.id = plan.republish_units.front();
    interpreter.Run(item);
  } else if (!backend_.IsLeader()) {
    for (const auto& change :
         FollowerChanges(context, plan, first.readings.facts.request_digest, *ledger_)) {
      interpreter.Apply(change);
    }
  } else {
    leader_ = true;
    if (const auto failure = ActAsLeader(plan, context, interpreter, statuses)) {
      // The server's answer is not the remote application's fault and not a reason to put
      // the unit in error; what this hook could not do is kept for the next.
      for (const auto& change : AfterServerFailure(context, plan, *ledger_)) {
        interpreter.Apply(change);
      }
      statuses.push_back(ServerErrorStatus(context, *failure));
    }
  }
  Finish(statuses);
}

std::optional<ServerFailure> ProviderExecutor::ActAsLeader(const HookPlan& plan,
                                                           const DecisionContext& context,
                                                           ProviderInterpreter& interpreter,
                                                           std::vector<juju::Status>& statuses) {
  auto failure = LeaderPass(plan, context, interpreter, statuses);
  if (failure && failure->kind == db::ErrorKind::kNeedsRepair) {
    // The server-side functions are missing or altered: never used as they are. Reinstalled
    // with the admin account, then the leader's work runs again (every step is idempotent).
    WorkItem repair;
    repair.kind = WorkItem::Kind::kRepairServerApi;
    repair.failure = failure;
    const Ending repaired = interpreter.Run(repair);
    Append(statuses, repaired.statuses);
    failure = repaired.stop ? repaired.stop : LeaderPass(plan, context, interpreter, statuses);
  }
  return failure;
}

std::optional<ServerFailure> ProviderExecutor::LeaderPass(const HookPlan& plan,
                                                          const DecisionContext& context,
                                                          ProviderInterpreter& interpreter,
                                                          std::vector<juju::Status>& statuses) {
  WorkItem open;
  open.kind = WorkItem::Kind::kOpenSession;
  open.check_privileges = plan.full;
  const Ending session = interpreter.Run(open);
  Append(statuses, session.statuses);
  if (session.stop) return session.stop;
  if (!session.acted) return std::nullopt;  // no operator: Blocked says why
  // A new leader continues the rotations its predecessor started (before any relation is
  // reconciled, so that the published user is the one the peer data names).
  if (plan.full) ReadPeerRotations(interpreter);
  if (plan.sweep) {
    if (auto failure = interpreter.ListUsers()) return failure;
  }
  auto work = LeaderWork(context, plan, *ledger_, interpreter.leader_facts());
  if (!work) {
    interpreter.LiveRelations();
    work = LeaderWork(context, plan, *ledger_, interpreter.leader_facts());
  }
  for (const WorkEntry& entry : *work) {
    std::vector<WorkItem> items;
    if (!entry.is_batch) {
      items.push_back(entry.item);
    } else {
      auto expanded = ExpandBatch(context, entry.batch, *ledger_, interpreter.leader_facts());
      if (!expanded) {
        interpreter.LiveRelations();
        expanded = ExpandBatch(context, entry.batch, *ledger_, interpreter.leader_facts());
      }
      items = std::move(*expanded);
    }
    for (const WorkItem& item : items) {
      const Ending ending = interpreter.Run(item);
      if (ending.stop) return ending.stop;
    }
  }
  return std::nullopt;
}

std::variant<ProviderConfig, core::Problem> ProviderExecutor::LoadConfig(bool fresh) {
  nlohmann::json config;
  if (!fresh && !ledger_->config_json().empty()) {
    config = nlohmann::json::parse(ledger_->config_json(), nullptr, /*allow_exceptions=*/false);
  }
  if (!config.is_object()) {
    config = backend_.ConfigGet();
    ledger_->set_config_json(config.dump());
  }
  return ReadProviderConfig(config, spec_);
}

// --- rotation state in the peer relation ---------------------------------------------------

std::optional<int> ProviderExecutor::PeerRelation() {
  if (!ledger_->peer_relation()) {
    const auto relations = backend_.RelationIds(kPeerEndpoint);
    if (!relations.empty()) ledger_->set_peer_relation(relations.front().id);
  }
  return ledger_->peer_relation();
}

void ProviderExecutor::ReadPeerRotations(ProviderInterpreter& interpreter) {
  ledger_->set_peer_relation(std::nullopt);  // looked up again: a full reconcile is rare
  const auto peer = PeerRelation();
  if (!peer) return;
  const juju::Databag data = backend_.RelationGet(juju::RelationRef{kPeerEndpoint, *peer},
                                                  context_.app_name, juju::Scope::kApp);
  for (const auto& change : PeerRotationReads(data, *ledger_)) interpreter.Apply(change);
}

// --- the end of a hook ------------------------------------------------------------------------

// Writes the status when it differs from the one this unit last set, then the ledger.
void ProviderExecutor::Finish(const std::vector<juju::Status>& statuses) {
  if (const auto status = StatusToSet(statuses, *ledger_)) {
    backend_.StatusSet(*status);
    ledger_->set_last_status(*status);
  }
  SaveLedger();
}

void ProviderExecutor::SaveLedger() {
  if (leader_) {
    const PeerRotationWrite write = PeerRotationWrites(*ledger_);
    for (const auto& put : write.records) ledger_->Put(put.relation_id, put.record);
    ledger_->TakeForgottenPeerRotations();
    // Without a peer relation (yet), the unit's own ledger is all there is.
    if (!write.changes.empty()) {
      if (const auto peer = PeerRelation()) {
        backend_.RelationSet(juju::RelationRef{kPeerEndpoint, *peer}, write.changes,
                             juju::Scope::kApp);
      }
    }
  }
  const Ledger::Changes changes = ledger_->Diff();
  if (!changes.set.empty()) backend_.StateSet(changes.set);
  for (const auto& key : changes.deleted) backend_.StateDelete(key);
  ledger_->MarkSaved();
}

}  // namespace grantor::charms
