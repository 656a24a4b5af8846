#pragma once
// The decisions of the provider's credential actions (rotate-credentials, audit-log) that need
// no I/O: their parameters, and which relations a rotation takes.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "charms/plan/ledger.hpp"
#include "grantor/charms/provider.hpp"
#include "grantor/juju/context.hpp"

namespace grantor::charms {

/// rotate-credentials' relation-id: the relation asked for (nullopt: every one), or why the
/// parameter is refused.
std::variant<std::optional<int>, std::string> RelationIdParameter(const nlohmann::json& params);

/// audit-log's limit: how many records to show, or why the parameter is refused.
std::variant<int, std::string> AuditLimitParameter(const nlohmann::json& params);

/// The relations rotate-credentials rotates: every live relation served (or only `wanted`), or
/// why the action fails.
std::variant<std::vector<int>, std::string> RotationTargets(
    const ProviderSpec& spec, const std::string& app_name,
    const std::vector<juju::RelationRef>& live, const Ledger& ledger, std::optional<int> wanted);

}  // namespace grantor::charms
