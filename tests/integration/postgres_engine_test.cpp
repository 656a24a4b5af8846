// The shared Engine contract against a real PostgreSQL 15 (tests/servers/postgres.sh), plus
// PostgreSQL-specific behaviour: ownership hand-over on drop, owner roles, error hygiene.

#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "contract/engine_contract.hpp"
#include "db/postgres/conninfo.hpp"
#include "grantor/db/postgres.hpp"
#include "server_env.hpp"
#include "testing/files.hpp"

namespace grantor::integration {
namespace {

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

 private:
  pqxx::connection conn_;
};

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
    return std::make_unique<PgProbeSession>(db::postgres::BuildConninfo(client, database, ""));
  }
  static std::unique_ptr<pqxx::connection> Admin(const db::ConnectionConfig& admin,
                                                 const std::string& database) {
    return std::make_unique<pqxx::connection>(db::postgres::BuildConninfo(admin, database, ""));
  }
  // The users are gone (through the engine); drops the databases and owner roles.
  static void DropTestObjects(pqxx::connection& admin, const std::string& prefix) {
    pqxx::nontransaction tx(admin);
    const auto like = tx.quote(prefix + "%");
    for (const auto& row : tx.exec("SELECT datname FROM pg_database WHERE datname LIKE " + like)) {
      tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(row[0].c_str()) + " WITH (FORCE)");
    }
    const auto owners = tx.quote("grantor\\_owner\\_" + prefix + "%");
    for (const auto& row : tx.exec("SELECT rolname FROM pg_roles WHERE rolname LIKE " + owners)) {
      tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(row[0].c_str()));
    }
  }
};

using PgHarness = ServerHarness<PgTraits>;

using PgEngineTest = contract::EngineContract<PgHarness>;

TEST_F(PgEngineTest, ObjectsOwnedByTheUserItselfAreHandedToTheOwnerRoleOnDrop) {
  const std::string db = Name("db");
  const std::string first = MakeUserWithDatabase("a", db, "Password-A");
  {
    auto session = harness_.Login(first, "Password-A", db);
    session->Run("RESET ROLE");  // create as the login role itself, not the owner role
    session->Run("SET ROLE NONE; CREATE TABLE mine (v text); INSERT INTO mine VALUES ('kept')");
  }
  engine().DropUser(first);  // would fail with 2BP01 without REASSIGN OWNED
  EXPECT_FALSE(engine().UserExists(first));
  const std::string second = MakeUserWithDatabase("b", db, "Password-B");
  EXPECT_EQ(harness_.Login(second, "Password-B", db)->Select("mine"),
            std::vector<std::string>{"kept"});
}

TEST_F(PgEngineTest, OwnerRoleOwnsTheDatabaseAndItsPublicSchema) {
  const std::string db = Name("db");
  engine().EnsureDatabase(db);
  auto admin = harness_.Admin(db);
  pqxx::nontransaction tx(*admin);
  const auto owner = tx.exec1(
      "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()");
  EXPECT_EQ(owner[0].as<std::string>(), core::DatabaseOwnerRole(db));
  const auto schema_owner =
      tx.exec1("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'");
  EXPECT_EQ(schema_owner[0].as<std::string>(), core::DatabaseOwnerRole(db));
  const auto can_login = tx.exec_params1("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1",
                                         core::DatabaseOwnerRole(db));
  EXPECT_FALSE(can_login[0].as<bool>());
}

TEST_F(PgEngineTest, RelationUserIsNotSuperuserAndCannotCreateRoles) {
  const std::string db = Name("db");
  const std::string user = MakeUserWithDatabase("u", db, "Password-1");
  auto admin = harness_.Admin();
  pqxx::nontransaction tx(*admin);
  const auto row = tx.exec_params1(
      "SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = $1",
      user);
  EXPECT_FALSE(row[0].as<bool>());
  EXPECT_FALSE(row[1].as<bool>());
  EXPECT_FALSE(row[2].as<bool>());
  EXPECT_TRUE(row[3].as<bool>());
}

TEST_F(PgEngineTest, WrongAdminPasswordIsConnectionErrorThatDoesNotLeakIt) {
  db::ConnectionConfig wrong = harness_.config();
  wrong.password = "Wrong-Secret-Password-123";
  try {
    db::ConnectPostgres(wrong);
    FAIL() << "connected with a wrong password";
  } catch (const db::DbError& error) {
    EXPECT_EQ(error.kind(), db::ErrorKind::kConnection) << error.what();
    EXPECT_EQ(std::string(error.what()).find("Wrong-Secret"), std::string::npos) << error.what();
  }
}

