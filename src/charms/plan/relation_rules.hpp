#pragma once
// Small pure rules the provider's deciders share: names, owners and roles of a relation's
// users, the policy a served relation must still meet, what is published, audit records, and
// how a server failure reads.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "charms/plan/decision.hpp"

namespace grantor::charms {

/// The login user of relation `relation_id` in `slot`.
std::string UserOf(const DecisionContext& context, int relation_id, Slot slot);
/// The requiring application of a relation, as databases record their owners.
db::DatabaseOwner Requester(const DecisionContext& context, const RelationRecord& record);
/// The extra roles a record serves, as the engine names them.
db::ExtraRoles RolesOf(const DecisionContext& context, const RelationRecord& record);
/// Roles by their request names ("createdb").
std::vector<std::string> RoleNames(const db::ExtraRoles& roles);
/// Why the current policy no longer allows what `record` serves, if it does not.
std::optional<core::Problem> PolicyProblem(const DecisionContext& context,
                                           const juju::RelationRef& relation,
                                           const RelationRecord& record);

/// An audit record of this hook about relation `relation_id`.
op::Audit AuditOf(const DecisionContext& context, core::AuditEvent event, int relation_id,
                  const RelationRecord& record, const std::string& user, const std::string& outcome,
                  const std::string& reason = {});

/// Everything a client needs to connect with `user`.
core::Credentials CredentialsFor(const DecisionContext& context, const std::string& user,
                                 const std::string& password, const std::string& database,
                                 const std::string& version);
/// The options of the relation's secret of `group` ("user", "tls"): label, description and,
/// for "user", the rotate policy of config rotation-period.
juju::SecretOptions OwnedSecret(const DecisionContext& context, const juju::RelationRef& relation,
                                const std::string& group);
/// What to write to bring `current` to `desired`: changed keys, and "" for `managed` keys no
/// longer desired.
core::Fields Changes(const core::Fields& current, const core::Fields& desired,
                     const std::set<std::string>& managed);

/// What the operator reads about a server failure: unreachable, TLS failure, functions needing
/// repair, or a refusal.
std::string ServerErrorMessage(const DecisionContext& context, const ServerFailure& failure);
/// Waiting for an unreachable server (a later hook retries by itself), Blocked otherwise (the
/// operator must act).
juju::Status ServerErrorStatus(const DecisionContext& context, const ServerFailure& failure);
/// The Blocked status of an admin account needed for `purpose` and not usable.
juju::Status AdminNeeded(const DecisionContext& context, const AdminAccess& admin,
                         const std::string& purpose);

/// Whether this hook is relation `relation_id`'s relation-broken: that relation is gone, even
/// where relation-ids still lists it (Juju before 3.4 does so during its relation-broken).
bool IsBrokenHere(const DecisionContext& context, int relation_id);
/// Whether relation `relation_id` is live: listed by relation-ids, and not broken here.
bool IsLive(const DecisionContext& context, const std::vector<juju::RelationRef>& live,
            int relation_id);

}  // namespace grantor::charms
