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
/// (`allowed-extra-user-roles`), and hands the engine this typed set. The engine gives a role
/// only when the server-side functions installed by EnsureOperator were told it is grantable
/// (OperatorSpec::grantable): a leaked operator password cannot widen the policy.
///
/// PostgreSQL:
///   kCreateDb   -> role attribute CREATEDB.
///   kCreateRole -> role attribute CREATEROLE (refused on PostgreSQL 15 and older, where it
///                  reaches every non-superuser role: core::UnsafeRoleReason).
///   kSuperuser  -> role attribute SUPERUSER (the admin account that owns the server-side
///                  functions must be superuser; the operator never is).
///   kAdmin      -> CREATEDB, and membership in the group role of every database recorded as
///                  owned by UserSpec::application (managed or adopted for it): the requiring
///                  application's own databases, nothing server-wide.
/// MariaDB / MySQL:
///   kCreateDb   -> CREATE ON *.* (MySQL has no "create databases only" privilege).
///   kSuperuser  -> ALL PRIVILEGES ON *.* WITH GRANT OPTION (the admin that defines the
///                  procedures must hold it).
///   kCreateRole, kAdmin -> refused (core::UnsafeRoleReason).
enum class ExtraRole { kCreateDb, kCreateRole, kSuperuser, kAdmin };
using ExtraRoles = std::set<ExtraRole>;

/// The application a database was made for (or adopted for): the requirer whose relation caused
/// it, as the grantor application sees it (its model's UUID and the remote application's name).
/// Recorded on the server next to the database, so that any unit, leader or release finds it.
struct DatabaseOwner {
  std::string model_uuid;
  std::string app;
  bool operator==(const DatabaseOwner&) const = default;
};

/// The desired state of one login user (option struct).
struct UserSpec {
  std::string name;
  std::string password;  ///< Secret. Never logged, never in an error message.
  /// The database the user works in; it must be managed or adopted by this grantor application
  /// (EnsureDatabase / AdoptDatabase): kNotFound otherwise. Which requirer may use which
  /// database (owner, share-databases) is the charm's decision, made before this call.
  /// PostgreSQL: the user becomes an INHERIT member of the database's group role
  /// (core::PostgresGroupRole), which owns a managed database and holds CONNECT and TEMPORARY on
  /// an adopted one (plus its own schema there). A user without extra roles also gets
  /// `ALTER ROLE u IN DATABASE db SET role = <group role>`, so every object it creates is owned
  /// by the group role and is usable by the next user at once. MariaDB: the data and schema
  /// privileges on `db`.* (no GRANT OPTION).
  /// std::nullopt: a user with no database access of its own (only its extra roles).
  std::optional<std::string> database;
  ExtraRoles extra_roles;
  /// The requiring application the user is for; kAdmin reaches that application's databases.
  DatabaseOwner application;
};

enum class Flavour { kPostgres, kMariaDb, kMySql };

/// Who a database belongs to, as the server records it (see Engine::InspectDatabase).
enum class DatabaseStatus {
  kAbsent,   ///< no database of that name
  kManaged,  ///< created by this grantor application (possibly half-way through its set-up)
  kAdopted,  ///< made by someone else and handed to this grantor application (AdoptDatabase)
  kForeign,  ///< exists and is neither: the operator's to hand out (config adopt-databases)
};

/// What the server records about one database.
struct DatabaseInfo {
  DatabaseStatus status = DatabaseStatus::kAbsent;
  /// For kManaged / kAdopted: the requirer it was made or adopted for. std::nullopt when no
  /// owner is recorded (a database made by a grantor release that did not record owners, or
  /// adopted before any application asked for it): the first EnsureDatabase / AdoptDatabase
  /// with an owner records it.
  std::optional<DatabaseOwner> owner;
  bool operator==(const DatabaseInfo&) const = default;
};

/// The charm's own account on the server ("operator"), created and kept in shape by the admin
/// account. It holds nothing that reaches beyond what this grantor application manages
/// (docs/security.md has the table per engine): every privileged operation (create, change,
/// lock or drop a relation user; finish a database it created; record owners) goes through
/// server-side functions (PostgreSQL SECURITY DEFINER functions in the maintenance database,
/// MariaDB/MySQL SQL SECURITY DEFINER procedures in the bookkeeping database) that the admin
/// account installs and owns, that accept only names of this application's namespace, databases
/// it manages or adopted, and the roles of `grantable`, and on which the operator holds EXECUTE.
struct OperatorSpec {
  std::string name;
  /// The password to set; std::nullopt keeps the current one (the account must exist then).
  std::optional<std::string> password;  ///< Secret. Never logged, never in an error message.
  /// The extra roles the server-side functions may give relation users (the policy's
  /// allowed-extra-user-roles). kSuperuser needs an admin that holds it itself.
  ExtraRoles grantable;
};

