// MariaDB / MySQL implementation of grantor::db::Engine over MariaDB Connector/C.
//
// Two ways of working, chosen by the account the engine logs in with:
// - as the application's operator ('<instance prefix>operator'@'%'), which holds nothing but
//   SELECT and EXECUTE on the bookkeeping database `<instance prefix>meta`: every read the
//   operator's privileges do not cover (other accounts, other databases) and every change goes
//   through the SQL SECURITY DEFINER routines the admin account installed there
//   (db/mysql/server_api.hpp), after one check per server session that they are exactly those
//   of this build (kNeedsRepair otherwise, before anything changes);
// - as the admin account (any other login): EnsureOperator installs the routines and brings the
//   operator down to its least privileges; AdoptDatabase records a hand-over; LockUser and
//   DropUser act directly, so that revocation never depends on the routines, and DropUser hands
//   the stored objects the user defines over to a locked definer account of their database
//   (the operator refuses to drop such a user); the other changes call the same routines.
//
// Accounts are always 'name'@'%'. Every name is validated before any SQL is built; literals are
// escaped by the connection, identifiers backtick-quoted (sql.hpp). Passwords travel as their
// mysql_native_password hash only.

#include <mysql.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "db/mysql/server_api.hpp"
#include "db/mysql/session.hpp"
#include "db/mysql/sql.hpp"
#include "grantor/core/access_policy.hpp"
#include "grantor/core/naming.hpp"
#include "grantor/db/mysql.hpp"
#include "grantor/db/validate.hpp"

namespace grantor::db::mysql {
namespace {

using core::Dialect;
constexpr Dialect kDialect = Dialect::kMySql;
constexpr unsigned int kUnknownThread = 1094;
constexpr unsigned int kUnknownDatabase = 1049;
constexpr unsigned int kNoSuchTable = 1146;
constexpr unsigned int kNoSuchRoutine = 1305;
constexpr unsigned int kExecuteDenied = 1370;
constexpr std::size_t kMaxUserLength = 32;
// The sql_mode the server API's routines are created with (and so run with): strict, and
// never NO_BACKSLASH_ESCAPES or ANSI_QUOTES, which would change how their SQL text reads.
constexpr std::string_view kApiSqlMode =
    "STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

std::string Join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; });
  return text;
}

// A stored object a user is the DEFINER of (a row of DefinedObjectsQuery).
struct StoredObject {
  std::string kind;  // VIEW, PROCEDURE, FUNCTION, PACKAGE, PACKAGE BODY, TRIGGER, EVENT
  std::string schema;
  std::string name;
  std::string sql_mode;
  std::string on_completion;  // events only
  std::string Label() const {
    std::string lower = kind;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
    return lower + " " + core::Printable(schema + "." + name);
  }
  std::string Qualified() const { return QuoteIdentifier(schema) + "." + QuoteIdentifier(name); }
};

// Restores the session's sql_mode when it goes out of scope, after a failure half-way too: the
// engine's own statements never run under a mode some tenant's object was made with. A session
// whose mode cannot be restored is closed (the next statement reconnects with the defaults).
class SqlModeScope {
 public:
  explicit SqlModeScope(Session& session)
      : session_(session),
        saved_(session.Query("SELECT @@SESSION.sql_mode", "read sql_mode").at(0).at(0)) {}
  ~SqlModeScope() {
    try {
      session_.Exec("SET SESSION sql_mode = " + session_.Literal(saved_), "restore sql_mode");
    } catch (const DbError&) {
      session_.Disconnect();
    }
  }
  SqlModeScope(const SqlModeScope&) = delete;
  SqlModeScope& operator=(const SqlModeScope&) = delete;

 private:
  Session& session_;
  std::string saved_;
};

class MariaDbEngine final : public Engine {
 public:
  explicit MariaDbEngine(const ConnectionConfig& config) : session_(config) {}

  ServerInfo Server() override;
  DatabaseInfo InspectDatabase(const std::string& name) override;
  void EnsureDatabase(const std::string& name, const DatabaseOwner& owner) override;
  void AdoptDatabase(const std::string& name, const DatabaseOwner& owner) override;
  bool DatabaseExists(const std::string& name) override;
  void EnsureUser(const UserSpec& spec) override;
  void SetPassword(const std::string& user, const std::string& password) override;
  void LockUser(const std::string& name) override;
  void DropUser(const std::string& name) override;
  bool UserExists(const std::string& name) override;
  std::vector<std::string> ListUsers(const std::string& prefix) override;
  void EnsureOperator(const OperatorSpec& spec) override;
  std::optional<std::string> OperatorDrift(const ExtraRoles& grantable) override;

