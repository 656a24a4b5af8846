#pragma once
// An in-memory grantor::db::Engine that obeys the same contract as the PostgreSQL and MariaDB
// engines (tests/contract/engine_contract.hpp runs against all three). Charm unit tests use it
// to observe what the charm asked for and to simulate a server that is down.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "grantor/core/naming.hpp"
#include "grantor/db/engine.hpp"

namespace grantor::testing {

class FakeEngine : public db::Engine {
 public:
  using SessionId = int;

  /// Prefix of the grantor application the engine acts for until ActAs() says otherwise.
  static constexpr const char* kDefaultPrefix = "grantor_fake_";

  /// `dialect` selects the name rules (and the flavour Server() reports). Until ActAs() is
  /// called, calls act as a superuser for the application kDefaultPrefix.
  explicit FakeEngine(core::Dialect dialect = core::Dialect::kPostgres);

  /// Who the next calls act as, the way a connection logs in: `user` (a superuser when it was
  /// created with ExtraRole::kSuperuser or is an operator made with superuser) for the grantor
  /// application `instance_prefix`. EngineProxy calls this before every forwarded call.
  void ActAs(const std::string& user, const std::string& instance_prefix);

  // --- db::Engine ------------------------------------------------------------------------
  db::ServerInfo Server() override;
  db::DatabaseStatus InspectDatabase(const std::string& name) override;
  void EnsureDatabase(const std::string& name) override;
  void AdoptDatabase(const std::string& name) override;
  bool DatabaseExists(const std::string& name) override;
  void EnsureUser(const db::UserSpec& spec) override;
  void SetPassword(const std::string& user, const std::string& password) override;
  void DropUser(const std::string& name) override;
  bool UserExists(const std::string& name) override;
  std::vector<std::string> ListUsers(const std::string& prefix) override;
  void EnsureOperator(const db::OperatorSpec& spec) override;
  std::optional<std::string> OperatorDrift(bool superuser) override;

  /// A database someone else created (the "payroll" of a shared server), with one table.
  void AddForeignDatabase(const std::string& name, const std::string& table = "",
                          const std::vector<std::string>& rows = {});
  /// Whether `user` is an operator account and, if so, whether it is superuser.
  std::optional<bool> OperatorIsSuperuser(const std::string& user) const;
  /// Gives operator `user` superuser behind the charm's back (an account made by an older
  /// release, or by hand).
  void MakeOperatorSuperuser(const std::string& user) { operators_[user] = true; }

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
  /// The prefix of the application that manages `database` ("" for a foreign one).
  std::optional<std::string> ManagerOf(const std::string& database) const;
  /// The rows of `table` in `database`, as the server's superuser reads them (sorted).
  std::vector<std::string> TableRows(const std::string& database, const std::string& table) const;
  /// Whether the application `instance_prefix` adopted `database`.
  bool IsAdoptedBy(const std::string& database, const std::string& instance_prefix) const;
  /// Every Engine call in order, as "<Method> <first name argument>" (never a password).
  const std::vector<std::string>& calls() const { return calls_; }
  int open_sessions() const;

 private:
  struct Database {
    std::string managed_by;             // instance prefix; "" for a foreign database
    std::set<std::string> adopted_by;   // instance prefixes
    std::map<std::string, std::vector<std::string>> tables;
  };
  struct Session {
    std::string user;
    std::string database;
    bool alive = true;
  };

  void Enter(const std::string& call);
  db::ServerInfo Info() const;
  bool ActingAsSuperuser() const;
  void RequireSuperuser(const std::string& what) const;
  const Session& LiveSession(SessionId session) const;
  bool MayUse(const db::UserSpec& user, const std::string& database) const;
  Database& UsableDatabase(SessionId session, const std::string& database);

  core::Dialect dialect_;
  std::string acting_user_;
  std::string acting_prefix_ = kDefaultPrefix;
  std::map<std::string, bool> operators_;  // operator account -> superuser
  bool down_ = false;
  std::optional<db::ErrorKind> fail_next_;
  std::map<std::string, Database> databases_;
  std::map<std::string, db::UserSpec> users_;
  std::map<SessionId, Session> sessions_;
  SessionId next_session_ = 1;
  std::vector<std::string> calls_;
};

}  // namespace grantor::testing
