// data-integrator: requests a database from a grantor provider on behalf of an application that
// Juju does not run, and hands the issued credentials out through the get-credentials action.
// It speaks the requirer side of postgresql_client / mysql_client v0 as data_interfaces does:
// `database`, `extra-user-roles`, `requested-secrets`, `external-node-connectivity` in its
// application databag; credentials come back in Juju secrets or in plain fields.
//
// get-credentials prints what Canonical's data-integrator prints for the same provider data:
// every field of the provider's application databag except the `secret-*` references, with the
// requested secret fields read from the secrets those references name (docs/data-integrator.md).

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <span>
#include <variant>

#include "charms/plan/databag.hpp"
#include "grantor/charm/status_collector.hpp"
#include "grantor/charms/charms.hpp"
#include "grantor/core/database_request.hpp"
#include "grantor/core/naming.hpp"
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

// The fields data_interfaces' requirer asks to receive in secrets, grouped as its provider
// stores them: secret `secret-<group>` holds the fields of <group>. A provider without secrets
// answers in plain fields instead, which get-credentials reads just the same.
constexpr const char* kUserFields[] = {"username", "password", "uris", "read-only-uris"};
constexpr const char* kTlsFields[] = {"tls", "tls-ca"};
constexpr const char* kEntityFields[] = {"entity-name", "entity-password"};
struct SecretGroup {
  const char* reference;  // the provider's databag key holding the secret URI
  std::span<const char* const> fields;
};
constexpr SecretGroup kSecretGroups[] = {{"secret-user", kUserFields},
                                         {"secret-tls", kTlsFields},
                                         {"secret-entity", kEntityFields}};
constexpr const char* kRequestedSecrets =
    R"(["username","password","tls","tls-ca","uris","read-only-uris",)"
    R"("entity-name","entity-password"])";

bool IsRequestedSecretField(const std::string& key) {
  for (const auto& group : kSecretGroups) {
    for (const char* field : group.fields) {
      if (key == field) return true;
    }
  }
  return false;
}

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

// The content of the provider's secret `uri`, or nothing when it is not readable (yet).
juju::Databag ReadProviderSecret(juju::JujuBackend& backend, const std::string& reference,
                                 const std::string& uri) {
  try {
    return backend.SecretGet(uri, {}, juju::SecretRead::kRefresh);
  } catch (const juju::SecretNotFoundError&) {
    spdlog::warn("secret {} published by the provider is not readable (yet)", reference);
    return {};
  }
}

// The provider's answer as data_interfaces' requirer reads it: its plain fields, `secret-*`
// references left out; the requested secret fields of each group from that group's secret
// when it is readable and not empty, else from plain fields of the same names. Empty when no
// credentials have arrived yet.
juju::Databag ReadCredentials(juju::JujuBackend& backend, const RelationRef& relation) {
  const auto provider =
      backend.RelationGet(relation, backend.RelationRemoteApp(relation), Scope::kApp);
  juju::Databag credentials;
  for (const auto& [key, value] : provider) {
    if (!key.starts_with("secret-") && !IsRequestedSecretField(key)) credentials[key] = value;
  }
  for (const auto& group : kSecretGroups) {
    const auto uri = Get(provider, group.reference);
    const auto content =
        uri.empty() ? juju::Databag{} : ReadProviderSecret(backend, group.reference, uri);
    if (!content.empty()) {
      for (const auto& [key, value] : content) {
        if (IsRequestedSecretField(key)) credentials[key] = value;
      }
      continue;
    }
    for (const char* field : group.fields) {
      if (provider.contains(field)) credentials[field] = provider.at(field);
    }
  }
  if (Get(credentials, "username").empty() || Get(credentials, "password").empty()) return {};
  return credentials;
}

// Whether action-set accepts `key` as one segment of a result key (Juju's rule).
bool IsActionResultKey(const std::string& key) {
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (key.empty() || !alnum(key.front()) || !alnum(key.back())) return false;
  return std::all_of(key.begin(), key.end(), [&](char c) { return alnum(c) || c == '-'; });
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
      status.Add(juju::Status::Blocked("integrate with a database: juju integrate " +
                                       context.app_name +
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
      status.Add(juju::Status::Waiting("credentials not received yet on relation " +
                                       relation.ToString()));
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
    for (const auto& [key, value] : credentials) {
      if (IsActionResultKey(key)) {
        results[relation.endpoint + "." + key] = value;
      } else {
        spdlog::warn("left out provider field \"{}\" of relation {}: not a valid result key",
                     core::Printable(key), relation.ToString());
      }
    }
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
