#pragma once
// Building blocks of the provider charm (src/charms/provider.cpp), kept small and pure where
// possible so they can be tested on their own.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "grantor/charms/provider.hpp"
#include "grantor/core/access_policy.hpp"
#include "grantor/core/database_request.hpp"
#include "grantor/core/publication.hpp"
#include "grantor/juju/backend.hpp"

namespace grantor::charms {

/// Value of `key` in `bag`, "" when absent.
std::string Get(const std::map<std::string, std::string>& bag, const std::string& key);

/// The charm configuration, validated.
struct ProviderConfig {
  db::ConnectionConfig server;  // user and password left empty
  std::string admin_secret;     // URI of the admin credentials secret
  std::string endpoints;        // what clients are told: "host:port" or published-endpoints
  std::string read_only_endpoints;
  bool tls = false;  // the charm's own connection requires TLS (require / verify-*)
  std::string tls_ca;
  core::AccessPolicy policy;  // adopt-databases, allowed-extra-user-roles
  /// rotation-period: rotate every relation's credentials this often (std::nullopt: never).
  std::optional<std::chrono::seconds> rotation_period;
  /// rotation-grace: how long the previous credentials keep working after a rotation.
  std::chrono::seconds rotation_grace{3600};
};

/// Validates the config against allow-lists. A Problem names exactly what to set or fix.
std::variant<ProviderConfig, core::Problem> ReadProviderConfig(const nlohmann::json& config,
                                                               const ProviderSpec& spec);

struct AdminCredentials {
  std::string username;
  std::string password;
};

/// Reads the admin credentials from the user secret `uri` (keys username and password).
std::variant<AdminCredentials, core::Problem> ReadAdminCredentials(juju::JujuBackend& backend,
                                                                   const std::string& uri,
                                                                   const std::string& app);

/// Content of the application-owned secret labelled `label` (latest revision); empty when there
/// is no such secret.
juju::Databag ReadOwnSecret(juju::JujuBackend& backend, const std::string& label);

/// The database a legacy (pgsql / mysql) requirer asks for: its `database` field, else the
/// remote application name. `roles` and `extensions` requests are refused with a Problem.
std::variant<std::string, core::Problem> ParseLegacyRequest(const juju::Databag& remote,
                                                            const std::string& relation,
                                                            const std::string& remote_app,
                                                            core::Dialect dialect);

struct LegacyFields {
  std::string endpoints;
  std::string user;
  std::string password;
  std::string database;
  std::string version;
};

/// What Canonical's machine charm publishes on `db` / `db-admin` (interface pgsql).
core::Fields PgsqlFields(const LegacyFields& fields, const std::vector<std::string>& remote_units);
/// What Canonical's charm publishes on `mysql` / `mysql-root` (interface mysql).
core::Fields MysqlFields(const LegacyFields& fields);

/// Splits "host:port[,...]" (first endpoint; "[v6]:port" allowed) into host and port.
std::pair<std::string, std::string> FirstHostPort(const std::string& endpoints);

void SetPasswordAction(const ProviderSpec& spec, const EngineFactory& engines,
                       const PasswordSource& passwords, juju::JujuBackend& backend);
void GetPasswordAction(const ProviderSpec& spec, juju::JujuBackend& backend);

}  // namespace grantor::charms
