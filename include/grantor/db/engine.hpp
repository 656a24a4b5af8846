#pragma once
// The one port to a database server: ensure databases, ensure/drop relation users. One interface,
// several backends (PostgreSQL, MariaDB/MySQL, the in-memory FakeEngine), one contract suite
// (tests/contract/engine_contract.hpp) that every backend must pass.

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "grantor/db/config.hpp"
#include "grantor/db/errors.hpp"

namespace grantor::db {

/// Extra privileges a relation may request ("extra-user-roles"). The charm validates the
/// relation's free text against its allow-list and the operator's policy
/// (`allowed-extra-user-roles`), and hands the engine this typed set.
///
/// PostgreSQL:
///   kCreateDb   -> role attribute CREATEDB.
///   kCreateRole -> role attribute CREATEROLE (refused by the policy on PostgreSQL 15 and older,
///                  where it reaches every non-superuser role: core::UnsafeRoleReason).
///   kSuperuser  -> role attribute SUPERUSER (the operator must be superuser to give it).
///   kAdmin      -> membership in the application's NOLOGIN admin role
///                  (core::PostgresAdminRole: pg_read_all_data and pg_write_all_data, CONNECT and
///                  TEMPORARY on every database the application manages) plus CREATEDB.
/// MariaDB / MySQL (global privileges, ON *.*):
///   kCreateDb   -> CREATE (MySQL has no "create databases only" privilege: CREATE ON *.* also
///                  lets the user create tables in databases it can otherwise not read).
///   kSuperuser  -> ALL PRIVILEGES WITH GRANT OPTION (the operator must hold it to give it).
///   kCreateRole, kAdmin -> refused by the policy (core::UnsafeRoleReason): CREATE USER reaches
///                  every account of the server, and global data privileges reach the grant
///                  tables of the `mysql` schema.
enum class ExtraRole { kCreateDb, kCreateRole, kSuperuser, kAdmin };
using ExtraRoles = std::set<ExtraRole>;

/// The desired state of one login user (option struct).
struct UserSpec {
  std::string name;
  std::string password;  ///< Secret. Never logged, never in an error message.
  /// The database the user works in; it must be managed by this application (EnsureDatabase)
  /// or adopted (AdoptDatabase). PostgreSQL: the user becomes an INHERIT member of the
  /// database's group role (core::PostgresGroupRole), which owns a managed database and holds
  /// CONNECT, CREATE, TEMPORARY on an adopted one. A user without extra roles also gets
  /// `ALTER ROLE u IN DATABASE db SET role = <group role>`, so every object it creates is owned
  /// by the group role and is usable by the next user at once. A user with extra roles keeps
  /// its own identity in its sessions (SET ROLE would disable CREATEDB/SUPERUSER/admin
  /// membership); what it creates is handed to the group role when the user is dropped
  /// (REASSIGN OWNED). MariaDB: the data and schema privileges on `db`.* (no GRANT OPTION).
  /// std::nullopt: a user with no database access of its own (only its extra roles).
  std::optional<std::string> database;
  ExtraRoles extra_roles;
};

enum class Flavour { kPostgres, kMariaDb, kMySql };

/// Who a database belongs to, as the server records it (see Engine::InspectDatabase).
enum class DatabaseStatus {
  kAbsent,   ///< no database of that name
  kManaged,  ///< created by this grantor application (possibly half-way through its set-up)
  kForeign,  ///< exists and was not created by this application: the operator's to hand out
};

/// The charm's own account on the server ("operator"), created and kept in shape by the
/// admin account: exactly the least privileges provisioning needs (docs/security.md lists them
/// per engine), plus superuser only while the policy lets relations have superuser.
struct OperatorSpec {
  std::string name;
  /// The password to set; std::nullopt keeps the current one (the account must exist then).
  std::optional<std::string> password;  ///< Secret. Never logged, never in an error message.
  bool superuser = false;
};

struct ServerInfo {
  Flavour flavour = Flavour::kPostgres;
  /// Short version as published to clients: "15.6", "10.11.6", "8.0.36".
  std::string version;
  /// What the server says about itself (SELECT version()).
  std::string banner;
};

/// Contract shared by all implementations:
/// - The engine acts for one grantor application, named by ConnectionConfig::instance_prefix
///   ("grantor_<tag>_"): what it creates on the server carries that prefix, and
///   InspectDatabase tells this application's databases from everybody else's.
/// - Every operation validates every name with grantor::core::naming *before* any SQL is sent
///   and throws DbError{kInvalidName} for a name outside the allow-list; nothing is changed then.
/// - Every mutating operation is idempotent: Juju retries hooks, so running it again after a
///   success (or after a failure half-way) converges to the same state.
/// - Failures are DbError (errors.hpp). kConnection means "retry later" and leaves the engine
///   usable: the next call reconnects.
/// - Sessions never trust the tenant's objects: PostgreSQL sessions run with search_path
///   pg_catalog and qualify what they call.
/// - Not thread-safe: use one engine per thread.
class Engine {
 public:
  virtual ~Engine() = default;

