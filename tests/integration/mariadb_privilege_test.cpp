// Least privilege on MariaDB (issue 23; ctest labels `integration` and `privilege`): logged in
// with the operator's own password, as anyone who got hold of it, every escalation fails; and
// each server-side procedure, called directly with SQL as the operator, refuses what is not
// this application's (accounts outside its namespace, foreign databases, roles the policy does
// not allow, hostile values) and changes nothing.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/mysql/sql.hpp"
#include "e2e/hostile_corpus.hpp"
#include "mariadb_harness.hpp"

namespace grantor::integration {
namespace {

using MariaDbPrivilegeTest = contract::EngineContract<MyHarness>;

constexpr const char* kHash = "*0D3CED9BEC10A777AEC23CCC353A8C08A633045E";  // PASSWORD('abc')

// What a test must find unchanged: every account of the test's applications, root's and the
// admin's (their privileges, lock state and password hash), their database and table grants,
// the test's databases and the application's bookkeeping, as one digest (no hash is printed).
std::string StateDigest(MyProbeSession& admin, const std::string& instance_prefix,
                        const std::string& admin_user) {
  const std::string other = "go" + instance_prefix.substr(2);
  const std::string mine = "(LEFT(User, " + std::to_string(instance_prefix.size()) + ") IN (" +
                           admin.Quote(instance_prefix) + ", " + admin.Quote(other) +
                           ") OR User IN ('root', 'mariadb.sys', " + admin.Quote(admin_user) + "))";
  const std::string grantee = "(GRANTEE LIKE " + admin.Quote("'" + instance_prefix + "%") +
                              " OR GRANTEE LIKE " + admin.Quote("'" + other + "%") + ")";
  const std::string meta = "`" + instance_prefix + "meta`";
  return admin.Query(
      "SELECT SHA2(CONCAT_WS('|',"
      " (SELECT GROUP_CONCAT(CONCAT_WS(',', User, Host, Priv) ORDER BY User, Host SEPARATOR ';')"
      "  FROM mysql.global_priv WHERE " + mine + "),"
      " (SELECT GROUP_CONCAT(CONCAT_WS(',', GRANTEE, TABLE_SCHEMA, PRIVILEGE_TYPE, IS_GRANTABLE)"
      "  ORDER BY 1 SEPARATOR ';') FROM information_schema.SCHEMA_PRIVILEGES WHERE " + grantee + "),"
      " (SELECT GROUP_CONCAT(CONCAT_WS(',', GRANTEE, TABLE_SCHEMA, TABLE_NAME, PRIVILEGE_TYPE)"
      "  ORDER BY 1 SEPARATOR ';') FROM information_schema.TABLE_PRIVILEGES WHERE " + grantee + "),"
      " (SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME) FROM information_schema.SCHEMATA"
      "  WHERE LEFT(SCHEMA_NAME, " + std::to_string(instance_prefix.size()) + ") IN (" +
      admin.Quote(instance_prefix) + ", " + admin.Quote(other) + ")),"
      " (SELECT GROUP_CONCAT(CONCAT_WS(',', name, kind, owner_model, owner_app) ORDER BY name)"
      "  FROM " + meta + ".`databases`),"
      " (SELECT GROUP_CONCAT(role ORDER BY role) FROM " + meta + ".`grantable`)), 256)")
      .at(0);
}

// One privilege test's world: a relation user of the application with its database, a
// foreign database holding a row, the admin's and the operator's own SQL sessions, and the
// state that must not change (StateDigest, taken by Snapshot()).
class Scene {
 public:
  explicit Scene(MyHarness& harness)
      : harness_(harness),
        meta("`" + harness.instance_prefix() + "meta`"),
        db(harness.prefix() + "db"),
        tenant(harness.prefix() + "u"),
        foreign(harness.prefix() + "payroll") {
    harness.engine().EnsureDatabase(db, contract::kOwnerA);
    harness.engine().EnsureUser(db::UserSpec{tenant, "Password-1", db, {}, contract::kOwnerA});
    harness.CreateForeignDatabase(foreign, "salaries", "alice 100");
    admin = harness.Admin();
    Snapshot();
  }

