// The operator's session: the charm works as its own least-privileged account, created from
// the admin credentials the first time (with exactly the privileges the policy needs), its
// password restored by the admin when the server refuses it, its privileges compared with the
// policy on the full-reconcile hooks and brought back when they drifted; and the server-side
// functions reinstalled by the admin when they are missing or altered.

#include "charms/plan/item_deciders.hpp"
#include "charms/plan/relation_rules.hpp"
#include "charms/plan/walk.hpp"

namespace grantor::charms {
namespace {

Step Opened(Walk& walk, std::vector<juju::Status> statuses = {}) {
  Ending ending;
  ending.acted = true;
  ending.statuses = std::move(statuses);
  return walk.Finish(std::move(ending));
}

Step NotOpened(Walk& walk, juju::Status status) {
  Ending ending;
  ending.statuses.push_back(std::move(status));
  return walk.Finish(std::move(ending));
}

// The operator exists: log in, restoring its password first when the server refuses it.
Step LogIn(const DecisionContext& context, Walk& walk, const WorkItem& item,
           const std::string& password) {
  const std::string user = context.names.OperatorUser();
  const db::ExtraRoles& grantable = context.config.policy.allowed_extra_roles;
  const Outcome* session = walk.Try(op::OpenSession{user, password});
  if (session == nullptr) return walk.Pause();
  if (!session->ok()) {
    // A set-password killed after the server took the new password but before Juju committed
    // its secret, or a change by hand: the admin sets the password the secret holds again.
    if (!IsRefusedLogin(*session->failure)) {
      walk.Fail(*session->failure);
      return walk.Pause();
    }
    const AdminAccess* admin = walk.Admin();
    if (admin == nullptr) return walk.Pause();
    if (!admin->usable) {
      return NotOpened(walk, AdminNeeded(context, *admin,
                                         "restore the operator's password, which the server "
                                         "refuses"));
    }
    if (!walk.Run(op::EnsureOperator{db::OperatorSpec{user, password, grantable}})) {
      return walk.Pause();
    }
    walk.Run(op::Log{
        juju::LogLevel::kWarning,
        "internal user " + user + ": the server refused its password; restored from its secret"});
    if (!walk.Run(op::OpenSession{user, password})) return walk.Pause();
  }
  if (!item.check_privileges) return Opened(walk);
  const std::optional<std::string>* drift = walk.OperatorDrift();
  if (drift == nullptr) return walk.Pause();
  if (!drift->has_value()) return Opened(walk);
  walk.Run(op::Log{juju::LogLevel::kInfo,
                   "internal user " + user + " " + **drift + ": restoring its privileges"});
  const AdminAccess* admin = walk.Admin();
  if (admin == nullptr) return walk.Pause();
  if (!admin->usable) {
    // Blocked says so; the server-side functions still guard what the operator may do.
    return Opened(
        walk, {AdminNeeded(context, *admin,
                           "repair grantor's operator account and functions (" + **drift + ")")});
  }
  if (!walk.Run(op::EnsureOperator{db::OperatorSpec{user, std::nullopt, grantable}})) {
    return walk.Pause();
  }
  if (!walk.Run(op::OpenSession{user, password})) return walk.Pause();  // the new privileges
  return Opened(walk);
}

}  // namespace

Step DecideOpenSession(const DecisionContext& context, const WorkItem& item,
                       const ItemState& state) {
  Walk walk(state);
  const juju::Databag* secret = walk.OperatorSecret();
  if (secret == nullptr) return walk.Pause();
  const auto password = secret->find("password");
  if (password != secret->end()) return LogIn(context, walk, item, password->second);
  const AdminAccess* admin = walk.Admin();
  if (admin == nullptr) return walk.Pause();
  if (!admin->usable) {
    return NotOpened(
        walk, AdminNeeded(context, *admin, "create grantor's operator account (needed once)"));
  }
  const std::string* fresh = walk.NewPassword();
  if (fresh == nullptr) return walk.Pause();
  const std::string user = context.names.OperatorUser();
  const db::OperatorSpec spec{user, *fresh, context.config.policy.allowed_extra_roles};
  if (!walk.Run(op::EnsureOperator{spec})) return walk.Pause();
  juju::SecretOptions options;
  options.label = kOperatorSecretLabel;
  options.description = "grantor internal operator user";
  walk.Run(op::AddSecret{{{"username", user}, {"password", *fresh}}, options});
  walk.Run(op::Log{juju::LogLevel::kInfo, "created internal user " + user});
  if (!walk.Run(op::OpenSession{user, *fresh})) return walk.Pause();
  return Opened(walk);
}

// The functions are never used as they are: the admin installs them again, then the leader's
// work starts over (every step is idempotent). Without an admin, Blocked, and the work stops.
Step DecideRepairServerApi(const DecisionContext& context, const WorkItem& item,
                           const ItemState& state) {
  Walk walk(state);
  const ServerFailure& failure = *item.failure;
  walk.Run(op::Log{juju::LogLevel::kWarning,
                   failure.message + ": reinstalling grantor's server-side functions"});
  const AdminAccess* admin = walk.Admin();
  if (admin == nullptr) return walk.Pause();
  if (!admin->usable) {
    Ending ending;
    ending.stop = failure;
    ending.statuses.push_back(AdminNeeded(
        context, *admin, "reinstall grantor's server-side functions (" + failure.message + ")"));
    return walk.Finish(std::move(ending));
  }
  const db::OperatorSpec spec{context.names.OperatorUser(), std::nullopt,
                              context.config.policy.allowed_extra_roles};
  if (!walk.Run(op::EnsureOperator{spec})) return walk.Pause();
  return Opened(walk);
}

}  // namespace grantor::charms