 private:
  const std::string& prefix() const { return session_.config().instance_prefix; }
  // Logged in as this application's operator: work through the server API.
  bool AsOperator() const {
    return !prefix().empty() && session_.config().user == prefix() + "operator";
  }
  const ServerApi& Api();
  std::string Lit(std::string_view text) { return session_.Literal(text); }
  std::string Account(const std::string& user) { return Lit(user) + "@'%'"; }
  std::string Identified(const std::string& hash);

  // --- the server API ---------------------------------------------------------------------------
  std::vector<std::string> ApiProblems();
  void RequireApi();
  Rows CallApi(const std::string& sql, const std::string& what, std::string_view secret = {});
  std::string Call(std::string_view routine, const std::vector<std::string>& arguments);
  std::string ExistsExpression(const std::string& literal);

  // --- as the admin -----------------------------------------------------------------------------
  void RequireRelationUser(const std::string& name, std::string_view what) const;
  void EnsureBookkeeping();
  void InstallServerApi();
  void RecordGrantable(const ExtraRoles& grantable);
  void EnsureOperatorAccount(const OperatorSpec& spec);
  void RequireAdminHoldsAll();
  bool DirectUserExists(const std::string& name);
  void LockDirectly(const std::string& name);
  void KillSessions(const std::string& user);
  void HandOverDefinedObjects(const std::string& user);
  std::string DefinerAccount(const std::string& database, const std::string& id);
  void HandOver(const StoredObject& object, const std::string& user, const std::string& definer);
  void HandOverTrigger(const StoredObject& object, const std::string& definer,
                       const std::string& what);
  void SetSqlMode(const std::string& mode);

  Session session_;
  std::optional<ServerApi> api_;
  std::uint64_t api_checked_ = 0;  // the session generation whose API check passed; 0: none
};

const ServerApi& MariaDbEngine::Api() {
  if (!api_) {
    if (prefix().empty()) {
      throw DbError(ErrorKind::kInvalidName, "",
                    "the engine acts for no grantor application (no instance prefix)");
    }
    RequireUserPrefix(prefix(), kDialect);
    if (prefix().size() + std::string_view("operator").size() > kMaxUserLength) {
      throw DbError(ErrorKind::kInvalidName, "", "instance prefix '" + prefix() + "' is too long");
    }
    api_.emplace(prefix(), session_.flavour());
  }
  return *api_;
}

// MariaDB takes the hash as it is; MySQL 8 names the plugin it belongs to (mysql_native_password
// must be enabled there: docs/mysql.md).
std::string MariaDbEngine::Identified(const std::string& hash) {
  return session_.flavour() == Flavour::kMySql
             ? " IDENTIFIED WITH mysql_native_password AS " + Lit(hash)
             : " IDENTIFIED BY PASSWORD " + Lit(hash);
}

// --- the server API -----------------------------------------------------------------------------

// What differs from the routines this build installs; a connection failure throws.
std::vector<std::string> MariaDbEngine::ApiProblems() {
  const ServerApi& api = Api();
  try {
    const Rows rows = session_.Query(api.CheckQuery(), "check the server-side procedures");
    std::vector<std::string> problems = api.Problems(rows);
    if (problems.empty() || !ServerApi::DefinitionsDiffer(rows)) return problems;
    // Only when something differs: a second query names what.
    const Rows altered = session_.Query(api.AlteredQuery(), "check the server-side procedures");
    return api.Problems(rows, &altered);
  } catch (const DbError& error) {
    if (error.kind() == ErrorKind::kConnection) throw;
    return {std::string("server-side procedures missing or unreadable (") + error.what() + ")"};
  }
}

// Before the first routine call of each server session: one round trip.
void MariaDbEngine::RequireApi() {
  if (api_checked_ == session_.generation()) return;
  const std::vector<std::string> problems = ApiProblems();
  if (!problems.empty()) {
    throw DbError(ErrorKind::kNeedsRepair, "",
                  "the server-side procedures in " + Api().database() + " are not this build's: " +
                      Join(problems) + " (the admin account reinstalls them)");
  }
  api_checked_ = session_.generation();
}

// Runs a statement that calls the server API. A routine that disappeared or became unusable
// since the check is kNeedsRepair too.
Rows MariaDbEngine::CallApi(const std::string& sql, const std::string& what,
                            std::string_view secret) {
  RequireApi();
  try {
    if (secret.empty()) return session_.Query(sql, what);
    session_.Exec(sql, what, secret);
    return {};
  } catch (const DbError& error) {
    const std::string& code = error.native_code();
    if (code == std::to_string(kNoSuchRoutine) || code == std::to_string(kExecuteDenied) ||
        code == std::to_string(kNoSuchTable)) {
      throw DbError(ErrorKind::kNeedsRepair, code, error.what());
    }
    throw;
  }
}

// `meta`.`routine`(arguments...), the arguments already SQL.
std::string MariaDbEngine::Call(std::string_view routine, const std::vector<std::string>& arguments) {
  return Api().Qualified(routine) + "(" + Join(arguments) + ")";
}

