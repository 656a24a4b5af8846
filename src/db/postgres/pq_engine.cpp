// PostgreSQL implementation of grantor::db::Engine over libpqxx 6.4.
//
// Ownership model: the engine acts for one grantor application (instance prefix P). Every
// database D the application creates is owned by the NOLOGIN group role P + "o" + oid(D)
// (core::PostgresGroupRole); that ownership is the server-side record that P manages D. A
// database the operator hands over (AdoptDatabase) keeps its owner; its group role gets CONNECT,
// CREATE and TEMPORARY instead. Relation users are INHERIT members of the group role and have
// `ALTER ROLE u IN DATABASE D SET role = <group role>`, so whatever they create is owned by the
// group role and survives them. The engine's own account (the operator, NOSUPERUSER CREATEDB
// CREATEROLE, member of pg_signal_backend) is a member of every group role it uses, which is
// what lets it hand databases and objects over without being superuser. Sessions run with
// search_path pg_catalog (conninfo.cpp), and catalog calls are qualified.
// Identifiers go through quote_name(), literals through esc() (Literal()) or bound parameters,
// and every name is validated (validate.hpp) before any of that happens.
//
// Round trips: EnsureUser and SetPassword are two messages (BEGIN + hide from the logs + probe,
// then every write + COMMIT as one ;-separated batch), whether the user is new or not; DropUser
// is five for a user without objects of its own. Passwords of printable ASCII travel as
// SCRAM-SHA-256 verifiers computed here (scram.hpp), so the clear password never reaches the
// server. (PostgreSQL still runs one PBKDF2 per CREATE/ALTER ROLE ... PASSWORD: it checks that
// the verifier is not that of the empty password. The server-side cost stays.)

#include <array>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "db/postgres/conninfo.hpp"
#include "db/postgres/pq_errors.hpp"
#include "db/postgres/scram.hpp"
#include "grantor/core/access_policy.hpp"
#include "grantor/core/naming.hpp"
#include "grantor/db/postgres.hpp"
#include "grantor/db/secret_file.hpp"
#include "grantor/db/validate.hpp"