  /// Flavour and version of the server. Throws kConnection.
  virtual ServerInfo Server() = 0;
  /// Server().version; what the charm publishes as `version`.
  std::string ServerVersion() { return Server().version; }

  /// Whether database `name` is absent, managed by this application, or someone else's.
  /// PostgreSQL: managed when owned by this application's group role for it
  /// (core::PostgresGroupRole) or, half-way through its creation, by the engine's own account.
  /// MariaDB: managed when recorded so in this application's bookkeeping table
  /// `<instance_prefix>meta`.`databases`, which only grantor's operator can write.
  /// Read-only. Throws kInvalidName for an invalid name.
  virtual DatabaseStatus InspectDatabase(const std::string& name) = 0;

  /// Creates database `name` for this application when absent, or finishes the set-up of one it
  /// manages; never drops or alters data. PostgreSQL: the database is created by the engine's
  /// account, its group role made, CONNECT and TEMPORARY revoked from PUBLIC (granted to the
  /// application's admin role), and last the database handed to its group role (the mark of a
  /// finished set-up). MariaDB: the database is recorded in the bookkeeping table, then created.
  /// A foreign database (InspectDatabase) is kAlreadyExists and nothing is changed.
  /// Reserved names (postgres, template0/1, grantor_*; mysql, sys, information_schema,
  /// performance_schema) are kInvalidName. Idempotent.
  virtual void EnsureDatabase(const std::string& name) = 0;

  /// Gives this application's relation users a way into an existing database the operator
  /// chose to hand out (config adopt-databases), without changing its owner or any object in
  /// it. PostgreSQL: the database's group role gets CONNECT, CREATE and TEMPORARY on it and
  /// USAGE and CREATE on its `public` schema; existing tables stay their owner's. That needs
  /// rights over the database, so the charm calls it on an engine logged in as the admin.
  /// MariaDB: the database is recorded as adopted in the bookkeeping table; nothing in it
  /// changes (users get privileges on the database itself).
  /// kNotFound when the database does not exist. Idempotent.
  virtual void AdoptDatabase(const std::string& name) = 0;

  /// True if database `name` exists. Throws kInvalidName for an invalid name.
  virtual bool DatabaseExists(const std::string& name) = 0;

  /// Makes login user `spec.name` exist with exactly `spec.password`, access to `spec.database`
  /// and exactly the privileges of `spec.extra_roles` (roles not listed are taken away).
  /// Creates the user when absent, otherwise updates it in place (same name, new password:
  /// existing sessions stay open, new logins need the new password).
  /// `spec.database`, when set, must exist and be managed or adopted: kNotFound otherwise.
  /// Idempotent: a second call with the same spec changes nothing observable.
  virtual void EnsureUser(const UserSpec& spec) = 0;

  /// Sets the password of an existing user. kNotFound if the user does not exist.
  virtual void SetPassword(const std::string& user, const std::string& password) = 0;

  /// Removes user `name` so that it can neither log in nor keep working:
  ///   1. blocks new logins (PostgreSQL NOLOGIN / MariaDB ACCOUNT LOCK);
  ///   2. terminates every open session of the user;
  ///   3. PostgreSQL: databases the user owns are handed to their group role (made when
  ///      missing); in every database where it owns objects or holds privileges,
  ///      REASSIGN OWNED BY name TO this application's group role of that database, or, where
  ///      the application has none, DROP OWNED; nothing is ever handed to the engine's own
  ///      account or any other privileged account;
  ///   4. drops the user.
  /// Data in managed and adopted databases is kept. Absent user: success (idempotent).
  virtual void DropUser(const std::string& name) = 0;

  /// True if user (PostgreSQL role / MariaDB account 'name'@'%') `name` exists.
  virtual bool UserExists(const std::string& name) = 0;

  /// Names of users whose name starts with `prefix`, sorted ascending. PostgreSQL lists login
  /// and non-login roles alike (a user whose DropUser failed half-way is NOLOGIN and must still
  /// be found to be dropped again); group and admin roles are listed too (callers tell relation
  /// users by their names). `prefix` must itself be a valid name prefix (kInvalidName) and may
  /// be empty (every user).
  virtual std::vector<std::string> ListUsers(const std::string& prefix) = 0;

  /// Creates or alters the charm's operator account to exactly `spec` (see OperatorSpec):
  /// privileges beyond the documented set are taken away, missing ones granted. Needs the admin
  /// account. kNotFound when `spec.password` is unset and the account does not exist.
  virtual void EnsureOperator(const OperatorSpec& spec) = 0;

  /// Run as the operator itself: what its account holds beyond or short of the set
  /// EnsureOperator gives for `superuser`, as a short text ("holds SUPERUSER"), or
  /// std::nullopt when it matches exactly. Read-only.
  virtual std::optional<std::string> OperatorDrift(bool superuser) = 0;
};

using EnginePtr = std::unique_ptr<Engine>;

}  // namespace grantor::db
