#pragma once
// An in-memory grantor::db::Engine that obeys the same contract as the PostgreSQL and MariaDB
// engines (tests/contract/engine_contract.hpp runs against all three). Charm unit tests use it
// to observe what the charm asked for and to simulate a server that is down.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grantor/core/naming.hpp"
#include "grantor/db/engine.hpp"

namespace grantor::testing {

class FakeEngine : public db::Engine {
 public:
  using SessionId = int;

  /// `dialect` selects the name rules (and the flavour Server() reports).
  explicit FakeEngine(core::Dialect dialect = core::Dialect::kPostgres);

  // --- db::Engine ------------------------------------------------------------------------
  db::ServerInfo Server() override;
  void EnsureDatabase(const std::string& name) override;
  bool DatabaseExists(const std::string& name) override;
  void EnsureUser(const db::UserSpec& spec) override;
  void SetPassword(const std::string& user, const std::string& password) override;
  void DropUser(const std::string& name) override;
  bool UserExists(const std::string& name) override;
  std::vector<std::string> ListUsers(const std::string& prefix) override;

  // --- simulation ------------------------------------------------------------------------
  /// While down, every Engine method and every session operation throws DbError{kConnection}.
  void SetServerDown(bool down) { down_ = down; }
  bool server_down() const { return down_; }
  /// The next Engine call (any method) throws DbError{kind} once, before doing anything.
  void FailNextCall(db::ErrorKind kind) { fail_next_ = kind; }

  /// Whether `user` could log in to `database` with `password` right now: the server is up, the
  /// user exists with that password, and it may connect to the database (its own database, or
  /// any database with kAdmin / kSuperuser).
  bool Login(const std::string& user, const std::string& password,
             const std::string& database) const;
  /// Opens a session as a real client would; throws DbError{kConnection} when Login() is false.
  SessionId OpenSession(const std::string& user, const std::string& password,
                        const std::string& database);
  /// False once the session's user was dropped (sessions are terminated on DropUser).
  bool SessionAlive(SessionId session) const;

  /// Minimal data model for "data survives user rotation": tables of string rows, per
  /// database. Throw DbError{kConnection} for a dead session or a down server,
  /// DbError{kAccessDenied} when the session's user may not touch the database,
  /// DbError{kAlreadyExists}/{kNotFound} for the table.
  void CreateTable(SessionId session, const std::string& table);
  void InsertRow(SessionId session, const std::string& table, const std::string& value);
  std::vector<std::string> SelectRows(SessionId session, const std::string& table,
                                      const std::string& database = "");
  /// Creates an (unmanaged) database through a session: needs kCreateDb, kAdmin or kSuperuser.
  void CreateDatabaseAs(SessionId session, const std::string& database);

  // --- inspection ------------------------------------------------------------------------
  bool HasDatabase(const std::string& name) const { return databases_.contains(name); }
  bool HasUser(const std::string& name) const { return users_.contains(name); }
  /// The stored spec of `user` (password included); std::nullopt when absent.
  std::optional<db::UserSpec> GetUser(const std::string& user) const;
  /// PostgreSQL dialect: the owner role of `database` (core::DatabaseOwnerRole) once ensured.
  std::optional<std::string> OwnerRoleOf(const std::string& database) const;
  /// Every Engine call in order, as "<Method> <first name argument>" (never a password).
  const std::vector<std::string>& calls() const { return calls_; }
  int open_sessions() const;

 private:
  struct Database {
    std::string owner_role;
    std::map<std::string, std::vector<std::string>> tables;
  };
  struct Session {
    std::string user;
    std::string database;
    bool alive = true;
  };

  void Enter(const std::string& call);
  const Session& LiveSession(SessionId session) const;
  bool MayUse(const db::UserSpec& user, const std::string& database) const;
  Database& UsableDatabase(SessionId session, const std::string& database);

  core::Dialect dialect_;
  bool down_ = false;
  std::optional<db::ErrorKind> fail_next_;
  std::map<std::string, Database> databases_;
  std::map<std::string, db::UserSpec> users_;
  std::map<SessionId, Session> sessions_;
  SessionId next_session_ = 1;
  std::vector<std::string> calls_;
};

}  // namespace grantor::testing
