#include "charms/plan/provider_endpoints.hpp"

namespace grantor::charms {

EndpointKind KindOfEndpoint(const ProviderSpec& spec, const std::string& endpoint) {
  if (endpoint == spec.modern_endpoint) return EndpointKind::kModern;
  if (const LegacyEndpoint* legacy = LegacyFor(spec, endpoint)) {
    return legacy->style == LegacyStyle::kPgsql ? EndpointKind::kLegacyPgsql
                                                : EndpointKind::kLegacyMysql;
  }
  return EndpointKind::kOther;
}

const LegacyEndpoint* LegacyFor(const ProviderSpec& spec, const std::string& endpoint) {
  for (const auto& legacy : spec.legacy_endpoints) {
    if (legacy.name == endpoint) return &legacy;
  }
  return nullptr;
}

std::vector<std::string> DatabaseEndpoints(const ProviderSpec& spec) {
  std::vector<std::string> endpoints{spec.modern_endpoint};
  for (const auto& legacy : spec.legacy_endpoints) endpoints.push_back(legacy.name);
  return endpoints;
}

}  // namespace grantor::charms