namespace grantor::db::postgres {
namespace {

using core::Dialect;
constexpr Dialect kDialect = Dialect::kPostgres;
// pg_terminate_backend(pid, timeout) waits for the backend to exit (PostgreSQL 14+).
constexpr int kTerminateWaitMs = 5000;
constexpr int kVersionWithTerminateWait = 140000;
// log_min_duration_sample and log_transaction_sample_rate exist from PostgreSQL 13 on.
constexpr int kVersionWithSampledLogs = 130000;
// From PostgreSQL 15 the public schema is owned by pg_database_owner: whoever owns the database.
constexpr int kVersionWithDatabaseOwnerSchema = 150000;
constexpr const char* kSignalBackendRole = "pg_signal_backend";

bool Exists(pqxx::transaction_base& tx, const char* query, const std::string& name) {
  return !tx.exec_params(query, name).empty();
}

bool RoleExists(pqxx::transaction_base& tx, const std::string& role) {
  return Exists(tx, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", role);
}

// A transaction's connection: pqxx::connection_base in libpqxx 6 (Debian 12), pqxx::connection
// from libpqxx 7 on (Ubuntu 24.04, where charmcraft builds the charm).
using PqConnection =
    std::remove_reference_t<decltype(std::declval<pqxx::transaction_base&>().conn())>;

// A string literal, escaped by libpq (PQescapeStringConn via esc()) for this connection. Same
// text as quote(); written out because GCC 12 raises a false -Wrestrict on quote()'s inlined
// string concatenation at -O2/-O3.
std::string Literal(PqConnection& conn, const std::string& value) {
  std::string literal = "'";
  literal += conn.esc(value);
  literal += '\'';
  return literal;
}
std::string Literal(pqxx::transaction_base& tx, const std::string& value) {
  return Literal(tx.conn(), value);
}

// A batch for one simple-query message. The statements are built from validated names quoted
// with quote_name() and literals quoted with Literal(); multi-statement strings cannot take bound
// parameters.
std::string Join(const std::vector<std::string>& statements) {
  std::string sql;
  for (const auto& statement : statements) {
    if (!sql.empty()) sql += "; ";
    sql += statement;
  }
  return sql;
}

// "EXISTS (SELECT 1 FROM pg_catalog.<catalog> WHERE <column> = '<value>')"
std::string ExistsSql(pqxx::transaction_base& tx, const char* catalog, const char* column,
                      const std::string& value) {
  return std::string("EXISTS (SELECT 1 FROM pg_catalog.") + catalog + " WHERE " + column + " = " +
         Literal(tx, value) + ")";
}

// GRANT/REVOKE on a database rewrite its pg_database row without locking it: two sessions doing
// so at once make one fail with "tuple concurrently updated". Every statement of this engine
// that changes a database's privileges first takes this transaction-scoped advisory lock, so
// concurrent engines (one per thread) queue instead. The key is the lock name's 64-bit hash.
constexpr std::string_view kDatabaseAclLock = "grantor:database-acl:";

std::string LockDatabaseAclSql(pqxx::transaction_base& tx, const std::string& database) {
  return "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(" +
         Literal(tx, std::string(kDatabaseAclLock) + database) + ", 0))";
}

// Duration lines carry the statement text, and cannot be turned off per transaction: a message's
// duration is logged after its COMMIT has reset SET LOCAL, and whether a transaction is sampled
// is decided before its first statement runs. So a superuser engine's sessions log no durations.
std::string SessionHiddenFromDurationLogsSql(int server_version) {
  std::string sql = "SET log_min_duration_statement = -1";
  if (server_version >= kVersionWithSampledLogs) {
    sql += "; SET log_min_duration_sample = -1; SET log_transaction_sample_rate = 0";
  }
  return sql;
}

// The superuser-only settings the engine changes for its own sessions and transactions to keep
// passwords and verifiers out of the server's records. PostgreSQL 15 lets the admin grant SET
// on them (GRANT SET ON PARAMETER), so the operator needs no superuser for this.
constexpr std::array<std::string_view, 6> kLogParameters = {
    "log_statement",           "log_min_error_statement",     "log_min_duration_statement",
    "log_min_duration_sample", "log_transaction_sample_rate", "pg_stat_statements.track_utility"};
constexpr int kVersionWithParameterPrivileges = 150000;

bool MaySetLogParameters(pqxx::transaction_base& tx, int server_version) {
  if (server_version < kVersionWithParameterPrivileges) return false;
  std::string sql = "SELECT true";
  for (const auto parameter : kLogParameters) {
    sql += " AND pg_catalog.has_parameter_privilege(" + tx.quote(std::string(parameter)) +
           ", 'SET')";
  }
  return tx.exec1(sql)[0].as<bool>();
}

// True when a CREATE failed because another session created the same object first: the
// object's own "already exists" code, or, when both sessions passed the existence check at
// once, the catalog's unique_violation (23505).
bool IsCreatedConcurrently(const pqxx::sql_error& error, const char* already_exists_code) {
  return error.sqlstate() == already_exists_code || error.sqlstate() == "23505";
}

// What EnsureUser needs to know before it writes, read inside its transaction.
struct UserFacts {
  bool user_exists = false;
  bool database_exists = true;    // true when the spec has no database
  std::string group_role;         // the database's group role, "" when it has none (or no db)
  bool admin_role_exists = false;
};

// A database as InspectDatabase reads it.
struct DatabaseFacts {
  bool exists = false;
  std::uint32_t oid = 0;
  std::string owner;
  bool acl_in_shape = false;  // nothing for PUBLIC, CONNECT + TEMPORARY for the admin role
};

class PqEngine final : public Engine {
 public:
  explicit PqEngine(const ConnectionConfig& config) : config_(config) {
    if (!config_.ssl_ca.empty()) ca_file_.emplace(config_.ssl_ca);
    Guard("connect to PostgreSQL", [this] { Admin(); });
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
  pqxx::connection& Admin();
  std::unique_ptr<pqxx::connection> Open(const std::string& dbname) const;

  // Runs `fn`, translating any failure into DbError (redacting `secret`). A connection failure
  // drops the admin connection so that the next call reconnects.
  template <typename Fn>
  auto Guard(std::string_view what, Fn&& fn, std::string_view secret = {}) -> decltype(fn()) {
    try {
      return fn();
    } catch (...) {
      DbError error = TranslateException(std::current_exception(), what,
                                         secret.empty() ? config_.password : secret);
      if (error.kind() == ErrorKind::kConnection) admin_.reset();
      throw error;
    }
  }

  std::string GroupRole(std::uint32_t oid) const {
    return core::PostgresGroupRole(config_.instance_prefix, oid);
  }
  std::string AdminRole() const { return core::PostgresAdminRole(config_.instance_prefix); }
  std::string OperatorName() const { return config_.instance_prefix + "operator"; }

  DatabaseFacts ReadDatabase(pqxx::transaction_base& tx, const std::string& name) const;
  // The same, in a statement of its own on the engine's connection.
  DatabaseFacts ReadDatabase(const std::string& name);
  DatabaseStatus StatusOf(const DatabaseFacts& facts) const;
  void EnsureGroupRole(const std::string& role);
  void JoinRole(const std::string& role, const std::string& member);
  void EnsureAdminRole();
  void RefuseUnsafeRoles(const ExtraRoles& roles);
  void CreateDatabase(const std::string& name);
  void FinishDatabase(const std::string& name, const std::string& group);
  void TakeOverPublicSchema(const std::string& name, const std::string& group);
  void HandOverOwnedDatabases(const std::string& user);
  std::string PasswordLiteral(PqConnection& conn, const std::string& password) const;
  std::string BeginSql(const std::string& first_query) const;
  UserFacts ProbeUser(pqxx::nontransaction& tx, const UserSpec& spec) const;
  std::vector<std::string> UserStatements(pqxx::transaction_base& tx, const UserSpec& spec,
                                          const UserFacts& facts,
                                          const std::string& password_literal) const;
  std::vector<std::string> OperatorStatements(pqxx::transaction_base& tx, const OperatorSpec& spec,
                                              bool exists, const std::string& password_literal);
  void CommitBatch(pqxx::nontransaction& tx, const std::vector<std::string>& statements);
  std::string TerminateSessionsSql(pqxx::transaction_base& tx, const std::string& user);
  std::vector<std::string> ReassignAndDropOwnedSql(pqxx::transaction_base& tx,
                                                   const std::string& user,
                                                   const std::string& database) const;

  ConnectionConfig config_;
  std::optional<SecretFile> ca_file_;
  std::unique_ptr<pqxx::connection> admin_;
  bool admin_is_superuser_ = false;
  std::string current_user_;  // the account the engine logged in as
  // A superuser, or (PostgreSQL 15+) an account granted SET on kLogParameters (the operator):
  // the engine's sessions and password statements then stay out of the server's logs.
  bool can_hide_from_logs_ = false;
  // The server hashes clear passwords with SCRAM-SHA-256 (password_encryption); only then does
  // the engine send verifiers it computed itself, so the stored secret's kind stays the server's
  // choice.
  bool server_uses_scram_ = false;
};

std::unique_ptr<pqxx::connection> PqEngine::Open(const std::string& dbname) const {
  const std::string conninfo =
      BuildConninfo(config_, dbname, ca_file_ ? std::string_view(ca_file_->path()) : "");
  return std::make_unique<pqxx::connection>(conninfo);
}

pqxx::connection& PqEngine::Admin() {
  if (admin_ && admin_->is_open()) return *admin_;
  admin_ = Open("");
  pqxx::nontransaction tx(*admin_);
  const pqxx::row row = tx.exec1(
      "SELECT pg_catalog.current_setting('is_superuser'),"
      " pg_catalog.current_setting('password_encryption')");
  admin_is_superuser_ = row[0].as<std::string>() == "on";
  current_user_ = tx.exec1("SELECT CURRENT_USER")[0].as<std::string>();
  can_hide_from_logs_ = admin_is_superuser_ || MaySetLogParameters(tx, admin_->server_version());
  if (can_hide_from_logs_) tx.exec(SessionHiddenFromDurationLogsSql(admin_->server_version()));
  server_uses_scram_ = row[1].as<std::string>() == "scram-sha-256";
  return *admin_;
}

ServerInfo PqEngine::Server() {
  return Guard("read PostgreSQL version", [this] {
    pqxx::nontransaction tx(Admin());
    const pqxx::row row =
        tx.exec1("SELECT pg_catalog.version(), pg_catalog.current_setting('server_version')");
    ServerInfo info;
    info.flavour = Flavour::kPostgres;
    info.banner = row[0].as<std::string>();
    const std::string full = row[1].as<std::string>();  // "15.6 (Debian 15.6-0+deb12u1)"
    info.version = full.substr(0, full.find(' '));
    return info;
  });
}

bool PqEngine::DatabaseExists(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  return Guard("look up database", [&] {
    pqxx::nontransaction tx(Admin());
    return Exists(tx, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", name);
  });
}

bool PqEngine::UserExists(const std::string& name) {
  RequireUserName(name, kDialect);
  return Guard("look up user", [&] {
    pqxx::nontransaction tx(Admin());
    return RoleExists(tx, name);
  });
}

// One query: the database's OID, its owner, and whether its ACL is already what a finished
// set-up leaves (nothing for PUBLIC; CONNECT and TEMPORARY for the admin role).
DatabaseFacts PqEngine::ReadDatabase(pqxx::transaction_base& tx, const std::string& name) const {
  const pqxx::result rows = tx.exec_params(
      "SELECT d.oid::pg_catalog.int8, o.rolname,"
      " d.datacl IS NOT NULL"
      " AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(d.datacl) a WHERE a.grantee = 0)"
      " AND (SELECT pg_catalog.count(DISTINCT a.privilege_type)"
      "      FROM pg_catalog.aclexplode(d.datacl) a"
      "      JOIN pg_catalog.pg_roles r ON r.oid = a.grantee AND r.rolname = $2"
      "      WHERE a.privilege_type IN ('CONNECT', 'TEMPORARY')) = 2"
      " FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles o ON o.oid = d.datdba"
      " WHERE d.datname = $1",
      name, AdminRole());
  DatabaseFacts facts;
  if (rows.empty()) return facts;
  facts.exists = true;
  facts.oid = static_cast<std::uint32_t>(rows[0][0].as<long long>());
  facts.owner = rows[0][1].as<std::string>();
  facts.acl_in_shape = rows[0][2].as<bool>();
  return facts;
}

// Managed: owned by this application's group role for it, or by this application's operator
// (a set-up cut short between CREATE DATABASE and the hand-over to the group role).
DatabaseStatus PqEngine::StatusOf(const DatabaseFacts& facts) const {
  if (!facts.exists) return DatabaseStatus::kAbsent;
  if (facts.owner == GroupRole(facts.oid) || facts.owner == OperatorName()) {
    return DatabaseStatus::kManaged;
  }
  return DatabaseStatus::kForeign;
}

DatabaseFacts PqEngine::ReadDatabase(const std::string& name) {
  pqxx::nontransaction tx(Admin());
  return ReadDatabase(tx, name);
}

DatabaseInfo PqEngine::InspectDatabase(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  return Guard("inspect database", [&] { return DatabaseInfo{StatusOf(ReadDatabase(name)), {}}; });
}

void PqEngine::EnsureGroupRole(const std::string& role) {
  pqxx::nontransaction tx(Admin());
  if (RoleExists(tx, role)) return;
  try {
    tx.exec0("CREATE ROLE " + tx.quote_name(role) + " NOLOGIN");
  } catch (const pqxx::sql_error& e) {
    if (!IsCreatedConcurrently(e, "42710")) throw;
  }
}

// Makes `member` a member of `role` unless it already is. The operator joins the group roles it
// hands databases and objects to: PostgreSQL requires membership for ALTER ... OWNER TO and
// REASSIGN OWNED. (CREATEROLE allows it for every non-superuser role.)
void PqEngine::JoinRole(const std::string& role, const std::string& member) {
  pqxx::nontransaction tx(Admin());
  const bool is_member =
      tx.exec_params1(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m"
            " JOIN pg_catalog.pg_roles r ON r.oid = m.roleid AND r.rolname = $1"
            " JOIN pg_catalog.pg_roles u ON u.oid = m.member AND u.rolname = $2)",
            role, member)[0]
          .as<bool>();
  if (!is_member) tx.exec0("GRANT " + tx.quote_name(role) + " TO " + tx.quote_name(member));
}

void PqEngine::CreateDatabase(const std::string& name) {
  pqxx::nontransaction tx(Admin());  // CREATE DATABASE cannot run in a transaction block
  try {
    tx.exec0("CREATE DATABASE " + tx.quote_name(name));
  } catch (const pqxx::sql_error& e) {
    if (!IsCreatedConcurrently(e, "42P04")) throw;
  }
}

// One round trip when the database is already in shape. Otherwise: the database (created by the
// operator, whose ownership marks a set-up under way), its group and admin roles, the operator's
// membership in the group role, and last, in one transaction, the ACL and the hand-over to the
// group role (the mark of a finished set-up). Drift (PUBLIC granted CONNECT again) is repaired.
void PqEngine::EnsureDatabase(const std::string& name, const DatabaseOwner& /*owner*/) {
  RequireDatabaseName(name, kDialect);
  Guard("ensure database", [&] {
    DatabaseFacts facts = ReadDatabase(name);
    if (!facts.exists) {
      CreateDatabase(name);
      facts = ReadDatabase(name);
    }
    if (StatusOf(facts) != DatabaseStatus::kManaged) {
      throw DbError(ErrorKind::kAlreadyExists, "42P04",
                    "ensure database: database '" + name +
                        "' exists and is not managed by this application");
    }
    const std::string group = GroupRole(facts.oid);
    if (facts.owner == group && facts.acl_in_shape) return;
    EnsureGroupRole(group);
    if (!admin_is_superuser_) JoinRole(group, current_user_);
    EnsureGroupRole(AdminRole());
    TakeOverPublicSchema(name, group);
    FinishDatabase(name, group);
  });
}

void PqEngine::FinishDatabase(const std::string& name, const std::string& group) {
  pqxx::work tx(Admin());
  const std::string database = tx.quote_name(name);
  tx.exec(LockDatabaseAclSql(tx, name));
  tx.exec0("REVOKE ALL ON DATABASE " + database + " FROM PUBLIC");
  // kAdmin users reach every managed database through the admin role (pg_read_all_data does
  // not include CONNECT, which is revoked from PUBLIC above).
  tx.exec0("GRANT CONNECT, TEMPORARY ON DATABASE " + database + " TO " +
           tx.quote_name(AdminRole()));
  tx.exec0("ALTER DATABASE " + database + " OWNER TO " + tx.quote_name(group));
  tx.commit();
}

// PostgreSQL 15 makes public owned by pg_database_owner (= the group role once the database is
// handed over) with no CREATE for PUBLIC: nothing to do. Older servers leave it to the bootstrap
// superuser with CREATE for PUBLIC; only a superuser can change that, so a NOSUPERUSER operator
// leaves it (other applications' users cannot connect to the database anyway).
void PqEngine::TakeOverPublicSchema(const std::string& name, const std::string& group) {
  if (Admin().server_version() >= kVersionWithDatabaseOwnerSchema || !admin_is_superuser_) return;
  const auto conn = Open(name);
  pqxx::work tx(*conn);
  if (tx.exec("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'public'").empty()) return;
  tx.exec0("ALTER SCHEMA public OWNER TO " + tx.quote_name(group));
  tx.exec0("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  tx.commit();
}

// Needs rights over the database (its owner or a superuser): the charm calls it as the admin.
void PqEngine::AdoptDatabase(const std::string& name, const DatabaseOwner& /*owner*/) {
  RequireDatabaseName(name, kDialect);
  Guard("adopt database", [&] {
    const DatabaseFacts facts = ReadDatabase(name);
    if (!facts.exists) {
      throw DbError(ErrorKind::kNotFound, "3D000",
                    "adopt database: database '" + name + "' does not exist");
    }
    const std::string group = GroupRole(facts.oid);
    EnsureGroupRole(group);
    bool operator_exists = false;
    {
      pqxx::nontransaction tx(Admin());
      operator_exists = RoleExists(tx, OperatorName());
    }
    if (operator_exists) JoinRole(group, OperatorName());
    {
      pqxx::work tx(Admin());
      tx.exec(LockDatabaseAclSql(tx, name));
      tx.exec0("GRANT CONNECT, CREATE, TEMPORARY ON DATABASE " + tx.quote_name(name) + " TO " +
               tx.quote_name(group));
      tx.commit();
    }
    const auto conn = Open(name);
    pqxx::work tx(*conn);
    if (tx.exec("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'public'").empty()) return;
    tx.exec0("GRANT USAGE, CREATE ON SCHEMA public TO " + tx.quote_name(group));
    tx.commit();
  });
}

void PqEngine::EnsureAdminRole() {
  const std::string role = AdminRole();
  EnsureGroupRole(role);
  pqxx::work tx(Admin());
  tx.exec0("GRANT pg_read_all_data, pg_write_all_data TO " + tx.quote_name(role));
  tx.commit();
}

// Settings that keep the text of the transaction's later messages out of the server's records
// while it runs: the statement log, the STATEMENT line logged with an error, and
// pg_stat_statements, which stores utility statements verbatim (a placeholder setting when that
// module is not loaded). Superuser-only.
constexpr std::string_view kHideFromServerRecords =
    "SET LOCAL log_statement = 'none'; SET LOCAL log_min_error_statement = 'panic'; "
    "SET LOCAL pg_stat_statements.track_utility = off; ";

// Opens an explicit transaction and runs `first_query` in the same message. For a superuser the
// message also applies kHideFromServerRecords (for others the server's settings decide). A
// message is logged whole before its first statement runs, so the statements that carry a
// password always travel in a later message than this one.
std::string PqEngine::BeginSql(const std::string& first_query) const {
  return "BEGIN; " + std::string(can_hide_from_logs_ ? kHideFromServerRecords : "") + first_query;
}

// The PASSWORD clause's literal: a SCRAM-SHA-256 verifier computed here when SASLprep leaves the
// password unchanged (printable ASCII) and the server would hash with SCRAM anyway; otherwise
// the clear password, which the server prepares and hashes itself (exactly as for psql).
std::string PqEngine::PasswordLiteral(PqConnection& conn,
                                      const std::string& password) const {
  if (server_uses_scram_ && IsSaslprepIdentity(password)) {
    return Literal(conn, ScramSha256Verifier(password));
  }
  return Literal(conn, password);
}

// Runs the statements and COMMIT as one message after BeginSql(). On failure the transaction is
// rolled back (when the connection still stands) and the error propagates.
void PqEngine::CommitBatch(pqxx::nontransaction& tx, const std::vector<std::string>& statements) {
  try {
    tx.exec(Join(statements) + "; COMMIT");
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (...) {
    try {
      tx.exec("ROLLBACK");
    } catch (...) {
      // The original failure is the one to report; a broken connection shows up again on the
      // next call (Guard drops it on kConnection).
    }
    throw;
  }
}

// One message: BEGIN (+ hide from the log) and what EnsureUser branches on. The database's group
// role is this application's role named after the database's OID.
UserFacts PqEngine::ProbeUser(pqxx::nontransaction& tx, const UserSpec& spec) const {
  std::string probe = "SELECT " + ExistsSql(tx, "pg_roles", "rolname", spec.name) + ", " +
                      ExistsSql(tx, "pg_roles", "rolname", AdminRole());
  if (spec.database) {
    const std::string database = Literal(tx, *spec.database);
    probe += ", " + ExistsSql(tx, "pg_database", "datname", *spec.database) +
             ", (SELECT r.rolname FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r"
             " ON r.rolname = " + Literal(tx, config_.instance_prefix + "o") +
             " OPERATOR(pg_catalog.||) d.oid::pg_catalog.text WHERE d.datname = " + database + ")";
  }
  const pqxx::result result = tx.exec(BeginSql(probe));
  const pqxx::row row = result.at(0);
  UserFacts facts;
  facts.user_exists = row[0].as<bool>();
  facts.admin_role_exists = row[1].as<bool>();
  if (spec.database) {
    facts.database_exists = row[2].as<bool>();
    facts.group_role = row[3].is_null() ? std::string() : row[3].as<std::string>();
  }
  return facts;
}

// Defence in depth behind the charm's policy: roles that cannot be given safely on this server
// are refused before anything changes.
void PqEngine::RefuseUnsafeRoles(const ExtraRoles& roles) {
  ServerInfo server;
  server.flavour = Flavour::kPostgres;
  server.version = std::to_string(Admin().server_version() / 10000);
  for (const ExtraRole role : roles) {
    if (auto reason = core::UnsafeRoleReason(role, server)) {
      throw DbError(ErrorKind::kAccessDenied, "42501", "ensure user: " + *reason);
    }
  }
}

void PqEngine::EnsureUser(const UserSpec& spec) {
  RequireUserName(spec.name, kDialect);
  RequirePassword(spec.password);
  if (spec.database) RequireDatabaseName(*spec.database, kDialect);
  Guard(
      "ensure user",
      [&] {
        RefuseUnsafeRoles(spec.extra_roles);
        if (spec.extra_roles.contains(ExtraRole::kAdmin)) {
          // Rare; keeps the order "no database, no change" before the admin role is ensured.
          if (spec.database && !DatabaseExists(*spec.database)) {
            throw DbError(ErrorKind::kNotFound, "3D000",
                          "ensure user: database '" + *spec.database + "' does not exist");
          }
          EnsureAdminRole();
        }
        // Hash before the transaction opens: PBKDF2 is the slow part and needs no lock.
        const std::string password_literal = PasswordLiteral(Admin(), spec.password);
        pqxx::nontransaction tx(Admin());
        const UserFacts facts = ProbeUser(tx, spec);
        if (spec.database && (!facts.database_exists || facts.group_role.empty())) {
          tx.exec("ROLLBACK");
          throw DbError(ErrorKind::kNotFound, "3D000",
                        "ensure user: database '" + *spec.database +
                            (facts.database_exists
                                 ? "' is neither managed nor adopted by this application"
                                 : "' does not exist"));
        }
        CommitBatch(tx, UserStatements(tx, spec, facts, password_literal));
      },
      spec.password);
}

// CREATE or ALTER the role with exactly the wanted attributes and password, then memberships and
// database settings. For a role created by this very transaction nothing needs revoking or
// resetting, so those statements are left out.
std::vector<std::string> PqEngine::UserStatements(pqxx::transaction_base& tx, const UserSpec& spec,
                                                  const UserFacts& facts,
                                                  const std::string& password_literal) const {
  const auto& roles = spec.extra_roles;
  const std::string user = tx.quote_name(spec.name);
  const bool superuser = roles.contains(ExtraRole::kSuperuser);
  std::string attributes = " WITH LOGIN INHERIT";
  // Mentioning NOSUPERUSER at all needs superuser; a plain CREATEROLE operator leaves it out.
  if (superuser || admin_is_superuser_) attributes += superuser ? " SUPERUSER" : " NOSUPERUSER";
  const bool createdb = roles.contains(ExtraRole::kCreateDb) || roles.contains(ExtraRole::kAdmin);
  attributes += createdb ? " CREATEDB" : " NOCREATEDB";
  attributes += roles.contains(ExtraRole::kCreateRole) ? " CREATEROLE" : " NOCREATEROLE";
  attributes += " PASSWORD " + password_literal;

  std::vector<std::string> statements;
  statements.push_back((facts.user_exists ? "ALTER ROLE " : "CREATE ROLE ") + user + attributes);

  const std::string admin_role = tx.quote_name(AdminRole());
  if (roles.contains(ExtraRole::kAdmin)) {
    statements.push_back("GRANT " + admin_role + " TO " + user);
  } else if (facts.user_exists && facts.admin_role_exists) {
    statements.push_back("REVOKE " + admin_role + " FROM " + user);
  }

  // A session that SETs ROLE to the group role runs with the group role's attributes and
  // memberships only, which would silently disable CREATEDB, CREATEROLE, SUPERUSER and the
  // admin membership. So only plain users get the default role; users with extra roles create
  // objects as themselves, and DropUser hands those to the group role (REASSIGN OWNED).
  if (spec.database) {
    const std::string group = tx.quote_name(facts.group_role);
    const std::string database = tx.quote_name(*spec.database);
    statements.push_back("GRANT " + group + " TO " + user);
    if (roles.empty()) {
      statements.push_back("ALTER ROLE " + user + " IN DATABASE " + database + " SET role = " +
                           group);
    } else if (facts.user_exists) {
      statements.push_back("ALTER ROLE " + user + " IN DATABASE " + database + " RESET role");
    }
    // No GRANT ON DATABASE per user: as an INHERIT member of the group role the user has the
    // group's privileges (as owner: CONNECT, CREATE, TEMPORARY), so the database's ACL does not
    // grow with its users and provisioning never rewrites the pg_database row.
  }
  return statements;
}

void PqEngine::SetPassword(const std::string& user, const std::string& password) {
  RequireUserName(user, kDialect);
  RequirePassword(password);
  Guard(
      "set password",
      [&] {
        const std::string password_literal = PasswordLiteral(Admin(), password);
        pqxx::nontransaction tx(Admin());
        const pqxx::result found =
            tx.exec(BeginSql("SELECT " + ExistsSql(tx, "pg_roles", "rolname", user)));
        if (!found.at(0)[0].as<bool>()) {
          tx.exec("ROLLBACK");
          throw DbError(ErrorKind::kNotFound, "42704",
                        "set password: user '" + user + "' does not exist");
        }
        CommitBatch(tx, {"ALTER ROLE " + tx.quote_name(user) + " WITH PASSWORD " +
                         password_literal});
      },
      password);
}

// SELECT that terminates every session of `user` but this one, waiting for them to exit where
// the server can (PostgreSQL 14+).
std::string PqEngine::TerminateSessionsSql(pqxx::transaction_base& tx, const std::string& user) {
  const bool can_wait = Admin().server_version() >= kVersionWithTerminateWait;
  const std::string terminate =
      can_wait ? "pg_catalog.pg_terminate_backend(pid, " + std::to_string(kTerminateWaitMs) + ")"
               : "pg_catalog.pg_terminate_backend(pid)";
  return "SELECT " + terminate +
         " FROM pg_catalog.pg_stat_activity"
         " WHERE usename = " + Literal(tx, user) + " AND pid <> pg_catalog.pg_backend_pid()";
}

// SELECT of the databases in which `user` owns objects or holds privileges (pg_shdepend records
// both).
std::string DatabasesWithObjectsSql(pqxx::transaction_base& tx, const std::string& user) {
  return "SELECT DISTINCT d.datname FROM pg_catalog.pg_shdepend s"
         " JOIN pg_catalog.pg_database d ON d.oid = s.dbid"
         " WHERE s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND d.datallowconn"
         " AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = " +
         Literal(tx, user) + ")";
}

// REASSIGN OWNED BY `user` TO this application's group role of `database` when it has one, then
// DROP OWNED BY `user` (which, after the REASSIGN, only revokes privileges); where there is no
// group role, DROP OWNED drops what the user owned there. Never anything for the operator.
std::vector<std::string> PqEngine::ReassignAndDropOwnedSql(pqxx::transaction_base& tx,
                                                           const std::string& user,
                                                           const std::string& database) const {
  const pqxx::result group = tx.exec(
      "SELECT r.rolname FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r ON r.rolname = " +
      Literal(tx, config_.instance_prefix + "o") +
      " OPERATOR(pg_catalog.||) d.oid::pg_catalog.text WHERE d.datname = " +
      Literal(tx, database));
  std::vector<std::string> statements;
  if (!group.empty()) {
    statements.push_back("REASSIGN OWNED BY " + tx.quote_name(user) + " TO " +
                         tx.quote_name(group[0][0].as<std::string>()));
  }
  statements.push_back("DROP OWNED BY " + tx.quote_name(user));
  return statements;
}

// Databases the user owns (created with CREATEDB) become this application's: each is handed to
// its own group role, so that nothing of the data goes and no privileged account gets it.
void PqEngine::HandOverOwnedDatabases(const std::string& user) {
  std::vector<std::pair<std::string, std::uint32_t>> owned;
  {
    pqxx::nontransaction tx(Admin());
    for (const auto& row : tx.exec_params(
             "SELECT d.datname, d.oid::pg_catalog.int8 FROM pg_catalog.pg_database d"
             " JOIN pg_catalog.pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1",
             user)) {
      owned.emplace_back(row[0].as<std::string>(),
                         static_cast<std::uint32_t>(row[1].as<long long>()));
    }
  }
  for (const auto& [database, oid] : owned) {
    const std::string group = GroupRole(oid);
    EnsureGroupRole(group);
    if (!admin_is_superuser_) JoinRole(group, current_user_);
    pqxx::nontransaction tx(Admin());
    tx.exec0("ALTER DATABASE " + tx.quote_name(database) + " OWNER TO " + tx.quote_name(group));
  }
}

// Messages: probe; NOLOGIN (committed before any session is terminated, so none can start after
// the termination); the operator's membership in the user (REASSIGN/DROP OWNED need it);
// terminate sessions + list databases with objects; databases the user owns handed over; per
// database with objects (rare: objects the user created as itself) reassign/drop owned over a
// connection to it; drop owned and drop the role in the maintenance database, as one implicit
// transaction.
void PqEngine::LockUser(const std::string& name) {
  RequireUserName(name, kDialect);
  Guard("lock user", [&] {
    pqxx::nontransaction tx(Admin());
    if (!tx.exec("SELECT " + ExistsSql(tx, "pg_roles", "rolname", name)).at(0)[0].as<bool>()) {
      return;
    }
    tx.exec("ALTER ROLE " + tx.quote_name(name) + " NOLOGIN");
    tx.exec(TerminateSessionsSql(tx, name));
  });
}

void PqEngine::DropUser(const std::string& name) {
  RequireUserName(name, kDialect);
  Guard("drop user", [&] {
    std::vector<std::string> databases;
    {
      pqxx::nontransaction tx(Admin());
      if (!tx.exec("SELECT " + ExistsSql(tx, "pg_roles", "rolname", name)).at(0)[0].as<bool>()) {
        return;
      }
      tx.exec("ALTER ROLE " + tx.quote_name(name) + " NOLOGIN");  // no new sessions from here on
    }
    if (!admin_is_superuser_) JoinRole(name, current_user_);
    {
      pqxx::nontransaction tx(Admin());
      // One message; its result is the last statement's.
      const pqxx::result rows =
          tx.exec(TerminateSessionsSql(tx, name) + "; " + DatabasesWithObjectsSql(tx, name));
      for (const auto& row : rows) databases.push_back(row[0].as<std::string>());
    }
    HandOverOwnedDatabases(name);
    const std::string maintenance = config_.dbname.empty() ? "postgres" : config_.dbname;
    for (const std::string& database : databases) {
      if (database == maintenance) continue;
      const auto conn = Open(database);
      pqxx::nontransaction tx(*conn);
      tx.exec(Join(ReassignAndDropOwnedSql(tx, name, database)));
    }
    // The maintenance database, and privileges on shared objects (databases) from anywhere.
    pqxx::nontransaction tx(Admin());
    // DROP OWNED revokes the user's privileges on databases: take their ACL locks (sorted).
    std::vector<std::string> statements = {
        "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(" +
        Literal(tx, std::string(kDatabaseAclLock)) +
        " OPERATOR(pg_catalog.||) datname, 0)) FROM (SELECT d.datname FROM pg_catalog.pg_shdepend s"
        " JOIN pg_catalog.pg_database d ON d.oid = s.objid"
        " WHERE s.dbid = 0 AND s.classid = 'pg_catalog.pg_database'::pg_catalog.regclass"
        " AND s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass"
        " AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = " +
        Literal(tx, name) + ") ORDER BY d.datname COLLATE \"C\") AS acl"};
    for (auto& statement : ReassignAndDropOwnedSql(tx, name, maintenance)) {
      statements.push_back(std::move(statement));
    }
    statements.push_back("DROP ROLE IF EXISTS " + tx.quote_name(name));
    tx.exec(Join(statements));
  });
}

std::vector<std::string> PqEngine::ListUsers(const std::string& prefix) {
  RequireUserPrefix(prefix, kDialect);
  return Guard("list users", [&] {
    pqxx::nontransaction tx(Admin());
    const pqxx::result rows = tx.exec_params(
        "SELECT rolname FROM pg_catalog.pg_roles"
        " WHERE pg_catalog.left(rolname, pg_catalog.length($1)) = $1"
        " ORDER BY rolname COLLATE \"C\"",
        prefix);
    std::vector<std::string> users;
    for (const auto& row : rows) {
      auto name = row[0].as<std::string>();
      if (core::IsValidUserName(name, kDialect)) users.push_back(std::move(name));
    }
    return users;
  });
}

// The operator's attributes, then its memberships: pg_signal_backend (to end the sessions of a
// revoked user) and nothing else but this application's own roles, which it joins as it works.
std::vector<std::string> PqEngine::OperatorStatements(pqxx::transaction_base& tx,
                                                      const OperatorSpec& spec, bool exists,
                                                      const std::string& password_literal) {
  const std::string op = tx.quote_name(spec.name);
  std::string attributes = " WITH LOGIN INHERIT CREATEDB CREATEROLE";
  if (spec.grantable.contains(ExtraRole::kSuperuser) || admin_is_superuser_) {
    attributes += spec.grantable.contains(ExtraRole::kSuperuser) ? " SUPERUSER" : " NOSUPERUSER NOREPLICATION NOBYPASSRLS";
  }
  if (spec.password) attributes += " PASSWORD " + password_literal;
  std::vector<std::string> statements{(exists ? "ALTER ROLE " : "CREATE ROLE ") + op + attributes,
                                      std::string("GRANT ") + kSignalBackendRole + " TO " + op};
  // Only a superuser (or an account holding them WITH GRANT OPTION) may grant SET on these; an
  // admin that cannot leaves the server's log settings in charge (docs/security.md).
  if (admin_is_superuser_ && Admin().server_version() >= kVersionWithParameterPrivileges) {
    std::string parameters;
    for (const auto parameter : kLogParameters) {
      parameters += (parameters.empty() ? "" : ", ") + std::string(parameter);
    }
    statements.push_back("GRANT SET ON PARAMETER " + parameters + " TO " + op);
  }
  if (!exists) return statements;
  const pqxx::result surplus = tx.exec_params(
      "SELECT r.rolname FROM pg_catalog.pg_auth_members m"
      " JOIN pg_catalog.pg_roles r ON r.oid = m.roleid"
      " JOIN pg_catalog.pg_roles u ON u.oid = m.member AND u.rolname = $1"
      " WHERE r.rolname <> $2 AND pg_catalog.left(r.rolname, pg_catalog.length($3)) <> $3",
      spec.name, std::string(kSignalBackendRole), config_.instance_prefix);
  for (const auto& row : surplus) {
    statements.push_back("REVOKE " + tx.quote_name(row[0].as<std::string>()) + " FROM " + op);
  }
  return statements;
}

void PqEngine::EnsureOperator(const OperatorSpec& spec) {
  RequireUserName(spec.name, kDialect);
  if (spec.password) RequirePassword(*spec.password);
  const std::string secret = spec.password.value_or("");
  Guard(
      "ensure operator",
      [&] {
        const std::string password_literal =
            spec.password ? PasswordLiteral(Admin(), *spec.password) : std::string();
        pqxx::nontransaction tx(Admin());
        const bool exists =
            tx.exec(BeginSql("SELECT " + ExistsSql(tx, "pg_roles", "rolname", spec.name)))
                .at(0)[0]
                .as<bool>();
        if (!exists && !spec.password) {
          tx.exec("ROLLBACK");
          throw DbError(ErrorKind::kNotFound, "42704",
                        "ensure operator: user '" + spec.name + "' does not exist");
        }
        CommitBatch(tx, OperatorStatements(tx, spec, exists, password_literal));
      },
      secret);
}

std::optional<std::string> PqEngine::OperatorDrift(const ExtraRoles& grantable) {
  const bool superuser = grantable.contains(ExtraRole::kSuperuser);
  return Guard("read the operator's privileges", [&]() -> std::optional<std::string> {
    pqxx::nontransaction tx(Admin());
    const pqxx::row row = tx.exec_params1(
        "SELECT r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls,"
        " pg_catalog.pg_has_role(r.oid, $1, 'MEMBER'),"
        " (SELECT pg_catalog.string_agg(g.rolname, ',' ORDER BY g.rolname)"
        "  FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid"
        "  WHERE m.member = r.oid AND g.rolname <> $1"
        "  AND pg_catalog.left(g.rolname, pg_catalog.length($2)) <> $2)"
        " FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER",
        std::string(kSignalBackendRole), config_.instance_prefix);
    std::vector<std::string> drift;
    if (row[0].as<bool>() != superuser) drift.push_back(superuser ? "lacks SUPERUSER" : "holds SUPERUSER");
    if (!row[1].as<bool>()) drift.push_back("lacks CREATEDB");
    if (!row[2].as<bool>()) drift.push_back("lacks CREATEROLE");
    if (!superuser && row[3].as<bool>()) drift.push_back("holds REPLICATION");
    if (!superuser && row[4].as<bool>()) drift.push_back("holds BYPASSRLS");
    if (!row[5].as<bool>()) drift.push_back("is not a member of pg_signal_backend");
    if (!row[6].is_null()) drift.push_back("is a member of " + row[6].as<std::string>());
    if (drift.empty()) return std::nullopt;
    std::string text;
    for (const auto& item : drift) text += (text.empty() ? "" : ", ") + item;
    return text;
  });
}

}  // namespace
}  // namespace grantor::db::postgres

namespace grantor::db {

EnginePtr ConnectPostgres(const ConnectionConfig& config) {
  return std::make_unique<postgres::PqEngine>(config);
}

}  // namespace grantor::db