/// The version of the server-side functions this build installs and expects. Raised whenever
/// their definition changes; EnsureOperator installs exactly this version.
inline constexpr int kServerApiVersion = 1;

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
/// - It works the same logged in as the operator (every privileged step through the
///   server-side functions) or as the admin account (which may also do what the functions
///   cannot: AdoptDatabase, EnsureOperator, and clean-ups in databases the operator cannot
///   reach). Logged in as the operator, the engine checks before the first server-side function
///   call of its session that the functions are those of kServerApiVersion, unaltered: if not,
///   that call throws DbError{kNeedsRepair} and nothing is changed.
/// - Every operation validates every name with grantor::core::naming *before* any SQL is sent
///   and throws DbError{kInvalidName} for a name outside the allow-list; nothing is changed then.
/// - Every mutating operation is idempotent: Juju retries hooks, so running it again after a
///   success (or after a failure half-way) converges to the same state.
/// - Failures are DbError (errors.hpp). kConnection means "retry later" and leaves the engine
///   usable: the next call reconnects. Messages name the real cause (the object, the database)
///   and never a password.
/// - Sessions never trust the tenant's objects: PostgreSQL sessions and functions run with
///   search_path pg_catalog and qualify what they call.
/// - Not thread-safe: use one engine per thread.
class Engine {
 public:
  virtual ~Engine() = default;

  /// Flavour and version of the server (`version` is what the charm publishes). Throws
  /// kConnection.
  virtual ServerInfo Server() = 0;

  /// Whether database `name` is absent, managed or adopted by this application (and for which
  /// requirer), or someone else's. PostgreSQL: managed when owned by this application's group
  /// role for it (core::PostgresGroupRole) or, half-way through its creation, by the operator;
  /// owners and adoptions are recorded in this application's bookkeeping table in the
  /// maintenance database, which only the server-side functions write. MariaDB: the bookkeeping
  /// table `<instance_prefix>meta`.`databases`. Read-only. Throws kInvalidName.
  virtual DatabaseInfo InspectDatabase(const std::string& name) = 0;

  /// Creates database `name` for `owner` when absent, or finishes the set-up of one this
  /// application manages; never drops or alters data. The owner is recorded when the database
  /// is created, or when a managed database has none recorded yet; a recorded owner is never
  /// changed. PostgreSQL: the database is created by the operator (CREATEDB), then a server-side
  /// function makes its group role, revokes CONNECT and TEMPORARY from PUBLIC, records it, and
  /// last hands it to the group role (the mark of a finished set-up). MariaDB: recorded, then
  /// created, by a procedure. A foreign or adopted database is kAlreadyExists and nothing is
  /// changed. Reserved names (postgres, template0/1, grantor_*; mysql, sys, information_schema,
  /// performance_schema) are kInvalidName. Idempotent.
  virtual void EnsureDatabase(const std::string& name, const DatabaseOwner& owner) = 0;

  /// Hands an existing database the operator chose (config adopt-databases) to this
  /// application's relation users, for `owner`, without changing its owner or any object in it.
  /// PostgreSQL: the database's group role gets CONNECT and TEMPORARY on it and a schema of its
  /// own (named after the group role, owned by it), never CREATE on the database or on a schema
  /// others resolve names through; recorded as adopted for `owner` (an owner already recorded
  /// stays). That needs rights over the database: the charm calls it on an engine logged in as
  /// the admin. MariaDB: recorded as adopted. kNotFound when the database does not exist;
  /// kAlreadyExists when this application manages it. Idempotent.
  virtual void AdoptDatabase(const std::string& name, const DatabaseOwner& owner) = 0;

  /// True if database `name` exists. Throws kInvalidName for an invalid name.
  virtual bool DatabaseExists(const std::string& name) = 0;

