#pragma once
// The PostgreSQL side of the integration tests: a relation user's client session, the
// ServerHarness traits (server_env.hpp) and small helpers for raw admin SQL. Shared by the
// contract suite and the privilege and isolation tests.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "contract/engine_contract.hpp"
#include "db/postgres/conninfo.hpp"
#include "grantor/db/postgres.hpp"
#include "server_env.hpp"

namespace grantor::integration {

/// A client session over libpqxx, logged in with the relation user's credentials.
class PgProbeSession : public contract::ProbeSession {
 public:
  explicit PgProbeSession(const std::string& conninfo) : conn_(conninfo) {}

  bool Alive() override {
    try {
      pqxx::nontransaction tx(conn_);
      tx.exec("SELECT 1");
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  void CreateTable(const std::string& table) override {
    Run("CREATE TABLE " + conn_.quote_name(table) + " (v text)");
  }
  void Insert(const std::string& table, const std::string& value) override {
    pqxx::work tx(conn_);
    tx.exec_params("INSERT INTO " + tx.quote_name(table) + " VALUES ($1)", value);
    tx.commit();
  }
  std::vector<std::string> Select(const std::string& table) override {
    pqxx::work tx(conn_);
    std::vector<std::string> values;
    for (const auto& row : tx.exec("SELECT v FROM " + tx.quote_name(table) + " ORDER BY v")) {
      values.push_back(row[0].as<std::string>());
    }
    return values;
  }
  void CreateDatabase(const std::string& name) override {
    pqxx::nontransaction tx(conn_);
    tx.exec0("CREATE DATABASE " + tx.quote_name(name));
  }
  /// Raw SQL in one transaction, for PostgreSQL-specific tests.
  void Run(const std::string& sql) {
    pqxx::work tx(conn_);
    tx.exec0(sql);
    tx.commit();
  }
  /// Whether the server refuses `sql` (run in a transaction of its own, with `param` as $1 when
  /// given). A statement the server cannot even parse or resolve is the test's own mistake, not
  /// a refusal: it fails the test.
  bool Refuses(const std::string& sql, const std::optional<std::string>& param = std::nullopt) {
    try {
      pqxx::work tx(conn_);
      if (param) {
        tx.exec_params(sql, *param);
      } else {
        tx.exec(sql);
      }
      tx.commit();
      return false;
    } catch (const pqxx::syntax_error& error) {
      ADD_FAILURE() << "the test's statement is wrong: " << error.what();
      return false;
    } catch (const pqxx::sql_error&) {
      return true;
    }
  }
  pqxx::connection& conn() { return conn_; }

 private:
  pqxx::connection conn_;
};

/// A client's conninfo: the engine's, but with the server's default search_path (the engine pins
/// its own sessions to pg_catalog; a client creates tables in public).
inline std::string ClientConninfo(const db::ConnectionConfig& config, const std::string& database) {
  return db::postgres::BuildConninfo(config, database, "") +
         " options='-c client_min_messages=error'";
}

/// What the shared ServerHarness needs to know about PostgreSQL.
struct PgTraits {
  using Session = PgProbeSession;
  using AdminSession = pqxx::connection;
  static constexpr core::Dialect kDialect = core::Dialect::kPostgres;

  static db::ConnectionConfig AdminConfig() { return PostgresAdminConfig(); }
  static db::EnginePtr Connect(const db::ConnectionConfig& config) {
    return db::ConnectPostgres(config);
  }
  static std::unique_ptr<PgProbeSession> Login(const db::ConnectionConfig& client,
                                               const std::string& database) {
    return std::make_unique<PgProbeSession>(ClientConninfo(client, database));
  }
  static std::unique_ptr<pqxx::connection> Admin(const db::ConnectionConfig& admin,
                                                 const std::string& database) {
    return std::make_unique<pqxx::connection>(ClientConninfo(admin, database));
  }
  static void CreateForeignDatabase(pqxx::connection& admin, const std::string& name,
                                    const std::string& table, const std::string& row) {
    {
      pqxx::nontransaction tx(admin);
      tx.exec0("CREATE DATABASE " + tx.quote_name(name));
    }
    pqxx::connection conn(ClientConninfo(PostgresAdminConfig(), name));
    pqxx::work tx(conn);
    tx.exec0("CREATE TABLE " + tx.quote_name(table) + " (v text)");
    tx.exec_params0("INSERT INTO " + tx.quote_name(table) + " VALUES ($1)", row);
    tx.commit();
  }
  static std::vector<std::string> Rows(pqxx::connection& admin, const std::string& table) {
    pqxx::nontransaction tx(admin);
    std::vector<std::string> rows;
    for (const auto& row : tx.exec("SELECT v FROM " + tx.quote_name(table) + " ORDER BY v")) {
      rows.push_back(row[0].as<std::string>());
    }
    return rows;
  }
  // A careless DBA "simplifies" lock_user: same signature, same settings, another body.
  static void TamperWithServerApi(pqxx::connection& admin, const std::string& instance_prefix) {
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE OR REPLACE FUNCTION " + tx.quote_name(instance_prefix + "api") +
             ".lock_user(p_name text) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER"
             " SET search_path = pg_catalog, pg_temp AS $$BEGIN RETURN false; END$$");
  }
  // The users are gone (through the engine); drops the server-side API, the databases, then the
  // roles (group roles, admin roles, operator) under `prefixes`.
  static void DropTestObjects(pqxx::connection& admin, const std::vector<std::string>& prefixes) {
    pqxx::nontransaction tx(admin);
    for (const auto& prefix : prefixes) {
      tx.exec0("DROP SCHEMA IF EXISTS " + tx.quote_name(prefix + "api") + " CASCADE");
    }
    for (const auto& prefix : prefixes) {
      for (const auto& row : tx.exec_params(
               "SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1", prefix)) {
        tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(row[0].c_str()) + " WITH (FORCE)");
      }
    }
    for (const auto& prefix : prefixes) {
      for (const auto& row : tx.exec_params(
               "SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1", prefix)) {
        tx.exec0("DROP OWNED BY " + tx.quote_name(row[0].c_str()));
        tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(row[0].c_str()));
      }
    }
  }
};

using PgHarness = ServerHarness<PgTraits>;

// Runs one statement on `conn`, outside a transaction block.
inline void Execute(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  tx.exec0(sql);
}

// The single value `query` returns with $1 bound to `param`.
template <typename T>
T ValueOf(pqxx::connection& conn, const std::string& query, const std::string& param) {
  pqxx::nontransaction tx(conn);
  return tx.exec_params1(query, param)[0].as<T>();
}

// The group role this application uses for `database`, read from the server.
inline std::string GroupRoleOf(PgHarness& harness, const std::string& database) {
  auto admin = harness.Admin();
  return core::PostgresGroupRole(
      harness.instance_prefix(),
      ValueOf<unsigned int>(*admin, "SELECT oid FROM pg_database WHERE datname = $1", database));
}

}  // namespace grantor::integration