// Whether database `literal` exists: the operator asks the API (it sees no other database).
std::string MariaDbEngine::ExistsExpression(const std::string& literal) {
  if (AsOperator()) return Call("database_exists", {literal});
  return "EXISTS (SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + literal +
         " AND CAST(SCHEMA_NAME AS BINARY) = CAST(" + literal + " AS BINARY))";
}

// --- reads --------------------------------------------------------------------------------------

ServerInfo MariaDbEngine::Server() {
  const Rows rows = session_.Query("SELECT VERSION()", "read server version");
  ServerInfo info;
  info.banner = rows.empty() || rows[0].empty() ? "" : rows[0][0];
  info.flavour =
      info.banner.find("MariaDB") != std::string::npos ? Flavour::kMariaDb : Flavour::kMySql;
  info.version = ShortVersion(info.banner);
  return info;
}

bool MariaDbEngine::DatabaseExists(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  const std::string sql = "SELECT " + ExistsExpression(Lit(name));
  const Rows rows = AsOperator() ? CallApi(sql, "look up database")
                                 : session_.Query(sql, "look up database");
  return !rows.empty() && rows[0][0] == "1";
}

DatabaseInfo MariaDbEngine::InspectDatabase(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  const std::string literal = Lit(name);
  const std::string exists = ExistsExpression(literal);
  const std::string sql = "SELECT " + exists +
                          ", d.kind, d.owner_model, d.owner_app FROM (SELECT 1 AS one) AS x"
                          " LEFT JOIN " + Api().Qualified("databases") + " d ON d.name = " +
                          literal;
  std::optional<Rows> rows;
  if (AsOperator()) {
    rows = CallApi(sql, "inspect database");
  } else {  // the admin of an application without bookkeeping yet: nothing recorded
    rows = session_.TryQuery(sql, "inspect database", {kNoSuchTable, kUnknownDatabase});
    if (!rows) rows = session_.Query("SELECT " + exists, "inspect database");
  }
  const std::vector<std::string>& row = rows->at(0);
  if (row[0] != "1") return {};
  const std::string kind = row.size() > 1 ? row[1] : "";
  std::optional<DatabaseOwner> owner;
  if (row.size() > 3 && (!row[2].empty() || !row[3].empty())) owner = DatabaseOwner{row[2], row[3]};
  if (kind == "managed") return {DatabaseStatus::kManaged, owner};
  if (kind == "adopted") return {DatabaseStatus::kAdopted, owner};
  return {DatabaseStatus::kForeign, std::nullopt};
}

bool MariaDbEngine::DirectUserExists(const std::string& name) {
  return !session_
              .Query("SELECT 1 FROM mysql.user WHERE Host = '%' AND CAST(User AS BINARY) = CAST(" +
                         Lit(name) + " AS BINARY)",
                     "look up user")
              .empty();
}

bool MariaDbEngine::UserExists(const std::string& name) {
  RequireUserName(name, kDialect);
  if (!AsOperator()) return DirectUserExists(name);
  const Rows rows = CallApi("SELECT " + Call("user_exists", {Lit(name)}), "look up user '" + name + "'");
  return !rows.empty() && rows[0][0] == "1";
}

std::vector<std::string> MariaDbEngine::ListUsers(const std::string& prefix) {
  RequireUserPrefix(prefix, kDialect);
  const std::string literal = Lit(prefix);
  const Rows rows =
      AsOperator()
          ? CallApi("CALL " + Call("list_users", {literal}), "list users")
          : session_.Query("SELECT DISTINCT User FROM mysql.user WHERE Host = '%' AND "
                           "CAST(LEFT(User, " + std::to_string(prefix.size()) +
                               ") AS BINARY) = CAST(" + literal + " AS BINARY)",
                           "list users");
  std::vector<std::string> users;
  for (const auto& row : rows) {
    if (core::IsValidUserName(row[0], kDialect)) users.push_back(row[0]);
  }
  std::sort(users.begin(), users.end());
  return users;
}

// --- databases and users ------------------------------------------------------------------------

void MariaDbEngine::EnsureDatabase(const std::string& name, const DatabaseOwner& owner) {
  RequireDatabaseName(name, kDialect);
  const DatabaseInfo info = InspectDatabase(name);
  if (info.status == DatabaseStatus::kManaged && info.owner) return;
  if (info.status == DatabaseStatus::kForeign || info.status == DatabaseStatus::kAdopted) {
    throw DbError(ErrorKind::kAlreadyExists, "1007",
                  "ensure database: database '" + name + "' exists and " +
                      (info.status == DatabaseStatus::kAdopted
                           ? "was adopted, not created, by this application"
                           : "is not managed by this application"));
  }
  CallApi("CALL " + Call("create_database", {Lit(name), Lit(owner.model_uuid), Lit(owner.app)}),
          "ensure database '" + name + "'");
}

