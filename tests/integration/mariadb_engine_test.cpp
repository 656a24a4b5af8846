// The shared Engine contract against a real MariaDB (tests/servers/mariadb.sh), plus
// MariaDB-specific behaviour: GRANT wildcard escaping, SQL helpers, error hygiene.

#include <gtest/gtest.h>

#include <algorithm>
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
namespace {

using db::mysql::QuoteIdentifier;

/// A client session over Connector/C, logged in with the relation user's credentials.
class MyProbeSession : public contract::ProbeSession {
 public:
  MyProbeSession(const db::ConnectionConfig& config, const std::string& database)
      : handle_(mysql_init(nullptr)) {
    const unsigned int timeout = 5;
    mysql_options(handle_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    if (mysql_real_connect(handle_, config.host.c_str(), config.user.c_str(),
                           config.password.c_str(), database.c_str(),
                           static_cast<unsigned int>(config.port), nullptr, 0) == nullptr) {
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
    Query("CREATE TABLE " + QuoteIdentifier(table) + " (v VARCHAR(255))");
  }
  void Insert(const std::string& table, const std::string& value) override {
    Query("INSERT INTO " + QuoteIdentifier(table) + " VALUES (" + Literal(value) + ")");
  }
  std::vector<std::string> Select(const std::string& table) override {
    return Query("SELECT v FROM " + QuoteIdentifier(table) + " ORDER BY v");
  }
  void CreateDatabase(const std::string& name) override {
    Query("CREATE DATABASE " + QuoteIdentifier(name));
  }
  /// Runs `sql`; returns the first column of every row. Throws on any error.
  std::vector<std::string> Query(const std::string& sql) {
    if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) {
      throw std::runtime_error(mysql_error(handle_));
    }
    std::vector<std::string> values;
    MYSQL_RES* result = mysql_store_result(handle_);
    if (result == nullptr) return values;
    while (MYSQL_ROW row = mysql_fetch_row(result)) values.emplace_back(row[0] ? row[0] : "");
    mysql_free_result(result);
    return values;
  }

  /// `text` as a string literal.
  std::string Quote(const std::string& text) { return Literal(text); }

 private:
  std::string Literal(const std::string& text) {
    std::string buffer(text.size() * 2 + 1, '\0');
    buffer.resize(mysql_real_escape_string(handle_, buffer.data(), text.data(), text.size()));
    return "'" + buffer + "'";
  }

  MYSQL* handle_;
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
    admin.Query("CREATE DATABASE " + QuoteIdentifier(name));
    admin.Query("CREATE TABLE " + QuoteIdentifier(name) + "." + QuoteIdentifier(table) +
                " (v VARCHAR(200))");
    admin.Query("INSERT INTO " + QuoteIdentifier(name) + "." + QuoteIdentifier(table) +
                " VALUES (" + admin.Quote(row) + ")");
  }
  static std::vector<std::string> Rows(MyProbeSession& admin, const std::string& table) {
    return admin.Query("SELECT v FROM " + QuoteIdentifier(table) + " ORDER BY v");
  }
  // The users are gone (through the engine); drops the databases (bookkeeping included) and the
  // operator accounts under `prefixes`.
  // Engine-specific; implemented with the server-side functions (issue 23).
  static void TamperWithServerApi(MyProbeSession&, const std::string&) {
    throw std::logic_error("TamperWithServerApi: not implemented yet");
  }
  static void DropTestObjects(MyProbeSession& admin, const std::vector<std::string>& prefixes) {
    for (const auto& prefix : prefixes) {
      const std::string head = "LEFT(SCHEMA_NAME, " + std::to_string(prefix.size()) + ") = " +
                               admin.Quote(prefix);
      for (const auto& name :
           admin.Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE " + head)) {
        admin.Query("DROP DATABASE IF EXISTS " + QuoteIdentifier(name));
      }
      for (const auto& user : admin.Query("SELECT User FROM mysql.user WHERE LEFT(User, " +
                                          std::to_string(prefix.size()) +
                                          ") = " + admin.Quote(prefix))) {
        admin.Query("DROP USER IF EXISTS " + admin.Quote(user) + "@'%'");
      }
    }
  }
};

using MyHarness = ServerHarness<MyTraits>;

using MariaDbEngineTest = contract::EngineContract<MyHarness>;

TEST_F(MariaDbEngineTest, DatabaseGrantDoesNotTreatUnderscoreAsWildcard) {
  const std::string user = MakeUserWithDatabase("u", Name("a_b"), "Password-1");
  engine().EnsureDatabase(Name("aXb"), contract::kOwnerA);
  EXPECT_TRUE(CanLogin(user, "Password-1", Name("a_b")));
  EXPECT_FALSE(CanLogin(user, "Password-1", Name("aXb")));
}

TEST_F(MariaDbEngineTest, DetectsMariaDbFlavour) {
  const db::ServerInfo info = engine().Server();
  EXPECT_EQ(info.flavour, db::Flavour::kMariaDb) << info.banner;
  EXPECT_NE(info.banner.find(info.version), std::string::npos);
}

TEST_F(MariaDbEngineTest, RelationUserHasNoGlobalPrivileges) {
  const std::string user =
      MakeUserWithDatabase("u", Name("db"), "Password-1", {db::ExtraRole::kCreateDb});
  engine().EnsureUser(Spec(user, "Password-1", Name("db")));  // roles taken away again
  const auto grants = harness_.Admin()->Query(
      "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = '''" + user +
      "''@''%'''");
  EXPECT_EQ(grants, std::vector<std::string>{"USAGE"});
  EXPECT_TRUE(CanLogin(user, "Password-1", Name("db")));  // database grant survived
}

// The operator account: exactly the documented global privileges (docs/security.md), with GRANT
// OPTION (to pass database privileges on), and nothing of the server's administration.
TEST_F(MariaDbEngineTest, OperatorHoldsTheDocumentedPrivilegesOnly) {
  const auto grants = harness_.Admin()->Query(
      "SELECT CONCAT(PRIVILEGE_TYPE, ':', IS_GRANTABLE) FROM information_schema.USER_PRIVILEGES"
      " WHERE GRANTEE = '''" + harness_.OperatorName() + "''@''%''' ORDER BY PRIVILEGE_TYPE");
  std::vector<std::string> expected;
  for (const auto& privilege : db::mysql::OperatorPrivileges(db::Flavour::kMariaDb)) {
    expected.push_back(privilege + ":YES");
  }
  EXPECT_EQ(grants, expected);
}

// The bookkeeping that marks managed databases is out of every relation user's reach.
TEST_F(MariaDbEngineTest, RelationUsersCannotReachTheBookkeeping) {
  const std::string user = MakeUserWithDatabase("u", Name("db"), "Password-1");
  auto session = harness_.Login(user, "Password-1", Name("db"));
  const std::string table = "`" + harness_.instance_prefix() + "meta`.`databases`";
  EXPECT_ANY_THROW(session->Query("SELECT name FROM " + table));
  EXPECT_ANY_THROW(session->Query("INSERT INTO " + table + " (name, kind) VALUES ('x', 'managed')"));
  EXPECT_ANY_THROW(session->Query("SELECT * FROM mysql.global_priv"));
}

TEST_F(MariaDbEngineTest, WrongAdminPasswordIsConnectionErrorThatDoesNotLeakIt) {
  db::ConnectionConfig wrong = harness_.config();
  wrong.password = "Wrong-Secret-Password-123";
  try {
    db::ConnectMariaDb(wrong);
    FAIL() << "connected with a wrong password";
  } catch (const db::DbError& error) {
    EXPECT_EQ(error.kind(), db::ErrorKind::kConnection) << error.what();
    EXPECT_EQ(error.native_code(), "1045");
    EXPECT_EQ(std::string(error.what()).find("Wrong-Secret"), std::string::npos) << error.what();
  }
}

// Turns the server's general and slow query logs on (every statement, as a table) while it
// lives, and reads what they hold.
class QueryLogsOn {
 public:
  explicit QueryLogsOn(MyProbeSession& admin) : admin_(admin) {
    admin_.Query(
        "SET GLOBAL log_output = 'TABLE', GLOBAL long_query_time = 0, GLOBAL general_log = 1, "
        "GLOBAL slow_query_log = 1");
  }
  ~QueryLogsOn() {
    try {
      admin_.Query(
          "SET GLOBAL general_log = 0, GLOBAL slow_query_log = 0, GLOBAL long_query_time = 10, "
          "GLOBAL log_output = 'FILE'");
    } catch (const std::exception& error) {
      ADD_FAILURE() << "could not turn the query logs off: " << error.what();
    }
  }
  QueryLogsOn(const QueryLogsOn&) = delete;
  QueryLogsOn& operator=(const QueryLogsOn&) = delete;

