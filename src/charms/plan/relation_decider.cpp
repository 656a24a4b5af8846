// Serving one relation: its request checked against the policy, its database and login user
// made, its credentials published, only what changed written; and the relations that ended
// unseen, forgotten.

#include <set>

#include "charms/plan/databag.hpp"
#include "charms/plan/hook_reading.hpp"
#include "charms/plan/item_deciders.hpp"
#include "charms/plan/legacy_request.hpp"
#include "charms/plan/provider_endpoints.hpp"
#include "charms/plan/publication_steps.hpp"
#include "charms/plan/relation_rules.hpp"
#include "charms/plan/revocation_steps.hpp"
#include "grantor/core/access_policy.hpp"
#include "grantor/core/database_request.hpp"

namespace grantor::charms {
namespace {

Step Done(Walk& walk, int relation_id, const RelationRecord& record) {
  walk.Run(op::PutRecord{relation_id, record});
  return walk.Finish();
}

// What the request asks, parsed: the access to check, the secrets the requirer wants, or why
// it is refused.
struct ParsedRequest {
  core::AccessRequest access;
  std::set<std::string> requested_secrets;
  std::optional<core::Problem> problem;
};

ParsedRequest ParseRequest(const DecisionContext& context, const juju::RelationRef& relation,
                           const RelationRecord& record, const juju::Databag& remote,
                           const std::string& remote_app) {
  ParsedRequest parsed;
  parsed.access = core::AccessRequest{
      relation.ToString(), "", {}, "extra-user-roles", Requester(context, record)};
  if (KindOfEndpoint(context.spec, relation.endpoint) == EndpointKind::kModern) {
    auto request = core::ParseDatabaseRequest(remote, relation.ToString(), context.spec.dialect);
    if (auto* refused = std::get_if<core::Problem>(&request)) {
      parsed.problem = *refused;
    } else {
      auto& accepted = std::get<core::DatabaseRequest>(request);
      parsed.access.database = accepted.database;
      parsed.access.roles = accepted.extra_roles;
      parsed.requested_secrets = accepted.requested_secrets;
    }
    return parsed;
  }
  auto request = ParseLegacyRequest(remote, relation.ToString(), remote_app, context.spec.dialect);
  if (auto* refused = std::get_if<core::Problem>(&request)) {
    parsed.problem = *refused;
  } else {
    parsed.access.database = std::get<std::string>(request);
    if (LegacyFor(context.spec, relation.endpoint)->superuser) {
      parsed.access.roles.insert(db::ExtraRole::kSuperuser);
      parsed.access.roles_source = "the " + relation.endpoint + " endpoint";
    }
  }
  return parsed;
}

// A request refused by the policy or by what the server says about its database: Blocked,
// audited, nothing made.
Step Refuse(const DecisionContext& context, Walk& walk, const juju::RelationRef& relation,
            RelationRecord& record, const std::string& message, bool audit) {
  record.problem = message;
  record.served = false;
  if (audit) {
    walk.Run(AuditOf(context, core::AuditEvent::kRefuse, relation.id, record, "", "refused",
                     record.problem));
  }
  return Done(walk, relation.id, record);
}

Step Provision(const DecisionContext& context, Walk& walk, const juju::RelationRef& relation,
               RelationRecord& record, const juju::Databag& remote, const std::string& remote_app) {
  const std::string previous_problem = record.problem;
  record.pending = false;
  record.problem.clear();
  ParsedRequest parsed = ParseRequest(context, relation, record, remote, remote_app);
  core::AccessRequest& access = parsed.access;
  std::optional<core::Problem>& problem = parsed.problem;
  if (!problem && access.database.empty()) {  // the requirer has not asked yet
    record.served = false;
    return Done(walk, relation.id, record);
  }
  if (!problem) problem = core::CheckRolesAllowed(access, context.config.policy);
  if (!problem && !access.roles.empty()) {
    const db::ServerInfo* server = walk.Server();
    if (server == nullptr) return walk.Pause();
    problem = core::CheckRolesSafe(access, *server);
  }
  record.database = access.database;
  record.roles = RoleNames(access.roles);
  if (problem) {
    return Refuse(context, walk, relation, record, problem->message,
                  problem->message != previous_problem);
  }
  const std::string user = UserOf(context, relation.id, record.active);
  const std::optional<std::string> published = PublishedPassword(context, walk, relation, record);
  if (!published) return walk.Pause();
  std::string password = *published;
  const bool issued = password.empty();
  if (issued) {
    const std::string* fresh = walk.NewPassword();
    if (fresh == nullptr) return walk.Pause();
    password = *fresh;
  }
  // The database: the policy decides with what the server records about it.
  const db::DatabaseInfo* info = walk.Database(access.database);
  if (info == nullptr) return walk.Pause();
  auto decision = core::DecideDatabase(access, context.config.policy, *info);
  if (auto* refused = std::get_if<core::Problem>(&decision)) {
    return Refuse(context, walk, relation, record, refused->message, true);
  }
  const auto& [action, shared_from] = std::get<core::DatabaseDecision>(decision);
  switch (action) {
    case core::DatabaseAction::kCreateOrFinish:
      if (!walk.Run(op::EnsureDatabase{access.database, access.requester})) return walk.Pause();
      break;
    case core::DatabaseAction::kAdopt: {
      // Adoption needs rights over a database the operator does not own: the admin's.
      const AdminAccess* admin = walk.Admin();
      if (admin == nullptr) return walk.Pause();
      if (!admin->usable) {
        return Refuse(context, walk, relation, record,
                      "relation " + relation.ToString() + ": adopting database \"" +
                          access.database + "\" needs config admin-credentials (" + admin->why +
                          ")",
                      true);
      }
      if (!walk.Run(op::AdoptDatabase{access.database, access.requester})) return walk.Pause();
      break;
    }
    case core::DatabaseAction::kUse:
      break;
  }
  record.shared_from = shared_from;
  const db::UserSpec spec{user, password, access.database, access.roles, access.requester};
  if (!walk.Run(op::EnsureUser{spec})) return walk.Pause();
  if (!Publish(context, walk, relation, record, user, password, parsed.requested_secrets)) {
    return walk.Pause();
  }
  record.published_config = PublishedConfigDigest(context.config);
  if (issued) record.rotated_at = context.now;
  const bool newly_served = !record.served || issued;
  record.served = true;
  if (newly_served) {
    walk.Run(AuditOf(context, core::AuditEvent::kGrant, relation.id, record, user, "ok"));
  }
  return Done(walk, relation.id, record);
}

}  // namespace

Step DecideReconcile(const DecisionContext& context, const WorkItem& item, const ItemState& state) {
  Walk walk(state);
  const juju::RelationRef& relation = item.relation;
  RelationRecord record = state.record.value_or(RelationRecord{});
  if (!state.record) record.endpoint = relation.endpoint;
  // The server's refusal is the relation's Blocked message; a server that cannot be used
  // leaves the relation pending and ends the leader's work.
  walk.OnFailure([&](const ServerFailure& failure) {
    Ending ending;
    if (EndsLeaderWork(failure)) {
      record.pending = true;
      ending.stop = failure;
    } else {
      record.pending = false;
      record.served = false;
      record.problem =
          "relation " + relation.ToString() + ": " + ServerErrorMessage(context, failure);
    }
    walk.Run(op::PutRecord{relation.id, record});
    return walk.Finish(std::move(ending));
  });
  const std::string* remote_app = RemoteAppOf(context, walk, relation, record);
  if (remote_app == nullptr) return walk.Pause();
  const juju::Databag* remote = walk.Request(*remote_app);
  if (remote == nullptr) return walk.Pause();
  const EndpointKind kind = KindOfEndpoint(context.spec, relation.endpoint);
  const std::string digest = RequestDigest(*remote, kind, *remote_app);
  const bool same_request = record.seen == digest && !record.pending;
  if (same_request && !record.served && !item.verify) {
    return Done(walk, relation.id, record);  // refused or not asked: unchanged
  }
  if (same_request && record.served) {
    bool units_changed = false;
    if (kind == EndpointKind::kLegacyPgsql) {
      const std::string* units = walk.Units();
      if (units == nullptr) return walk.Pause();
      units_changed = *units != record.units;
    }
    const bool config_changed =
        item.verify && record.published_config != PublishedConfigDigest(context.config);
    bool present = true;
    if (!units_changed && !config_changed && item.verify) {
      // What the ledger says is served is still on the server: the active user (made again
      // when dropped by hand) and the database.
      const bool* user_exists = walk.UserExists(UserOf(context, relation.id, record.active));
      if (user_exists == nullptr) return walk.Pause();
      present = *user_exists;
      if (present) {
        const bool* database_exists = walk.DatabaseExists(record.database);
        if (database_exists == nullptr) return walk.Pause();
        present = *database_exists;
      }
    }
    if (!units_changed && !config_changed && present) {
      if (item.verify) {
        SetRotatePolicy(context, walk, relation, record);
        // A policy narrowed since: the relation shows the refusal again (its user keeps what
        // it was given until the relation is removed: docs/security.md).
        const auto problem = PolicyProblem(context, relation, record);
        record.problem = problem ? problem->message : std::string();
      }
      return Done(walk, relation.id, record);
    }
  }
  record.seen = digest;
  return Provision(context, walk, relation, record, *remote, *remote_app);
}

Step DecideForgetEnded(const DecisionContext& context, const WorkItem& item,
                       const ItemState& state) {
  Walk walk(state);
  const int id = item.relation.id;
  // Ended while this unit was not looking, or its relation-broken met an outage.
  if (!RemovePublishedSecrets(context, walk, id, state.record ? &*state.record : nullptr)) {
    return walk.Pause();
  }
  walk.Run(op::ForgetRecord{id});
  return walk.Finish();
}

Step DecideRepublishUnits(const DecisionContext&, const WorkItem& item, const ItemState& state) {
  Walk walk(state);
  if (!state.record) return walk.Finish();
  RelationRecord record = *state.record;
  const juju::RelationRef relation{record.endpoint, item.relation.id};
  const std::string* units = walk.Units();
  if (units == nullptr) return walk.Pause();
  record.units = *units;
  walk.Run(op::PutRecord{relation.id, record});
  walk.Run(op::SetRelationData{relation, juju::Scope::kUnit, {{"allowed-units", *units}}});
  return walk.Finish();
}

}  // namespace grantor::charms