// Nothing changes in the database itself; the record lets EnsureUser tell an adopted database
// from one nobody handed over.
void MariaDbEngine::AdoptDatabase(const std::string& name, const DatabaseOwner& owner) {
  RequireDatabaseName(name, kDialect);
  if (name == Api().database()) {
    throw DbError(ErrorKind::kInvalidName, "", "adopt database: '" + name + "' is the bookkeeping");
  }
  const DatabaseInfo info = InspectDatabase(name);
  switch (info.status) {
    case DatabaseStatus::kAbsent:
      throw DbError(ErrorKind::kNotFound, "1049",
                    "adopt database: database '" + name + "' does not exist");
    case DatabaseStatus::kManaged:
      throw DbError(ErrorKind::kAlreadyExists, "1007",
                    "adopt database: database '" + name + "' is managed by this application");
    case DatabaseStatus::kAdopted:
      if (info.owner) return;
      break;
    case DatabaseStatus::kForeign:
      break;
  }
  EnsureBookkeeping();
  const std::string literal = Lit(name);
  const std::string model = Lit(owner.model_uuid);
  const std::string app = Lit(owner.app);
  // A first owner is recorded; a recorded one stays; a managed record is never turned over.
  session_.Exec("INSERT INTO " + Api().Qualified("databases") +
                    " (name, kind, owner_model, owner_app) VALUES (" + literal + ", 'adopted', "
                    "NULLIF(" + model + ", ''), NULLIF(" + app + ", '')) ON DUPLICATE KEY UPDATE "
                    "owner_model = IF(kind = 'adopted' AND owner_model IS NULL AND owner_app IS NULL,"
                    " VALUES(owner_model), owner_model), "
                    "owner_app = IF(kind = 'adopted' AND owner_model IS NULL AND owner_app IS NULL,"
                    " VALUES(owner_app), owner_app)",
                "adopt database '" + name + "'");
}

// Defence in depth behind the charm's policy and the server API: roles that cannot be given
// safely here are refused before anything is sent.
void RefuseUnsafeRoles(const ExtraRoles& roles, Flavour flavour) {
  ServerInfo server;
  server.flavour = flavour;
  for (const ExtraRole role : roles) {
    if (auto reason = core::UnsafeRoleReason(role, server)) {
      throw DbError(ErrorKind::kAccessDenied, "", "ensure user: " + *reason);
    }
  }
}

void MariaDbEngine::EnsureUser(const UserSpec& spec) {
  RequireUserName(spec.name, kDialect);
  RequirePassword(spec.password);
  if (spec.database) RequireDatabaseName(*spec.database, kDialect);
  RefuseUnsafeRoles(spec.extra_roles, session_.flavour());
  const std::string hash = NativePasswordHash(spec.password);
  const std::string database = spec.database ? Lit(*spec.database) : "NULL";
  CallApi("CALL " + Call("ensure_user", {Lit(spec.name), Lit(hash), database,
                                         Lit(RoleList(spec.extra_roles))}),
          "ensure user '" + spec.name + "'" +
              (spec.database ? " in database '" + *spec.database + "'" : ""),
          hash);
}

// The account itself (the operator rotating its own password) needs no privilege: SET PASSWORD.
// MySQL 8 takes no hash there: the clear password, which its general log masks itself.
void MariaDbEngine::SetPassword(const std::string& user, const std::string& password) {
  RequireUserName(user, kDialect);
  RequirePassword(password);
  const std::string hash = NativePasswordHash(password);
  if (user == session_.config().user) {
    const bool mysql = session_.flavour() == Flavour::kMySql;
    session_.Exec("SET PASSWORD = " + Lit(mysql ? password : hash), "set password",
                  mysql ? std::string_view(password) : std::string_view(hash));
    return;
  }
  CallApi("CALL " + Call("set_password", {Lit(user), Lit(hash)}),
          "set password of '" + user + "'", hash);
}

// --- revocation ---------------------------------------------------------------------------------

void MariaDbEngine::RequireRelationUser(const std::string& name, std::string_view what) const {
  if (!core::IsTenantUserName(prefix(), name)) {
    throw DbError(ErrorKind::kAccessDenied, "",
                  std::string(what) + ": '" + name + "' is not a relation user of this application");
  }
}

void MariaDbEngine::KillSessions(const std::string& user) {
  const Rows rows =
      session_.Query("SELECT ID FROM information_schema.PROCESSLIST WHERE CAST(USER AS BINARY) = "
                     "CAST(" + Lit(user) + " AS BINARY) AND ID <> CONNECTION_ID()",
                     "list sessions");
  for (const auto& row : rows) {
    const std::string id = std::to_string(std::stoull(row[0]));  // digits only, by construction
    try {
      session_.Exec("KILL CONNECTION " + id, "kill session");
    } catch (const DbError& error) {
      if (error.native_code() != std::to_string(kUnknownThread)) throw;  // gone already: fine
    }
  }
}

