// MariaDB / MySQL implementation of grantor::db::Engine over MariaDB Connector/C.
//
// Accounts are always 'name'@'%'. Identifiers are backtick-quoted (sql.hpp), literals escaped
// with mysql_real_escape_string, and every name is validated before any SQL is built.
//
// MySQL has no owner of a database, so which databases this grantor application created
// ("managed") or was handed by the operator ("adopted") is recorded in its own bookkeeping
// table `<instance prefix>meta`.`databases`: only grantor's operator holds privileges there
// (relation users get privileges on their own database only), so no tenant can forge or erase
// the record. A name is recorded before its database is created, and the record is taken back
// when the CREATE finds the name taken.
// Statements that differ between MariaDB 10.4+ and MySQL 8 (role privileges) switch on the
// flavour detected at connect time; everything else (CREATE USER IF NOT EXISTS, ALTER USER ...
// ACCOUNT LOCK, DROP USER IF EXISTS, KILL CONNECTION, information_schema.PROCESSLIST) is shared.

#include <mysql.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "db/mysql/sql.hpp"
#include "grantor/core/access_policy.hpp"
#include "grantor/core/naming.hpp"
#include "grantor/db/mysql.hpp"
#include "grantor/db/secret_file.hpp"
#include "grantor/db/validate.hpp"

namespace grantor::db::mysql {
namespace {

using core::Dialect;
constexpr Dialect kDialect = Dialect::kMySql;
constexpr unsigned int kDefaultPort = 3306;
constexpr unsigned int kIoTimeoutSeconds = 60;
constexpr unsigned int kUnknownThread = 1094;
constexpr unsigned int kDatabaseExists = 1007;
constexpr unsigned int kAccessDeniedToStatement = 1045;
constexpr unsigned int kUnknownDatabase = 1049;
constexpr unsigned int kNoSuchTable = 1146;
constexpr std::string_view kQueryLogsOff =
    "SET SESSION sql_log_off = 1, SESSION slow_query_log = 0";
constexpr std::string_view kQueryLogsDefault =
    "SET SESSION sql_log_off = DEFAULT, SESSION slow_query_log = DEFAULT";

struct HandleCloser {
  void operator()(MYSQL* handle) const { mysql_close(handle); }
};
using Handle = std::unique_ptr<MYSQL, HandleCloser>;

struct ResultFreer {
  void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
};

using Rows = std::vector<std::vector<std::string>>;

void SetBool(MYSQL* handle, mysql_option option, bool value) {
  my_bool flag = value ? 1 : 0;
  mysql_options(handle, option, &flag);
}

class MariaDbEngine final : public Engine {
 public:
  explicit MariaDbEngine(const ConnectionConfig& config) : config_(config) {
    if (!config_.ssl_ca.empty()) ca_file_.emplace(config_.ssl_ca);
    Conn();
  }

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
  struct GlobalGrants {
    std::set<std::string> privileges;  // without USAGE
    bool grantable = false;
  };
  GlobalGrants ReadGlobalGrants(const std::string& grantee_literal);
  std::string MetaTable() const {
    return QuoteIdentifier(config_.instance_prefix + "meta") + ".`databases`";
  }
  std::optional<std::string> RecordedKind(const std::string& name);
  void EnsureMetaTable();
  void Record(const std::string& name, const std::string& kind, bool overwrite);
  void RefuseUnsafeRoles(const ExtraRoles& roles);
  MYSQL* Conn();
  void ApplyTls(MYSQL* handle) const;
  void RequireNegotiatedTls(MYSQL* handle) const;
  DbError LastError(std::string_view what, std::string_view secret = {});
  [[noreturn]] void Fail(std::string_view what, std::string_view secret = {}) {
    throw LastError(what, secret);
  }
  void Exec(const std::string& sql, std::string_view what, std::string_view secret = {});
  Rows Query(const std::string& sql, std::string_view what);
  std::string Literal(std::string_view text);
  std::string Account(const std::string& user) { return Literal(user) + "@'%'"; }
  std::string IdentifiedBy(const std::string& password);
  void SyncGlobalPrivileges(const std::string& user, const ExtraRoles& roles);
  void KillSessions(const std::string& user);