  /// Takes the state to compare with, and opens a fresh operator session.
  void Snapshot() {
    before_ = StateDigest(*admin, harness_.instance_prefix(), harness_.config().user);
    op = std::make_unique<MyProbeSession>(harness_.OperatorConfig(), "");
  }
  /// Expects the operator's `sql` to fail.
  void Refused(const std::string& sql) {
    EXPECT_NE(op->ErrorOf(sql), 0u) << "succeeded: " << core::Printable(sql.substr(0, 160));
    ++refusals_;
  }
  /// CALL `meta`.`routine`(arguments), or SELECT for a function; std::nullopt is NULL.
  std::string Call(const std::string& routine,
                   const std::vector<std::optional<std::string>>& arguments,
                   bool function = false) {
    std::string list;
    for (const auto& argument : arguments) {
      if (!list.empty()) list += ", ";
      list += argument ? op->Quote(*argument) : "NULL";
    }
    return std::string(function ? "SELECT " : "CALL ") + meta + ".`" + routine + "`(" + list + ")";
  }
  void ExpectNothingChanged() {
    EXPECT_EQ(StateDigest(*admin, harness_.instance_prefix(), harness_.config().user), before_);
    EXPECT_EQ(harness_.Rows(foreign, "salaries"), std::vector<std::string>{"alice 100"});
    EXPECT_TRUE(admin->Alive());
  }
  int refusals() const { return refusals_; }

 private:
  MyHarness& harness_;
  std::string before_;
  int refusals_ = 0;