void MariaDbEngine::LockDirectly(const std::string& name) {
  session_.Exec("ALTER USER IF EXISTS " + Account(name) + " ACCOUNT LOCK", "lock user '" + name + "'");
  KillSessions(name);
}

void MariaDbEngine::LockUser(const std::string& name) {
  RequireUserName(name, kDialect);
  if (AsOperator()) {
    // An absent user (a relation that was refused, or revoked already) costs one read and no
    // call that would change it.
    if (UserExists(name)) {
      CallApi("CALL " + Call("lock_user", {Lit(name)}), "lock user '" + name + "'");
    }
    return;
  }
  RequireRelationUser(name, "lock user");
  LockDirectly(name);
}

void MariaDbEngine::DropUser(const std::string& name) {
  RequireUserName(name, kDialect);
  if (AsOperator()) {
    if (UserExists(name)) {
      CallApi("CALL " + Call("drop_user", {Lit(name)}), "drop user '" + name + "'");
    }
    return;
  }
  RequireRelationUser(name, "drop user");
  LockDirectly(name);
  HandOverDefinedObjects(name);
  session_.Exec("DROP USER IF EXISTS " + Account(name), "drop user '" + name + "'");
}

// The stored objects `user` defines go to the locked definer account of their database when
// this application manages or adopted it, so that they keep working for the next user of that
// database and never run as a later account of the same name (and MySQL 8.0.22+ lets the user
// be dropped); elsewhere they are dropped. Tables are never touched.
void MariaDbEngine::HandOverDefinedObjects(const std::string& user) {
  const Rows rows = session_.Query(DefinedObjectsQuery(Lit(user + "@%")),
                                   "list the stored objects '" + user + "' defines");
  if (rows.empty()) return;
  std::map<std::string, std::string> ids;  // managed or adopted databases: name -> id
  if (auto recorded = session_.TryQuery("SELECT name, id FROM " + Api().Qualified("databases") +
                                            " WHERE kind IN ('managed', 'adopted')",
                                        "read the bookkeeping", {kNoSuchTable, kUnknownDatabase})) {
    for (const auto& row : *recorded) ids[row[0]] = row[1];
  }
  const SqlModeScope mode(session_);
  std::map<std::string, std::string> definers;  // database -> definer account, made once
  // A package body before its package: replacing a package drops its body (HandOver puts it
  // back), so the body is handed over first, on its own.
  std::vector<std::vector<std::string>> ordered = rows;
  std::stable_partition(ordered.begin(), ordered.end(),
                        [](const auto& row) { return row[0] == "PACKAGE BODY"; });
  for (const auto& row : ordered) {
    const StoredObject object{row[0], row[1], row[2], row[3], row[4]};
    const auto id = ids.find(object.schema);
    if (id == ids.end()) {
      session_.Exec("DROP " + object.kind + " IF EXISTS " + object.Qualified(),
                    "drop user '" + user + "': drop " + object.Label());
      continue;
    }
    auto definer = definers.find(object.schema);
    if (definer == definers.end()) {
      definer = definers.emplace(object.schema, DefinerAccount(object.schema, id->second)).first;
    }
    HandOver(object, user, definer->second);
  }
}

// '<prefix>def_<id>'@'localhost' of database `database` (its bookkeeping id): locked, with a
// password nobody knows, holding that database's privileges only. Returns it quoted for a
// DEFINER clause.
std::string MariaDbEngine::DefinerAccount(const std::string& database, const std::string& id) {
  const std::string name = prefix() + "def_" + id;
  if (name.size() > kMaxUserLength) {
    throw DbError(ErrorKind::kOther, "", "definer account name '" + name + "' is too long");
  }
  const std::string account = Lit(name) + "@'localhost'";
  const std::string hash = UnusablePasswordHash();
  session_.Exec("CREATE USER IF NOT EXISTS " + account + Identified(hash) + " ACCOUNT LOCK",
                "create definer account '" + name + "'", hash);
  session_.Exec("ALTER USER " + account + " ACCOUNT LOCK", "lock definer account '" + name + "'");
  session_.Exec("GRANT " + DatabasePrivilegeList() + " ON " + QuoteGrantDatabase(database) +
                    ".* TO " + account,
                "grant definer account '" + name + "'");
  return QuoteIdentifier(name) + "@`localhost`";
}

void MariaDbEngine::SetSqlMode(const std::string& mode) {
  session_.Exec("SET SESSION sql_mode = " + Lit(mode), "set sql_mode");
}

