// The provider's credential actions: rotate-credentials (rotation on demand, without downtime)
// and audit-log (what this unit granted, rotated, revoked and refused).

#include <nlohmann/json.hpp>

#include "charms/plan/action_decisions.hpp"
#include "charms/plan/leader_work.hpp"
#include "charms/plan/relation_rules.hpp"
#include "charms/provider_executor.hpp"

namespace grantor::charms {
namespace {

std::string JoinIds(const std::vector<int>& ids) {
  std::string out;
  for (const int id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

}  // namespace

void ProviderExecutor::RotateCredentialsAction() {
  const nlohmann::json params = backend_.ActionGet();
  if (!backend_.IsLeader()) {
    return backend_.ActionFail("rotate-credentials can only run on the leader unit: juju run " +
                               context_.app_name + "/leader rotate-credentials");
  }
  const auto wanted = RelationIdParameter(params);
  if (const auto* refused = std::get_if<std::string>(&wanted)) return backend_.ActionFail(*refused);
  leader_ = true;
  ledger_.emplace(backend_.StateGet());
  auto config = LoadConfig(/*fresh=*/true);
  if (auto* problem = std::get_if<core::Problem>(&config)) {
    return backend_.ActionFail("the charm is not configured: " + problem->message);
  }
  const DecisionContext context(spec_, std::get<ProviderConfig>(std::move(config)), context_,
                                deps_.clock());
  ProviderInterpreter interpreter(deps_, backend_, *ledger_, context);
  const auto targets = RotationTargets(spec_, context_.app_name, interpreter.LiveRelations(),
                                       *ledger_, std::get<std::optional<int>>(wanted));
  if (const auto* refused = std::get_if<std::string>(&targets))
    return backend_.ActionFail(*refused);
  std::vector<int> rotated;
  const auto fail = [&](const ServerFailure& failure) {
    SaveLedger();
    const std::string done =
        rotated.empty() ? "" : " (rotated before the failure: " + JoinIds(rotated) + ")";
    backend_.ActionFail(ServerErrorMessage(context, failure) + done);
  };
  WorkItem open;
  open.kind = WorkItem::Kind::kOpenSession;
  const Ending session = interpreter.Run(open);
  if (session.stop) return fail(*session.stop);
  if (!session.acted) {
    SaveLedger();
    return backend_.ActionFail("the operator user cannot be created: check admin-credentials");
  }
  for (const int id : std::get<std::vector<int>>(targets)) {
    const Ending ending = interpreter.Run(RotationItem(*ledger_, id, "rotate-credentials action"));
    if (ending.stop) return fail(*ending.stop);
    if (ending.acted) rotated.push_back(id);
  }
  SaveLedger();
  backend_.ActionSet({{"rotated", JoinIds(rotated)}});
}

void ProviderExecutor::AuditLogAction() {
  const nlohmann::json params = backend_.ActionGet();
  const auto limit = AuditLimitParameter(params);
  if (const auto* refused = std::get_if<std::string>(&limit)) return backend_.ActionFail(*refused);
  const nlohmann::json entries =
      deps_.audit ? deps_.audit->Recent(static_cast<std::size_t>(std::get<int>(limit)))
                  : nlohmann::json::array();
  backend_.ActionSet({{"entries", entries.dump()}});
}

}  // namespace grantor::charms