  std::string Text() {
    std::string text;
    for (const auto& query : {"SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log",
                              "SELECT CONVERT(sql_text USING utf8mb4) FROM mysql.slow_log"}) {
      for (const auto& line : admin_.Query(query)) text += line + "\n";
    }
    return text;
  }

 private:
  MyProbeSession& admin_;
};

// With the general and slow query logs recording every statement, neither holds a password the
// engine sets: its statements that carry one run with sql_log_off and slow_query_log off.
TEST_F(MariaDbEngineTest, PasswordsStayOutOfTheQueryLogs) {
  auto admin = harness_.Admin();
  const std::string db = Name("logdb");
  const std::string user = Name("logged");
  const std::string first = "LogProbeFirst-" + Name("0123456789");  // unique: the logs persist
  const std::string second = "LogProbeSecond-" + Name("0123456789");
  std::string text;
  {
    QueryLogsOn logs(*admin);
    // The least-privileged operator, as in production: it may not switch the logs off, so
    // the statements carry the password's hash, never the password.
    auto engine = db::ConnectMariaDb(harness_.OperatorConfig());
    engine->EnsureDatabase(db, contract::kOwnerA);
    engine->EnsureUser(Spec(user, first, db));
    engine->SetPassword(user, second);
    engine->DropUser(Name("nobody"));  // a statement after the hidden ones is logged again
    text = logs.Text();
  }
  EXPECT_TRUE(CanLogin(user, second, db));
  ASSERT_NE(text.find(Name("nobody")), std::string::npos) << "the session's statements were logged";
  EXPECT_EQ(text.find(first), std::string::npos);
  EXPECT_EQ(text.find(second), std::string::npos);
}

TEST(MySqlSql, QuotesIdentifiersAndGrantWildcards) {
  EXPECT_EQ(db::mysql::QuoteIdentifier("a`b"), "`a``b`");
  EXPECT_EQ(db::mysql::QuoteGrantDatabase("a_b%c"), R"(`a\_b\%c`)");
}

TEST(MySqlSql, MapsErrnos) {
  EXPECT_EQ(db::mysql::KindFromErrno(2002), db::ErrorKind::kConnection);
  EXPECT_EQ(db::mysql::KindFromErrno(1045), db::ErrorKind::kConnection);
  EXPECT_EQ(db::mysql::KindFromErrno(1227), db::ErrorKind::kAccessDenied);
  EXPECT_EQ(db::mysql::KindFromErrno(1007), db::ErrorKind::kAlreadyExists);
  EXPECT_EQ(db::mysql::KindFromErrno(1049), db::ErrorKind::kNotFound);
  EXPECT_EQ(db::mysql::KindFromErrno(1064), db::ErrorKind::kOther);
}

// Connector/C 3.3.20's texts, as seen against the TLS test server (tests/servers --tls).
TEST(MySqlSql, TlsRefusalsAreNotConnectionTrouble) {
  using db::mysql::ConnectErrorKind;
  EXPECT_EQ(ConnectErrorKind(2026, "TLS/SSL error: unable to get local issuer certificate"),
            db::ErrorKind::kTls);
  EXPECT_EQ(ConnectErrorKind(2026, "TLS/SSL error: Validation of SSL server certificate failed"),
            db::ErrorKind::kTls);
  EXPECT_EQ(
      ConnectErrorKind(2026, "TLS/SSL error: SSL is required, but the server does not support it"),
      db::ErrorKind::kTls);
  EXPECT_EQ(ConnectErrorKind(2026, "TLS/SSL error: unexpected eof while reading"),
            db::ErrorKind::kConnection);
  EXPECT_EQ(ConnectErrorKind(2003, "Can't connect to server on '127.0.0.1' (111)"),
            db::ErrorKind::kConnection);
  EXPECT_EQ(ConnectErrorKind(1045, "Access denied for user"), db::ErrorKind::kConnection);
  EXPECT_EQ(ConnectErrorKind(0, ""), db::ErrorKind::kConnection);
}

TEST(MySqlSql, PrivilegeSets) {
  EXPECT_EQ(db::mysql::GlobalPrivileges({db::ExtraRole::kCreateDb}),
            std::vector<std::string>{"CREATE"});
  const auto& database = db::mysql::DatabasePrivileges();
  EXPECT_TRUE(std::is_sorted(database.begin(), database.end()));
  for (const char* never : {"GRANT OPTION", "SUPER", "FILE", "PROCESS", "CREATE USER", "RELOAD"}) {
    EXPECT_EQ(std::count(database.begin(), database.end(), never), 0) << never;
  }
  const auto op = db::mysql::OperatorPrivileges(db::Flavour::kMariaDb);
  for (const char* never : {"SUPER", "FILE", "SHUTDOWN", "RELOAD", "GRANT OPTION"}) {
    EXPECT_EQ(std::count(op.begin(), op.end(), never), 0) << never;
  }
  EXPECT_EQ(std::count(op.begin(), op.end(), "CONNECTION ADMIN"), 1);
  // What the server's own PASSWORD('abc') returns.
  EXPECT_EQ(db::mysql::NativePasswordHash("abc"), "*0D3CED9BEC10A777AEC23CCC353A8C08A633045E");
  EXPECT_EQ(db::mysql::ShortVersion("10.11.6-MariaDB-0+deb12u1"), "10.11.6");
  EXPECT_EQ(db::mysql::ShortVersion("8.0.36"), "8.0.36");
}

}  // namespace
}  // namespace grantor::integration

namespace grantor::contract {
namespace {
using MyHarnesses = ::testing::Types<grantor::integration::MyHarness>;
INSTANTIATE_TYPED_TEST_SUITE_P(MariaDb, EngineContract, MyHarnesses);
}  // namespace
}  // namespace grantor::contract

namespace grantor::integration {
namespace {

TEST(MariaDbTls, RequireAgainstAPlainServerIsATlsRefusal) {
  db::ConnectionConfig config = MariaDbAdminConfig();
  config.ssl_mode = db::SslMode::kRequire;
  try {
    db::ConnectMariaDb(config);
    FAIL() << "connected without TLS although require was set";
  } catch (const db::DbError& error) {
    EXPECT_EQ(error.kind(), db::ErrorKind::kTls) << error.what();
  }
}

TEST(MariaDbTls, PreferAgainstAPlainServerConnects) {
  db::ConnectionConfig config = MariaDbAdminConfig();
  config.ssl_mode = db::SslMode::kPrefer;
  EXPECT_FALSE(db::ConnectMariaDb(config)->ServerVersion().empty());
}

}  // namespace
}  // namespace grantor::integration
