// The shared Engine contract against a real MariaDB (tests/servers/mariadb.sh), plus
// MariaDB-specific behaviour: GRANT wildcard escaping, the operator's grants, the bookkeeping,
// SQL helpers, error hygiene.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "db/mysql/server_api.hpp"
#include "db/mysql/sql.hpp"
#include "mariadb_harness.hpp"

namespace grantor::integration {
namespace {

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

// The operator account holds SELECT and EXECUTE on its bookkeeping database and nothing else:
// no global privilege at all (docs/mysql.md, "Privileges and revocation").
TEST_F(MariaDbEngineTest, OperatorHoldsTheDocumentedPrivilegesOnly) {
  auto admin = harness_.Admin();
  std::vector<std::string> grants;
  for (const auto& line :
       admin->Query("SHOW GRANTS FOR " + admin->Quote(harness_.OperatorName()) + "@'%'")) {
    grants.push_back(line.substr(0, line.find(" IDENTIFIED BY")));
  }
  const std::string quoted = "`" + harness_.OperatorName() + "`@`%`";
  EXPECT_EQ(grants, (std::vector<std::string>{
                        "GRANT USAGE ON *.* TO " + quoted,
                        "GRANT SELECT, EXECUTE ON `" + harness_.instance_prefix() + "meta`.* TO " +
                            quoted}));
  EXPECT_EQ(admin->Query("SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES"
                         " WHERE GRANTEE = " +
                         admin->Quote("'" + harness_.OperatorName() + "'@'%'")),
            std::vector<std::string>{"USAGE"});
}

// The operator rotates its own password (the set-password action) without any privilege: SET
// PASSWORD with the hash. Its other accounts' passwords go through the server API.
TEST_F(MariaDbEngineTest, OperatorRotatesItsOwnPassword) {
  const db::ConnectionConfig config = harness_.OperatorConfig();
  db::ConnectMariaDb(config)->SetPassword(config.user, "Rotated-Operator-Password-1");
  EXPECT_THROW(db::ConnectMariaDb(config), db::DbError);
  auto rotated = db::ConnectMariaDb(AsUser(config, config.user, "Rotated-Operator-Password-1"));
  rotated->SetPassword(config.user, config.password);
  EXPECT_EQ(db::ConnectMariaDb(config)->OperatorDrift(contract::kDefaultGrantable), std::nullopt);
}

// Every routine is SQL SECURITY DEFINER, defined by the admin account that installed it, and
// recorded with this build's version.
TEST_F(MariaDbEngineTest, ServerApiRoutinesRunAsTheAdminAndAreRecorded) {
  auto admin = harness_.Admin();
  const std::string meta = harness_.instance_prefix() + "meta";
  const auto routines = admin->Rows(
      "SELECT r.ROUTINE_NAME, r.SECURITY_TYPE, r.DEFINER, a.version"
      " FROM information_schema.ROUTINES r LEFT JOIN `" + meta + "`.`api` a"
      " ON a.routine = r.ROUTINE_NAME WHERE r.ROUTINE_SCHEMA = " + admin->Quote(meta));
  const db::mysql::ServerApi api(harness_.instance_prefix(), db::Flavour::kMariaDb);
  ASSERT_EQ(routines.size(), api.routines().size());
  for (const auto& row : routines) {
    SCOPED_TRACE(row[0]);
    EXPECT_EQ(row[1], "DEFINER");
    EXPECT_EQ(row[2], harness_.config().user + "@%");
    EXPECT_EQ(row[3], std::to_string(db::kServerApiVersion));
  }
}

// The bookkeeping of the release before owners (no owner columns) is migrated by EnsureOperator,
// its records kept; a database recorded without an owner gets one from the first
// EnsureDatabase, and keeps it.
TEST_F(MariaDbEngineTest, BookkeepingOfThePreviousReleaseIsMigratedAndOwnersRecorded) {
  const std::string other_prefix = "go" + harness_.instance_prefix().substr(2);
  const std::string meta = "`" + other_prefix + "meta`";
  const std::string db = other_prefix + "tdb";
  auto admin = harness_.Admin();
  admin->Query("CREATE DATABASE " + meta);
  admin->Query("CREATE TABLE " + meta + ".`databases` (name VARCHAR(64) CHARACTER SET utf8mb4"
               " COLLATE utf8mb4_bin PRIMARY KEY, kind VARCHAR(16) NOT NULL,"
               " recorded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)");
  admin->Query("CREATE DATABASE `" + db + "`");
  admin->Query("INSERT INTO " + meta + ".`databases` (name, kind) VALUES ('" + db + "', 'managed')");
  harness_.ConnectAsAnotherApplication()->EnsureOperator(
      db::OperatorSpec{other_prefix + "operator", "Operator-Password-1", contract::kDefaultGrantable});
  db::ConnectionConfig config = AsUser(harness_.config(), other_prefix + "operator", "Operator-Password-1");
  config.instance_prefix = other_prefix;
  auto other = db::ConnectMariaDb(config);
  EXPECT_EQ(other->InspectDatabase(db), (db::DatabaseInfo{db::DatabaseStatus::kManaged, std::nullopt}));
  other->EnsureDatabase(db, contract::kOwnerB);
  other->EnsureDatabase(db, contract::kOwnerA);
  EXPECT_EQ(other->InspectDatabase(db),
            (db::DatabaseInfo{db::DatabaseStatus::kManaged, contract::kOwnerB}));
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
  /// The statements `user` sent, as the general log holds them.
  std::vector<std::string> StatementsOf(const std::string& user) {
    return admin_.Query("SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log"
                        " WHERE command_type = 'Query' AND user_host LIKE " +
                        admin_.Quote(user + "[%"));
  }

 private:
  MyProbeSession& admin_;
};

// With the general and slow query logs recording every statement, neither holds a password the
// engine sets. The least-privileged operator, as in production, may not switch the logs off:
// what they show of it are its CALLs of the server API, which carry the password's hash, never
// the password; the statements the procedures run inside (CREATE USER, ALTER USER, GRANT) are
// not logged at all.
TEST_F(MariaDbEngineTest, PasswordsStayOutOfTheQueryLogs) {
  auto admin = harness_.Admin();
  const std::string db = Name("logdb");
  const std::string user = Name("logged");
  const std::string first = "LogProbeFirst-" + Name("0123456789");  // unique: the logs persist
  const std::string second = "LogProbeSecond-" + Name("0123456789");
  std::string text;
  std::vector<std::string> statements;
  {
    QueryLogsOn logs(*admin);
    auto engine = db::ConnectMariaDb(harness_.OperatorConfig());
    engine->EnsureDatabase(db, contract::kOwnerA);
    engine->EnsureUser(Spec(user, first, db));
    engine->SetPassword(user, second);
    engine->DropUser(Name("nobody"));  // a statement after the hidden ones is logged again
    text = logs.Text();
    statements = logs.StatementsOf(harness_.OperatorName());
  }
  EXPECT_TRUE(CanLogin(user, second, db));
  ASSERT_NE(text.find(Name("nobody")), std::string::npos) << "the session's statements were logged";
  EXPECT_EQ(text.find(first), std::string::npos);
  EXPECT_EQ(text.find(second), std::string::npos);
  const std::string hash = db::mysql::NativePasswordHash(first);
  bool hash_in_call = false;
  for (const auto& statement : statements) {
    SCOPED_TRACE(statement.substr(0, 60));
    for (const char* inner : {"CREATE USER", "ALTER USER", "GRANT", "DROP USER", "KILL"}) {
      EXPECT_NE(statement.rfind(inner, 0), 0u) << "an inner statement was logged";
    }
    if (statement.find(hash) == std::string::npos) continue;
    EXPECT_EQ(statement.rfind("CALL `" + harness_.instance_prefix() + "meta`.`ensure_user`(", 0), 0u);
    hash_in_call = true;
  }
  EXPECT_TRUE(hash_in_call);
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

TEST(MySqlSql, PrivilegeSetsAndRoles) {
  const auto& database = db::mysql::DatabasePrivileges();
  EXPECT_TRUE(std::is_sorted(database.begin(), database.end()));
  for (const char* never : {"GRANT OPTION", "SUPER", "FILE", "PROCESS", "CREATE USER", "RELOAD"}) {
    EXPECT_EQ(std::count(database.begin(), database.end(), never), 0) << never;
  }
  using db::ExtraRole;
  EXPECT_EQ(db::mysql::RoleList({}), "");
  EXPECT_EQ(db::mysql::RoleList({ExtraRole::kSuperuser, ExtraRole::kCreateDb}), "createdb,superuser");
  EXPECT_EQ(db::mysql::GrantableRoleNames(contract::kDefaultGrantable),
            std::vector<std::string>{"createdb"});
  // What the server's own PASSWORD('abc') returns.
  EXPECT_EQ(db::mysql::NativePasswordHash("abc"), "*0D3CED9BEC10A777AEC23CCC353A8C08A633045E");
  EXPECT_NE(db::mysql::UnusablePasswordHash(), db::mysql::UnusablePasswordHash());
  EXPECT_EQ(db::mysql::SqlString(R"(it's \ here)"), R"('it''s \\ here')");
  EXPECT_EQ(db::mysql::ShortVersion("10.11.6-MariaDB-0+deb12u1"), "10.11.6");
  EXPECT_EQ(db::mysql::ShortVersion("8.0.36"), "8.0.36");
}

TEST(MySqlSql, ParsesShowGrantsLines) {
  using Kind = db::mysql::GrantLine::Kind;
  const auto usage = db::mysql::ParseGrantLine(
      "GRANT USAGE ON *.* TO `op`@`%` IDENTIFIED BY PASSWORD '*0D3CED9BEC10A777AEC23CCC353A8C08A633045E'");
  EXPECT_EQ(usage.kind, Kind::kPrivileges);
  EXPECT_EQ(usage.privileges, std::vector<std::string>{"USAGE"});
  EXPECT_EQ(usage.object, "*.*");
  EXPECT_FALSE(usage.grant_option);
  const auto columns = db::mysql::ParseGrantLine(
      "GRANT SELECT (`a`, `b`), INSERT ON `d`.`t` TO `op`@`%` WITH GRANT OPTION");
  EXPECT_EQ(columns.privileges, (std::vector<std::string>{"SELECT (`a`, `b`)", "INSERT"}));
  EXPECT_EQ(columns.object, "`d`.`t`");
  EXPECT_TRUE(columns.grant_option);
  EXPECT_EQ(db::mysql::ParseGrantLine("GRANT `dba` TO `op`@`%`").kind, Kind::kRole);
  EXPECT_EQ(db::mysql::ParseGrantLine("GRANT PROXY ON ''@'%' TO 'op'@'%'").object, "''@'%'");
  EXPECT_EQ(db::mysql::ParseGrantLine("SET DEFAULT ROLE `dba` FOR `op`@`%`").kind,
            Kind::kDefaultRole);
}

TEST(MySqlSql, ComparesTheOperatorsGrantsWithTheLeastPrivileges) {
  const std::string usage = "GRANT USAGE ON *.* TO `op`@`%` IDENTIFIED BY PASSWORD '*AB'";
  const std::string meta = "GRANT SELECT, EXECUTE ON `gx_meta`.* TO `op`@`%`";
  EXPECT_EQ(db::mysql::CompareOperatorGrants({usage, meta}, "gx_meta"), db::mysql::OperatorGrantDrift{});
  const auto old = db::mysql::CompareOperatorGrants(
      {"GRANT SELECT, CREATE USER ON *.* TO `op`@`%` IDENTIFIED BY PASSWORD '*AB' WITH GRANT OPTION",
       "GRANT `dba` TO `op`@`%`"},
      "gx_meta");
  EXPECT_EQ(old.surplus, (std::vector<std::string>{"SELECT, CREATE USER on *.* WITH GRANT OPTION",
                                                   "role `dba`"}));
  EXPECT_EQ(old.missing, (std::vector<std::string>{"EXECUTE on `gx_meta`.*", "SELECT on `gx_meta`.*"}));
  EXPECT_TRUE(old.privileges);
  EXPECT_EQ(old.roles, std::vector<std::string>{"`dba`"});
  for (const auto& item : old.surplus) EXPECT_EQ(item.find("*AB"), std::string::npos);
  const auto option = db::mysql::CompareOperatorGrants(
      {"GRANT USAGE ON *.* TO `op`@`%` WITH GRANT OPTION", meta}, "gx_meta");
  EXPECT_EQ(option.surplus, std::vector<std::string>{"GRANT OPTION on *.*"});
}

TEST(MySqlSql, RedefinesShowCreateTexts) {
  using db::mysql::Redefine;
  EXPECT_EQ(Redefine("CREATE ALGORITHM=UNDEFINED DEFINER=`u`@`%` SQL SECURITY DEFINER VIEW `v` AS "
                     "select 'DEFINER=`u`@`%`'",
                     "u", "`d`@`localhost`", "ALTER "),
            "ALTER ALGORITHM=UNDEFINED DEFINER=`d`@`localhost` SQL SECURITY DEFINER VIEW `v` AS "
            "select 'DEFINER=`u`@`%`'");
  EXPECT_EQ(Redefine("CREATE DEFINER=`u`@`%` PROCEDURE `p`() BEGIN END", "u", "`d`@`localhost`",
                     "CREATE OR REPLACE "),
            "CREATE OR REPLACE DEFINER=`d`@`localhost` PROCEDURE `p`() BEGIN END");
  EXPECT_EQ(Redefine("CREATE DEFINER=`x`@`%` PROCEDURE `p`() SELECT 'DEFINER=`u`@`%`'", "u", "`d`@`h`",
                     "CREATE "),
            std::nullopt);
  EXPECT_EQ(Redefine("DROP VIEW v", "u", "`d`@`h`", "ALTER "), std::nullopt);
  EXPECT_EQ(Redefine(R"(CREATE DEFINER="u"@"%" PACKAGE "pk" AS PROCEDURE x; END)", "u",
                     "`d`@`h`", "CREATE OR REPLACE "),
            R"(CREATE OR REPLACE DEFINER=`d`@`h` PACKAGE "pk" AS PROCEDURE x; END)");
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
  EXPECT_FALSE(db::ConnectMariaDb(config)->Server().version.empty());
}

}  // namespace
}  // namespace grantor::integration
