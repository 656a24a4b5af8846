#pragma once
// The endpoints of a provider charm as its ProviderSpec names them: which kind each is, and
// the legacy ones' properties. Pure.

#include <string>
#include <vector>

#include "charms/plan/hook_reads.hpp"
#include "grantor/charms/provider.hpp"

namespace grantor::charms {

/// How an endpoint of `spec` publishes (kOther: not one of its database endpoints).
EndpointKind KindOfEndpoint(const ProviderSpec& spec, const std::string& endpoint);

/// The legacy endpoint named `endpoint`, or nullptr.
const LegacyEndpoint* LegacyFor(const ProviderSpec& spec, const std::string& endpoint);

/// Every database endpoint of `spec`: the modern one first, then the legacy ones.
std::vector<std::string> DatabaseEndpoints(const ProviderSpec& spec);

}  // namespace grantor::charms
