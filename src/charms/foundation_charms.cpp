// Lifecycle handling shared by the three charms until their providers and requirers are wired:
// they install, start and report a status that says what the operator must do next.

#include <string>
#include <vector>

#include "grantor/charm/status_collector.hpp"
#include "grantor/charms/charms.hpp"

namespace grantor::charms {
namespace {

using juju::EventKind;

std::string ConfigString(const nlohmann::json& config, const std::string& key) {
  auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Lists the options that must be set before a provider can work, in the order of config.yaml.
std::vector<std::string> MissingProviderOptions(const nlohmann::json& config) {
  std::vector<std::string> missing;
  for (const char* key : {"host", "admin-credentials"}) {
    if (ConfigString(config, key).empty()) missing.emplace_back(key);
  }
  return missing;
}

std::string JoinWithCommas(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

void ReportProviderStatus(const juju::HookContext&, juju::JujuBackend& backend) {
  charm::StatusCollector statuses;
  const auto missing = MissingProviderOptions(backend.ConfigGet());
  if (!missing.empty()) {
    statuses.Add(juju::Status::Blocked("set config: " + JoinWithCommas(missing)));
  } else {
    statuses.Add(juju::Status::Blocked("user provisioning is not available in this build"));
  }
  backend.StatusSet(statuses.Highest());
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

charm::Router MakeProvider() {
  charm::Router router;
  router.On(EventKind::kInstall, ReportInstalling);
  router.AfterEveryHook([](const juju::HookContext& context, juju::JujuBackend& backend) {
    if (context.kind != EventKind::kInstall && context.kind != EventKind::kRemove) {
      ReportProviderStatus(context, backend);
    }
  });
  return router;
}

}  // namespace

charm::Router MakePostgresqlCharm() { return MakeProvider(); }

charm::Router MakeMysqlCharm() { return MakeProvider(); }

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
