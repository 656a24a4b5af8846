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
  /// created with ExtraRole::kSuperuser, or an operator made superuser behind grantor's back)
  /// for the grantor application `instance_prefix`. EngineProxy calls this before every
  /// forwarded call. An operator works through the application's "server-side functions": only
  /// roles they were told are grantable, kNeedsRepair once they were tampered with.
  void ActAs(const std::string& user, const std::string& instance_prefix);

  // --- db::Engine ------------------------------------------------------------------------
  db::ServerInfo Server() override;
  db::DatabaseInfo InspectDatabase(const std::string& name) override;
  void EnsureDatabase(const std::string& name, const db::DatabaseOwner& owner) override;
  void AdoptDatabase(const std::string& name, const db::DatabaseOwner& owner) override;
  bool DatabaseExists(const std::string& name) override;
  void EnsureUser(const db::UserSpec& spec) override;
  void SetPassword(const std::string& user, const std::string& password) override;
  void LockUser(const std::string& name) override;
  void DropUser(const std::string& name) override;
  bool UserExists(const std::string& name) override;
  std::vector<std::string> ListUsers(const std::string& prefix) override;
  void EnsureOperator(const db::OperatorSpec& spec) override;
  std::optional<std::string> OperatorDrift(const db::ExtraRoles& grantable) override;

  /// A database someone else created (the "payroll" of a shared server), with one table.
  void AddForeignDatabase(const std::string& name, const std::string& table = "",
                          const std::vector<std::string>& rows = {});
  /// Whether `user` is an operator account and, if so, whether it is superuser.
  std::optional<bool> OperatorIsSuperuser(const std::string& user) const;
  /// Gives operator `user` superuser behind the charm's back (an account made by an older
  /// release, or by hand).
  void MakeOperatorSuperuser(const std::string& user) { operators_[user].superuser = true; }
  /// The roles the server-side functions of application `instance_prefix` may grant, when
  /// installed.
  std::optional<db::ExtraRoles> InstalledGrantable(const std::string& instance_prefix) const;
  /// Alters the server-side functions of `instance_prefix` (a careless DBA): the operator's
  /// calls then fail with kNeedsRepair until EnsureOperator runs again.
  void TamperWithServerApi(const std::string& instance_prefix);
  /// Makes DropUser(`user`) fail with DbError{kOther, `reason`} after locking it (objects the
  /// account cannot reach): every time, or only for operators when `admin_can_finish`.
  void BlockCleanup(const std::string& user, const std::string& reason, bool admin_can_finish);
  /// Whether `user` exists and is locked (LockUser, or a DropUser that failed).
  bool IsLocked(const std::string& user) const;

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
  /// The owner recorded for `database` by the application `instance_prefix`, if any.
  std::optional<db::DatabaseOwner> OwnerOf(const std::string& database,
                                           const std::string& instance_prefix) const;
  /// The rows of `table` in `database`, as the server's superuser reads them (sorted).
  std::vector<std::string> TableRows(const std::string& database, const std::string& table) const;
  /// Whether the application `instance_prefix` adopted `database`.
  bool IsAdoptedBy(const std::string& database, const std::string& instance_prefix) const;
  /// Every Engine call in order, as "<Method> <first name argument>" (never a password).
  const std::vector<std::string>& calls() const { return calls_; }
  int open_sessions() const;

 private:
  struct Database {
    std::string managed_by;  // instance prefix; "" for a foreign database
    std::optional<db::DatabaseOwner> owner;  // recorded by the managing application
    std::map<std::string, std::optional<db::DatabaseOwner>> adopted_by;  // by instance prefix
    std::map<std::string, std::vector<std::string>> tables;
  };
  struct User {
    db::UserSpec spec;
    bool locked = false;
  };
  struct Operator {
    std::string instance_prefix;
    bool superuser = false;
  };
  struct ServerApi {
    db::ExtraRoles grantable;
    bool intact = true;
  };
  struct Blocked {
    std::string reason;
    bool admin_can_finish = false;
  };
  struct Session {
    std::string user;
    std::string database;
    bool alive = true;
  };

  void Enter(const std::string& call);
  db::ServerInfo Info() const;
  bool ActingAsSuperuser() const;
  bool ActingAsOperator() const;
  void RequireSuperuser(const std::string& what) const;
  void RequireIntactApi() const;
  void RequireTenantName(const std::string& user) const;
  bool Reachable(const Database& database) const;
  const Session& LiveSession(SessionId session) const;
  bool MayUse(const User& user, const std::string& database) const;
  Database& UsableDatabase(SessionId session, const std::string& database);

  core::Dialect dialect_;
  std::string acting_user_;
  std::string acting_prefix_ = kDefaultPrefix;
  std::map<std::string, Operator> operators_;
  std::map<std::string, ServerApi> apis_;  // by instance prefix
  std::map<std::string, Blocked> blocked_cleanups_;
  bool down_ = false;
  std::optional<db::ErrorKind> fail_next_;
  std::map<std::string, Database> databases_;
  std::map<std::string, User> users_;
  std::map<SessionId, Session> sessions_;
  SessionId next_session_ = 1;
  std::vector<std::string> calls_;
};

}  // namespace grantor::testing
