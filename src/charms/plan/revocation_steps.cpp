#include "charms/plan/revocation_steps.hpp"

#include "charms/plan/relation_rules.hpp"

namespace grantor::charms {
namespace {

// Locks as the operator, else as the admin. A lock that fails both ways is recorded (the drop
// that follows tries again, and locks first).
bool LockUser(Walk& walk, std::map<std::string, PendingCleanup>& cleanups, const std::string& user,
              int relation_id, const std::string& endpoint) {
  const Outcome* locked = walk.Try(op::LockUser{user, Account::kOperator});
  if (locked == nullptr) return false;
  if (locked->ok()) return true;
  const ServerFailure& error = *locked->failure;
  if (EndsLeaderWork(error)) {
    walk.Fail(error);
    return false;
  }
  const AdminAccess* admin = walk.Admin();
  if (admin == nullptr) return false;
  std::string why = admin->why;
  if (admin->usable) {
    const Outcome* by_admin = walk.Try(op::LockUser{user, Account::kAdmin});
    if (by_admin == nullptr) return false;
    if (by_admin->ok()) return true;
    if (EndsLeaderWork(*by_admin->failure)) {
      walk.Fail(*by_admin->failure);
      return false;
    }
    why = by_admin->failure->message;
  }
  walk.Run(op::Log{juju::LogLevel::kError,
                   "user " + user + " of relation " + std::to_string(relation_id) +
                       ": lock failed: " + error.message + " (" + why + ")"});
  PendingCleanup cleanup{relation_id, endpoint, "lock failed: " + error.message};
  cleanups[user] = cleanup;
  walk.Run(op::SetCleanup{user, std::move(cleanup)});
  return true;
}

}  // namespace

std::optional<bool> DropLockedUser(Walk& walk, std::map<std::string, PendingCleanup>& cleanups,
                                   const std::string& user, int relation_id,
                                   const std::string& endpoint) {
  std::string reason;
  const Outcome* dropped = walk.Try(op::DropUser{user, Account::kOperator});
  if (dropped == nullptr) return std::nullopt;
  if (!dropped->ok()) {
    if (EndsLeaderWork(*dropped->failure)) {
      walk.Fail(*dropped->failure);
      return std::nullopt;
    }
    reason = dropped->failure->message;
  }
  if (!reason.empty()) {
    const AdminAccess* admin = walk.Admin();
    if (admin == nullptr) return std::nullopt;
    if (!admin->usable) {
      reason +=
          " (with config admin-credentials the charm would try as the admin: " + admin->why + ")";
    } else {
      const Outcome* by_admin = walk.Try(op::DropUser{user, Account::kAdmin});
      if (by_admin == nullptr) return std::nullopt;
      if (by_admin->ok()) {
        reason.clear();
      } else if (EndsLeaderWork(*by_admin->failure)) {
        walk.Fail(*by_admin->failure);
        return std::nullopt;
      } else {
        reason += "; as the admin: " + by_admin->failure->message;
      }
    }
  }
  if (reason.empty()) {
    if (cleanups.erase(user) > 0) walk.Run(op::ClearCleanup{user});
    return true;
  }
  walk.Run(op::Log{juju::LogLevel::kWarning, "user " + user + " of relation " +
                                                 std::to_string(relation_id) +
                                                 " is locked but not dropped: " + reason});
  const auto known = cleanups.find(user);
  const std::string recorded_endpoint =
      endpoint.empty() && known != cleanups.end() ? known->second.endpoint : endpoint;
  PendingCleanup cleanup{relation_id, recorded_endpoint, reason};
  cleanups[user] = cleanup;
  walk.Run(op::SetCleanup{user, std::move(cleanup)});
  return false;
}

std::optional<std::set<std::string>> RevokeUsers(Walk& walk,
                                                 std::map<std::string, PendingCleanup>& cleanups,
                                                 int relation_id, const std::string& endpoint,
                                                 const std::vector<std::string>& users) {
  for (const auto& user : users) {
    if (!LockUser(walk, cleanups, user, relation_id, endpoint)) return std::nullopt;
  }
  std::set<std::string> dropped;
  for (const auto& user : users) {
    const auto gone = DropLockedUser(walk, cleanups, user, relation_id, endpoint);
    if (!gone) return std::nullopt;
    if (*gone) dropped.insert(user);
  }
  return dropped;
}

bool RetireInto(const DecisionContext& context, Walk& walk,
                std::map<std::string, PendingCleanup>& cleanups, int relation_id,
                RelationRecord& record) {
  if (!record.retiring) return true;
  const std::string user = UserOf(context, relation_id, *record.retiring);
  const auto dropped = RevokeUsers(walk, cleanups, relation_id, record.endpoint, {user});
  if (!dropped) return false;
  // Locked either way: retired. A drop still owed is the clean-up list's.
  record.retiring.reset();
  record.retire_at = 0;
  walk.Run(AuditOf(context, core::AuditEvent::kRevoke, relation_id, record, user,
                   dropped->contains(user) ? "ok" : "locked",
                   "previous credentials after rotation-grace"));
  return true;
}

bool RemovePublishedSecrets(const DecisionContext& context, Walk& walk, int relation_id,
                            const RelationRecord* record) {
  if (record != nullptr && record->served) {
    for (const auto& [group, uri] : record->secrets) walk.Run(op::RemoveSecret{uri});
    return true;
  }
  if (!context.relation) return true;
  for (const char* group : {"user", "tls"}) {  // not recorded here: look them up by label
    const std::string label = core::SecretLabel(context.relation->endpoint, relation_id, group);
    const std::optional<std::string>* id = walk.SecretIdByLabel(label);
    if (id == nullptr) return false;
    if (id->has_value()) walk.Run(op::RemoveSecret{**id});
  }
  return true;
}

}  // namespace grantor::charms
