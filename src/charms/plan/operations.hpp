#pragma once
// The operations the provider's decider asks for (decision.hpp), and what they did. Each is a
// plain value: a hook tool call, an engine call, an audit record, a log line, or a change of the
// ledger kept in memory until the hook ends. The interpreter (src/charms/provider_interpreter.*)
// runs them, in order, and nothing else.

#include <optional>
#include <string>
#include <variant>

#include "charms/plan/ledger.hpp"
#include "grantor/core/audit.hpp"
#include "grantor/core/publication.hpp"
#include "grantor/db/engine.hpp"
#include "grantor/juju/backend.hpp"

namespace grantor::charms {

/// Which server account an engine operation runs as: the charm's own least-privileged operator,
/// or the admin account of config admin-credentials (set-up, repair, adoption, clean-ups the
/// operator cannot finish).
enum class Account { kOperator, kAdmin };

/// What went wrong on the server (a db::DbError, as a value). The message never holds a
/// password (the engines redact it).
struct ServerFailure {
  db::ErrorKind kind = db::ErrorKind::kOther;
  std::string native_code;
  std::string message;
  bool operator==(const ServerFailure&) const = default;
};

/// The server cannot be used at all in this hook (unreachable, TLS refused, server-side
/// functions needing repair): the leader's work ends, what is left is kept for a later hook.
bool EndsLeaderWork(const ServerFailure& failure);
/// The server refused a login's credentials (as opposed to not answering).
bool IsRefusedLogin(const ServerFailure& failure);

namespace op {

// --- Juju (hook tools) -------------------------------------------------------------------------
/// relation-set: only the keys that change ("" deletes one).
struct SetRelationData {
  juju::RelationRef relation;
  juju::Scope scope = juju::Scope::kApp;
  core::Fields changes;
};
/// secret-add, owned by the application; its outcome's value is the new secret's URI.
struct AddSecret {
  core::Fields content;
  juju::SecretOptions options;
};
struct GrantSecret {
  std::string uri;
  juju::RelationRef relation;
};
/// secret-set: a new revision with `content`, or, when it is empty, the options only.
struct SetSecret {
  std::string uri;
  core::Fields content;
  juju::SecretOptions options;
};
/// secret-remove; a secret already gone is not a failure.
struct RemoveSecret {
  std::string uri;
};

// --- the server ----------------------------------------------------------------------------------
/// Logs in as the operator: the session the operator's operations use from then on.
struct OpenSession {
  std::string user;
  std::string password;
};
struct EnsureDatabase {  ///< as the operator
  std::string name;
  db::DatabaseOwner owner;
};
struct AdoptDatabase {  ///< as the admin
  std::string name;
  db::DatabaseOwner owner;
};
struct EnsureUser {  ///< as the operator
  db::UserSpec spec;
};
struct LockUser {
  std::string user;
  Account account = Account::kOperator;
};
struct DropUser {
  std::string user;
  Account account = Account::kOperator;
};
struct EnsureOperator {  ///< as the admin
  db::OperatorSpec spec;
};

// --- records -------------------------------------------------------------------------------------
struct Audit {
  core::AuditRecord record;
};
struct Log {
  juju::LogLevel level = juju::LogLevel::kInfo;
  std::string message;  ///< never a password
};

// --- the ledger (in memory; written to the unit's state when the hook ends) ---------------------
struct PutRecord {
  int relation_id = -1;
  RelationRecord record;
};
struct ForgetRecord {
  int relation_id = -1;
};
struct SetCleanup {
  std::string user;
  PendingCleanup cleanup;
};
struct ClearCleanup {
  std::string user;
};
struct SetSweepPending {
  bool pending = false;
};

}  // namespace op

using Operation =
    std::variant<op::SetRelationData, op::AddSecret, op::GrantSecret, op::SetSecret,
                 op::RemoveSecret, op::OpenSession, op::EnsureDatabase, op::AdoptDatabase,
                 op::EnsureUser, op::LockUser, op::DropUser, op::EnsureOperator, op::Audit, op::Log,
                 op::PutRecord, op::ForgetRecord, op::SetCleanup, op::ClearCleanup,
                 op::SetSweepPending>;

/// What one operation did. Only server operations fail as an outcome; a hook tool that fails
/// fails the hook (Juju retries it), as it always did.
struct Outcome {
  std::optional<ServerFailure> failure;
  std::string value;  ///< AddSecret: the URI
  bool ok() const { return !failure; }
};

/// One line that says what `operation` is, for logs and test messages: names, ids and keys,
/// never a value that may be secret.
std::string Describe(const Operation& operation);

}  // namespace grantor::charms
