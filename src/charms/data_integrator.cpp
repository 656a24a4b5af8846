// data-integrator: requests a database from a grantor provider on behalf of an application that
// Juju does not run, and hands the issued credentials out through the get-credentials action.
// It speaks the requirer side of postgresql_client / mysql_client v0 as data_interfaces does:
// `database`, `extra-user-roles`, `requested-secrets`, `external-node-connectivity` in its
// application databag; credentials come back in a Juju secret or in plain fields.

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <variant>

#include "charms/provider_parts.hpp"
#include "grantor/charm/status_collector.hpp"
#include "grantor/charms/charms.hpp"
#include "grantor/core/database_request.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::charms {
namespace {

using juju::EventKind;
using juju::RelationRef;
using juju::Scope;

struct Endpoint {
  const char* name;
  core::Dialect dialect;
};
constexpr Endpoint kEndpoints[] = {{"postgresql", core::Dialect::kPostgres},
                                   {"mysql", core::Dialect::kMySql}};

// Every field data_interfaces treats as secret; a provider without secrets answers in plain
// fields instead, which get-credentials reads just the same.
constexpr const char* kRequestedSecrets =
    R"(["username","password","tls","tls-ca","uris","read-only-uris"])";
constexpr const char* kCredentialFields[] = {"username", "password", "endpoints",
                                             "read-only-endpoints", "database", "version",
                                             "uris", "read-only-uris", "tls", "tls-ca"};

std::string ConfigString(const nlohmann::json& config, const std::string& key) {
  auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

struct Related {
  RelationRef relation;
  core::Dialect dialect;
};

std::vector<Related> LiveRelations(juju::JujuBackend& backend) {
  std::vector<Related> out;
  for (const auto& endpoint : kEndpoints) {
    for (const auto& relation : backend.RelationIds(endpoint.name)) {
      out.push_back({relation, endpoint.dialect});
    }
  }
  return out;
}

// The request this application makes, or why it cannot make it.
std::variant<juju::Databag, core::Problem> DesiredRequest(const nlohmann::json& config,
                                                          core::Dialect dialect) {
  const auto database = ConfigString(config, "database-name");
  if (database.empty()) return core::Problem{"set config: database-name"};
  if (auto problem = core::DatabaseNameProblem(database, dialect)) {
    return core::Problem{"config database-name: " + *problem};
  }
  const auto roles = ConfigString(config, "extra-user-roles");
  auto parsed = core::ParseExtraRoles(roles, "config", dialect);
  if (auto* problem = std::get_if<core::Problem>(&parsed)) return *problem;
  juju::Databag request{{"database", database},
                        {"requested-secrets", kRequestedSecrets},
                        {"external-node-connectivity", "true"}};
  if (!roles.empty()) request["extra-user-roles"] = roles;
  return request;
}

// The provider's answer with secrets resolved; empty when no credentials have arrived yet.
juju::Databag ReadCredentials(juju::JujuBackend& backend, const RelationRef& relation) {
  const auto provider = backend.RelationGet(relation, backend.RelationRemoteApp(relation), Scope::kApp);
  juju::Databag credentials;
  for (const char* field : kCredentialFields) {
    auto value = Get(provider, field);
    if (!value.empty()) credentials[field] = value;
  }
  for (const char* group : {"secret-user", "secret-tls"}) {
    const auto uri = Get(provider, group);
    if (uri.empty()) continue;
    try {
      for (auto& [key, value] : backend.SecretGet(uri, {}, juju::SecretRead::kRefresh)) {
        credentials[key] = value;
      }
    } catch (const juju::SecretNotFoundError&) {
      spdlog::warn("secret {} published by the provider is not readable (yet)", group);
    }
  }
  if (Get(credentials, "username").empty() || Get(credentials, "password").empty()) return {};
  return credentials;
}

// Leader: writes the request into each relation's application databag (only what changed), or
// records why not. A database-name change under an existing request is refused: the interface
// has no renaming.
void Reconcile(const juju::HookContext& context, juju::JujuBackend& backend,
               charm::StatusCollector& status) {
  const auto config = backend.ConfigGet();
  const auto relations = LiveRelations(backend);
  if (relations.empty()) {
    auto request = DesiredRequest(config, core::Dialect::kPostgres);
    if (auto* problem = std::get_if<core::Problem>(&request)) {
      status.Add(juju::Status::Blocked(problem->message));
    } else {
      status.Add(juju::Status::Blocked("waiting for a relation: juju integrate " + context.app_name +
                                       " <grantor-postgresql or grantor-mysql application>"));
    }
    return;
  }
  const bool leader = backend.IsLeader();
  for (const auto& [relation, dialect] : relations) {
    auto request = DesiredRequest(config, dialect);
    if (auto* problem = std::get_if<core::Problem>(&request)) {
      status.Add(juju::Status::Blocked(problem->message));
      continue;
    }
    const auto& desired = std::get<juju::Databag>(request);
    if (leader) {
      const auto current = backend.RelationGet(relation, context.app_name, Scope::kApp);
      const auto requested = Get(current, "database");
      if (!requested.empty() && requested != desired.at("database")) {
        status.Add(juju::Status::Blocked(
            "database-name cannot change while related (relation " + relation.ToString() +
            " requested \"" + requested + "\"): remove the relation, then integrate again"));
        continue;
      }
      juju::Databag changes;
      for (const auto& [key, value] : desired) {
        if (Get(current, key) != value) changes[key] = value;
      }
      if (!Get(current, "extra-user-roles").empty() && !desired.contains("extra-user-roles")) {
        changes["extra-user-roles"] = "";
      }
      if (!changes.empty()) backend.RelationSet(relation, changes, Scope::kApp);
    }
    if (ReadCredentials(backend, relation).empty()) {
      status.Add(juju::Status::Waiting("waiting for credentials on relation " + relation.ToString()));
    }
  }
}

void GetCredentials(const juju::HookContext&, juju::JujuBackend& backend) {
  const auto relations = LiveRelations(backend);
  if (relations.empty()) {
    return backend.ActionFail(
        "no database relation: integrate with a grantor postgresql or mysql application first");
  }
  std::map<std::string, std::string> results{{"ok", "True"}};
  for (const auto& [relation, dialect] : relations) {
    const auto credentials = ReadCredentials(backend, relation);
    if (credentials.empty()) {
      return backend.ActionFail("credentials for relation " + relation.ToString() +
                                " have not arrived yet; try again when the unit is active");
    }
    for (const auto& [key, value] : credentials) results[relation.endpoint + "." + key] = value;
  }
  backend.ActionSet(results);
}

}  // namespace

charm::Router MakeDataIntegratorCharm() {
  charm::Router router;
  router.On(EventKind::kInstall, [](const juju::HookContext&, juju::JujuBackend& backend) {
    backend.StatusSet(juju::Status::Maintenance("installing"));
  });
  router.OnAction("get-credentials", GetCredentials);
  router.AfterEveryHook([](const juju::HookContext& context, juju::JujuBackend& backend) {
    if (context.kind == EventKind::kInstall || context.kind == EventKind::kRemove ||
        context.kind == EventKind::kStop) {
      return;
    }
    charm::StatusCollector status;
    Reconcile(context, backend, status);
    backend.StatusSet(status.Highest());
  });
  return router;
}

}  // namespace grantor::charms