// Views: ALTER VIEW from SHOW CREATE VIEW. Events: ALTER DEFINER = ... EVENT (nothing else
// changes; ON COMPLETION is restated because ALTER EVENT needs a clause). Routines and packages
// cannot change their DEFINER in place: re-created from SHOW CREATE with the new one (MariaDB
// CREATE OR REPLACE, which keeps the old one if the new one fails; MySQL DROP, then CREATE), under
// their own sql_mode, in their own database (their text resolves names relative to it).
// Triggers: HandOverTrigger.
void MariaDbEngine::HandOver(const StoredObject& object, const std::string& user,
                             const std::string& definer) {
  const std::string what = "drop user '" + user + "': hand over " + object.Label();
  if (object.kind == "EVENT") {
    SetSqlMode(object.sql_mode);
    session_.Exec("ALTER DEFINER = " + definer + " EVENT " + object.Qualified() +
                      (object.on_completion == "PRESERVE" ? " ON COMPLETION PRESERVE"
                                                          : " ON COMPLETION NOT PRESERVE"),
                  what);
    return;
  }
  session_.Use(object.schema, what);
  if (object.kind == "TRIGGER") {
    HandOverTrigger(object, definer, what);
    return;
  }
  const bool view = object.kind == "VIEW";
  const Rows shown = session_.Query("SHOW CREATE " + object.kind + " " + object.Qualified(), what);
  const std::size_t column = view ? 1 : 2;
  if (shown.empty() || shown[0].size() <= column) {
    throw DbError(ErrorKind::kOther, "", what + ": SHOW CREATE returned nothing");
  }
  const bool mysql = session_.flavour() == Flavour::kMySql;
  const std::string head = view ? "ALTER " : (mysql ? "CREATE " : "CREATE OR REPLACE ");
  const auto statement = Redefine(shown[0][column], user, definer, head);
  if (!statement) throw DbError(ErrorKind::kOther, "", what + ": unexpected SHOW CREATE text");
  // MariaDB drops a package's body with the package: read it first, put it back after.
  std::optional<Rows> body;
  if (object.kind == "PACKAGE") {
    body = session_.TryQuery("SHOW CREATE PACKAGE BODY " + object.Qualified(), what,
                             {kNoSuchRoutine});
  }
  if (!view) SetSqlMode(shown[0][1]);
  if (!view && mysql) session_.Exec("DROP " + object.kind + " " + object.Qualified(), what);
  session_.Exec(*statement, what);
  if (body && !body->empty() && body->at(0).size() > 2) {
    SetSqlMode(body->at(0)[1]);
    session_.Exec("CREATE OR REPLACE " + body->at(0)[2].substr(std::string_view("CREATE ").size()),
                  what + " (its body)");
  }
}

// A trigger's statement is rebuilt from information_schema.TRIGGERS rather than from the text
// the user wrote (which may say IF NOT EXISTS, and has lost its FOLLOWS / PRECEDES), and keeps
// its place among the table's triggers for the same event (PRECEDES the one that came after
// it). MariaDB replaces it in one statement; MySQL (no CREATE OR REPLACE TRIGGER) drops and
// creates it with the table locked, so that no row is written in between.
void MariaDbEngine::HandOverTrigger(const StoredObject& object, const std::string& definer,
                                    const std::string& what) {
  const Rows rows = session_.Query(
      "SELECT t.EVENT_OBJECT_TABLE, t.ACTION_TIMING, t.EVENT_MANIPULATION, t.ACTION_STATEMENT,"
      " t.SQL_MODE, IFNULL((SELECT n.TRIGGER_NAME FROM information_schema.TRIGGERS n"
      " WHERE n.TRIGGER_SCHEMA = t.TRIGGER_SCHEMA AND n.EVENT_OBJECT_TABLE = t.EVENT_OBJECT_TABLE"
      " AND n.ACTION_TIMING = t.ACTION_TIMING AND n.EVENT_MANIPULATION = t.EVENT_MANIPULATION"
      " AND n.ACTION_ORDER = t.ACTION_ORDER + 1), '')"
      " FROM information_schema.TRIGGERS t WHERE t.TRIGGER_SCHEMA = " + Lit(object.schema) +
          " AND t.TRIGGER_NAME = " + Lit(object.name),
      what);
  if (rows.size() != 1) throw DbError(ErrorKind::kOther, "", what + ": trigger not found");
  const auto& row = rows[0];
  const std::set<std::string> timings = {"BEFORE", "AFTER"};
  const std::set<std::string> events = {"INSERT", "UPDATE", "DELETE"};
  if (!timings.contains(row[1]) || !events.contains(row[2])) {
    throw DbError(ErrorKind::kOther, "", what + ": unexpected trigger timing or event");
  }
  const std::string table = QuoteIdentifier(object.schema) + "." + QuoteIdentifier(row[0]);
  const std::string statement =
      "DEFINER = " + definer + " TRIGGER " + object.Qualified() + " " + row[1] + " " + row[2] +
      " ON " + table + " FOR EACH ROW" +
      (row[5].empty() ? "" : " PRECEDES " + QuoteIdentifier(row[5])) + " " + row[3];
  SetSqlMode(row[4]);
  if (session_.flavour() != Flavour::kMySql) {
    session_.Exec("CREATE OR REPLACE " + statement, what);
    return;
  }
  session_.Exec("LOCK TABLES " + table + " WRITE", what);
  try {
    session_.Exec("DROP TRIGGER " + object.Qualified(), what);
    session_.Exec("CREATE " + statement, what);
  } catch (const DbError&) {
    session_.Exec("UNLOCK TABLES", what);
    throw;
  }
  session_.Exec("UNLOCK TABLES", what);
}

