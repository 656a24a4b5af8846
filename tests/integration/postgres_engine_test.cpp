// The shared Engine contract against a real PostgreSQL 15 (tests/servers/postgres.sh), plus
// PostgreSQL-specific behaviour: ownership hand-over on drop, group roles, the operator's
// privileges, error hygiene.

#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "postgres_harness.hpp"
#include "testing/files.hpp"

namespace grantor::integration {
namespace {

using PgEngineTest = contract::EngineContract<PgHarness>;

TEST_F(PgEngineTest, ObjectsOwnedByTheUserItselfAreHandedToTheGroupRoleOnDrop) {
  const std::string db = Name("db");
  const std::string first = MakeUserWithDatabase("a", db, "Password-A");
  {
    auto session = harness_.Login(first, "Password-A", db);
    session->Run("RESET ROLE");  // create as the login role itself, not the group role
    session->Run("SET ROLE NONE; CREATE TABLE mine (v text); INSERT INTO mine VALUES ('kept')");
  }
  engine().DropUser(first);  // would fail with 2BP01 without REASSIGN OWNED
  EXPECT_FALSE(engine().UserExists(first));
  auto admin = harness_.Admin(db);
  EXPECT_EQ(ValueOf<std::string>(*admin, "SELECT tableowner FROM pg_tables WHERE tablename = $1",
                                 "mine"),
            GroupRoleOf(harness_, db));
  const std::string second = MakeUserWithDatabase("b", db, "Password-B");
  EXPECT_EQ(harness_.Login(second, "Password-B", db)->Select("mine"),
            std::vector<std::string>{"kept"});
}

// A user with extra roles creates as itself: a SECURITY DEFINER function, a view and a whole
// database of its own. Revocation hands every one of them to a NOLOGIN group role, never to the
// operator or another privileged account.
TEST_F(PgEngineTest, RevocationHandsNothingToAPrivilegedAccount) {
  const std::string db = Name("db");
  const std::string user =
      MakeUserWithDatabase("u", db, "Password-1", {db::ExtraRole::kCreateDb});
  const std::string own_db = Name("own");
  {
    auto session = harness_.Login(user, "Password-1", db);
    session->Run("CREATE TABLE t (v text)");
    session->Run("CREATE VIEW v AS SELECT v FROM t");
    session->Run(
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'");
    session->CreateDatabase(own_db);
  }
  engine().DropUser(user);
  auto admin = harness_.Admin(db);
  pqxx::nontransaction tx(*admin);
  const auto owners = tx.exec(
      "SELECT r.rolname, r.rolsuper, r.rolcanlogin FROM pg_class c"
      " JOIN pg_roles r ON r.oid = c.relowner WHERE c.relname IN ('t', 'v')"
      " UNION ALL SELECT r.rolname, r.rolsuper, r.rolcanlogin FROM pg_proc p"
      " JOIN pg_roles r ON r.oid = p.proowner WHERE p.proname = 'f'"
      " UNION ALL SELECT r.rolname, r.rolsuper, r.rolcanlogin FROM pg_database d"
      " JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = " + tx.quote(own_db));
  ASSERT_EQ(owners.size(), 4u);
  for (const auto& row : owners) {
    EXPECT_NE(row[0].as<std::string>(), harness_.OperatorName());
    EXPECT_FALSE(row[1].as<bool>()) << row[0].as<std::string>() << " is superuser";
    EXPECT_FALSE(row[2].as<bool>()) << row[0].as<std::string>() << " can log in";
  }
  EXPECT_EQ(owners[0][0].as<std::string>(), GroupRoleOf(harness_, db));
  EXPECT_EQ(owners[3][0].as<std::string>(), GroupRoleOf(harness_, own_db));
}

TEST_F(PgEngineTest, GroupRoleOwnsTheDatabaseAndItsPublicSchema) {
  const std::string db = Name("db");
  engine().EnsureDatabase(db, contract::kOwnerA);
  const std::string group = GroupRoleOf(harness_, db);
  auto admin = harness_.Admin(db);
  pqxx::nontransaction tx(*admin);
  const auto owner = tx.exec1(
      "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()");
  EXPECT_EQ(owner[0].as<std::string>(), group);
  const auto schema_owner =
      tx.exec1("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'");
  EXPECT_EQ(schema_owner[0].as<std::string>(), "pg_database_owner");  // = the group role
  const auto role = tx.exec_params1(
      "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1",
      group);
  for (int column = 0; column < 4; ++column) EXPECT_FALSE(role[column].as<bool>()) << column;
}

// The server-side mark is the owner's name, made of the database's OID: a database dropped and
// made again by someone else under the same name is foreign, whatever its name.
TEST_F(PgEngineTest, ADatabaseMadeAgainUnderTheSameNameIsForeign) {
  const std::string db = Name("again");
  engine().EnsureDatabase(db, contract::kOwnerA);
  auto admin = harness_.Admin();
  Execute(*admin, "DROP DATABASE " + admin->quote_name(db));
  Execute(*admin, "CREATE DATABASE " + admin->quote_name(db));
  EXPECT_EQ(engine().InspectDatabase(db).status, db::DatabaseStatus::kForeign);
}

// Adoption changes neither the owner nor any object: the application's users reach the
// database and what they create, not the tables that were there.
TEST_F(PgEngineTest, AdoptionKeepsTheOwnerAndTheExistingObjects) {
  const std::string db = Name("payroll");
  harness_.CreateForeignDatabase(db, "salaries", "alice 100");
  harness_.admin_engine().AdoptDatabase(db, contract::kOwnerA);
  auto admin = harness_.Admin();
  EXPECT_EQ(ValueOf<std::string>(
                *admin, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", db),
            harness_.config().user);
  const std::string user = Name("u");
  engine().EnsureUser(Spec(user, "Password-1", db));
  auto session = harness_.Login(user, "Password-1", db);
  session->CreateTable("own");
  EXPECT_ANY_THROW(session->Select("salaries"));
  auto again = harness_.Login(user, "Password-1", db);
  EXPECT_ANY_THROW(again->Run("DROP TABLE salaries"));
  EXPECT_EQ(harness_.Rows(db, "salaries"), std::vector<std::string>{"alice 100"});
}

// EnsureDatabase skips the set-up of a database already in shape, and redoes it when the
// database drifted (PUBLIC granted CONNECT again).
TEST_F(PgEngineTest, EnsureDatabaseRepairsDriftAfterASetUp) {
  const std::string db = Name("drift");
  engine().EnsureDatabase(db, contract::kOwnerA);
  auto admin = harness_.Admin();
  const auto public_can_connect = [&] {
    return ValueOf<bool>(*admin, "SELECT has_database_privilege('public', $1, 'CONNECT')", db);
  };
  ASSERT_FALSE(public_can_connect());
  Execute(*admin, "GRANT CONNECT ON DATABASE " + admin->quote_name(db) + " TO PUBLIC");
  engine().EnsureDatabase(db, contract::kOwnerA);
  EXPECT_FALSE(public_can_connect()) << "PUBLIC's CONNECT revoked again";
}

// The operator account: exactly the documented attributes (docs/postgresql.md, "Privileges and
// revocation"), and no membership but the group roles of the databases it set up.
TEST_F(PgEngineTest, OperatorHoldsTheDocumentedPrivilegesOnly) {
  const std::string db = Name("db");
  engine().EnsureDatabase(db, contract::kOwnerA);
  auto admin = harness_.Admin();
  pqxx::nontransaction tx(*admin);
  const auto row = tx.exec_params1(
      "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin,"
      " (SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m"
      "  JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid)"
      " FROM pg_roles r WHERE rolname = $1",
      harness_.OperatorName());
  EXPECT_FALSE(row[0].as<bool>()) << "SUPERUSER";
  EXPECT_TRUE(row[1].as<bool>()) << "CREATEDB";
  EXPECT_FALSE(row[2].as<bool>()) << "CREATEROLE";
  EXPECT_FALSE(row[3].as<bool>()) << "REPLICATION";
  EXPECT_FALSE(row[4].as<bool>()) << "BYPASSRLS";
  EXPECT_TRUE(row[5].as<bool>()) << "LOGIN";
  EXPECT_EQ(row[6].as<std::string>(), GroupRoleOf(harness_, db));
}

// Every operator session resolves names in pg_catalog only: a tenant's function named like a
// catalog function is never called.
TEST_F(PgEngineTest, OperatorSessionsIgnoreTenantObjectsOnTheSearchPath) {
  const std::string db = Name("db");
  const std::string user = MakeUserWithDatabase("u", db, "Password-1");
  {
    auto session = harness_.Login(user, "Password-1", db);
    session->Run("CREATE TABLE trap (v text)");
    session->Run(
        "CREATE FUNCTION public.pg_terminate_backend(integer, bigint) RETURNS boolean"
        " LANGUAGE sql AS 'INSERT INTO public.trap VALUES (''called''); SELECT true'");
  }
  auto open = harness_.Login(user, "Password-1", db);
  engine().DropUser(user);
  EXPECT_FALSE(open->Alive());
  EXPECT_TRUE(harness_.Rows(db, "trap").empty());
}

// Users reach their database through the group role's membership, not through grants of their
// own: the database's ACL stays the same however many users it has.
TEST_F(PgEngineTest, DatabaseAclDoesNotGrowWithItsUsers) {
  const std::string db = Name("acl");
  engine().EnsureDatabase(db, contract::kOwnerA);
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
  session->Run("CREATE TEMPORARY TABLE scratch (v text)");  // TEMPORARY, through the group role
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
// tracks utility statements, neither holds a password (sent as a verifier, printable ASCII or
// not) nor the verifier.
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
    LogEveryStatementOf logged(*admin, harness_.OperatorName());
    // A new session of the least-privileged operator (as in production): logs everything.
    auto engine = db::ConnectPostgres(harness_.OperatorConfig());
    engine->EnsureDatabase(db, contract::kOwnerA);
    engine->EnsureUser(Spec(ascii_user, ascii_password, db));
    engine->EnsureUser(Spec(other_user, other_password, db));
    engine->SetPassword(ascii_user, ascii_password + "2");
  }
  EXPECT_TRUE(CanLogin(ascii_user, ascii_password + "2", db));
  EXPECT_TRUE(CanLogin(other_user, other_password, db));
  const std::string stored_key = StoredKeyOf(*admin, ascii_user);
  const std::string other_stored_key = StoredKeyOf(*admin, other_user);

  const std::string text = records.Text();
  ASSERT_NE(text.find(db), std::string::npos) << "the sessions' statements were logged";
  ASSERT_NE(text.find("ensure_user"), std::string::npos) << "pg_stat_statements kept the calls";
  EXPECT_EQ(text.find(ascii_password), std::string::npos);
  EXPECT_EQ(text.find(other_password), std::string::npos);
  EXPECT_EQ(text.find(stored_key), std::string::npos);
  EXPECT_EQ(text.find(other_stored_key), std::string::npos);
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
  const std::string operator_role = admin->quote_name(harness_.OperatorName());
  Execute(*admin, "ALTER ROLE " + operator_role + " SET lock_timeout = '200ms'");
  {
    LogEveryStatementOf logged(*admin, harness_.OperatorName());
    auto engine = db::ConnectPostgres(harness_.OperatorConfig());
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
