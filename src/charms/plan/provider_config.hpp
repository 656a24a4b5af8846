#pragma once
// The provider's configuration, validated: what config-get returned (or the ledger's copy of
// it), checked against allow-lists. Pure: the decider reads it, the interpreter connects with
// its `server` part.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "grantor/charms/provider.hpp"
#include "grantor/core/access_policy.hpp"
#include "grantor/core/database_request.hpp"
#include "grantor/db/config.hpp"

namespace grantor::charms {

/// The charm configuration, validated.
struct ProviderConfig {
  db::ConnectionConfig server;  // user and password left empty
  std::string admin_secret;     // URI of the admin credentials secret
  std::string endpoints;        // what clients are told: "host:port" or published-endpoints
  std::string read_only_endpoints;
  bool tls = false;  // the charm's own connection requires TLS (require / verify-*)
  std::string tls_ca;
  core::AccessPolicy policy;  // adopt-databases, allowed-extra-user-roles, share-databases
  /// rotation-period: rotate every relation's credentials this often (std::nullopt: never).
  std::optional<std::chrono::seconds> rotation_period;
  /// rotation-grace: how long the previous credentials keep working after a rotation.
  std::chrono::seconds rotation_grace{3600};
};

/// Validates the config against allow-lists. A Problem names exactly what to set or fix.
std::variant<ProviderConfig, core::Problem> ReadProviderConfig(const nlohmann::json& config,
                                                               const ProviderSpec& spec);

/// Digest of what the configuration puts in a publication (endpoints, TLS flag and CA): a
/// config-changed that changes it publishes every relation again.
std::string PublishedConfigDigest(const ProviderConfig& config);

/// The rotate policy Juju offers closest to `period` ("hourly" ... "yearly").
std::string ClosestRotatePolicy(std::chrono::seconds period);

}  // namespace grantor::charms
