#include "charms/plan/operations.hpp"

#include "grantor/core/access_policy.hpp"

namespace grantor::charms {
namespace {

const char* AccountName(Account account) {
  return account == Account::kAdmin ? "admin" : "operator";
}

std::string Keys(const core::Fields& fields) {
  std::string out;
  for (const auto& [key, value] : fields) out += (out.empty() ? "" : ",") + key;
  return out;
}

struct Describer {
  std::string operator()(const op::SetRelationData& o) const {
    return "relation-set " + o.relation.ToString() +
           (o.scope == juju::Scope::kApp ? " app " : " unit ") + Keys(o.changes);
  }
  std::string operator()(const op::AddSecret& o) const {
    return "secret-add " + o.options.label + " " + Keys(o.content);
  }
  std::string operator()(const op::GrantSecret& o) const {
    return "secret-grant " + o.uri + " " + o.relation.ToString();
  }
  std::string operator()(const op::SetSecret& o) const {
    return "secret-set " + o.uri +
           (o.content.empty() ? " rotate=" + o.options.rotate : " " + Keys(o.content));
  }
  std::string operator()(const op::RemoveSecret& o) const { return "secret-remove " + o.uri; }
  std::string operator()(const op::OpenSession& o) const { return "log in as " + o.user; }
  std::string operator()(const op::EnsureDatabase& o) const {
    return "ensure database " + o.name + " for " + o.owner.app;
  }
  std::string operator()(const op::AdoptDatabase& o) const {
    return "adopt database " + o.name + " for " + o.owner.app;
  }
  std::string operator()(const op::EnsureUser& o) const {
    std::string roles;
    for (const auto role : o.spec.extra_roles) roles += " +" + core::ExtraRoleName(role);
    return "ensure user " + o.spec.name + " in " + o.spec.database.value_or("-") + roles;
  }
  std::string operator()(const op::LockUser& o) const {
    return "lock " + o.user + " as " + AccountName(o.account);
  }
  std::string operator()(const op::DropUser& o) const {
    return "drop " + o.user + " as " + AccountName(o.account);
  }
  std::string operator()(const op::EnsureOperator& o) const {
    return "ensure operator " + o.spec.name + (o.spec.password ? " with a password" : "");
  }
  std::string operator()(const op::Audit& o) const {
    const core::AuditRecord& r = o.record;
    return "audit " + std::string(core::AuditEventName(r.event)) + " " +
           std::to_string(r.relation_id) + " " + (r.user.empty() ? "-" : r.user) + " " + r.outcome;
  }
  std::string operator()(const op::Log& o) const { return "log " + o.message; }
  std::string operator()(const op::PutRecord& o) const {
    return "record " + std::to_string(o.relation_id);
  }
  std::string operator()(const op::ForgetRecord& o) const {
    return "forget " + std::to_string(o.relation_id);
  }
  std::string operator()(const op::SetCleanup& o) const { return "clean-up owed " + o.user; }
  std::string operator()(const op::ClearCleanup& o) const { return "clean-up done " + o.user; }
  std::string operator()(const op::SetSweepPending& o) const {
    return o.pending ? "sweep owed" : "sweep done";
  }
};

}  // namespace

bool EndsLeaderWork(const ServerFailure& failure) {
  return failure.kind == db::ErrorKind::kConnection || failure.kind == db::ErrorKind::kTls ||
         failure.kind == db::ErrorKind::kNeedsRepair;
}

bool IsRefusedLogin(const ServerFailure& failure) {
  return db::IsRefusedLogin(db::DbError(failure.kind, failure.native_code, failure.message));
}

std::string Describe(const Operation& operation) { return std::visit(Describer{}, operation); }

}  // namespace grantor::charms
