// PostgreSQL implementation of grantor::db::Engine over libpqxx 6.4.
//
// Ownership model: every managed database D has a NOLOGIN owner role O = DatabaseOwnerRole(D)
// that owns D and its public schema. Relation users are members of O (INHERIT) and have
// `ALTER ROLE u IN DATABASE D SET role = O`, so whatever they create is owned by O and survives
// them. Identifiers go through quote_name(), literals through quote() or bound parameters, and
// every name is validated (validate.hpp) before any of that happens.

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "db/postgres/conninfo.hpp"
#include "db/postgres/pq_errors.hpp"
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

bool Exists(pqxx::transaction_base& tx, const char* query, const std::string& name) {
  return !tx.exec_params(query, name).empty();
}

bool RoleExists(pqxx::transaction_base& tx, const std::string& role) {
  return Exists(tx, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", role);
}

bool DatabaseExistsTx(pqxx::transaction_base& tx, const std::string& name) {
  return Exists(tx, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", name);
}

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
  void WriteUser(pqxx::work& tx, const UserSpec& spec, bool exists);
  void GrantDatabase(pqxx::work& tx, const std::string& user, const std::string& database,
                     bool default_to_owner);
  void SyncAdminMembership(pqxx::work& tx, const std::string& user, bool wanted);
  void HideStatementsFromLog(pqxx::work& tx) const;
  void TerminateSessions(const std::string& user);
  std::vector<std::string> DatabasesWithObjectsOf(const std::string& user);
  void ReassignAndDropOwned(pqxx::connection& conn, const std::string& user,
                            const std::string& database);

  ConnectionConfig config_;
  std::optional<SecretFile> ca_file_;
  std::unique_ptr<pqxx::connection> admin_;
  bool admin_is_superuser_ = false;
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
  admin_is_superuser_ =
      tx.exec1("SELECT current_setting('is_superuser')")[0].as<std::string>() == "on";
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

void PqEngine::EnsureGroupRole(const std::string& role) {
  pqxx::nontransaction tx(Admin());
  if (RoleExists(tx, role)) return;
  try {
    tx.exec0("CREATE ROLE " + tx.quote_name(role) + " NOLOGIN");
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() != "42710") throw;  // created concurrently: fine
  }
}

void PqEngine::EnsureDatabase(const std::string& name) {
  RequireDatabaseName(name, kDialect);
  Guard("ensure database", [&] {
    const std::string owner = core::DatabaseOwnerRole(name);
    EnsureGroupRole(owner);
    EnsureGroupRole(std::string(core::kPostgresAdminRole));
    {
      pqxx::nontransaction tx(Admin());  // CREATE DATABASE cannot run in a transaction block
      if (!DatabaseExistsTx(tx, name)) {
        try {
          tx.exec0("CREATE DATABASE " + tx.quote_name(name) + " OWNER " + tx.quote_name(owner));
        } catch (const pqxx::sql_error& e) {
          if (e.sqlstate() != "42P04") throw;  // created concurrently: fine
        }
      }
    }
    TakeOverDatabase(name, owner);
    TakeOverPublicSchema(name, owner);
  });
}

void PqEngine::TakeOverDatabase(const std::string& name, const std::string& owner) {
  pqxx::work tx(Admin());
  const std::string database = tx.quote_name(name);
  tx.exec0("ALTER DATABASE " + database + " OWNER TO " + tx.quote_name(owner));
  tx.exec0("REVOKE ALL ON DATABASE " + database + " FROM PUBLIC");
  // kAdmin users reach every managed database through grantor_admin (pg_read_all_data does
  // not include CONNECT, which is revoked from PUBLIC above).
  tx.exec0("GRANT CONNECT, TEMPORARY ON DATABASE " + database + " TO " +
           tx.quote_name(std::string(core::kPostgresAdminRole)));
  tx.commit();
}

// PostgreSQL 15 makes public owned by pg_database_owner (= the owner role already); older
// servers leave it to the bootstrap superuser with CREATE for PUBLIC. Handle both the same way.
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

void PqEngine::HideStatementsFromLog(pqxx::work& tx) const {
  // Only a superuser may change log_statement; for others the server log settings decide.
  if (admin_is_superuser_) tx.exec0("SET LOCAL log_statement = 'none'");
}

void PqEngine::EnsureUser(const UserSpec& spec) {
  RequireUserName(spec.name, kDialect);
  RequirePassword(spec.password);
  if (spec.database) RequireDatabaseName(*spec.database, kDialect);
  const bool admin = spec.extra_roles.contains(ExtraRole::kAdmin);
  Guard(
      "ensure user",
      [&] {
        if (spec.database) {
          pqxx::nontransaction probe(Admin());
          if (!DatabaseExistsTx(probe, *spec.database)) {
            throw DbError(ErrorKind::kNotFound, "3D000",
                          "ensure user: database '" + *spec.database + "' does not exist");
          }
        }
        if (spec.database) EnsureGroupRole(core::DatabaseOwnerRole(*spec.database));
        if (admin) EnsureAdminRole();
        pqxx::work tx(Admin());
        HideStatementsFromLog(tx);
        WriteUser(tx, spec, RoleExists(tx, spec.name));
        SyncAdminMembership(tx, spec.name, admin);
        if (spec.database) {
          GrantDatabase(tx, spec.name, *spec.database, spec.extra_roles.empty());
        }
        tx.commit();
      },
      spec.password);
}

void PqEngine::WriteUser(pqxx::work& tx, const UserSpec& spec, bool exists) {
  const auto& roles = spec.extra_roles;
  const bool superuser = roles.contains(ExtraRole::kSuperuser);
  std::string attributes = " WITH LOGIN INHERIT";
  // Mentioning NOSUPERUSER at all needs superuser; a plain CREATEROLE admin leaves it out.
  if (superuser || admin_is_superuser_) attributes += superuser ? " SUPERUSER" : " NOSUPERUSER";
  const bool createdb = roles.contains(ExtraRole::kCreateDb) || roles.contains(ExtraRole::kAdmin);
  attributes += createdb ? " CREATEDB" : " NOCREATEDB";
  attributes += roles.contains(ExtraRole::kCreateRole) ? " CREATEROLE" : " NOCREATEROLE";
  attributes += " PASSWORD " + tx.quote(spec.password);
  tx.exec0((exists ? "ALTER ROLE " : "CREATE ROLE ") + tx.quote_name(spec.name) + attributes);
}

void PqEngine::SyncAdminMembership(pqxx::work& tx, const std::string& user, bool wanted) {
  const std::string role(core::kPostgresAdminRole);
  if (wanted) {
    tx.exec0("GRANT " + tx.quote_name(role) + " TO " + tx.quote_name(user));
  } else if (RoleExists(tx, role)) {
    tx.exec0("REVOKE " + tx.quote_name(role) + " FROM " + tx.quote_name(user));
  }
}

// A session that SETs ROLE to the owner role runs with the owner role's attributes and
// memberships only, which would silently disable CREATEDB, CREATEROLE, SUPERUSER and the
// grantor_admin membership. So only plain users get the default role; users with extra roles
// create objects as themselves, and DropUser hands those to the owner role (REASSIGN OWNED).
void PqEngine::GrantDatabase(pqxx::work& tx, const std::string& user, const std::string& database,
                             bool default_to_owner) {
  const std::string quoted_user = tx.quote_name(user);
  const std::string owner = tx.quote_name(core::DatabaseOwnerRole(database));
  const std::string quoted_db = tx.quote_name(database);
  tx.exec0("GRANT " + owner + " TO " + quoted_user);
  tx.exec0("ALTER ROLE " + quoted_user + " IN DATABASE " + quoted_db +
           (default_to_owner ? " SET role = " + owner : std::string(" RESET role")));
  tx.exec0("GRANT CONNECT, CREATE, TEMPORARY ON DATABASE " + quoted_db + " TO " + quoted_user);
}

void PqEngine::SetPassword(const std::string& user, const std::string& password) {
  RequireUserName(user, kDialect);
  RequirePassword(password);
  Guard(
      "set password",
      [&] {
        pqxx::work tx(Admin());
        if (!RoleExists(tx, user)) {
          throw DbError(ErrorKind::kNotFound, "42704",
                        "set password: user '" + user + "' does not exist");
        }
        HideStatementsFromLog(tx);
        tx.exec0("ALTER ROLE " + tx.quote_name(user) + " WITH PASSWORD " + tx.quote(password));
        tx.commit();
      },
      password);
}

void PqEngine::TerminateSessions(const std::string& user) {
  pqxx::nontransaction tx(Admin());
  const bool can_wait = Admin().server_version() >= kVersionWithTerminateWait;
  const std::string terminate =
      can_wait ? "pg_terminate_backend(pid, " + std::to_string(kTerminateWaitMs) + ")"
               : "pg_terminate_backend(pid)";
  tx.exec_params("SELECT " + terminate +
                     " FROM pg_catalog.pg_stat_activity"
                     " WHERE usename = $1 AND pid <> pg_backend_pid()",
                 user);
}

// Databases in which `user` owns objects or holds privileges (pg_shdepend records both).
std::vector<std::string> PqEngine::DatabasesWithObjectsOf(const std::string& user) {
  pqxx::nontransaction tx(Admin());
  const pqxx::result rows = tx.exec_params(
      "SELECT DISTINCT d.datname FROM pg_catalog.pg_shdepend s"
      " JOIN pg_catalog.pg_database d ON d.oid = s.dbid"
      " WHERE s.refclassid = 'pg_catalog.pg_authid'::regclass AND d.datallowconn"
      " AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)",
      user);
  std::vector<std::string> databases;
  for (const auto& row : rows) databases.push_back(row[0].as<std::string>());
  return databases;
}

void PqEngine::ReassignAndDropOwned(pqxx::connection& conn, const std::string& user,
                                    const std::string& database) {
  pqxx::work tx(conn);
  const std::string owner = core::DatabaseOwnerRole(database);
  const bool managed = core::IsValidDatabaseName(database, kDialect) && RoleExists(tx, owner);
  const std::string target = managed ? tx.quote_name(owner) : "CURRENT_USER";
  tx.exec0("REASSIGN OWNED BY " + tx.quote_name(user) + " TO " + target);
  tx.exec0("DROP OWNED BY " + tx.quote_name(user));
  tx.commit();
}

void PqEngine::DropUser(const std::string& name) {
  RequireUserName(name, kDialect);
  Guard("drop user", [&] {
    {
      pqxx::work tx(Admin());
      if (!RoleExists(tx, name)) return;
      tx.exec0("ALTER ROLE " + tx.quote_name(name) + " NOLOGIN");  // no new sessions from here on
      tx.commit();
    }
    TerminateSessions(name);
    for (const std::string& database : DatabasesWithObjectsOf(name)) {
      const auto conn = Open(database);
      ReassignAndDropOwned(*conn, name, database);
    }
    // The maintenance database, and privileges on shared objects (databases) from anywhere.
    ReassignAndDropOwned(Admin(), name, config_.dbname.empty() ? "postgres" : config_.dbname);
    pqxx::work tx(Admin());
    tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(name));
    tx.commit();
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
