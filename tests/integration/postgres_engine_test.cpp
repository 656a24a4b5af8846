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

// Runs one statement on `conn`, outside a transaction block.
void Execute(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  tx.exec0(sql);
}

// The single value `query` returns with $1 bound to `param`.
template <typename T>
T ValueOf(pqxx::connection& conn, const std::string& query, const std::string& param) {
  pqxx::nontransaction tx(conn);
  return tx.exec_params1(query, param)[0].as<T>();
}

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

// EnsureDatabase skips the take-over of a database already in shape, and redoes it when the
// database drifted: PUBLIC granted CONNECT again, or the owner changed.
TEST_F(PgEngineTest, EnsureDatabaseRepairsDriftAfterATakeOver) {
  const std::string db = Name("drift");
  engine().EnsureDatabase(db);
  auto admin = harness_.Admin();
  const auto public_can_connect = [&] {
    return ValueOf<bool>(*admin, "SELECT has_database_privilege('public', $1, 'CONNECT')", db);
  };
  ASSERT_FALSE(public_can_connect());
  Execute(*admin, "GRANT CONNECT ON DATABASE " + admin->quote_name(db) + " TO PUBLIC");
  engine().EnsureDatabase(db);
  EXPECT_FALSE(public_can_connect()) << "PUBLIC's CONNECT revoked again";
  Execute(*admin, "ALTER DATABASE " + admin->quote_name(db) + " OWNER TO " +
                      admin->quote_name(harness_.config().user));
  engine().EnsureDatabase(db);
  EXPECT_EQ(ValueOf<std::string>(
                *admin, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", db),
            core::DatabaseOwnerRole(db));
}

// Users reach their database through the owner role's membership, not through grants of their
// own: the database's ACL stays the same however many users it has.
TEST_F(PgEngineTest, DatabaseAclDoesNotGrowWithItsUsers) {
  const std::string db = Name("acl");
  engine().EnsureDatabase(db);
  auto admin = harness_.Admin();
  const auto acl = [&] {
    return ValueOf<std::string>(*admin, "SELECT datacl::text FROM pg_database WHERE datname = $1",
                                db);
  };
  const std::string before = acl();
  const std::string first = MakeUserWithDatabase("one", db, "Password-One-1");
  const std::string second = MakeUserWithDatabase("two", db, "Password-Two-2");
  EXPECT_EQ(acl(), before);
  EXPECT_TRUE(CanLogin(first, "Password-One-1", db));
  auto session = harness_.Login(second, "Password-Two-2", db);
  session->Run("CREATE TEMPORARY TABLE scratch (v text)");  // TEMPORARY, through the owner role
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

// Turns on every statement log a superuser can set per role, for new sessions of `role` while
// it lives: every statement, every duration, every transaction sampled, and (the server default)
// the statement text with every error.
class LogEveryStatementOf {
 public:
  LogEveryStatementOf(pqxx::connection& admin, std::string role) : admin_(admin), role_(std::move(role)) {
    for (const char* setting : kSettings) Alter(std::string("SET ") + setting);
  }
  ~LogEveryStatementOf() {
    try {
      for (const char* setting : kSettings) {
        const std::string name(setting);
        Alter("RESET " + name.substr(0, name.find(' ')));
      }
    } catch (const std::exception& error) {
      ADD_FAILURE() << "could not reset the log settings: " << error.what();
    }
  }
  LogEveryStatementOf(const LogEveryStatementOf&) = delete;
  LogEveryStatementOf& operator=(const LogEveryStatementOf&) = delete;

 private:
  static constexpr const char* kSettings[] = {
      "log_statement = 'all'", "log_min_duration_statement = 0",
      "log_transaction_sample_rate = 1", "log_min_error_statement = 'error'"};
  void Alter(const std::string& clause) {
    Execute(admin_, "ALTER ROLE " + admin_.quote_name(role_) + " " + clause);
  }
  pqxx::connection& admin_;
  std::string role_;
};

// Where the engine's statements could be recorded on the server from now on: its log file, and
// pg_stat_statements (loaded by tests/servers/postgres.sh), which keeps utility statements.
class ServerRecords {
 public:
  explicit ServerRecords(pqxx::connection& admin) : admin_(admin) {
    pqxx::nontransaction tx(admin_);
    log_path_ = tx.exec1("SHOW data_directory")[0].as<std::string>() + "/../server.log";
    log_start_ = testing::ReadWholeFile(log_path_).size();
    tx.exec0("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  }
  std::string Text() {
    std::string text = testing::ReadWholeFile(log_path_).substr(log_start_);
    pqxx::nontransaction tx(admin_);
    for (const auto& row : tx.exec("SELECT query FROM pg_stat_statements")) {
      text += row[0].as<std::string>() + "\n";
    }
    return text;
  }

 private:
  pqxx::connection& admin_;
  std::string log_path_;
  std::size_t log_start_ = 0;
};

// The first 20 characters of the StoredKey of `user`'s SCRAM verifier.
std::string StoredKeyOf(pqxx::connection& admin, const std::string& user) {
  const std::string verifier =
      ValueOf<std::string>(admin, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", user);
  EXPECT_EQ(verifier.rfind("SCRAM-SHA-256$4096:", 0), 0u) << "stored as a SCRAM verifier";
  return verifier.substr(verifier.find('$', 14) + 1, 20);
}

// Even when the server logs every statement of the engine's sessions and pg_stat_statements
// tracks utility statements, neither holds a password (printable ASCII: sent as a verifier;
// other: sent in clear, for the server to hash) nor the verifier.
TEST_F(PgEngineTest, PasswordsStayOutOfTheServerLogAndStatementStatistics) {
  auto admin = harness_.Admin();
  ServerRecords records(*admin);
  const std::string db = Name("logdb");
  const std::string ascii_user = Name("ascii");
  const std::string other_user = Name("other");
  // Unique per run: pg_stat_statements keeps what earlier runs left.
  const std::string ascii_password = "LogProbeAscii-" + Name("pw-0123456789");
  const std::string other_password = "LogProbe-p\u00e4ssw\u00f6rd-" + Name("0123456789");
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
  const std::string stored_key = StoredKeyOf(*admin, ascii_user);

  const std::string text = records.Text();
  ASSERT_NE(text.find(ascii_user), std::string::npos) << "the sessions' statements were logged";
  EXPECT_EQ(text.find(ascii_password), std::string::npos);
  EXPECT_EQ(text.find(other_password), std::string::npos);
  EXPECT_EQ(text.find(stored_key), std::string::npos);
}

// A statement that fails is logged with the error (log_min_error_statement), including every
// statement of its message. Here another session holds an uncommitted change to the user's role,
// so the engine's ALTER ROLE ... PASSWORD waits for it until lock_timeout: the engine reports the
// failure, the old password still works, and the log holds neither password.
TEST_F(PgEngineTest, AFailedPasswordStatementIsLoggedWithoutItsText) {
  auto admin = harness_.Admin();
  ServerRecords records(*admin);
  const std::string db = Name("errdb");
  const std::string old_password = "ErrProbeOld-" + Name("0123456789");
  const std::string user = MakeUserWithDatabase("err", db, old_password);
  const std::string clear_password = "ErrProbe-p\u00e4ssw\u00f6rd-" + Name("0123456789");
  auto holder = harness_.Admin();
  pqxx::work holding(*holder);
  holding.exec0("ALTER ROLE " + holding.quote_name(user) + " CONNECTION LIMIT 5");
  const std::string operator_role = admin->quote_name(harness_.config().user);
  Execute(*admin, "ALTER ROLE " + operator_role + " SET lock_timeout = '200ms'");
  {
    LogEveryStatementOf logged(*admin, harness_.config().user);
    auto engine = db::ConnectPostgres(harness_.config());
    EXPECT_THROW(engine->SetPassword(user, clear_password), db::DbError);
  }
  Execute(*admin, "ALTER ROLE " + operator_role + " RESET lock_timeout");
  holding.abort();
  EXPECT_TRUE(CanLogin(user, old_password, db)) << "the failed change was rolled back";
  const std::string text = records.Text();
  ASSERT_NE(text.find("lock timeout"), std::string::npos) << "the failure was logged";
  EXPECT_EQ(text.find(clear_password), std::string::npos);
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

TEST(PgTls, RequireAgainstAPlainServerIsATlsRefusal) {
  db::ConnectionConfig config = PostgresAdminConfig();
  config.ssl_mode = db::SslMode::kVerifyFull;
  config.ssl_ca = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n";
  try {
    db::ConnectPostgres(config);
    FAIL() << "connected without TLS although verify-full was required";
  } catch (const db::DbError& error) {
    EXPECT_EQ(error.kind(), db::ErrorKind::kTls) << error.what();
  }
}

}  // namespace
}  // namespace grantor::integration
