// The provider charm: a user per relation, published over postgresql_client / mysql_client v0
// and the legacy pgsql / mysql interfaces, rotated without downtime, dropped when the relation
// goes. This file wires the hooks and actions to the executor (provider_executor.hpp), whose
// decisions are the pure decider's (plan/decision.hpp).

#include "grantor/charms/provider.hpp"

#include <chrono>
#include <span>
#include <string>

#include "charms/plan/hook_reads.hpp"
#include "charms/password_actions.hpp"
#include "charms/provider_executor.hpp"

namespace grantor::charms {
namespace {

std::int64_t SystemClock() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The spec's endpoints, from the table dispatch knows them by (charms/plan/hook_reads.hpp).
void SetEndpoints(ProviderSpec& spec, std::span<const ProviderEndpoint> table) {
  for (const auto& endpoint : table) {
    const std::string name(endpoint.name);
    switch (endpoint.kind) {
      case EndpointKind::kModern:
        spec.modern_endpoint = name;
        break;
      case EndpointKind::kLegacyPgsql:
        spec.legacy_endpoints.push_back({name, LegacyStyle::kPgsql, endpoint.superuser});
        break;
      case EndpointKind::kLegacyMysql:
        spec.legacy_endpoints.push_back({name, LegacyStyle::kMysql, endpoint.superuser});
        break;
      case EndpointKind::kOther:
        break;
    }
  }
}

}  // namespace

ProviderSpec PostgresqlSpec() {
  ProviderSpec spec;
  spec.engine_label = "PostgreSQL";
  spec.dialect = core::Dialect::kPostgres;
  spec.uri_scheme = "postgresql";
  spec.default_port = 5432;
  spec.default_maintenance_db = "postgres";
  SetEndpoints(spec, kPostgresqlEndpoints);
  return spec;
}

ProviderSpec MysqlSpec() {
  ProviderSpec spec;
  spec.engine_label = "MySQL";
  spec.dialect = core::Dialect::kMySql;
  spec.uri_scheme = "mysql";
  spec.default_port = 3306;
  SetEndpoints(spec, kMysqlEndpoints);
  return spec;
}

charm::Router MakeProviderCharm(ProviderSpec spec, EngineFactory engines, PasswordSource passwords,
                                std::shared_ptr<core::AuditSink> audit, Clock clock) {
  auto deps = std::make_shared<ProviderDeps>(ProviderDeps{
      std::move(spec), std::move(engines), std::move(passwords), std::move(audit),
      clock ? std::move(clock) : Clock(SystemClock)});
  charm::Router router;
  router.On(juju::EventKind::kInstall, [](const juju::HookContext&, juju::JujuBackend& backend) {
    backend.StatusSet(juju::Status::Maintenance("installing"));
  });
  router.OnAction("set-password", [deps](const juju::HookContext&, juju::JujuBackend& backend) {
    SetPasswordAction(deps->spec, deps->engines, deps->passwords, backend);
  });
  router.OnAction("get-password", [deps](const juju::HookContext&, juju::JujuBackend& backend) {
    GetPasswordAction(deps->spec, backend);
  });
  router.OnAction("rotate-credentials",
                  [deps](const juju::HookContext&, juju::JujuBackend& backend) {
                    ProviderExecutor(*deps, backend).RotateCredentialsAction();
                  });
  router.OnAction("audit-log", [deps](const juju::HookContext&, juju::JujuBackend& backend) {
    ProviderExecutor(*deps, backend).AuditLogAction();
  });
  router.AfterEveryHook([deps](const juju::HookContext&, juju::JujuBackend& backend) {
    ProviderExecutor(*deps, backend).RunHook();
  });
  return router;
}

}  // namespace grantor::charms