// Turns log_statement = all on for new sessions of `role` while it lives.
class LogEveryStatementOf {
 public:
  LogEveryStatementOf(pqxx::connection& admin, std::string role) : admin_(admin), role_(std::move(role)) {
    Alter("SET log_statement = 'all'");
  }
  ~LogEveryStatementOf() {
    try {
      Alter("RESET log_statement");
    } catch (const std::exception& error) {
      ADD_FAILURE() << "could not reset log_statement: " << error.what();
    }
  }
  LogEveryStatementOf(const LogEveryStatementOf&) = delete;
  LogEveryStatementOf& operator=(const LogEveryStatementOf&) = delete;

 private:
  void Alter(const std::string& clause) {
    pqxx::nontransaction tx(admin_);
    tx.exec0("ALTER ROLE " + tx.quote_name(role_) + " " + clause);
  }
  pqxx::connection& admin_;
  std::string role_;
};

// Even when the server logs every statement of the engine's sessions, the log holds neither a
// password (printable ASCII: sent as a verifier; other: sent in clear, for the server to hash)
// nor the verifier: the statements that carry them run with log_statement off.
TEST_F(PgEngineTest, PasswordsStayOutOfTheServerLogWithLogStatementAll) {
  auto admin = harness_.Admin();
  std::string log_path;
  {
    pqxx::nontransaction tx(*admin);
    log_path = tx.exec1("SHOW data_directory")[0].as<std::string>() + "/../server.log";
  }
  const std::string db = Name("logdb");
  const std::string ascii_user = Name("ascii");
  const std::string other_user = Name("other");
  const std::string ascii_password = "LogProbeAscii0123456789abcdefXYZ";
  const std::string other_password = "LogProbe-p\u00e4ssw\u00f6rd-0123456789";
  {
    LogEveryStatementOf logged(*admin, harness_.config().user);
    auto engine = db::ConnectPostgres(harness_.config());  // a new session: logs everything
    engine->EnsureDatabase(db);
    engine->EnsureUser(Spec(ascii_user, ascii_password, db));
    engine->EnsureUser(Spec(other_user, other_password, db));
    engine->SetPassword(ascii_user, ascii_password + "2");
  }
  EXPECT_TRUE(CanLogin(ascii_user, ascii_password + "2", db));
  EXPECT_TRUE(CanLogin(other_user, other_password, db));
  std::string verifier;
  {
    pqxx::nontransaction tx(*admin);
    verifier = tx.exec_params1("SELECT rolpassword FROM pg_authid WHERE rolname = $1", ascii_user)[0]
                   .as<std::string>();
  }
  ASSERT_EQ(verifier.rfind("SCRAM-SHA-256$4096:", 0), 0u) << "stored as a SCRAM verifier";
  const std::string stored_key = verifier.substr(verifier.find('$', 14) + 1, 20);

  const std::string log = testing::ReadWholeFile(log_path);
  ASSERT_NE(log.find(ascii_user), std::string::npos) << "the sessions' statements were logged";
  EXPECT_EQ(log.find(ascii_password), std::string::npos);
  EXPECT_EQ(log.find(other_password), std::string::npos);
  EXPECT_EQ(log.find(stored_key), std::string::npos);
}

TEST(PgConninfo, QuotesEveryValue) {
  EXPECT_EQ(db::postgres::QuoteConninfoValue(R"(a'b\c d)"), R"('a\'b\\c d')");
  db::ConnectionConfig config;
  config.host = "h";
  config.port = 5433;
  config.user = "u";
  config.password = "p' host='evil";
  const std::string conninfo = db::postgres::BuildConninfo(config, "d b", "");
  EXPECT_NE(conninfo.find(R"(password='p\' host=\'evil')"), std::string::npos) << "escaped";
  EXPECT_NE(conninfo.find("dbname='d b'"), std::string::npos);
  EXPECT_NE(conninfo.find("host='h'"), std::string::npos);
}

}  // namespace
}  // namespace grantor::integration

namespace grantor::contract {
namespace {
using PgHarnesses = ::testing::Types<grantor::integration::PgHarness>;
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, EngineContract, PgHarnesses);
}  // namespace
}  // namespace grantor::contract

namespace grantor::integration {
namespace {

TEST(PgTls, RequireAgainstAPlainServerIsConnectionError) {
  db::ConnectionConfig config = PostgresAdminConfig();
  config.ssl_mode = db::SslMode::kVerifyFull;
  config.ssl_ca = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n";
  try {
    db::ConnectPostgres(config);
    FAIL() << "connected without TLS although verify-full was required";
  } catch (const db::DbError& error) {
    EXPECT_EQ(error.kind(), db::ErrorKind::kConnection) << error.what();
  }
}

}  // namespace
}  // namespace grantor::integration
