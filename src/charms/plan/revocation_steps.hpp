#pragma once
// Steps of the provider's deciders that revoke users (private to src/charms/plan).
//
// Revoking a user has two steps (db::Engine): LockUser, which touches only the account and its
// sessions and so succeeds whatever the user or anyone else did on the server, and DropUser,
// which cleans up what the user owns and can fail (a foreign database the operator cannot
// enter, objects only the admin may re-point). Every user of a revocation is locked before any
// is dropped, and each drop is tried on its own, first as the operator, then with the admin
// account when one is configured; a drop that still fails leaves the user locked and goes to
// the ledger's clean-up list, which the unit's status shows and every later leader hook
// retries. A failure that means the server cannot be used at all ends the leader's work
// instead (Walk::Fail). Each returns nullopt / false when the walk must pause.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "charms/plan/walk.hpp"

namespace grantor::charms {

/// Revokes `users` of relation `relation_id`: locks them all, then drops each; returns the
/// users dropped. `cleanups` is the item's view of the ledger's clean-up list.
std::optional<std::set<std::string>> RevokeUsers(Walk& walk,
                                                 std::map<std::string, PendingCleanup>& cleanups,
                                                 int relation_id, const std::string& endpoint,
                                                 const std::vector<std::string>& users);

/// Drops a user that is locked already (or locks it again first, as DropUser does): true when
/// it is gone, false when it stays on the clean-up list.
std::optional<bool> DropLockedUser(Walk& walk, std::map<std::string, PendingCleanup>& cleanups,
                                   const std::string& user, int relation_id,
                                   const std::string& endpoint);

/// Revokes the user `record` keeps retiring and says so in the audit trail (dropped: "ok";
/// locked, its drop owed: "locked"); the record no longer retires anyone.
bool RetireInto(const DecisionContext& context, Walk& walk,
                std::map<std::string, PendingCleanup>& cleanups, int relation_id,
                RelationRecord& record);

/// Removes the secrets published for relation `relation_id`: those `record` lists when it was
/// served, else those labelled for the hook's relation endpoint. Secrets already gone are fine.
bool RemovePublishedSecrets(const DecisionContext& context, Walk& walk, int relation_id,
                            const RelationRecord* record);

}  // namespace grantor::charms