 public:
  const std::string meta;     // `<prefix>meta`
  const std::string db;       // the relation user's database
  const std::string tenant;   // the relation user ("Password-1")
  const std::string foreign;  // a database outside grantor
  std::unique_ptr<MyProbeSession> admin;
  std::unique_ptr<MyProbeSession> op;
};

TEST_F(MariaDbPrivilegeTest, OperatorCannotEscalateWithItsOwnPassword) {
  Scene s(harness_);
  const std::string self = s.op->Quote(harness_.OperatorName()) + "@'%'";
  const std::string tenant = s.op->Quote(s.tenant) + "@'%'";
  // The grant tables and every account's password hash.
  s.Refused("SELECT * FROM mysql.global_priv");
  s.Refused("SELECT * FROM mysql.user");
  s.Refused("SELECT authentication_string FROM mysql.user WHERE User = 'root'");
  s.Refused("UPDATE mysql.global_priv SET Priv = '{}' WHERE User = 'root'");
  s.Refused("SHOW GRANTS FOR 'root'@'localhost'");
  // Accounts: a backdoor outside the namespace, or inside it without the procedures.
  s.Refused("CREATE USER 'grantor_backdoor'@'%' IDENTIFIED BY 'Backdoor-Password-1'");
  s.Refused("CREATE USER " + s.op->Quote(harness_.prefix() + "backdoor") + "@'%'");
  s.Refused("ALTER USER " + tenant + " IDENTIFIED BY 'Stolen-Password-1'");
  s.Refused("DROP USER " + tenant);
  s.Refused("RENAME USER " + tenant + " TO 'grantor_backdoor'@'%'");
  // Privileges: to itself, to a tenant, on its own bookkeeping.
  s.Refused("GRANT ALL PRIVILEGES ON *.* TO " + self + " WITH GRANT OPTION");
  s.Refused("GRANT ALL PRIVILEGES ON *.* TO " + tenant);
  s.Refused("GRANT SELECT ON " + s.meta + ".* TO " + tenant);
  s.Refused("GRANT SELECT ON `" + s.foreign + "`.* TO " + self);
  // Data: a foreign database, a tenant's database, the bookkeeping and the server API.
  s.Refused("SELECT * FROM `" + s.foreign + "`.`salaries`");
  s.Refused("DROP DATABASE `" + s.foreign + "`");
  s.Refused("CREATE TABLE `" + s.db + "`.`planted` (v INT)");
  s.Refused("CREATE DATABASE `" + harness_.prefix() + "sneaky`");
  s.Refused("INSERT INTO " + s.meta + ".`databases` (name, kind) VALUES (" +
            s.op->Quote(s.foreign) + ", 'adopted')");
  s.Refused("UPDATE " + s.meta + ".`databases` SET kind = 'adopted'");
  s.Refused("INSERT INTO " + s.meta + ".`grantable` (role) VALUES ('superuser')");
  s.Refused("DELETE FROM " + s.meta + ".`api`");
  s.Refused("CREATE PROCEDURE " + s.meta + ".`run`(s TEXT) SELECT 1");
  s.Refused("ALTER PROCEDURE " + s.meta + ".`ensure_user` SQL SECURITY INVOKER");
  s.Refused("DROP PROCEDURE " + s.meta + ".`ensure_user`");
  // The server and its logs.
  s.Refused("SET GLOBAL general_log = 0");
  s.Refused("SET SESSION sql_log_off = 1");
  s.Refused("SET GLOBAL read_only = 1");
  s.Refused("FLUSH PRIVILEGES");
  s.Refused("SHUTDOWN");
  EXPECT_EQ(s.op->Query("SELECT LOAD_FILE('/etc/passwd')"), std::vector<std::string>{""});
  // The routines' bodies are the definer's to read.
  EXPECT_EQ(s.op->Rows("SHOW CREATE PROCEDURE " + s.meta + ".`ensure_user`").at(0).at(2), "");
  EXPECT_EQ(s.op->Query("SELECT COUNT(*) FROM information_schema.ROUTINES"
                        " WHERE ROUTINE_DEFINITION IS NOT NULL"),
            std::vector<std::string>{"0"});
  s.ExpectNothingChanged();
  EXPECT_EQ(engine().OperatorDrift(contract::kDefaultGrantable), std::nullopt);
}

// The operator sees its own account's sessions only, and cannot end anyone else's (only
// lock_user ends a relation user's sessions).
TEST_F(MariaDbPrivilegeTest, OperatorCannotSeeOrKillOtherSessions) {
  Scene s(harness_);
  auto tenant = harness_.Login(s.tenant, "Password-1", s.db);
  EXPECT_EQ(s.op->Query("SELECT DISTINCT USER FROM information_schema.PROCESSLIST"),
            std::vector<std::string>{harness_.OperatorName()});
  for (const auto& session : s.op->Rows("SHOW PROCESSLIST")) {
    EXPECT_EQ(session.at(1), harness_.OperatorName()) << "sees session " << session.at(0);
  }
  s.Refused("KILL CONNECTION " + std::to_string(s.admin->id()));
  s.Refused("KILL CONNECTION " + std::to_string(tenant->id()));
  s.Refused("KILL QUERY " + std::to_string(tenant->id()));
  EXPECT_TRUE(tenant->Alive());
  s.ExpectNothingChanged();
}

// Every procedure that touches an account refuses any account that is not a relation user of
// this application: root, the admin, another application's users, the operator itself, the
// application's own reserved names (definer accounts, group roles, bookkeeping), odd cases.
TEST_F(MariaDbPrivilegeTest, ProceduresRefuseAccountsOutsideTheNamespace) {
  Scene s(harness_);
  const std::string ip = harness_.instance_prefix();
  const std::string other_user = "go" + ip.substr(2) + "r1";
  s.admin->Query("CREATE USER " + s.admin->Quote(other_user) + "@'%' IDENTIFIED BY 'Other-Password-1'");
  s.Snapshot();
  const std::vector<std::optional<std::string>> outside = {
      "root", harness_.config().user, "mariadb.sys", other_user, harness_.OperatorName(),
      ip + "def_1", ip + "o12", ip + "admin", ip + "admin_x", ip + "meta", ip + "api", ip,
      ip + "R1", ip + "1r", ip + "r-1", ip + "r.1", ip + "r1 ", " " + ip + "r1",
      ip + std::string(40, 'r'), "", std::nullopt};
  for (const auto& name : outside) {
    SCOPED_TRACE(core::Printable(name.value_or("NULL")));
    s.Refused(s.Call("ensure_user", {name, kHash, s.db, ""}));
    s.Refused(s.Call("set_password", {name, kHash}));
    s.Refused(s.Call("lock_user", {name}));
    s.Refused(s.Call("drop_user", {name}));
  }
  s.Refused(s.Call("user_exists", {std::string("root")}, /*function=*/true));
  s.Refused(s.Call("user_exists", {other_user}, /*function=*/true));
  EXPECT_EQ(s.op->Query(s.Call("list_users", {std::string("")})),
            (std::vector<std::string>{harness_.OperatorName(), s.tenant}));
  s.ExpectNothingChanged();
  EXPECT_TRUE(CanLogin(other_user, "Other-Password-1", ""));
  EXPECT_TRUE(CanLogin(s.tenant, "Password-1", s.db));
}

// Relation users get only databases this application manages or adopted; new databases only
// with a valid, unreserved name that nobody holds.
TEST_F(MariaDbPrivilegeTest, ProceduresRefuseForeignDatabases) {
  Scene s(harness_);
  const std::string ip = harness_.instance_prefix();
  // Another application's bookkeeping, recording one database of its own.
  const std::string other_meta = "go" + ip.substr(2) + "meta";
  const std::string theirs = "go" + ip.substr(2) + "tdb";
  s.admin->Query("CREATE DATABASE `" + other_meta + "`");
  s.admin->Query("CREATE DATABASE `" + theirs + "`");
  s.admin->Query("CREATE TABLE `" + other_meta + "`.`databases` (name VARCHAR(64) PRIMARY KEY,"
                 " kind VARCHAR(16))");
  s.admin->Query("INSERT INTO `" + other_meta + "`.`databases` VALUES ('" + theirs + "', 'managed')");
  s.Snapshot();
  const std::string user = harness_.prefix() + "x";
  // Not this application's, or not a database at all (GRANT wildcards included).
  for (const std::string& database :
       {s.foreign, theirs, ip + "meta", other_meta, std::string("mysql"),
        std::string("information_schema"), std::string("performance_schema"), std::string("sys"),
        std::string("grantor_x"), harness_.prefix() + "absent", s.db + "%", std::string("%"),
        std::string("*"), s.db.substr(0, s.db.size() - 1) + "_"}) {
    SCOPED_TRACE(database);
    s.Refused(s.Call("ensure_user", {user, kHash, database, ""}));
  }
  // Held by someone else, reserved, or not a name.
  for (const std::string& database :
       {s.foreign, theirs, ip + "meta", other_meta, std::string("mysql"),
        std::string("information_schema"), std::string("performance_schema"), std::string("sys"),
        std::string("grantor_x"), std::string("%"), std::string("*")}) {
    SCOPED_TRACE(database);
    s.Refused(s.Call("create_database", {database, "model", "app"}));
  }
  s.ExpectNothingChanged();
}

// Roles: only those of the grantable table, never createrole or admin, nothing unknown; password
// hashes only of their shape.
TEST_F(MariaDbPrivilegeTest, ProceduresRefuseDisallowedRolesAndMalformedHashes) {
  Scene s(harness_);
  const std::string user = harness_.prefix() + "x";
  for (const db::ExtraRoles& grantable :
       {contract::kDefaultGrantable, db::ExtraRoles{db::ExtraRole::kSuperuser}}) {
    harness_.SetGrantable(grantable);
    s.Snapshot();
    std::vector<std::string> roles = {"createrole", "admin", "CREATEDB", "createdb,admin",
                                      "admin,createdb", "createdb;DROP USER root", " createdb",
                                      "createdb,", ",createdb", ",", "all", "%", "super"};
    roles.push_back(grantable.contains(db::ExtraRole::kSuperuser) ? "createdb" : "superuser");
    for (const auto& role : roles) {
      SCOPED_TRACE(role);
      s.Refused(s.Call("ensure_user", {user, kHash, s.db, role}));
      s.Refused(s.Call("ensure_user", {s.tenant, kHash, s.db, role}));
    }
    for (const std::string& hash : {std::string("abc"), std::string("*abc"),
                                    std::string(kHash).substr(0, 40) + "g",
                                    std::string("' OR '1'='1"), std::string(kHash) + "0"}) {
      s.Refused(s.Call("ensure_user", {user, hash, s.db, ""}));
      s.Refused(s.Call("set_password", {s.tenant, hash}));
    }
    s.ExpectNothingChanged();
  }
  EXPECT_TRUE(CanLogin(s.tenant, "Password-1", s.db));
}

// The hostile corpus of the end-to-end tests (quotes, backticks, semicolons, %, _, NUL and
// control bytes, invalid UTF-8, look-alike Unicode, 69-byte, 10 KiB and 1 MiB names, reserved
// names) as account, database, role and hash arguments of every procedure: all refused, nothing
// changed.
TEST_F(MariaDbPrivilegeTest, ProceduresRefuseHostileValues) {
  Scene s(harness_);
  e2e::hostile::Corpus corpus('q', /*mysql=*/true);
  std::vector<std::string> values;
  for (const auto& value : corpus.DatabaseNames()) values.push_back(value.text);
  values.push_back(std::string(70, 'a'));
  values.push_back("r\xc3\xbcser");
  values.push_back("r1`; DROP DATABASE `" + s.db);
  values.push_back(std::string("r1\0' OR '1'='1", 14));
  for (const auto& value : values) {
    SCOPED_TRACE(core::Printable(value));
    s.Refused(s.Call("ensure_user", {harness_.prefix() + "x", kHash, value, ""}));
    s.Refused(s.Call("ensure_user", {harness_.prefix() + "x", kHash, s.db, value}));
    s.Refused(s.Call("set_password", {s.tenant, value}));
    // A reserved database name ("mysql") makes a fine user name after the prefix: only the
    // values that are no relation user's name are expected to be refused as one.
    const std::string name = harness_.prefix() + value;
    if (!core::IsTenantUserName(harness_.instance_prefix(), name)) {
      s.Refused(s.Call("ensure_user", {name, kHash, s.db, ""}));
      s.Refused(s.Call("set_password", {name, kHash}));
      s.Refused(s.Call("lock_user", {name}));
      s.Refused(s.Call("drop_user", {name}));
    }
    if (core::DatabaseNameProblem(value, core::Dialect::kMySql)) {
      s.Refused(s.Call("create_database", {value, "model", "app"}));
    }
  }
  EXPECT_GT(s.refusals(), 400);
  s.ExpectNothingChanged();
  EXPECT_TRUE(CanLogin(s.tenant, "Password-1", s.db));
}

// OperatorDrift names what was changed.
TEST_F(MariaDbPrivilegeTest, DriftNamesTheAlteredRoutine) {
  harness_.TamperWithServerApi();
  EXPECT_EQ(harness_.ConnectAsOperator()->OperatorDrift(contract::kDefaultGrantable),
            "procedure ensure_user altered");
  MyHarness::Session admin(harness_.config(), "");
  admin.Query("CREATE FUNCTION `" + harness_.instance_prefix() + "meta`.`extra`() RETURNS INT RETURN 1");
  EXPECT_EQ(harness_.ConnectAsOperator()->OperatorDrift(contract::kDefaultGrantable),
            "procedure ensure_user altered, function extra added");
  harness_.SetGrantable(contract::kDefaultGrantable);
  EXPECT_EQ(admin.Query("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_NAME = 'extra'"
                        " AND ROUTINE_SCHEMA = " + admin.Quote(harness_.instance_prefix() + "meta")),
            std::vector<std::string>{"0"});
}

// Each way the server API can be changed behind grantor's back is caught by a fresh operator
// session before it calls anything: kNeedsRepair, nothing changed; EnsureOperator repairs it.
TEST_F(MariaDbPrivilegeTest, AlteredServerApiIsNeverUsed) {
  Scene s(harness_);
  const std::string text = "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
  const std::vector<std::string> tampering = {
      "ALTER PROCEDURE " + s.meta + ".`lock_user` SQL SECURITY INVOKER",
      "ALTER PROCEDURE " + s.meta + ".`drop_user` COMMENT 'changed'",
      "DROP PROCEDURE " + s.meta + ".`set_password`",
      // The digest function itself, re-created to vouch for anything (as SQL SECURITY INVOKER;
      // the same with DEFINER in the very second of the install is the gap docs/mysql.md names).
      "CREATE OR REPLACE FUNCTION " + s.meta + ".`routine_digest`(p_routine " + text +
          ") RETURNS CHAR(64) CHARACTER SET ascii READS SQL DATA SQL SECURITY INVOKER RETURN "
          "(SELECT digest FROM " + s.meta + ".`api` WHERE routine = p_routine)",
      // A routine added by hand: the repair drops it.
      "CREATE FUNCTION " + s.meta + ".`evil`() RETURNS INT RETURN 1",
      "UPDATE " + s.meta + ".`api` SET version = 0",
      "DROP TABLE " + s.meta + ".`api`",
  };
  for (const auto& statement : tampering) {
    SCOPED_TRACE(statement.substr(0, 60));
    s.admin->Query(statement);
    auto session = harness_.ConnectAsOperator();
    GRANTOR_EXPECT_DB_ERROR(session->LockUser(s.tenant), db::ErrorKind::kNeedsRepair);
    GRANTOR_EXPECT_DB_ERROR(session->EnsureUser(db::UserSpec{harness_.prefix() + "x", "Password-1",
                                                             s.db, {}, contract::kOwnerA}),
                            db::ErrorKind::kNeedsRepair);
    EXPECT_TRUE(session->OperatorDrift(contract::kDefaultGrantable).has_value());
    EXPECT_TRUE(CanLogin(s.tenant, "Password-1", s.db));
    harness_.SetGrantable(contract::kDefaultGrantable);
    EXPECT_EQ(harness_.ConnectAsOperator()->OperatorDrift(contract::kDefaultGrantable), std::nullopt);
  }
  EXPECT_FALSE(harness_.admin_engine().UserExists(harness_.prefix() + "x"));
}

// Relation users with superuser are made by the procedures with the admin's rights: an admin
// without ALL PRIVILEGES WITH GRANT OPTION cannot make superuser grantable, and nothing changes.
TEST_F(MariaDbPrivilegeTest, SuperuserNeedsAnAdminThatHoldsEverything) {
  Scene s(harness_);
  const std::string weak = "go" + harness_.instance_prefix().substr(2) + "admin";
  s.admin->Query("CREATE USER " + s.admin->Quote(weak) + "@'%' IDENTIFIED BY 'Weak-Password-1'");
  s.admin->Query("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, REFERENCES,"
                 " CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW,"
                 " CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER, CREATE USER, PROCESS,"
                 " CONNECTION ADMIN ON *.* TO " + s.admin->Quote(weak) + "@'%' WITH GRANT OPTION");
  s.Snapshot();
  db::ConnectionConfig config = AsUser(harness_.config(), weak, "Weak-Password-1");
  config.instance_prefix = harness_.instance_prefix();
  GRANTOR_EXPECT_DB_ERROR(db::ConnectMariaDb(config)->EnsureOperator(db::OperatorSpec{
                              harness_.OperatorName(), std::nullopt, {db::ExtraRole::kSuperuser}}),
                          db::ErrorKind::kAccessDenied);
  s.ExpectNothingChanged();
}

}  // namespace
}  // namespace grantor::integration
