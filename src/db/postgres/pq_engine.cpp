// PostgreSQL implementation of grantor::db::Engine over libpqxx 6.4.
//
// Ownership model: every managed database D has a NOLOGIN owner role O = DatabaseOwnerRole(D)
// that owns D and its public schema. Relation users are members of O (INHERIT) and have
// `ALTER ROLE u IN DATABASE D SET role = O`, so whatever they create is owned by O and survives
// them. Identifiers go through quote_name(), literals through esc() (Literal()) or bound
// parameters, and every name is validated (validate.hpp) before any of that happens.
//
// Round trips: EnsureUser and SetPassword are two messages (BEGIN + hide from the logs + probe,
// then every write + COMMIT as one ;-separated batch), whether the user is new or not; DropUser
// is four for a user without objects of its own. Passwords of printable ASCII travel as
// SCRAM-SHA-256 verifiers computed here (scram.hpp), so the clear password never reaches the
// server. (PostgreSQL still runs one PBKDF2 per CREATE/ALTER ROLE ... PASSWORD: it checks that
// the verifier is not that of the empty password. The server-side cost stays.)

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "db/postgres/conninfo.hpp"
#include "db/postgres/pq_errors.hpp"
#include "db/postgres/scram.hpp"
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

bool Exists(pqxx::transaction_base& tx, const char* query, const std::string& name) {
  return !tx.exec_params(query, name).empty();
}