// --- the operator and its server API ------------------------------------------------------------

void MariaDbEngine::EnsureBookkeeping() {
  const ServerApi& api = Api();
  for (const auto& statement : api.BookkeepingDdl()) session_.Exec(statement, "ensure bookkeeping");
  std::set<std::string> columns;
  for (const auto& row : session_.Query(
           "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
               Lit(api.database()) + " AND TABLE_NAME = 'databases'",
           "read bookkeeping columns")) {
    columns.insert(row[0]);
  }
  for (const auto& [column, definition] : api.DatabaseColumns()) {  // a release before owners
    if (columns.contains(column)) continue;
    session_.Exec("ALTER TABLE " + api.Qualified("databases") + " ADD COLUMN " + column + " " +
                      definition,
                  "migrate bookkeeping");
  }
}

// Installs every routine again unless all of them are exactly this build's and unaltered.
void MariaDbEngine::InstallServerApi() {
  const ServerApi& api = Api();
  if (ApiProblems().empty()) return;
  const SqlModeScope mode(session_);
  SetSqlMode(std::string(kApiSqlMode));
  std::set<std::pair<std::string, std::string>> wanted;
  for (const auto& routine : api.routines()) wanted.emplace(routine.name, routine.type);
  for (const auto& row : session_.Query(
           "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES"
           " WHERE ROUTINE_SCHEMA = " + Lit(api.database()),
           "list installed routines")) {
    if (wanted.contains({row[0], row[1]}) || (row[1] != "FUNCTION" && row[1] != "PROCEDURE")) {
      continue;
    }
    session_.Exec("DROP " + row[1] + " IF EXISTS " + api.Qualified(row[0]),
                  "drop another version's routine");
  }
  const bool mysql = session_.flavour() == Flavour::kMySql;
  for (const auto& routine : api.routines()) {
    const std::string what = "install " + routine.name;
    if (mysql) {
      session_.Exec("DROP " + routine.type + " IF EXISTS " + api.Qualified(routine.name), what);
      session_.Exec(routine.create, what);
    } else {
      session_.Exec("CREATE OR REPLACE " + routine.create.substr(std::string_view("CREATE ").size()),
                    what);
    }
  }
  std::vector<std::string> names;
  for (const auto& routine : api.routines()) {
    session_.Exec(api.RecordQuery(routine), "record " + routine.name);
    names.push_back(Lit(routine.name));
  }
  session_.Exec("DELETE FROM " + api.Qualified("api") + " WHERE routine NOT IN (" + Join(names) + ")",
                "record the server API");
}

// The grantable table holds exactly `grantable`'s roles; every state on the way is a subset of
// the old or the new set.
void MariaDbEngine::RecordGrantable(const ExtraRoles& grantable) {
  const ServerApi& api = Api();
  const std::vector<std::string> names = GrantableRoleNames(grantable);
  std::vector<std::string> literals;
  for (const auto& name : names) literals.push_back(Lit(name));
  session_.Exec("DELETE FROM " + api.Qualified("grantable") +
                    (literals.empty() ? "" : " WHERE role NOT IN (" + Join(literals) + ")"),
                "record grantable roles");
  if (literals.empty()) return;
  session_.Exec("INSERT IGNORE INTO " + api.Qualified("grantable") + " (role) VALUES (" +
                    Join(literals, "), (") + ")",
                "record grantable roles");
}

