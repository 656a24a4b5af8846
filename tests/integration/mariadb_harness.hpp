#pragma once
// The MariaDB side of the integration tests: a client session over Connector/C (what relation
// users, the operator and the admin log in with when a test talks SQL itself), and the Traits
// that make the shared ServerHarness (server_env.hpp) a MariaDB harness. Used by the contract
// suite (mariadb_engine_test.cpp) and the privilege and isolation suites.

#include <mysql.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "contract/engine_contract.hpp"
#include "db/mysql/sql.hpp"
#include "grantor/db/mysql.hpp"
#include "server_env.hpp"

namespace grantor::integration {

/// A client session over Connector/C, logged in with the given credentials.
class MyProbeSession : public contract::ProbeSession {
 public:
  MyProbeSession(const db::ConnectionConfig& config, const std::string& database)
      : handle_(mysql_init(nullptr)) {
    const unsigned int timeout = 5;
    mysql_options(handle_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(handle_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (mysql_real_connect(handle_, config.host.c_str(), config.user.c_str(),
                           config.password.c_str(), database.empty() ? nullptr : database.c_str(),
                           static_cast<unsigned int>(config.port), nullptr,
                           CLIENT_MULTI_RESULTS) == nullptr) {
      const std::string message = mysql_error(handle_);
      mysql_close(handle_);
      throw std::runtime_error("login refused: " + message);
    }
  }
  ~MyProbeSession() override { mysql_close(handle_); }
  MyProbeSession(const MyProbeSession&) = delete;
  MyProbeSession& operator=(const MyProbeSession&) = delete;

  bool Alive() override {
    try {
      Query("SELECT 1");
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  void CreateTable(const std::string& table) override {
    Query("CREATE TABLE " + db::mysql::QuoteIdentifier(table) + " (v VARCHAR(255))");
  }
  void Insert(const std::string& table, const std::string& value) override {
    Query("INSERT INTO " + db::mysql::QuoteIdentifier(table) + " VALUES (" + Quote(value) + ")");
  }
  std::vector<std::string> Select(const std::string& table) override {
    return Query("SELECT v FROM " + db::mysql::QuoteIdentifier(table) + " ORDER BY v");
  }
  void CreateDatabase(const std::string& name) override {
    Query("CREATE DATABASE " + db::mysql::QuoteIdentifier(name));
  }

  /// Runs `sql` (one statement; a CALL's several results are all read); returns the first
  /// column of every row of its first result set. Throws std::runtime_error with the server's
  /// message on any error.
  std::vector<std::string> Query(const std::string& sql) {
    std::vector<std::string> values;
    for (const auto& row : Rows(sql)) values.push_back(row.empty() ? "" : row[0]);
    return values;
  }
  /// Like Query, every column.
  std::vector<std::vector<std::string>> Rows(const std::string& sql) {
    if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) Fail();
    std::vector<std::vector<std::string>> rows;
    bool first = true;
    for (;;) {
      MYSQL_RES* result = mysql_store_result(handle_);
      if (result != nullptr) {
        const unsigned int fields = mysql_num_fields(result);
        while (MYSQL_ROW row = mysql_fetch_row(result)) {
          const unsigned long* lengths = mysql_fetch_lengths(result);
          if (!first) continue;
          auto& out = rows.emplace_back();
          for (unsigned int i = 0; i < fields; ++i) {
            out.emplace_back(row[i] != nullptr ? std::string(row[i], lengths[i]) : "");
          }
        }
        mysql_free_result(result);
        first = false;
      } else if (mysql_field_count(handle_) != 0) {
        Fail();
      }
      const int next = mysql_next_result(handle_);
      if (next == -1) return rows;
      if (next > 0) Fail();
    }
  }
  /// The server's errno for `sql`, 0 when it succeeded.
  unsigned int ErrorOf(const std::string& sql) {
    try {
      Rows(sql);
      return 0;
    } catch (const std::exception&) {
      return last_errno_;
    }
  }

  /// `text` as a string literal (any bytes, NUL included).
  std::string Quote(const std::string& text) {
    std::string buffer(text.size() * 2 + 1, '\0');
    buffer.resize(mysql_real_escape_string(handle_, buffer.data(), text.data(), text.size()));
    return "'" + buffer + "'";
  }
  MYSQL* handle() { return handle_; }
  /// The server's id of this session (CONNECTION_ID()).
  unsigned long id() { return mysql_thread_id(handle_); }

 private:
  [[noreturn]] void Fail() {
    last_errno_ = mysql_errno(handle_);
    throw std::runtime_error(mysql_error(handle_));
  }

  MYSQL* handle_;
  unsigned int last_errno_ = 0;
};

/// What the shared ServerHarness needs to know about MariaDB.
struct MyTraits {
  using Session = MyProbeSession;
  using AdminSession = MyProbeSession;
  static constexpr core::Dialect kDialect = core::Dialect::kMySql;

  static db::ConnectionConfig AdminConfig() { return MariaDbAdminConfig(); }
  static db::EnginePtr Connect(const db::ConnectionConfig& config) {
    return db::ConnectMariaDb(config);
  }
  static std::unique_ptr<MyProbeSession> Login(const db::ConnectionConfig& client,
                                               const std::string& database) {
    return std::make_unique<MyProbeSession>(client, database);
  }
  static std::unique_ptr<MyProbeSession> Admin(const db::ConnectionConfig& admin,
                                               const std::string& database) {
    return Login(admin, database);
  }
  static void CreateForeignDatabase(MyProbeSession& admin, const std::string& name,
                                    const std::string& table, const std::string& row) {
    const std::string qualified =
        db::mysql::QuoteIdentifier(name) + "." + db::mysql::QuoteIdentifier(table);
    admin.Query("CREATE DATABASE " + db::mysql::QuoteIdentifier(name));
    admin.Query("CREATE TABLE " + qualified + " (v VARCHAR(200))");
    admin.Query("INSERT INTO " + qualified + " VALUES (" + admin.Quote(row) + ")");
  }
  static std::vector<std::string> Rows(MyProbeSession& admin, const std::string& table) {
    return admin.Query("SELECT v FROM " + db::mysql::QuoteIdentifier(table) + " ORDER BY v");
  }
  /// A careless DBA re-creates the operator's ensure_user procedure with another body (same
  /// signature, same definer, same SQL SECURITY): only its definition differs.
  static void TamperWithServerApi(MyProbeSession& admin, const std::string& instance_prefix) {
    const std::string text = "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
    admin.Query("CREATE OR REPLACE DEFINER = CURRENT_USER PROCEDURE " +
                db::mysql::QuoteIdentifier(instance_prefix + "meta") +
                ".`ensure_user`(p_name " + text + ", p_auth " + text + ", p_database " + text +
                ", p_roles " + text + ") MODIFIES SQL DATA SQL SECURITY DEFINER BEGIN END");
  }
  /// The users are gone (through the engine): drops the databases (bookkeeping included) and
  /// every account and role under `prefixes`, whatever its host (the operator, the locked
  /// definer accounts '<prefix>def_<id>'@'localhost').
  static void DropTestObjects(MyProbeSession& admin, const std::vector<std::string>& prefixes) {
    for (const auto& prefix : prefixes) {
      const std::string length = std::to_string(prefix.size());
      for (const auto& name : admin.Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                                          "WHERE LEFT(SCHEMA_NAME, " + length + ") = " +
                                          admin.Quote(prefix))) {
        admin.Query("DROP DATABASE IF EXISTS " + db::mysql::QuoteIdentifier(name));
      }
      for (const auto& account : admin.Rows("SELECT User, Host FROM mysql.user WHERE LEFT(User, " +
                                            length + ") = " + admin.Quote(prefix))) {
        admin.Query(account[1].empty()  // a role
                        ? "DROP ROLE IF EXISTS " + admin.Quote(account[0])
                        : "DROP USER IF EXISTS " + admin.Quote(account[0]) + "@" +
                              admin.Quote(account[1]));
      }
    }
  }
};

using MyHarness = ServerHarness<MyTraits>;

}  // namespace grantor::integration