bool RoleExists(pqxx::transaction_base& tx, const std::string& role) {
  return Exists(tx, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", role);
}

bool DatabaseExistsTx(pqxx::transaction_base& tx, const std::string& name) {
  return Exists(tx, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", name);
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

// What EnsureUser needs to know before it writes, read inside its transaction.
struct UserFacts {
  bool user_exists = false;
  bool database_exists = true;  // true when the spec has no database
  bool owner_exists = true;     // the database's owner role; true when no database
  bool admin_role_exists = false;
};

class PqEngine final : public Engine {
 public:
  explicit PqEngine(const ConnectionConfig& config) : config_(config) {
    if (!config_.ssl_ca.empty()) ca_file_.emplace(config_.ssl_ca);
    Guard("connect to PostgreSQL", [this] { Admin(); });
  }

  ServerInfo Server() override;
  void EnsureDatabase(const std::string& name) override;
  bool DatabaseExists(const std::string& name) override;
  void EnsureUser(const UserSpec& spec) override;
  void SetPassword(const std::string& user, const std::string& password) override;
  void DropUser(const std::string& name) override;
  bool UserExists(const std::string& name) override;
  std::vector<std::string> ListUsers(const std::string& prefix) override;

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

  void EnsureGroupRole(const std::string& role);
  void EnsureAdminRole();
  void TakeOverDatabase(const std::string& name, const std::string& owner);
  void TakeOverPublicSchema(const std::string& name, const std::string& owner);
  std::string PasswordLiteral(PqConnection& conn, const std::string& password) const;
  std::string BeginSql(const std::string& first_query) const;
  UserFacts ProbeUser(pqxx::nontransaction& tx, const UserSpec& spec) const;
  std::vector<std::string> UserStatements(pqxx::transaction_base& tx, const UserSpec& spec,
                                          const UserFacts& facts,
                                          const std::string& password_literal) const;
  void CommitBatch(pqxx::nontransaction& tx, const std::vector<std::string>& statements);
  std::string TerminateSessionsSql(pqxx::transaction_base& tx, const std::string& user);

  ConnectionConfig config_;
  std::optional<SecretFile> ca_file_;
  std::unique_ptr<pqxx::connection> admin_;
  bool admin_is_superuser_ = false;
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
      "SELECT current_setting('is_superuser'), current_setting('password_encryption')");
  admin_is_superuser_ = row[0].as<std::string>() == "on";
  if (admin_is_superuser_) tx.exec(SessionHiddenFromDurationLogsSql(admin_->server_version()));
  server_uses_scram_ = row[1].as<std::string>() == "scram-sha-256";
  return *admin_;
}

ServerInfo PqEngine::Server() {
  return Guard("read PostgreSQL version", [this] {
    pqxx::nontransaction tx(Admin());
    const pqxx::row row = tx.exec1("SELECT version(), current_setting('server_version')");
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
    return DatabaseExistsTx(tx, name);
  });
}

bool PqEngine::UserExists(const std::string& name) {
  RequireUserName(name, kDialect);
  return Guard("look up user", [&] {
    pqxx::nontransaction tx(Admin());
    return RoleExists(tx, name);
  });
}

namespace {

// True when a CREATE failed because another session created the same object first: the
// object's own "already exists" code, or, when both sessions passed the existence check at
// once, the catalog's unique_violation (23505).
bool IsCreatedConcurrently(const pqxx::sql_error& error, const char* already_exists_code) {
  return error.sqlstate() == already_exists_code || error.sqlstate() == "23505";
}

}  // namespace

void PqEngine::EnsureGroupRole(const std::string& role) {
  pqxx::nontransaction tx(Admin());
  if (RoleExists(tx, role)) return;
  try {
    tx.exec0("CREATE ROLE " + tx.quote_name(role) + " NOLOGIN");
  } catch (const pqxx::sql_error& e) {
    if (!IsCreatedConcurrently(e, "42710")) throw;
  }
}

// True when `name` is already fully taken over: owned by `owner`, nothing granted to PUBLIC, and
// CONNECT and TEMPORARY granted to grantor_admin. The owner changes last (TakeOverDatabase, after
// TakeOverPublicSchema), so a database owned by its owner role has been through every step.
bool IsTakenOver(pqxx::transaction_base& tx, const std::string& name, const std::string& owner) {
  return tx
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database d"
          " JOIN pg_catalog.pg_roles o ON o.oid = d.datdba AND o.rolname = $2"
          " WHERE d.datname = $1 AND d.datacl IS NOT NULL"
          " AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(d.datacl) a WHERE a.grantee = 0)"
          " AND (SELECT count(DISTINCT a.privilege_type) FROM pg_catalog.aclexplode(d.datacl) a"
          "      JOIN pg_catalog.pg_roles r ON r.oid = a.grantee AND r.rolname = $3"
          "      WHERE a.privilege_type IN ('CONNECT', 'TEMPORARY')) = 2)",
          name, owner, std::string(core::kPostgresAdminRole))[0]
      .as<bool>();
}

// One round trip when the database is already in shape. Otherwise: the roles, the database
// (created by the admin, so that its owner is not yet the marker IsTakenOver reads), its public
// schema, and last its ACL and owner in one transaction.
void PqEngine::EnsureDatabase(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  Guard("ensure database", [&] {
    const std::string owner = core::DatabaseOwnerRole(name);
    {
      pqxx::nontransaction tx(Admin());
      if (IsTakenOver(tx, name, owner)) return;
    }
    EnsureGroupRole(owner);
    EnsureGroupRole(std::string(core::kPostgresAdminRole));
    {
      pqxx::nontransaction tx(Admin());  // CREATE DATABASE cannot run in a transaction block
      if (!DatabaseExistsTx(tx, name)) {
        try {
          tx.exec0("CREATE DATABASE " + tx.quote_name(name));
        } catch (const pqxx::sql_error& e) {
          if (!IsCreatedConcurrently(e, "42P04")) throw;
        }
      }
    }
    TakeOverPublicSchema(name, owner);
    TakeOverDatabase(name, owner);
  });
}

void PqEngine::TakeOverDatabase(const std::string& name, const std::string& owner) {
  pqxx::work tx(Admin());
  const std::string database = tx.quote_name(name);
  tx.exec(LockDatabaseAclSql(tx, name));
  tx.exec0("REVOKE ALL ON DATABASE " + database + " FROM PUBLIC");
  // kAdmin users reach every managed database through grantor_admin (pg_read_all_data does
  // not include CONNECT, which is revoked from PUBLIC above).
  tx.exec0("GRANT CONNECT, TEMPORARY ON DATABASE " + database + " TO " +
           tx.quote_name(std::string(core::kPostgresAdminRole)));
  tx.exec0("ALTER DATABASE " + database + " OWNER TO " + tx.quote_name(owner));
  tx.commit();
}

// PostgreSQL 15 makes public owned by pg_database_owner (= the owner role once the database is
// handed over); older servers leave it to the bootstrap superuser with CREATE for PUBLIC. Handle
// both the same way.
void PqEngine::TakeOverPublicSchema(const std::string& name, const std::string& owner) {
  const auto conn = Open(name);
  pqxx::work tx(*conn);
  if (tx.exec("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'public'").empty()) return;
  tx.exec0("ALTER SCHEMA public OWNER TO " + tx.quote_name(owner));
  tx.exec0("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  tx.commit();
}

void PqEngine::EnsureAdminRole() {
  const std::string role(core::kPostgresAdminRole);
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
  return "BEGIN; " + std::string(admin_is_superuser_ ? kHideFromServerRecords : "") + first_query;
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

// One message: BEGIN (+ hide from the log) and what EnsureUser branches on.
UserFacts PqEngine::ProbeUser(pqxx::nontransaction& tx, const UserSpec& spec) const {
  std::string probe = "SELECT " + ExistsSql(tx, "pg_roles", "rolname", spec.name) + ", " +
                      ExistsSql(tx, "pg_roles", "rolname", std::string(core::kPostgresAdminRole));
  if (spec.database) {
    probe += ", " + ExistsSql(tx, "pg_database", "datname", *spec.database) + ", " +
             ExistsSql(tx, "pg_roles", "rolname", core::DatabaseOwnerRole(*spec.database));
  }
  const pqxx::result result = tx.exec(BeginSql(probe));
  const pqxx::row row = result.at(0);
  UserFacts facts;
  facts.user_exists = row[0].as<bool>();
  facts.admin_role_exists = row[1].as<bool>();
  if (spec.database) {
    facts.database_exists = row[2].as<bool>();
    facts.owner_exists = row[3].as<bool>();
  }
  return facts;
}

void PqEngine::EnsureUser(const UserSpec& spec) {
  RequireUserName(spec.name, kDialect);
  RequirePassword(spec.password);
  if (spec.database) RequireDatabaseName(*spec.database, kDialect);
  const auto missing_database = [&] {
    return DbError(ErrorKind::kNotFound, "3D000",
                   "ensure user: database '" + *spec.database + "' does not exist");
  };
  Guard(
      "ensure user",
      [&] {
        if (spec.extra_roles.contains(ExtraRole::kAdmin)) {
          // Rare; keeps the order "no database, no change" before grantor_admin is ensured.
          if (spec.database) {
            pqxx::nontransaction probe(Admin());
            if (!DatabaseExistsTx(probe, *spec.database)) throw missing_database();
          }
          EnsureAdminRole();
        }
        // Hash before the transaction opens: PBKDF2 is the slow part and needs no lock.
        const std::string password_literal = PasswordLiteral(Admin(), spec.password);
        for (int attempt = 0;; ++attempt) {
          UserFacts facts;
          {
            pqxx::nontransaction tx(Admin());
            facts = ProbeUser(tx, spec);
            if (facts.database_exists && facts.owner_exists) {
              CommitBatch(tx, UserStatements(tx, spec, facts, password_literal));
              return;
            }
            tx.exec("ROLLBACK");
          }
          if (!facts.database_exists) throw missing_database();
          if (attempt > 0) {
            throw DbError(ErrorKind::kNotFound, "42704",
                          "ensure user: the owner role of database '" + *spec.database +
                              "' vanished while the user was being written");
          }
          // A database grantor did not create, or whose owner role was dropped: make the owner
          // role (as EnsureDatabase does), then probe again.
          EnsureGroupRole(core::DatabaseOwnerRole(*spec.database));
        }
      },
      spec.password);
}

// CREATE or ALTER the role with exactly the wanted attributes and password, then memberships and
// database privileges. For a role created by this very transaction nothing needs revoking or
// resetting, so those statements are left out.
std::vector<std::string> PqEngine::UserStatements(pqxx::transaction_base& tx, const UserSpec& spec,
                                                  const UserFacts& facts,
                                                  const std::string& password_literal) const {
  const auto& roles = spec.extra_roles;
  const std::string user = tx.quote_name(spec.name);
  const bool superuser = roles.contains(ExtraRole::kSuperuser);
  std::string attributes = " WITH LOGIN INHERIT";
  // Mentioning NOSUPERUSER at all needs superuser; a plain CREATEROLE admin leaves it out.
  if (superuser || admin_is_superuser_) attributes += superuser ? " SUPERUSER" : " NOSUPERUSER";
  const bool createdb = roles.contains(ExtraRole::kCreateDb) || roles.contains(ExtraRole::kAdmin);
  attributes += createdb ? " CREATEDB" : " NOCREATEDB";
  attributes += roles.contains(ExtraRole::kCreateRole) ? " CREATEROLE" : " NOCREATEROLE";
  attributes += " PASSWORD " + password_literal;

  std::vector<std::string> statements;
  statements.push_back((facts.user_exists ? "ALTER ROLE " : "CREATE ROLE ") + user + attributes);

  const std::string admin_role = tx.quote_name(std::string(core::kPostgresAdminRole));
  if (roles.contains(ExtraRole::kAdmin)) {
    statements.push_back("GRANT " + admin_role + " TO " + user);
  } else if (facts.user_exists && facts.admin_role_exists) {
    statements.push_back("REVOKE " + admin_role + " FROM " + user);
  }

  // A session that SETs ROLE to the owner role runs with the owner role's attributes and
  // memberships only, which would silently disable CREATEDB, CREATEROLE, SUPERUSER and the
  // grantor_admin membership. So only plain users get the default role; users with extra roles
  // create objects as themselves, and DropUser hands those to the owner role (REASSIGN OWNED).
  if (spec.database) {
    const std::string owner = tx.quote_name(core::DatabaseOwnerRole(*spec.database));
    const std::string database = tx.quote_name(*spec.database);
    statements.push_back("GRANT " + owner + " TO " + user);
    if (roles.empty()) {
      statements.push_back("ALTER ROLE " + user + " IN DATABASE " + database +
                           " SET role = " + owner);
    } else if (facts.user_exists) {
      statements.push_back("ALTER ROLE " + user + " IN DATABASE " + database + " RESET role");
    }
    // No GRANT ON DATABASE per user: as an INHERIT member of the owner role the user has the
    // owner's implicit privileges (CONNECT, CREATE, TEMPORARY), so the database's ACL does not
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
      can_wait ? "pg_terminate_backend(pid, " + std::to_string(kTerminateWaitMs) + ")"
               : "pg_terminate_backend(pid)";
  return "SELECT " + terminate +
         " FROM pg_catalog.pg_stat_activity"
         " WHERE usename = " + Literal(tx, user) + " AND pid <> pg_backend_pid()";
}

// SELECT of the databases in which `user` owns objects or holds privileges (pg_shdepend records
// both).
std::string DatabasesWithObjectsSql(pqxx::transaction_base& tx, const std::string& user) {
  return "SELECT DISTINCT d.datname FROM pg_catalog.pg_shdepend s"
         " JOIN pg_catalog.pg_database d ON d.oid = s.dbid"
         " WHERE s.refclassid = 'pg_catalog.pg_authid'::regclass AND d.datallowconn"
         " AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = " +
         Literal(tx, user) + ")";
}

// REASSIGN OWNED BY `user` TO the owner role of `database` (or to the admin when the database
// has none), then DROP OWNED BY `user`, as statements for the connection `tx` runs on.
std::vector<std::string> ReassignAndDropOwnedSql(pqxx::transaction_base& tx,
                                                 const std::string& user,
                                                 const std::string& database) {
  const std::string owner = core::DatabaseOwnerRole(database);
  const bool managed = core::IsValidDatabaseName(database, kDialect) && RoleExists(tx, owner);
  const std::string target = managed ? tx.quote_name(owner) : "CURRENT_USER";
  return {"REASSIGN OWNED BY " + tx.quote_name(user) + " TO " + target,
          "DROP OWNED BY " + tx.quote_name(user)};
}

// Messages: probe; NOLOGIN (committed before any session is terminated, so none can start after
// the termination); terminate sessions + list databases with objects; per such database (rare:
// objects the user created as itself) reassign/drop owned over a connection to it; reassign,
// drop owned and drop the role in the maintenance database, as one implicit transaction.
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
      // One message; its result is the last statement's.
      const pqxx::result rows =
          tx.exec(TerminateSessionsSql(tx, name) + "; " + DatabasesWithObjectsSql(tx, name));
      for (const auto& row : rows) databases.push_back(row[0].as<std::string>());
    }
    for (const std::string& database : databases) {
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
        " || datname, 0)) FROM (SELECT d.datname FROM pg_catalog.pg_shdepend s"
        " JOIN pg_catalog.pg_database d ON d.oid = s.objid"
        " WHERE s.dbid = 0 AND s.classid = 'pg_catalog.pg_database'::regclass"
        " AND s.refclassid = 'pg_catalog.pg_authid'::regclass"
        " AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = " +
        Literal(tx, name) + ") ORDER BY d.datname COLLATE \"C\") AS acl"};
    for (auto& statement :
         ReassignAndDropOwnedSql(tx, name, config_.dbname.empty() ? "postgres" : config_.dbname)) {
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
        "SELECT rolname FROM pg_catalog.pg_roles WHERE left(rolname, length($1)) = $1"
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

}  // namespace
}  // namespace grantor::db::postgres

namespace grantor::db {

EnginePtr ConnectPostgres(const ConnectionConfig& config) {
  return std::make_unique<postgres::PqEngine>(config);
}

}  // namespace grantor::db