  ConnectionConfig config_;
  std::optional<SecretFile> ca_file_;
  Handle conn_;
  Flavour flavour_ = Flavour::kMariaDb;
  bool can_hide_from_query_logs_ = false;  // may set sql_log_off (MariaDB, SUPER)
};

bool RequiresTls(SslMode mode) {
  return mode == SslMode::kRequire || mode == SslMode::kVerifyCa || mode == SslMode::kVerifyFull;
}

// How ssl-mode maps onto Connector/C 3.3 (observed on 3.3.20; docs/mysql.md has the table):
// - MYSQL_OPT_SSL_CA alone already verifies the certificate chain against that CA, without the
//   host name, whenever TLS is used: that is verify-ca.
// - MYSQL_OPT_SSL_VERIFY_SERVER_CERT adds the host-name check (and refuses a server without TLS).
// - MYSQL_OPT_SSL_ENFORCE asks for TLS but carries on in plain text when the server offers none:
//   opportunistic TLS (prefer); RequireNegotiatedTls closes that hole for require and stricter.
void MariaDbEngine::ApplyTls(MYSQL* handle) const {
  const SslMode mode = config_.ssl_mode;
  if (mode == SslMode::kDisable || mode == SslMode::kAllow) return;
  if (mode == SslMode::kVerifyCa && !ca_file_) {
    throw DbError(ErrorKind::kTls, "",
                  "connect to MariaDB: ssl-mode verify-ca needs the CA certificate (ssl-ca)");
  }
  if (ca_file_) mysql_options(handle, MYSQL_OPT_SSL_CA, ca_file_->path().c_str());
  SetBool(handle, MYSQL_OPT_SSL_ENFORCE, true);
  SetBool(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, mode == SslMode::kVerifyFull);
}

// Connector/C 3.3 continues in plain text when the server does not offer TLS, even with
// MYSQL_OPT_SSL_ENFORCE; so check what was negotiated. Over a unix socket (host "localhost")
// there is no TLS either.
void MariaDbEngine::RequireNegotiatedTls(MYSQL* handle) const {
  const SslMode mode = config_.ssl_mode;
  if (RequiresTls(mode) && mysql_get_ssl_cipher(handle) == nullptr) {
    throw DbError(ErrorKind::kTls, "2026",
                  "connect to MariaDB: ssl-mode " + std::string(SslModeName(mode)) +
                      " but the server did not negotiate TLS");
  }
}

MYSQL* MariaDbEngine::Conn() {
  if (conn_) return conn_.get();
  Handle handle(mysql_init(nullptr));
  if (!handle) throw DbError(ErrorKind::kOther, "", "connect to MariaDB: out of memory");
  const auto timeout = static_cast<unsigned int>(config_.connect_timeout.count());
  mysql_options(handle.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(handle.get(), MYSQL_OPT_READ_TIMEOUT, &kIoTimeoutSeconds);
  mysql_options(handle.get(), MYSQL_OPT_WRITE_TIMEOUT, &kIoTimeoutSeconds);
  mysql_options(handle.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
  ApplyTls(handle.get());
  const unsigned int port =
      config_.port > 0 ? static_cast<unsigned int>(config_.port) : kDefaultPort;
  const char* dbname = config_.dbname.empty() ? nullptr : config_.dbname.c_str();
  if (mysql_real_connect(handle.get(), config_.host.c_str(), config_.user.c_str(),
                         config_.password.c_str(), dbname, port, nullptr, 0) == nullptr) {
    const unsigned int code = mysql_errno(handle.get());
    throw DbError(ConnectErrorKind(code, mysql_error(handle.get())), std::to_string(code),
                  RedactSecret(std::string("connect to MariaDB: ") + mysql_error(handle.get()),
                               config_.password));
  }
  RequireNegotiatedTls(handle.get());
  conn_ = std::move(handle);
  flavour_ =
      std::string_view(mysql_get_server_info(conn_.get())).find("MariaDB") != std::string_view::npos
          ? Flavour::kMariaDb
          : Flavour::kMySql;
  // Setting the session's log switches to their defaults changes nothing, and succeeds exactly
  // when this account may switch them off (Exec).
  can_hide_from_query_logs_ = flavour_ == Flavour::kMariaDb &&
                              mysql_query(conn_.get(), kQueryLogsDefault.data()) == 0;
  return conn_.get();
}

// The connection's last error as a DbError, `secret` and the admin password redacted. A
// connection error drops the connection, so that the next call reconnects.
DbError MariaDbEngine::LastError(std::string_view what, std::string_view secret) {
  const unsigned int code = mysql_errno(conn_.get());
  // On an open connection, 1045 (access denied) refuses a statement, not the login.
  const ErrorKind kind = code == kAccessDeniedToStatement ? ErrorKind::kAccessDenied
                                                          : KindFromErrno(code);
  std::string message = std::string(what) + ": " + mysql_error(conn_.get());
  message = RedactSecret(RedactSecret(std::move(message), secret), config_.password);
  if (kind == ErrorKind::kConnection) conn_.reset();
  return DbError(kind, std::to_string(code), message);
}

// Runs `sql`. A non-empty `secret` marks a statement that carries it: `secret` is redacted from
// any error, and, when this account may (can_hide_from_query_logs_), the statement runs with the
// session's general and slow query logs off, since MariaDB writes statements to both as they
// arrive, passwords included (otherwise the server's own log settings decide). A connection on
// which the logs could not be switched back on is dropped, so no later statement goes unlogged.
void MariaDbEngine::Exec(const std::string& sql, std::string_view what, std::string_view secret) {
  MYSQL* handle = Conn();
  const bool hidden = !secret.empty() && can_hide_from_query_logs_;
  if (hidden && mysql_real_query(handle, kQueryLogsOff.data(), kQueryLogsOff.size()) != 0) {
    Fail("hide from the query logs");
  }
  if (mysql_real_query(handle, sql.data(), sql.size()) != 0) {
    DbError error = LastError(what, secret);
    if (hidden) conn_.reset();
    throw error;
  }
  std::unique_ptr<MYSQL_RES, ResultFreer> discard(mysql_store_result(handle));
  if (hidden && mysql_real_query(handle, kQueryLogsDefault.data(), kQueryLogsDefault.size()) != 0) {
    conn_.reset();
  }
}

Rows MariaDbEngine::Query(const std::string& sql, std::string_view what) {
  MYSQL* handle = Conn();
  if (mysql_real_query(handle, sql.data(), sql.size()) != 0) Fail(what);
  std::unique_ptr<MYSQL_RES, ResultFreer> result(mysql_store_result(handle));
  if (!result) {
    if (mysql_field_count(handle) == 0) return {};
    Fail(what);
  }
  const unsigned int fields = mysql_num_fields(result.get());
  Rows rows;
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    const unsigned long* lengths = mysql_fetch_lengths(result.get());
    auto& out = rows.emplace_back();
    for (unsigned int i = 0; i < fields; ++i) {
      out.emplace_back(row[i] != nullptr ? std::string(row[i], lengths[i]) : std::string());
    }
  }
  return rows;
}

std::string MariaDbEngine::Literal(std::string_view text) {
  MYSQL* handle = Conn();
  std::string buffer(text.size() * 2 + 1, '\0');
  const unsigned long length =
      mysql_real_escape_string(handle, buffer.data(), text.data(), text.size());
  buffer.resize(length);
  return "'" + buffer + "'";
}

// MariaDB: the mysql_native_password hash, so that the clear password reaches no query log
// whoever runs the statement. MySQL 8 (caching_sha2_password, and IDENTIFIED BY PASSWORD is gone)
// gets the clear password, which its general log rewrites itself.
std::string MariaDbEngine::IdentifiedBy(const std::string& password) {
  if (flavour_ == Flavour::kMariaDb) {
    return "IDENTIFIED BY PASSWORD " + Literal(NativePasswordHash(password));
  }
  return "IDENTIFIED BY " + Literal(password);
}

ServerInfo MariaDbEngine::Server() {
  const Rows rows = Query("SELECT VERSION()", "read server version");
  ServerInfo info;
  info.banner = rows.empty() || rows[0].empty() ? "" : rows[0][0];
  info.flavour =
      info.banner.find("MariaDB") != std::string::npos ? Flavour::kMariaDb : Flavour::kMySql;
  info.version = ShortVersion(info.banner);
  return info;
}

bool MariaDbEngine::DatabaseExists(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  return !Query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + Literal(name),
                "look up database")
              .empty();
}

// How this application's bookkeeping table records `name` ("managed" or "adopted"), if at all.
// A missing table or database means nothing is recorded yet.
std::optional<std::string> MariaDbEngine::RecordedKind(const std::string& name) {
  const std::string sql = "SELECT kind FROM " + MetaTable() + " WHERE name = " + Literal(name);
  MYSQL* handle = Conn();
  if (mysql_real_query(handle, sql.data(), sql.size()) != 0) {
    const unsigned int code = mysql_errno(handle);
    if (code == kNoSuchTable || code == kUnknownDatabase) return std::nullopt;
    Fail("inspect database");
  }
  std::unique_ptr<MYSQL_RES, ResultFreer> result(mysql_store_result(handle));
  if (!result) Fail("inspect database");
  MYSQL_ROW row = mysql_fetch_row(result.get());
  if (row == nullptr || row[0] == nullptr) return std::nullopt;
  return std::string(row[0]);
}

void MariaDbEngine::EnsureMetaTable() {
  Exec("CREATE DATABASE IF NOT EXISTS " + QuoteIdentifier(config_.instance_prefix + "meta") +
           " CHARACTER SET utf8mb4",
       "ensure bookkeeping database");
  Exec("CREATE TABLE IF NOT EXISTS " + MetaTable() +
           " (name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY,"
           " kind VARCHAR(16) NOT NULL,"
           " recorded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
       "ensure bookkeeping table");
}

void MariaDbEngine::Record(const std::string& name, const std::string& kind, bool overwrite) {
  EnsureMetaTable();
  const std::string row = "(" + Literal(name) + ", " + Literal(kind) + ")";
  Exec(overwrite ? "INSERT INTO " + MetaTable() + " (name, kind) VALUES " + row +
                       " ON DUPLICATE KEY UPDATE kind = VALUES(kind)"
                 : "INSERT IGNORE INTO " + MetaTable() + " (name, kind) VALUES " + row,
       "record database");
}

DatabaseInfo MariaDbEngine::InspectDatabase(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  if (!DatabaseExists(name)) return {};
  const auto kind = RecordedKind(name);
  if (kind == "managed") return {DatabaseStatus::kManaged, {}};
  if (kind == "adopted") return {DatabaseStatus::kAdopted, {}};
  return {DatabaseStatus::kForeign, {}};
}

void MariaDbEngine::EnsureDatabase(const std::string& name, const DatabaseOwner& /*owner*/) {
  RequireDatabaseName(name, kDialect);
  const DatabaseStatus status = InspectDatabase(name).status;
  if (status == DatabaseStatus::kManaged) return;
  const DbError foreign(ErrorKind::kAlreadyExists, "1007",
                        "ensure database: database '" + name +
                            "' exists and is not managed by this application");
  if (status != DatabaseStatus::kAbsent) throw foreign;
  Record(name, "managed", /*overwrite=*/true);
  const std::string create = "CREATE DATABASE " + QuoteIdentifier(name) + " CHARACTER SET utf8mb4";
  MYSQL* handle = Conn();
  if (mysql_real_query(handle, create.data(), create.size()) != 0) {
    if (mysql_errno(handle) != kDatabaseExists) Fail("ensure database");
    // Created by someone else since the inspection: not ours after all.
    Exec("DELETE FROM " + MetaTable() + " WHERE name = " + Literal(name), "unrecord database");
    throw foreign;
  }
}

// Nothing changes in the database itself; the record lets EnsureUser tell an adopted database
// from one nobody handed over.
void MariaDbEngine::AdoptDatabase(const std::string& name, const DatabaseOwner& /*owner*/) {
  RequireDatabaseName(name, kDialect);
  if (!DatabaseExists(name)) {
    throw DbError(ErrorKind::kNotFound, "1049",
                  "adopt database: database '" + name + "' does not exist");
  }
  Record(name, "adopted", /*overwrite=*/false);
}

bool MariaDbEngine::UserExists(const std::string& name) {
  RequireUserName(name, kDialect);
  return !Query("SELECT 1 FROM mysql.user WHERE Host = '%' AND User = " + Literal(name),
                "look up user")
              .empty();
}

// Defence in depth behind the charm's policy: roles that cannot be given safely here are
// refused before anything changes.
void MariaDbEngine::RefuseUnsafeRoles(const ExtraRoles& roles) {
  ServerInfo server;
  server.flavour = flavour_;
  for (const ExtraRole role : roles) {
    if (auto reason = core::UnsafeRoleReason(role, server)) {
      throw DbError(ErrorKind::kAccessDenied, "", "ensure user: " + *reason);
    }
  }
}

void MariaDbEngine::EnsureUser(const UserSpec& spec) {
  RequireUserName(spec.name, kDialect);
  RequirePassword(spec.password);
  Conn();
  RefuseUnsafeRoles(spec.extra_roles);
  if (spec.database) {
    RequireDatabaseName(*spec.database, kDialect);
    if (!DatabaseExists(*spec.database)) {
      throw DbError(ErrorKind::kNotFound, "1049",
                    "ensure user: database '" + *spec.database + "' does not exist");
    }
    if (!RecordedKind(*spec.database)) {
      throw DbError(ErrorKind::kNotFound, "1049",
                    "ensure user: database '" + *spec.database +
                        "' is neither managed nor adopted by this application");
    }
  }
  const std::string account = Account(spec.name);
  const std::string identified = IdentifiedBy(spec.password);
  Exec("CREATE USER IF NOT EXISTS " + account + " " + identified, "create user", spec.password);
  // Also the update path for an existing user; ACCOUNT UNLOCK undoes a DropUser that failed
  // after locking.
  Exec("ALTER USER " + account + " " + identified + " ACCOUNT UNLOCK", "update user",
       spec.password);
  SyncGlobalPrivileges(spec.name, spec.extra_roles);
  if (spec.database) {
    std::string privileges;
    for (const auto& privilege : DatabasePrivileges()) {
      privileges += (privileges.empty() ? "" : ", ") + privilege;
    }
    Exec("GRANT " + privileges + " ON " + QuoteGrantDatabase(*spec.database) + ".* TO " + account,
         "grant database");
  }
}

MariaDbEngine::GlobalGrants MariaDbEngine::ReadGlobalGrants(const std::string& grantee_literal) {
  GlobalGrants grants;
  const Rows rows = Query(
      "SELECT PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.USER_PRIVILEGES"
      " WHERE GRANTEE = " + grantee_literal,
      "read global privileges");
  for (const auto& row : rows) {
    if (row[0] != "USAGE") grants.privileges.insert(row[0]);
    grants.grantable = grants.grantable || row[1] == "YES";
  }
  return grants;
}

// Converges the user's global (ON *.*) privileges to `roles`: grants what is missing and, only
// if the user holds something not wanted, revokes all global privileges first.
void MariaDbEngine::SyncGlobalPrivileges(const std::string& user, const ExtraRoles& roles) {
  const std::string account = Account(user);
  if (roles.contains(ExtraRole::kSuperuser)) {
    Exec("GRANT ALL PRIVILEGES ON *.* TO " + account + " WITH GRANT OPTION", "grant superuser");
    return;
  }
  const std::vector<std::string> wanted = GlobalPrivileges(roles);
  GlobalGrants held = ReadGlobalGrants(Literal("'" + user + "'@'%'"));
  const bool surplus =
      held.grantable || std::any_of(held.privileges.begin(), held.privileges.end(),
                                    [&](const auto& p) {
                                      return std::find(wanted.begin(), wanted.end(), p) ==
                                             wanted.end();
                                    });
  if (surplus) {
    // This form needs CREATE USER (which the operator holds), not every privilege revoked; it
    // also takes database privileges, which EnsureUser grants again right after.
    Exec("REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + account, "revoke global privileges");
    held.privileges.clear();
  }
  std::string missing;
  for (const auto& privilege : wanted) {
    if (held.privileges.contains(privilege)) continue;
    missing += (missing.empty() ? "" : ", ") + privilege;
  }
  if (!missing.empty()) Exec("GRANT " + missing + " ON *.* TO " + account, "grant extra roles");
}

void MariaDbEngine::SetPassword(const std::string& user, const std::string& password) {
  RequireUserName(user, kDialect);
  RequirePassword(password);
  if (!UserExists(user)) {
    throw DbError(ErrorKind::kNotFound, "1133", "set password: user '" + user + "' does not exist");
  }
  Exec("ALTER USER " + Account(user) + " " + IdentifiedBy(password), "set password", password);
}

void MariaDbEngine::KillSessions(const std::string& user) {
  const Rows rows =
      Query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = " + Literal(user) +
                " AND ID <> CONNECTION_ID()",
            "list sessions");
  for (const auto& row : rows) {
    const std::string id = std::to_string(std::stoull(row[0]));  // digits only, by construction
    const std::string sql = "KILL CONNECTION " + id;
    if (mysql_real_query(Conn(), sql.data(), sql.size()) != 0 &&
        mysql_errno(Conn()) != kUnknownThread) {  // already gone: fine
      Fail("kill session");
    }
  }
}

void MariaDbEngine::LockUser(const std::string& name) {
  RequireUserName(name, kDialect);
  if (!UserExists(name)) return;
  Exec("ALTER USER " + Account(name) + " ACCOUNT LOCK", "lock user");
  KillSessions(name);
}

void MariaDbEngine::DropUser(const std::string& name) {
  RequireUserName(name, kDialect);
  if (!UserExists(name)) return;
  const std::string account = Account(name);
  Exec("ALTER USER " + account + " ACCOUNT LOCK", "lock user");  // no new sessions from here on
  KillSessions(name);
  Exec("DROP USER IF EXISTS " + account, "drop user");
}

std::vector<std::string> MariaDbEngine::ListUsers(const std::string& prefix) {
  RequireUserPrefix(prefix, kDialect);
  const std::string literal = Literal(prefix);
  const Rows rows = Query("SELECT DISTINCT User FROM mysql.user WHERE Host = '%' AND LEFT(User, " +
                              std::to_string(prefix.size()) + ") = " + literal,
                          "list users");
  std::vector<std::string> users;
  for (const auto& row : rows) {
    if (core::IsValidUserName(row[0], kDialect)) users.push_back(row[0]);
  }
  std::sort(users.begin(), users.end());
  return users;
}

// The operator holds exactly OperatorPrivileges() WITH GRANT OPTION on *.*, or ALL PRIVILEGES
// WITH GRANT OPTION while relations may have superuser. Anything else is revoked first.
void MariaDbEngine::EnsureOperator(const OperatorSpec& spec) {
  RequireUserName(spec.name, kDialect);
  if (spec.password) RequirePassword(*spec.password);
  const std::string account = Account(spec.name);
  if (spec.password) {
    const std::string identified = IdentifiedBy(*spec.password);
    Exec("CREATE USER IF NOT EXISTS " + account + " " + identified, "create operator",
         *spec.password);
    Exec("ALTER USER " + account + " " + identified + " ACCOUNT UNLOCK", "update operator",
         *spec.password);
  } else if (!UserExists(spec.name)) {
    throw DbError(ErrorKind::kNotFound, "1133",
                  "ensure operator: user '" + spec.name + "' does not exist");
  }
  if (spec.grantable.contains(ExtraRole::kSuperuser)) {
    Exec("GRANT ALL PRIVILEGES ON *.* TO " + account + " WITH GRANT OPTION", "grant operator");
    return;
  }
  const std::vector<std::string> wanted = OperatorPrivileges(flavour_);
  const GlobalGrants held = ReadGlobalGrants(Literal("'" + spec.name + "'@'%'"));
  if (held.grantable && held.privileges == std::set<std::string>(wanted.begin(), wanted.end())) {
    return;
  }
  if (!held.privileges.empty() || held.grantable) {
    Exec("REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + account, "revoke operator privileges");
  }
  std::string list;
  for (const auto& privilege : wanted) list += (list.empty() ? "" : ", ") + privilege;
  Exec("GRANT " + list + " ON *.* TO " + account + " WITH GRANT OPTION", "grant operator");
}

// Read as the operator itself: USER_PRIVILEGES spells the grantee 'user'@'host'.
std::optional<std::string> MariaDbEngine::OperatorDrift(const ExtraRoles& grantable) {
  const bool superuser = grantable.contains(ExtraRole::kSuperuser);
  const GlobalGrants held = ReadGlobalGrants(
      "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',"
      " SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')");
  std::vector<std::string> drift;
  if (!held.grantable) drift.push_back("lacks GRANT OPTION");
  if (superuser) {
    if (!held.privileges.contains("SUPER")) drift.push_back("lacks ALL PRIVILEGES");
  } else {
    const std::vector<std::string> wanted = OperatorPrivileges(flavour_);
    for (const auto& privilege : held.privileges) {
      if (std::find(wanted.begin(), wanted.end(), privilege) == wanted.end()) {
        drift.push_back("holds " + privilege);
      }
    }
    for (const auto& privilege : wanted) {
      if (!held.privileges.contains(privilege)) drift.push_back("lacks " + privilege);
    }
  }
  if (drift.empty()) return std::nullopt;
  std::string text;
  for (const auto& item : drift) text += (text.empty() ? "" : ", ") + item;
  return text;
}

}  // namespace
}  // namespace grantor::db::mysql

namespace grantor::db {

EnginePtr ConnectMariaDb(const ConnectionConfig& config) {
  return std::make_unique<mysql::MariaDbEngine>(config);
}

}  // namespace grantor::db
