#include "charms/plan/decision.hpp"

#include "charms/plan/item_deciders.hpp"

namespace grantor::charms {

DecisionContext::DecisionContext(ProviderSpec spec_in, ProviderConfig config_in,
                                 const juju::HookContext& hook, std::int64_t now_in)
    : spec(std::move(spec_in)),
      config(std::move(config_in)),
      names(hook.model_uuid, hook.app_name),
      model_uuid(hook.model_uuid),
      app_name(hook.app_name),
      kind(hook.kind),
      relation(hook.relation),
      remote_app(hook.remote_app),
      now(now_in) {}

Step Decide(const DecisionContext& context, const WorkItem& item, const ItemState& state) {
  using Kind = WorkItem::Kind;
  switch (item.kind) {
    case Kind::kOpenSession:
      return DecideOpenSession(context, item, state);
    case Kind::kRepairServerApi:
      return DecideRepairServerApi(context, item, state);
    case Kind::kReconcile:
      return DecideReconcile(context, item, state);
    case Kind::kForgetEnded:
      return DecideForgetEnded(context, item, state);
    case Kind::kRepublishUnits:
      return DecideRepublishUnits(context, item, state);
    case Kind::kRevoke:
      return DecideRevoke(context, item, state);
    case Kind::kRetire:
      return DecideRetire(context, item, state);
    case Kind::kRotate:
      return DecideRotate(context, item, state);
    case Kind::kRetryCleanup:
      return DecideRetryCleanup(context, item, state);
    case Kind::kRevokeOrphans:
      return DecideRevokeOrphans(context, item, state);
    case Kind::kFinishSweep:
      return DecideFinishSweep(context, item, state);
  }
  return Step{{}, {}, Ending{}};
}

std::string Describe(const Need& need) {
  static constexpr const char* kNames[] = {
      "remote-app",      "request",     "units",           "own-app-data", "own-unit-data",
      "secret",          "secret-id",   "operator-secret", "server",       "database",
      "database-exists", "user-exists", "operator-drift",  "admin",        "new-password"};
  const std::string name = kNames[static_cast<int>(need.fact)];
  return need.subject.empty() ? name : name + " " + need.subject;
}

std::string Describe(const WorkItem& item) {
  using Kind = WorkItem::Kind;
  const std::string relation =
      item.relation.endpoint.empty() ? std::to_string(item.relation.id) : item.relation.ToString();
  switch (item.kind) {
    case Kind::kOpenSession:
      return item.check_privileges ? "open session, check privileges" : "open session";
    case Kind::kRepairServerApi:
      return "repair server api";
    case Kind::kReconcile:
      return (item.verify ? "verify " : "reconcile ") + relation;
    case Kind::kForgetEnded:
      return "forget ended " + relation;
    case Kind::kRepublishUnits:
      return "republish units " + relation;
    case Kind::kRevoke:
      return "revoke " + relation;
    case Kind::kRetire:
      return "retire " + relation;
    case Kind::kRotate:
      return "rotate " + relation + " (" + item.reason + ")";
    case Kind::kRetryCleanup:
      return "retry clean-up " + item.users.front();
    case Kind::kRevokeOrphans:
      return "revoke orphans of " + relation;
    case Kind::kFinishSweep:
      return "finish sweep";
  }
  return "?";
}

}  // namespace grantor::charms
