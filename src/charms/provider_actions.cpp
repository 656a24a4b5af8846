// The provider's credential actions: rotate-credentials (rotation on demand, without downtime)
// and audit-log (what this unit granted, rotated, revoked and refused).

#include <nlohmann/json.hpp>

#include "charms/provider_executor.hpp"

namespace grantor::charms {
namespace {

constexpr int kDefaultAuditEntries = 50;
constexpr int kMaxAuditEntries = 10000;

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
  std::optional<int> wanted;
  if (params.contains("relation-id")) {
    const auto& value = params["relation-id"];
    if (!value.is_number_integer() || value.get<long long>() < 0 ||
        value.get<long long>() > 2147483647LL) {
      return backend_.ActionFail("relation-id must be a relation id (a whole number)");
    }
    wanted = static_cast<int>(value.get<long long>());
  }
  leader_ = true;
  ledger_.emplace(backend_.StateGet());
  auto config = LoadConfig(/*fresh=*/true);
  if (auto* problem = std::get_if<core::Problem>(&config)) {
    return backend_.ActionFail("the charm is not configured: " + problem->message);
  }
  config_ = std::get<ProviderConfig>(config);
  std::vector<int> targets;
  for (const auto& relation : LiveRelations()) {
    if (wanted && relation.id != *wanted) continue;
    const RelationRecord* record = ledger_->Find(relation.id);
    if (record != nullptr && record->served) {
      targets.push_back(relation.id);
    } else if (wanted) {
      return backend_.ActionFail("relation " + relation.ToString() +
                                 " has no credentials to rotate yet" +
                                 (record != nullptr && !record->problem.empty()
                                      ? " (" + record->problem + ")"
                                      : std::string()));
    }
  }
  if (wanted && targets.empty()) {
    return backend_.ActionFail("unknown relation id " + std::to_string(*wanted) + ": not a relation of " +
                               context_.app_name + "'s " + spec_.modern_endpoint +
                               " or legacy endpoints");
  }
  std::vector<int> rotated;
  charm::StatusCollector unused;
  try {
    engine_ = ConnectAsOperator(unused, /*check_privileges=*/false);
    if (!engine_) {
      SaveLedger();
      return backend_.ActionFail("the operator user cannot be created: check admin-credentials");
    }
    for (const int id : targets) {
      if (Rotate(id, "rotate-credentials action")) rotated.push_back(id);
    }
  } catch (const db::DbError& error) {
    SaveLedger();
    const std::string done = rotated.empty() ? "" : " (rotated before the failure: " + JoinIds(rotated) + ")";
    return backend_.ActionFail(ServerErrorMessage(error) + done);
  }
  SaveLedger();
  backend_.ActionSet({{"rotated", JoinIds(rotated)}});
}

void ProviderExecutor::AuditLogAction() {
  const nlohmann::json params = backend_.ActionGet();
  int limit = kDefaultAuditEntries;
  if (params.contains("limit")) {
    const auto& value = params["limit"];
    if (!value.is_number_integer() || value.get<long long>() < 1 ||
        value.get<long long>() > kMaxAuditEntries) {
      return backend_.ActionFail("limit must be a whole number from 1 to " +
                                 std::to_string(kMaxAuditEntries));
    }
    limit = static_cast<int>(value.get<long long>());
  }
  const nlohmann::json entries = deps_.audit ? deps_.audit->Recent(static_cast<std::size_t>(limit))
                                             : nlohmann::json::array();
  backend_.ActionSet({{"entries", entries.dump()}});
}

}  // namespace grantor::charms
