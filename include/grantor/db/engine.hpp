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
/// relation's free text against its allow-list and hands the engine this typed set.
///
/// PostgreSQL:
///   kCreateDb   -> role attribute CREATEDB.
///   kCreateRole -> role attribute CREATEROLE.
///   kSuperuser  -> role attribute SUPERUSER.
///   kAdmin      -> membership in the NOLOGIN role `grantor_admin` (granted pg_read_all_data
///                  and pg_write_all_data; EnsureDatabase gives it CONNECT, TEMP on every
///                  database grantor manages) plus CREATEDB: read/write every table of every
///                  managed database and create databases, without being superuser. This is
///                  the Canonical charm's `admin` (IN ROLE admin CREATEDB).
/// MariaDB / MySQL (global privileges, ON *.*):
///   kCreateDb   -> CREATE (MySQL has no "create databases only" privilege: CREATE ON *.* also
///                  lets the user create tables in databases it can otherwise not read).
///   kCreateRole -> CREATE USER (MySQL 8 additionally CREATE ROLE, DROP ROLE).
///   kSuperuser  -> ALL PRIVILEGES WITH GRANT OPTION (the mysql-root relation's grant set).
///   kAdmin      -> every data and schema privilege on every database (SELECT, INSERT, UPDATE,
///                  DELETE, CREATE, DROP, INDEX, ALTER, REFERENCES, CREATE TEMPORARY TABLES,
///                  LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE,
///                  EVENT, TRIGGER, SHOW DATABASES) and no server administration (no SUPER,
///                  FILE, PROCESS, SHUTDOWN, CREATE USER, GRANT OPTION).
enum class ExtraRole { kCreateDb, kCreateRole, kSuperuser, kAdmin };
using ExtraRoles = std::set<ExtraRole>;

/// The desired state of one login user (option struct).
struct UserSpec {
  std::string name;
  std::string password;  ///< Secret. Never logged, never in an error message.
  /// The database the user works in. PostgreSQL: the user becomes a member of the database's
  /// owner role (see Engine::EnsureDatabase) with CONNECT, CREATE, TEMP on the database. A user
  /// without extra roles also gets `ALTER ROLE u IN DATABASE db SET role = <owner>`, so every
  /// object it creates is owned by the owner role and is usable by the next user at once. A
  /// user with extra roles keeps its own identity in its sessions (SET ROLE would disable
  /// CREATEDB/SUPERUSER/admin membership); what it creates is handed to the owner role when the
  /// user is dropped (REASSIGN OWNED). MariaDB: ALL PRIVILEGES ON `db`.*.
  /// std::nullopt: a user with no database access of its own (only its extra roles).
  std::optional<std::string> database;
  ExtraRoles extra_roles;
};

enum class Flavour { kPostgres, kMariaDb, kMySql };

struct ServerInfo {
  Flavour flavour = Flavour::kPostgres;
  /// Short version as published to clients: "15.6", "10.11.6", "8.0.36".
  std::string version;
  /// What the server says about itself (SELECT version()).
  std::string banner;
};

/// Contract shared by all implementations:
/// - Every operation validates every name with grantor::core::naming *before* any SQL is sent
///   and throws DbError{kInvalidName} for a name outside the allow-list; nothing is changed then.
/// - Every mutating operation is idempotent: Juju retries hooks, so running it again after a
///   success (or after a failure half-way) converges to the same state.
/// - Failures are DbError (errors.hpp). kConnection means "retry later" and leaves the engine
///   usable: the next call reconnects.
/// - Not thread-safe: use one engine per thread.
class Engine {
 public:
  virtual ~Engine() = default;

  /// Flavour and version of the server. Throws kConnection.
  virtual ServerInfo Server() = 0;
  /// Server().version; what the charm publishes as `version`.
  std::string ServerVersion() { return Server().version; }

  /// Creates database `name` if it does not exist; never drops or alters data. PostgreSQL also
  /// ensures the database's NOLOGIN owner role (core::DatabaseOwnerRole(name)), makes it own the
  /// database and its `public` schema, and revokes the database's default PUBLIC privileges
  /// (CONNECT, TEMP), so only members of the owner role, of grantor_admin (ExtraRole::kAdmin)
  /// and superusers can use it.
  /// Reserved names (postgres, template0/1; mysql, sys, information_schema,
  /// performance_schema) are kInvalidName. Idempotent.
  virtual void EnsureDatabase(const std::string& name) = 0;

  /// True if database `name` exists. Throws kInvalidName for an invalid name.
  virtual bool DatabaseExists(const std::string& name) = 0;

  /// Makes login user `spec.name` exist with exactly `spec.password`, access to `spec.database`
  /// and exactly the privileges of `spec.extra_roles` (roles not listed are taken away).
  /// Creates the user when absent, otherwise updates it in place (same name, new password:
  /// existing sessions stay open, new logins need the new password).
  /// `spec.database`, when set, must exist: kNotFound otherwise (call EnsureDatabase first).
  /// Idempotent: a second call with the same spec changes nothing observable.
  virtual void EnsureUser(const UserSpec& spec) = 0;

  /// Sets the password of an existing user. kNotFound if the user does not exist.
  virtual void SetPassword(const std::string& user, const std::string& password) = 0;

  /// Removes user `name` so that it can neither log in nor keep working:
  ///   1. blocks new logins (PostgreSQL NOLOGIN / MariaDB ACCOUNT LOCK);
  ///   2. terminates every open session of the user;
  ///   3. PostgreSQL: in every database where it owns objects or holds privileges,
  ///      REASSIGN OWNED BY name TO the database's owner role (or to the admin when the
  ///      database has none), then DROP OWNED BY name;
  ///   4. drops the user.
  /// Data in the user's database is kept. Absent user: success (idempotent).
  virtual void DropUser(const std::string& name) = 0;

  /// True if user (PostgreSQL role / MariaDB account 'name'@'%') `name` exists.
  virtual bool UserExists(const std::string& name) = 0;

  /// Names of users whose name starts with `prefix`, sorted ascending. PostgreSQL lists login
  /// and non-login roles alike (a user whose DropUser failed half-way is NOLOGIN and must still
  /// be found to be dropped again); grantor's owner roles are named grantor_owner_* and never
  /// match a relation prefix. `prefix` must itself be a valid name prefix (kInvalidName) and
  /// may be empty (every user).
  virtual std::vector<std::string> ListUsers(const std::string& prefix) = 0;
};

using EnginePtr = std::unique_ptr<Engine>;

}  // namespace grantor::db
