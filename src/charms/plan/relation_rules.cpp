#include "charms/plan/relation_rules.hpp"

#include <algorithm>

#include "charms/plan/provider_endpoints.hpp"
#include "grantor/core/access_policy.hpp"

namespace grantor::charms {

std::string UserOf(const DecisionContext& context, int relation_id, Slot slot) {
  return slot == Slot::kA ? context.names.RelationUser(relation_id)
                          : context.names.RelationUserB(relation_id);
}

db::DatabaseOwner Requester(const DecisionContext& context, const RelationRecord& record) {
  return db::DatabaseOwner{context.model_uuid, record.remote_app};
}

db::ExtraRoles RolesOf(const DecisionContext& context, const RelationRecord& record) {
  db::ExtraRoles roles;
  for (const auto& [name, role] : core::AllowedExtraRoles(context.spec.dialect)) {
    if (std::find(record.roles.begin(), record.roles.end(), name) != record.roles.end()) {
      roles.insert(role);
    }
  }
  return roles;
}

std::vector<std::string> RoleNames(const db::ExtraRoles& roles) {
  std::vector<std::string> names;
  for (const auto role : roles) names.push_back(core::ExtraRoleName(role));
  return names;
}

std::optional<core::Problem> PolicyProblem(const DecisionContext& context,
                                           const juju::RelationRef& relation,
                                           const RelationRecord& record) {
  core::AccessRequest access{relation.ToString(), record.database, RolesOf(context, record),
                             "extra-user-roles", Requester(context, record)};
  if (KindOfEndpoint(context.spec, relation.endpoint) != EndpointKind::kModern) {
    access.roles_source = "the " + relation.endpoint + " endpoint";
  }
  if (auto problem = core::CheckRolesAllowed(access, context.config.policy)) return problem;
  if (!record.shared_from.empty() &&
      !core::IsShared(context.config.policy, record.database, record.remote_app)) {
    return core::Problem{"relation " + relation.ToString() + ": database \"" + record.database +
                         "\" belongs to application \"" + record.shared_from +
                         "\" and is no longer shared with \"" + record.remote_app +
                         "\"; to share it, add " + record.database + "=" + record.remote_app +
                         " to config share-databases"};
  }
  return std::nullopt;
}

op::Audit AuditOf(const DecisionContext& context, core::AuditEvent event, int relation_id,
                  const RelationRecord& record, const std::string& user, const std::string& outcome,
                  const std::string& reason) {
  core::AuditRecord entry;
  entry.time = core::FormatUtc(context.now);
  entry.event = event;
  entry.relation_id = relation_id;
  entry.endpoint = record.endpoint;
  entry.remote_app = record.remote_app;
  entry.database = record.database;
  entry.user = user;
  entry.roles = record.roles;
  entry.outcome = outcome;
  entry.reason = reason;
  return op::Audit{std::move(entry)};
}

core::Credentials CredentialsFor(const DecisionContext& context, const std::string& user,
                                 const std::string& password, const std::string& database,
                                 const std::string& version) {
  const ProviderConfig& config = context.config;
  core::Credentials credentials;
  credentials.username = user;
  credentials.password = password;
  credentials.database = database;
  credentials.endpoints = config.endpoints;
  credentials.read_only_endpoints = config.read_only_endpoints;
  credentials.version = version;
  const std::string& scheme = context.spec.uri_scheme;
  credentials.uris = core::BuildUri(scheme, user, password, config.endpoints, database);
  credentials.read_only_uris =
      core::BuildUri(scheme, user, password, config.read_only_endpoints, database);
  credentials.tls = config.tls;
  credentials.tls_ca = config.tls_ca;
  return credentials;
}

juju::SecretOptions OwnedSecret(const DecisionContext& context, const juju::RelationRef& relation,
                                const std::string& group) {
  juju::SecretOptions options;
  options.label = core::SecretLabel(relation.endpoint, relation.id, group);
  options.description = "credentials for relation " + relation.ToString();
  if (group == "user" && context.config.rotation_period) {
    options.rotate = ClosestRotatePolicy(*context.config.rotation_period);
  }
  return options;
}

core::Fields Changes(const core::Fields& current, const core::Fields& desired,
                     const std::set<std::string>& managed) {
  core::Fields changes;
  for (const auto& [key, value] : desired) {
    const auto it = current.find(key);
    if (it == current.end() || it->second != value) changes[key] = value;
  }
  for (const auto& key : managed) {
    if (!desired.contains(key) && current.contains(key)) changes[key] = "";
  }
  return changes;
}

std::string ServerErrorMessage(const DecisionContext& context, const ServerFailure& failure) {
  const std::string& label = context.spec.engine_label;
  const db::ConnectionConfig& server = context.config.server;
  const std::string at = " at " + server.host + ":" + std::to_string(server.port);
  switch (failure.kind) {
    case db::ErrorKind::kConnection:
      return "cannot reach " + label + at + ": " + failure.message;
    case db::ErrorKind::kTls:
      // The operator must fix ssl-ca, ssl-mode or the server's certificate; never retried in
      // plain text.
      return "TLS to " + label + at + " failed under ssl-mode " +
             std::string(db::SslModeName(server.ssl_mode)) +
             " (check ssl-ca, ssl-mode): " + failure.message;
    case db::ErrorKind::kNeedsRepair:
      return "grantor's server-side functions on " + label +
             " are missing or altered, and are not used as they are: " + failure.message +
             " (set config admin-credentials so that the charm reinstalls them)";
    case db::ErrorKind::kAccessDenied:
      return label + " refused: " + failure.message +
             " (grantor's operator account lacks a privilege: the next update-status restores "
             "it if the admin-credentials account may grant it)";
    default:
      return label + " refused: " + failure.message;
  }
}

juju::Status ServerErrorStatus(const DecisionContext& context, const ServerFailure& failure) {
  if (failure.kind == db::ErrorKind::kConnection) {
    return juju::Status::Waiting(ServerErrorMessage(context, failure));
  }
  return juju::Status::Blocked(ServerErrorMessage(context, failure));
}

juju::Status AdminNeeded(const DecisionContext& context, const AdminAccess& admin,
                         const std::string& purpose) {
  return juju::Status::Blocked(
      context.config.admin_secret.empty()
          ? "set config admin-credentials: the charm needs it to " + purpose
          : admin.why + " (config admin-credentials is needed to " + purpose + ")");
}

bool IsBrokenHere(const DecisionContext& context, int relation_id) {
  return context.kind == juju::EventKind::kRelationBroken && context.relation &&
         context.relation->id == relation_id &&
         KindOfEndpoint(context.spec, context.relation->endpoint) != EndpointKind::kOther;
}

bool IsLive(const DecisionContext& context, const std::vector<juju::RelationRef>& live,
            int relation_id) {
  if (IsBrokenHere(context, relation_id)) return false;
  return std::any_of(live.begin(), live.end(),
                     [&](const juju::RelationRef& relation) { return relation.id == relation_id; });
}

}  // namespace grantor::charms
