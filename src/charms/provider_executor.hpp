#pragma once
// The provider's executor: runs one hook or action of grantor-postgresql / grantor-mysql, in
// stages (docs/architecture.md, "The provider: decide, then act"):
//   1. the first reads (plan/hook_reading.hpp) and the plan (plan/hook_plan.hpp): a plan with
//      nothing in it ends the hook;
//   2. the configuration (the ledger's copy, or config-get), then who acts: a follower, the
//      leader, or nobody (plan/hook_decisions.hpp);
//   3. the leader's work: the operator's session, then one work item after another
//      (plan/leader_work.hpp), each decided by the pure decider and carried out by the
//      interpreter (provider_interpreter.hpp); a server that cannot be used ends it;
//   4. the status and the ledger, written only when they changed.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "charms/plan/hook_plan.hpp"
#include "charms/plan/hook_reading.hpp"
#include "charms/plan/ledger.hpp"
#include "charms/plan/provider_config.hpp"
#include "charms/plan/provider_endpoints.hpp"
#include "charms/provider_interpreter.hpp"

namespace grantor::charms {

class ProviderExecutor {
 public:
  ProviderExecutor(const ProviderDeps& deps, juju::JujuBackend& backend);

  /// After every hook: read what the plan needs, plan, then do what the plan says; the status
  /// and the ledger are written only when they changed. Throws only for hook-tool failures
  /// (Juju retries the hook).
  void RunHook();
  /// The same, from first reads already made (by the charm binary's main, with ReadFirst()),
  /// which are not made again.
  void RunHook(const FirstReads& first);

  /// Actions (leader only; each fails the action with a clear message otherwise).
  void RotateCredentialsAction();
  void AuditLogAction();

 private:
  /// The validated configuration: from the ledger's copy unless `fresh`, else config-get (and
  /// the copy is refreshed). A Problem when it is invalid.
  std::variant<ProviderConfig, core::Problem> LoadConfig(bool fresh);
  /// The leader's work; the failure that ended it early, if any.
  std::optional<ServerFailure> ActAsLeader(const HookPlan& plan, const DecisionContext& context,
                                           ProviderInterpreter& interpreter,
                                           std::vector<juju::Status>& statuses);
  std::optional<ServerFailure> LeaderPass(const HookPlan& plan, const DecisionContext& context,
                                          ProviderInterpreter& interpreter,
                                          std::vector<juju::Status>& statuses);
  /// The peer relation's id (relation-ids, once known kept in the ledger).
  std::optional<int> PeerRelation();
  /// A new leader continues the rotations its predecessor started.
  void ReadPeerRotations(ProviderInterpreter& interpreter);
  void Finish(const std::vector<juju::Status>& statuses);
  void SaveLedger();

  const ProviderDeps& deps_;
  const ProviderSpec& spec_;
  juju::JujuBackend& backend_;
  const juju::HookContext& context_;
  std::optional<Ledger> ledger_;
  bool leader_ = false;  // this hook acts as the leader (writes the peer data)
};

}  // namespace grantor::charms
