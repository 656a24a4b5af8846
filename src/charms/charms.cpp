// The charms' composition: the two providers share provider.cpp; data-integrator reports what
// the operator must do next.

#include <string>

#include "grantor/charm/status_collector.hpp"
#include "grantor/charms/charms.hpp"

namespace grantor::charms {
namespace {

using juju::EventKind;

std::string ConfigString(const nlohmann::json& config, const std::string& key) {
  auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

void ReportDataIntegratorStatus(const juju::HookContext&, juju::JujuBackend& backend) {
  if (ConfigString(backend.ConfigGet(), "database-name").empty()) {
    backend.StatusSet(juju::Status::Blocked("set config: database-name"));
    return;
  }
  backend.StatusSet(juju::Status::Blocked("integrate with a grantor postgresql or mysql application"));
}

void ReportInstalling(const juju::HookContext&, juju::JujuBackend& backend) {
  backend.StatusSet(juju::Status::Maintenance("installing"));
}

}  // namespace

charm::Router MakePostgresqlCharm(EngineFactory engines, PasswordSource passwords) {
  return MakeProviderCharm(PostgresqlSpec(), std::move(engines), std::move(passwords));
}

charm::Router MakeMysqlCharm(EngineFactory engines, PasswordSource passwords) {
  return MakeProviderCharm(MysqlSpec(), std::move(engines), std::move(passwords));
}

charm::Router MakeDataIntegratorCharm() {
  charm::Router router;
  router.On(EventKind::kInstall, ReportInstalling);
  router.AfterEveryHook([](const juju::HookContext& context, juju::JujuBackend& backend) {
    if (context.kind != EventKind::kInstall && context.kind != EventKind::kRemove) {
      ReportDataIntegratorStatus(context, backend);
    }
  });
  return router;
}

}  // namespace grantor::charms
