// Tenant isolation on MariaDB (issue 22; ctest labels `integration` and `isolation`): revocation
// wins whatever the relation user did (stored objects it defines, sessions it holds, a statement
// it is running), nothing it defined runs as a later account of its name, what it built keeps
// working for the next user of its database, and an operator made by the previous release is
// brought down to its least privileges.

#include <gtest/gtest.h>

#include <mysql.h>

#include <memory>
#include <string>
#include <vector>

#include "db/mysql/sql.hpp"
#include "mariadb_harness.hpp"

namespace grantor::integration {
namespace {

using MariaDbIsolationTest = contract::EngineContract<MyHarness>;

// DEFINER of every stored object in `database`, one per object, sorted.
std::vector<std::string> DefinersIn(MyProbeSession& admin, const std::string& database) {
  const std::string schema = admin.Quote(database);
  return admin.Query(
      "SELECT d FROM (SELECT DEFINER AS d FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " +
      schema + " UNION ALL SELECT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " +
      schema + " UNION ALL SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = " +
      schema + " UNION ALL SELECT DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " +
      schema + ") AS o ORDER BY d");
}

// A session of relation user `user` (password "Password-1") in `database`, where it made the
// tables t and audit (v VARCHAR(50)).
std::unique_ptr<MyProbeSession> LoginWithTables(MyHarness& harness, const std::string& user,
                                                const std::string& database) {
  auto session = harness.Login(user, "Password-1", database);
  session->Query("CREATE TABLE t (v VARCHAR(50))");
  session->Query("CREATE TABLE audit (v VARCHAR(50))");
  return session;
}

TEST_F(MariaDbIsolationTest, RevocationWinsAndDefinerObjectsAreHandedOver) {
  const std::string db = Name("db");
  const std::string user = MakeUserWithDatabase("u", db, "Password-1");
  {
    auto author = LoginWithTables(harness_, user, db);
    author->Query("INSERT INTO t VALUES ('kept')");
    author->Query("CREATE SQL SECURITY DEFINER VIEW v AS SELECT v FROM t");
    author->Query("CREATE FUNCTION f() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM t)");
    author->Query("CREATE PROCEDURE p() MODIFIES SQL DATA INSERT INTO audit VALUES ('by p')");
    author->Query("CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW INSERT INTO audit VALUES (NEW.v)");
    author->Query("CREATE EVENT ev ON SCHEDULE EVERY 1 DAY DISABLE DO INSERT INTO audit VALUES ('ev')");
  }
  // One session idle, one in the middle of a long statement.
  auto idle = harness_.Login(user, "Password-1", db);
  auto busy = harness_.Login(user, "Password-1", db);
  const std::string sleep = "SELECT SLEEP(60)";
  ASSERT_EQ(mysql_send_query(busy->handle(), sleep.data(), sleep.size()), 0);

  engine().LockUser(user);
  EXPECT_FALSE(idle->Alive());
  EXPECT_NE(mysql_read_query_result(busy->handle()), 0);  // ended now, not in 60 s
  EXPECT_FALSE(CanLogin(user, "Password-1", db));

  // The operator may not hand stored objects over: it names them, and the user stays locked.
  try {
    engine().DropUser(user);
    ADD_FAILURE() << "the operator dropped a user that defines stored objects";
  } catch (const db::DbError& error) {
    EXPECT_EQ(error.kind(), db::ErrorKind::kAccessDenied) << error.what();
    const std::string message = error.what();
    for (const std::string& object : {"view " + db + ".v", "function " + db + ".f",
                                      "procedure " + db + ".p", "trigger " + db + ".tr",
                                      "event " + db + ".ev"}) {
      EXPECT_NE(message.find(object), std::string::npos) << object << " not in: " << message;
    }
  }
  EXPECT_TRUE(engine().UserExists(user));
  EXPECT_FALSE(CanLogin(user, "Password-1", db));

  // The admin hands them to the database's locked definer account, then drops the user.
  harness_.admin_engine().DropUser(user);
  EXPECT_FALSE(engine().UserExists(user));
  auto admin = harness_.Admin();
  const auto definers = DefinersIn(*admin, db);
  ASSERT_EQ(definers.size(), 5u);
  const std::string definer = definers.front();
  EXPECT_EQ(definer.rfind(harness_.instance_prefix() + "def_", 0), 0u) << definer;
  EXPECT_EQ(definer.substr(definer.size() - 10), "@localhost");
  EXPECT_EQ(definers, std::vector<std::string>(5, definer));
  const std::string account =
      admin->Quote(definer.substr(0, definer.find('@'))) + "@'localhost'";
  EXPECT_NE(admin->Query("SHOW CREATE USER " + account).at(0).find("ACCOUNT LOCK"), std::string::npos);
  const auto grants = admin->Query("SHOW GRANTS FOR " + account);
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(grants[0].rfind("GRANT USAGE ON *.* TO ", 0), 0u);
  EXPECT_NE(grants[1].find(" ON " + db::mysql::QuoteGrantDatabase(db) + ".* TO "), std::string::npos)
      << grants[1];

  // The next user of the database uses everything its predecessor built.
  const std::string next = MakeUserWithDatabase("n", db, "Password-2");
  auto session = harness_.Login(next, "Password-2", db);
  EXPECT_EQ(session->Query("SELECT v FROM v"), std::vector<std::string>{"kept"});
  EXPECT_EQ(session->Query("SELECT f()"), std::vector<std::string>{"1"});
  session->Query("CALL p()");
  session->Insert("t", "by trigger");
  EXPECT_EQ(session->Select("audit"), (std::vector<std::string>{"by p", "by trigger"}));
  // A new account of the old name gets nothing of it back.
  engine().EnsureUser(Spec(user, "Password-3", db));
  EXPECT_EQ(DefinersIn(*admin, db), std::vector<std::string>(5, definer));
}

// What users write is not always what SHOW CREATE gives back plainly: a trigger made with IF
// NOT EXISTS or placed with PRECEDES, a routine made under sql_mode ANSI_QUOTES (its text then
// quotes with double quotes), an Oracle-mode package. Each is handed over as it was: same body,
// same place among the table's triggers, still working.
TEST_F(MariaDbIsolationTest, AwkwardStoredObjectsAreHandedOverAsTheyWere) {
  const std::string db = Name("db");
  const std::string user = MakeUserWithDatabase("u", db, "Password-1");
  {
    auto author = LoginWithTables(harness_, user, db);
    author->Query("CREATE TRIGGER IF NOT EXISTS second BEFORE INSERT ON t FOR EACH ROW"
                  " INSERT INTO audit VALUES (CONCAT('2 ', NEW.v))");
    author->Query("CREATE TRIGGER first BEFORE INSERT ON t FOR EACH ROW PRECEDES second"
                  " INSERT INTO audit VALUES (CONCAT('1 ', NEW.v))");
    author->Query("CREATE TRIGGER third BEFORE INSERT ON t FOR EACH ROW"
                  " INSERT INTO audit VALUES (CONCAT('3 ', NEW.v))");
    author->Query("SET SESSION sql_mode = 'ANSI_QUOTES'");
    author->Query("CREATE PROCEDURE \"quoted\"() INSERT INTO \"audit\" VALUES ('quoted')");
    author->Query("SET SESSION sql_mode = 'ORACLE'");
    author->Query("CREATE PACKAGE pk AS FUNCTION one RETURN INT; END");
    author->Query("CREATE PACKAGE BODY pk AS FUNCTION one RETURN INT AS BEGIN RETURN 1; END; END");
  }
  auto admin = harness_.Admin();
  const std::string order =
      "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = " +
      admin->Quote(db) + " ORDER BY ACTION_ORDER";
  ASSERT_EQ(admin->Query(order), (std::vector<std::string>{"first", "second", "third"}));
  harness_.admin_engine().DropUser(user);
  EXPECT_FALSE(engine().UserExists(user));
  const auto definers = DefinersIn(*admin, db);
  ASSERT_EQ(definers.size(), 6u);
  EXPECT_EQ(definers, std::vector<std::string>(6, definers.front()));
  EXPECT_EQ(definers.front().rfind(harness_.instance_prefix() + "def_", 0), 0u);
  EXPECT_EQ(admin->Query(order), (std::vector<std::string>{"first", "second", "third"}));
  const std::string next = MakeUserWithDatabase("n", db, "Password-2");
  auto session = harness_.Login(next, "Password-2", db);
  session->Insert("t", "row");
  session->Query("CALL quoted()");
  EXPECT_EQ(session->Select("audit"),
            (std::vector<std::string>{"1 row", "2 row", "3 row", "quoted"}));
  session->Query("SET SESSION sql_mode = 'ORACLE'");
  EXPECT_EQ(session->Query("SELECT pk.one()"), std::vector<std::string>{"1"});
}

// What a relation user defines outside this application's databases (a superuser can) is dropped
// with it; the tables there are not touched.
TEST_F(MariaDbIsolationTest, ObjectsOutsideItsDatabasesAreDroppedTheirDataKept) {
  harness_.SetGrantable({db::ExtraRole::kSuperuser});
  const std::string foreign = Name("payroll");
  harness_.CreateForeignDatabase(foreign, "salaries", "alice 100");
  const std::string root =
      MakeUserWithDatabase("su", Name("db"), "Password-S", {db::ExtraRole::kSuperuser});
  {
    auto session = harness_.Login(root, "Password-S", foreign);
    session->Query("CREATE VIEW leak AS SELECT v FROM salaries");
    session->Query("CREATE PROCEDURE peek() SELECT v FROM salaries");
  }
  harness_.admin_engine().DropUser(root);
  EXPECT_FALSE(engine().UserExists(root));
  auto admin = harness_.Admin();
  EXPECT_TRUE(DefinersIn(*admin, foreign).empty());
  EXPECT_EQ(harness_.Rows(foreign, "salaries"), std::vector<std::string>{"alice 100"});
}

// The previous release's operator held the data privileges on *.* WITH GRANT OPTION, CREATE
// USER, PROCESS and CONNECTION ADMIN: EnsureOperator takes all of it away (roles and default
// role included) and ends the sessions that still carry it.
TEST_F(MariaDbIsolationTest, OperatorOfThePreviousReleaseIsBroughtDown) {
  auto admin = harness_.Admin();
  const std::string op = admin->Quote(harness_.OperatorName()) + "@'%'";
  const std::string role = "go" + harness_.instance_prefix().substr(2) + "role";
  admin->Query("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, REFERENCES,"
               " CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW,"
               " CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER, CREATE USER, PROCESS,"
               " CONNECTION ADMIN ON *.* TO " + op + " WITH GRANT OPTION");
  admin->Query("CREATE ROLE " + admin->Quote(role));
  admin->Query("GRANT " + admin->Quote(role) + " TO " + op);
  admin->Query("SET DEFAULT ROLE " + admin->Quote(role) + " FOR " + op);
  MyProbeSession before(harness_.OperatorConfig(), "");
  ASSERT_EQ(before.ErrorOf("SELECT COUNT(*) FROM mysql.global_priv"), 0u);
  const auto drift = harness_.ConnectAsOperator()->OperatorDrift(contract::kDefaultGrantable);
  ASSERT_TRUE(drift.has_value());
  EXPECT_NE(drift->find("holds SELECT, INSERT"), std::string::npos) << *drift;
  EXPECT_NE(drift->find("CREATE USER"), std::string::npos) << *drift;
  EXPECT_NE(drift->find("role"), std::string::npos) << *drift;
  EXPECT_EQ(drift->find("*"), drift->find("*.*")) << "no hash in: " << *drift;

  harness_.SetGrantable(contract::kDefaultGrantable);

  EXPECT_EQ(engine().OperatorDrift(contract::kDefaultGrantable), std::nullopt);
  EXPECT_EQ(admin->Query("SHOW GRANTS FOR " + op).size(), 2u);
  EXPECT_FALSE(before.Alive());
  MyProbeSession after(harness_.OperatorConfig(), "");
  EXPECT_NE(after.ErrorOf("SELECT COUNT(*) FROM mysql.global_priv"), 0u);
  EXPECT_NE(after.ErrorOf("CREATE USER 'grantor_backdoor'@'%'"), 0u);
}

}  // namespace
}  // namespace grantor::integration
