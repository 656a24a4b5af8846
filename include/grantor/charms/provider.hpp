#pragma once
// The database provider charm shared by grantor-postgresql and grantor-mysql: one code path,
// parameterised by a ProviderSpec (endpoints, dialect, URI scheme) and by the engine factory.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "grantor/charm/router.hpp"
#include "grantor/core/audit.hpp"
#include "grantor/core/naming.hpp"
#include "grantor/db/config.hpp"
#include "grantor/db/engine.hpp"

namespace grantor::charms {

/// Opens an engine on the configured server. Throws db::DbError{kConnection} when unreachable.
using EngineFactory = std::function<db::EnginePtr(const db::ConnectionConfig&)>;
/// Returns a fresh random password (a CSPRNG in production, fixed values in tests).
using PasswordSource = std::function<std::string()>;
/// The current time in UTC seconds since the epoch (the system clock in production).
using Clock = std::function<std::int64_t()>;

/// How a legacy endpoint publishes (interface pgsql or mysql).
enum class LegacyStyle { kPgsql, kMysql };

struct LegacyEndpoint {
  std::string name;       // "db", "db-admin", "mysql", "mysql-root"
  LegacyStyle style;
  bool superuser = false;  // db-admin, mysql-root
};

struct ProviderSpec {
  std::string engine_label;  // "PostgreSQL" / "MySQL" (status messages)
  core::Dialect dialect = core::Dialect::kPostgres;
  std::string uri_scheme;  // "postgresql" / "mysql"
  int default_port = 5432;
  std::string default_maintenance_db;  // "postgres" / ""
  std::string modern_endpoint = "database";
  std::vector<LegacyEndpoint> legacy_endpoints;
};

ProviderSpec PostgresqlSpec();
ProviderSpec MysqlSpec();

/// Label of the application-owned secret holding the internal operator's credentials.
inline constexpr const char* kOperatorSecretLabel = "operator-credentials";

/// Builds the router of a provider charm: lifecycle hooks, every relation hook of the modern and
/// legacy endpoints, the set-password and get-password actions, and a reconcile after every hook.
/// `audit` receives one record per grant, rotation, revocation and refusal (nullptr: none);
/// `clock` tells rotation times (nullptr: the system clock).
charm::Router MakeProviderCharm(ProviderSpec spec, EngineFactory engines, PasswordSource passwords,
                                std::shared_ptr<core::AuditSink> audit = nullptr,
                                Clock clock = nullptr);

}  // namespace grantor::charms
