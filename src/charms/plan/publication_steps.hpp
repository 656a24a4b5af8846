#pragma once
// Steps of the provider's deciders about what a relation is told (private to src/charms/plan):
// who is asking, what it asks, the password already published, and the publication itself
// (modern: databag and Juju secrets; legacy: unit and application databags). Each returns
// nullptr / nullopt / false when the walk must pause (a fact to read, a value to wait for).

#include <optional>
#include <set>
#include <string>

#include "charms/plan/walk.hpp"

namespace grantor::charms {

/// The remote application of `relation`: the hook's, else the record's, else read; kept in
/// `record`.
const std::string* RemoteAppOf(const DecisionContext& context, Walk& walk,
                               const juju::RelationRef& relation, RelationRecord& record);

/// The password published for the relation's active user, "" when none is.
std::optional<std::string> PublishedPassword(const DecisionContext& context, Walk& walk,
                                             const juju::RelationRef& relation,
                                             const RelationRecord& record);

/// Publishes `user` and `password` for the relation (only what differs is written); records
/// the secrets, their rotate policy and, for legacy pgsql, the units published.
bool Publish(const DecisionContext& context, Walk& walk, const juju::RelationRef& relation,
             RelationRecord& record, const std::string& user, const std::string& password,
             const std::set<std::string>& requested_secrets);

/// The user secret carries the rotate policy of config rotation-period (Juju then runs
/// secret-rotate when it falls due): set again when the configuration changed it.
void SetRotatePolicy(const DecisionContext& context, Walk& walk, const juju::RelationRef& relation,
                     RelationRecord& record);

}  // namespace grantor::charms
