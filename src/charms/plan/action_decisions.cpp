#include "charms/plan/action_decisions.hpp"

namespace grantor::charms {
namespace {

constexpr int kDefaultAuditEntries = 50;
constexpr int kMaxAuditEntries = 10000;

}  // namespace

std::variant<std::optional<int>, std::string> RelationIdParameter(const nlohmann::json& params) {
  if (!params.contains("relation-id")) return std::optional<int>();
  const auto& value = params["relation-id"];
  if (!value.is_number_integer() || value.get<long long>() < 0 ||
      value.get<long long>() > 2147483647LL) {
    return std::string("relation-id must be a relation id (a whole number)");
  }
  return std::optional<int>(static_cast<int>(value.get<long long>()));
}

std::variant<int, std::string> AuditLimitParameter(const nlohmann::json& params) {
  if (!params.contains("limit")) return kDefaultAuditEntries;
  const auto& value = params["limit"];
  if (!value.is_number_integer() || value.get<long long>() < 1 ||
      value.get<long long>() > kMaxAuditEntries) {
    return "limit must be a whole number from 1 to " + std::to_string(kMaxAuditEntries);
  }
  return static_cast<int>(value.get<long long>());
}

std::variant<std::vector<int>, std::string> RotationTargets(
    const ProviderSpec& spec, const std::string& app_name,
    const std::vector<juju::RelationRef>& live, const Ledger& ledger, std::optional<int> wanted) {
  std::vector<int> targets;
  for (const auto& relation : live) {
    if (wanted && relation.id != *wanted) continue;
    const RelationRecord* record = ledger.Find(relation.id);
    if (record != nullptr && record->served) {
      targets.push_back(relation.id);
    } else if (wanted) {
      return "relation " + relation.ToString() + " has no credentials to rotate yet" +
             (record != nullptr && !record->problem.empty() ? " (" + record->problem + ")"
                                                            : std::string());
    }
  }
  if (wanted && targets.empty()) {
    return "unknown relation id " + std::to_string(*wanted) + ": not a relation of " + app_name +
           "'s " + spec.modern_endpoint + " or legacy endpoints";
  }
  return targets;
}

}  // namespace grantor::charms