  /// Makes login user `spec.name` exist with exactly `spec.password`, access to `spec.database`
  /// and exactly the privileges of `spec.extra_roles` (roles not listed are taken away), and
  /// able to log in (a user left locked by an earlier LockUser is unlocked).
  /// Creates the user when absent, otherwise updates it in place (same name, new password:
  /// existing sessions stay open, new logins need the new password).
  /// `spec.database`, when set, must exist and be managed or adopted: kNotFound otherwise.
  /// A role that is not grantable (OperatorSpec::grantable) or not safe on this server
  /// (core::UnsafeRoleReason) is kAccessDenied, before anything changes.
  /// Idempotent: a second call with the same spec changes nothing observable.
  virtual void EnsureUser(const UserSpec& spec) = 0;

  /// Sets the password of an existing user. kNotFound if the user does not exist.
  virtual void SetPassword(const std::string& user, const std::string& password) = 0;

  /// Revocation, first step: user `name` can no longer log in (PostgreSQL NOLOGIN / MariaDB
  /// ACCOUNT LOCK), and every session it has open is ended before this returns. Succeeds
  /// whatever the user or anyone else did on the server (objects owned, privileges received,
  /// database settings, DEFINER objects): it changes only the account itself and its sessions.
  /// Needs no admin account. Absent user: success. Idempotent.
  virtual void LockUser(const std::string& name) = 0;

  /// Revocation, second step (LockUser first, again, so it is safe to call alone): cleans up and
  /// drops user `name`.
  ///   PostgreSQL: databases the user owns (made with CREATEDB) are handed to a group role of
  ///   their own and recorded as managed for the owner of the user's database; in every
  ///   database where it owns objects or holds privileges (pg_shdepend), REASSIGN OWNED BY name
  ///   TO this application's group role of that database, or, where the application has none (a
  ///   database it neither manages nor adopted), DROP OWNED: objects outside its own databases
  ///   are dropped, not kept. A REASSIGN that fails is followed by DROP OWNED. A database the
  ///   engine's account cannot connect to is skipped while the others are still cleaned; then
  ///   DbError names it ("holds privileges in database "x", which <account> cannot connect
  ///   to"). Nothing is ever handed to the operator or any other privileged account.
  ///   MariaDB/MySQL: stored objects whose DEFINER is the user (views, routines, triggers,
  ///   events) are re-pointed at this application's locked owner account of their database
  ///   (engine logged in as the admin), so that DROP USER succeeds on MySQL 8.0.22+ and they
  ///   never run as a later account of the same name; the operator alone drops the user when it
  ///   defines nothing, else DbError names the objects.
  /// Data in managed and adopted databases is kept. Absent user: success (idempotent).
  /// On failure the user stays locked.
  virtual void DropUser(const std::string& name) = 0;

  /// True if user (PostgreSQL role / MariaDB account 'name'@'%') `name` exists.
  virtual bool UserExists(const std::string& name) = 0;

  /// Names of users whose name starts with `prefix`, sorted ascending. PostgreSQL lists login
  /// and non-login roles alike (a user whose DropUser failed half-way is NOLOGIN and must still
  /// be found to be dropped again); group and admin roles are listed too (callers tell relation
  /// users by their names). `prefix` must itself be a valid name prefix (kInvalidName) and may
  /// be empty (every user).
  virtual std::vector<std::string> ListUsers(const std::string& prefix) = 0;

  /// Needs the admin account. Installs (or upgrades to kServerApiVersion, or repairs) this
  /// application's server-side functions and bookkeeping, records `spec.grantable`, and creates
  /// or alters the operator account to exactly the documented least privileges: anything beyond
  /// them is taken away (an operator made by an older release with CREATEROLE, superuser or
  /// global privileges is brought down), missing ones granted. kNotFound when `spec.password` is
  /// unset and the account does not exist. kAccessDenied when the admin cannot install what
  /// `spec` needs (e.g. kSuperuser grantable but the admin is not superuser).
  virtual void EnsureOperator(const OperatorSpec& spec) = 0;

  /// Run as the operator itself: how its account and the server-side functions differ from what
  /// EnsureOperator installs for `grantable`, as a short text ("holds CREATEROLE", "function
  /// ensure_user altered", "functions are version 0, expected 1", "may grant superuser"), or
  /// std::nullopt when they match exactly. Read-only.
  virtual std::optional<std::string> OperatorDrift(const ExtraRoles& grantable) = 0;
};

using EnginePtr = std::unique_ptr<Engine>;

}  // namespace grantor::db