// Exactly SELECT and EXECUTE on the bookkeeping database: anything else (global privileges of an
// older release, roles, proxies, grants made by hand) is taken away, and the operator's sessions
// that still hold it are ended.
void MariaDbEngine::EnsureOperatorAccount(const OperatorSpec& spec) {
  const std::string account = Account(spec.name);
  if (spec.password) {
    const std::string hash = NativePasswordHash(*spec.password);
    session_.Exec("CREATE USER IF NOT EXISTS " + account + Identified(hash), "create operator", hash);
    session_.Exec("ALTER USER " + account + Identified(hash) + " ACCOUNT UNLOCK", "update operator",
                  hash);
  } else if (!DirectUserExists(spec.name)) {
    throw DbError(ErrorKind::kNotFound, "1133",
                  "ensure operator: user '" + spec.name + "' does not exist");
  }
  std::vector<std::string> lines;
  for (const auto& row : session_.Query("SHOW GRANTS FOR " + account, "read operator grants")) {
    lines.push_back(row.at(0));
  }
  const OperatorGrantDrift drift = CompareOperatorGrants(lines, Api().database());
  // Roles and proxies first: MariaDB's REVOKE ALL takes roles too, after which naming one fails.
  if (drift.default_role) {
    session_.Exec("SET DEFAULT ROLE NONE FOR " + account, "clear operator default role");
  }
  for (const auto& role : drift.roles) {
    session_.Exec("REVOKE " + role + " FROM " + account, "revoke operator role");
  }
  for (const auto& proxied : drift.proxies) {
    session_.Exec("REVOKE PROXY ON " + proxied + " FROM " + account, "revoke operator proxy");
  }
  if (drift.privileges) {
    session_.Exec("REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + account, "revoke operator privileges");
  }
  if (drift.privileges || !drift.missing.empty()) {
    session_.Exec("GRANT SELECT, EXECUTE ON " + Api().quoted() + ".* TO " + account, "grant operator");
  }
  // A session keeps the global privileges it logged in with: end those that had more.
  if (drift.privileges || !drift.roles.empty() || !drift.proxies.empty()) KillSessions(spec.name);
}

// Superuser relation users are made by the procedures with the admin's rights: the admin must
// hold everything, with GRANT OPTION (MariaDB shows that as one line; MySQL 8 lists each
// privilege, dynamic ones included, as SHOW PRIVILEGES names them).
void MariaDbEngine::RequireAdminHoldsAll() {
  for (const auto& row : session_.Query("SHOW GRANTS", "read admin grants")) {
    const GrantLine grant = ParseGrantLine(row.at(0));
    if (grant.kind == GrantLine::Kind::kPrivileges && grant.object == "*.*" && grant.grant_option &&
        grant.privileges == std::vector<std::string>{"ALL PRIVILEGES"}) {
      return;
    }
  }
  std::set<std::string> held;
  for (const auto& row : session_.Query(
           "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE IS_GRANTABLE = 'YES'"
           " AND GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',"
           " SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')",
           "read admin privileges")) {
    held.insert(Upper(row.at(0)));
  }
  std::vector<std::string> missing;
  for (const auto& row : session_.Query("SHOW PRIVILEGES", "list privileges")) {
    const std::string privilege = Upper(row.at(0));
    if (privilege == "USAGE" || privilege == "PROXY" || privilege == "GRANT OPTION") continue;
    if (!held.contains(privilege)) missing.push_back(privilege);
  }
  if (missing.empty()) return;
  throw DbError(ErrorKind::kAccessDenied, "1227",
                "ensure operator: relation users may have superuser only when the admin account "
                "holds ALL PRIVILEGES ON *.* WITH GRANT OPTION (the server-side procedures grant "
                "it with the admin's rights); it lacks " + Join(missing));
}

void MariaDbEngine::EnsureOperator(const OperatorSpec& spec) {
  RequireUserName(spec.name, kDialect);
  if (spec.password) RequirePassword(*spec.password);
  Api();
  if (spec.grantable.contains(ExtraRole::kSuperuser)) RequireAdminHoldsAll();
  EnsureBookkeeping();
  InstallServerApi();
  RecordGrantable(spec.grantable);
  EnsureOperatorAccount(spec);
  api_checked_ = 0;
}

std::optional<std::string> MariaDbEngine::OperatorDrift(const ExtraRoles& grantable) {
  const ServerApi& api = Api();
  std::vector<std::string> lines;
  for (const auto& row : session_.Query("SHOW GRANTS", "read own grants")) lines.push_back(row.at(0));
  const OperatorGrantDrift grants = CompareOperatorGrants(lines, api.database());
  std::vector<std::string> drift;
  for (const auto& item : grants.surplus) drift.push_back("holds " + item);
  for (const auto& item : grants.missing) drift.push_back("lacks " + item);
  for (auto& problem : ApiProblems()) drift.push_back(std::move(problem));
  if (auto rows = session_.TryQuery("SELECT role FROM " + api.Qualified("grantable"),
                                    "read grantable roles",
                                    {kNoSuchTable, kUnknownDatabase, 1142})) {
    std::set<std::string> recorded;
    for (const auto& row : *rows) recorded.insert(row.at(0));
    const std::vector<std::string> wanted = GrantableRoleNames(grantable);
    for (const auto& role : wanted) {
      if (!recorded.contains(role)) drift.push_back("may not grant " + role);
    }
    for (const auto& role : recorded) {
      if (std::find(wanted.begin(), wanted.end(), role) == wanted.end()) {
        drift.push_back("may grant " + role);
      }
    }
  }
  if (drift.empty()) return std::nullopt;
  return Join(drift);
}

}  // namespace
}  // namespace grantor::db::mysql

namespace grantor::db {

EnginePtr ConnectMariaDb(const ConnectionConfig& config) {
  return std::make_unique<mysql::MariaDbEngine>(config);
}

}  // namespace grantor::db
