// ctest label `privilege` (issue 23): logged in with the operator's own password, nothing
// reaches beyond what the application manages. Every escalation a leaked operator password
// could try is refused by the server; every server-side function refuses, by itself, names
// outside the application's namespace, databases it neither manages nor adopted, roles it may
// not give and hostile values; relation users cannot use the API at all.

#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "grantor/core/naming.hpp"
#include "postgres_harness.hpp"

namespace grantor::integration {
namespace {

// The contract suite's fixture (harness_, Name, Spec, CanLogin), with the operator's raw SQL.
class PgPrivilegeTest : public contract::EngineContract<PgHarness> {
 protected:
  std::string Api(const std::string& object) const {
    return "\"" + harness_.instance_prefix() + "api\"." + object;
  }
  /// A session of the operator with its own password (what `get-password` would hand out).
  std::unique_ptr<PgProbeSession> AsOperator(const std::string& database = "postgres") {
    return std::make_unique<PgProbeSession>(ClientConninfo(harness_.OperatorConfig(), database));
  }
  static std::string Quoted(const std::string& identifier) {
    std::string quoted = "\"";
    for (const char c : identifier) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  }
  /// A login role outside this application (another grantor application's user), with a
  /// password; dropped with the other application's objects.
  std::string OtherApplicationsUser() {
    const std::string other = "go" + harness_.instance_prefix().substr(2) + "r1";
    auto admin = harness_.Admin();
    Execute(*admin,
            "CREATE ROLE " + admin->quote_name(other) + " LOGIN PASSWORD 'Other-Password-1'");
    return other;
  }
};

// Each statement a leaked operator password would try first.
TEST_F(PgPrivilegeTest, TheOperatorCannotEscalate) {
  const std::string db = Name("db");
  harness_.engine().EnsureDatabase(db, contract::kOwnerA);
  harness_.engine().EnsureUser(Spec(Name("u"), "Password-1", db));
  const std::string payroll = Name("payroll");
  harness_.CreateForeignDatabase(payroll, "salaries", "alice 100");
  const std::string admin_user = harness_.config().user;
  auto session = AsOperator();
  const std::string me = Quoted(harness_.OperatorName());
  auto admin_session = harness_.Admin();  // a session of the admin the operator tries to end
  const std::string admin_pid = std::to_string(
      ValueOf<int>(*admin_session, "SELECT pg_backend_pid() WHERE $1 <> ''", admin_user));
  const std::vector<std::string> attempts = {
      "GRANT pg_execute_server_program TO " + me,
      "GRANT pg_read_all_data TO " + me,
      "GRANT pg_write_all_data TO " + me,
      "GRANT pg_read_server_files TO " + me,
      "GRANT pg_signal_backend TO " + me,
      "GRANT " + Quoted(GroupRoleOf(harness_, db)) + " TO " + Quoted(Name("u")),
      "CREATE ROLE " + Quoted(Name("x")) + " SUPERUSER",
      "CREATE ROLE " + Quoted(Name("y")),
      "ALTER ROLE " + me + " CREATEROLE",
      "ALTER ROLE " + me + " SUPERUSER",
      "ALTER ROLE " + me + " BYPASSRLS",
      "ALTER ROLE " + Quoted(GroupRoleOf(harness_, db)) + " LOGIN PASSWORD 'Group-Password-1'",
      "ALTER ROLE " + Quoted(Name("u")) + " PASSWORD 'Taken-Over-1'",
      "COPY (SELECT 1) TO PROGRAM 'id'",
      "CREATE TEMPORARY TABLE shell (v text); COPY shell FROM PROGRAM 'id'",
      "COPY (SELECT 1) TO '/tmp/grantor-privilege-test'",
      "SELECT pg_read_file('postgresql.conf')",
      "ALTER SYSTEM SET log_statement = 'none'",
      "SET ROLE " + Quoted(admin_user),
      "SET SESSION AUTHORIZATION " + Quoted(admin_user),
      "SET ROLE pg_execute_server_program",
      "SET ROLE pg_read_all_data",
      "SET ROLE pg_signal_backend",
      "SET ROLE " + Quoted(Name("u")),
      "SELECT pg_terminate_backend(" + admin_pid + ")",
      "ALTER DATABASE " + Quoted(payroll) + " OWNER TO " + me,
      "CREATE DATABASE " + Quoted(Name("copy")) + " TEMPLATE " + Quoted(payroll),
      "CREATE FUNCTION " + Api("mine") + "() RETURNS int LANGUAGE sql AS 'SELECT 1'",
      "INSERT INTO " + Api("databases") + " (datid, name, kind) VALUES (1, 'x', 'adopted')",
      "UPDATE " + Api("settings") + " SET grantable = ARRAY['superuser']",
      "SELECT " + Api("adopt_database") + "(" + session->conn().quote(payroll) + ", 'm', 'a')",
      "SELECT " + Api("execute_quietly") + "('ALTER ROLE " + harness_.OperatorName() +
          " SUPERUSER')",
      "SELECT " + Api("grant_role") + "('pg_read_all_data', " +
          session->conn().quote(harness_.OperatorName()) + ")",
      "SELECT " + Api("converge") + "(ARRAY['superuser'], false, ARRAY[]::text[])",
      "SELECT " + Api("revoke_role") + "(10, 10)",
  };
  for (const auto& sql : attempts) EXPECT_TRUE(session->Refuses(sql)) << sql;

  // Another database's tables: reachable for login where PUBLIC keeps CONNECT (the residue
  // docs/postgresql.md describes), never for reading.
  auto there = AsOperator(payroll);
  EXPECT_TRUE(there->Refuses("SELECT * FROM salaries"));
  Execute(*harness_.Admin(), "REVOKE CONNECT ON DATABASE " + Quoted(payroll) + " FROM PUBLIC");
  EXPECT_ANY_THROW(AsOperator(payroll));

  // Nothing the operator may SET ROLE to is privileged: only this application's group roles.
  pqxx::nontransaction tx(session->conn());
  const auto roles = tx.exec(
      "SELECT r.rolname FROM pg_roles r WHERE r.rolname <> current_user"
      " AND pg_has_role(current_user, r.oid, 'MEMBER')");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0][0].as<std::string>(), GroupRoleOf(harness_, db));
  EXPECT_EQ(harness_.engine().OperatorDrift(contract::kDefaultGrantable), std::nullopt);
  EXPECT_FALSE(harness_.engine().DatabaseExists(Name("copy")));
  EXPECT_TRUE(CanLogin(Name("u"), "Password-1", db));
}

// Each function the operator may call, called directly with SQL, refuses every name that is not
// one of the application's relation users, whatever the function does.
TEST_F(PgPrivilegeTest, EachFunctionRefusesNamesOutsideTheNamespace) {
  const std::string db = Name("db");
  harness_.engine().EnsureDatabase(db, contract::kOwnerA);
  harness_.engine().EnsureUser(Spec(Name("u"), "Password-1", db));
  const std::string other = OtherApplicationsUser();
  const std::string prefix = harness_.instance_prefix();
  auto admin = harness_.Admin();
  const auto admin_secret = [&] {
    return ValueOf<std::string>(*admin, "SELECT rolpassword FROM pg_authid WHERE rolname = $1",
                                harness_.config().user);
  };
  const std::string admin_secret_before = admin_secret();
  const std::vector<std::string> names = {
      "postgres",
      harness_.config().user,
      other,
      harness_.OperatorName(),
      GroupRoleOf(harness_, db),
      prefix + "o1",
      prefix + "admin",
      prefix + "admin_0123456789abcdef",
      prefix + "api",
      prefix + "meta",
      prefix + "def_x",
      prefix,
      "",
      "pg_execute_server_program",
      Name("\"; DROP ROLE grantor_admin_test; --"),
      Name("'; ALTER ROLE x SUPERUSER; --"),
      Name("x' OR '1'='1"),
      Name("Upper"),
      Name("sp ace"),
      Name("back\\slash"),
      Name("new\nline"),
      Name("\xc3\xbcnicode"),
      Name("dash-ed"),
      Name("dot.ted"),
      prefix + "1digit",
      prefix + "t" + std::string(70 - prefix.size() - 1, 'a'),  // 70 bytes: cut to 63 by a lexer
      "g\xd1\x96" + prefix.substr(2) + "tu",                    // Cyrillic look-alike prefix
  };
  const std::vector<std::string> calls = {
      "SELECT " + Api("ensure_user") + "($1, 'Password-9', '" + db + "', '{}', 'm', 'a')",
      "SELECT " + Api("set_password") + "($1, 'Password-9')",
      "SELECT " + Api("lock_user") + "($1)",
      "SELECT " + Api("end_sessions") + "($1)",
      "SELECT * FROM " + Api("prepare_drop") + "($1)",
      "SELECT " + Api("drop_user") + "($1)",
      "SELECT " + Api("release_user") + "($1)",
  };
  auto session = AsOperator();
  for (const auto& call : calls) {  // each call works for one of the application's users
    EXPECT_FALSE(session->Refuses(call, Name("v"))) << call;
  }
  EXPECT_FALSE(harness_.engine().UserExists(Name("v"))) << "prepare_drop and drop_user dropped it";
  for (const auto& name : names) {
    for (const auto& call : calls) {
      EXPECT_TRUE(session->Refuses(call, name)) << call << " with " << core::Printable(name);
    }
  }
  // NUL cannot reach a function at all.
  EXPECT_TRUE(session->Refuses("SELECT " + Api("lock_user") + "($1 || chr(0))", Name("u")));

  // Nothing changed: the admin, the other application's user and the application's own user
  // log in as before, and no role of those names appeared.
  EXPECT_EQ(admin_secret(), admin_secret_before);
  EXPECT_TRUE(CanLogin(harness_.config().user, harness_.config().password, "postgres"));
  EXPECT_TRUE(CanLogin(other, "Other-Password-1", "postgres"));
  EXPECT_TRUE(CanLogin(Name("u"), "Password-1", db));
  EXPECT_EQ(harness_.engine().ListUsers(harness_.prefix()), std::vector<std::string>{Name("u")});
  EXPECT_EQ(
      ValueOf<long long>(
          *admin, "SELECT count(*) FROM pg_roles WHERE left(rolname, length($1)) = $1", prefix),
      3)
      << "the operator, the group role and the user";
  EXPECT_EQ(harness_.engine().OperatorDrift(contract::kDefaultGrantable), std::nullopt);
}

// Databases the application neither manages nor adopted, roles it may not give and secrets it
// must not store are refused by the functions themselves.
TEST_F(PgPrivilegeTest, EachFunctionRefusesForeignDatabasesAndDisallowedRoles) {
  const std::string db = Name("db");
  harness_.engine().EnsureDatabase(db, contract::kOwnerA);
  const std::string user = Name("u");
  harness_.engine().EnsureUser(Spec(user, "Password-1", db));
  const std::string payroll = Name("payroll");
  harness_.CreateForeignDatabase(payroll, "salaries", "alice 100");
  // Made by the operator but not finished: not a database relation users may get.
  const std::string half = Name("half");
  Execute(AsOperator()->conn(), "CREATE DATABASE " + Quoted(half));
  // A database of another grantor application (owned by that application's group role).
  const std::string theirs = Name("theirs");
  auto admin = harness_.Admin();
  Execute(*admin, "CREATE DATABASE " + Quoted(theirs));
  const std::string their_group =
      "go" + harness_.instance_prefix().substr(2) + "o" +
      std::to_string(
          ValueOf<long long>(*admin, "SELECT oid FROM pg_database WHERE datname = $1", theirs));
  Execute(*admin, "CREATE ROLE " + Quoted(their_group) + " NOLOGIN");
  Execute(*admin, "ALTER DATABASE " + Quoted(theirs) + " OWNER TO " + Quoted(their_group));

  auto session = AsOperator();
  const std::string control = "SELECT " + Api("ensure_user") + "('" + Name("w") +
                              "', 'Password-9', $1, ARRAY['createdb'], 'm', 'a')";
  EXPECT_FALSE(session->Refuses(control, db)) << "the calls work for a managed database";
  EXPECT_FALSE(session->Refuses("SELECT " + Api("finish_database") + "($1, 'm', 'a')", half));
  EXPECT_TRUE(session->Refuses(
      "SELECT " + Api("ensure_user") + "('" + Name("v") + "', 'Password-9', $1, '{}', 'm', 'a')",
      half))
      << "a database whose set-up is not finished";
  for (const std::string& database :
       {payroll, theirs, std::string("postgres"), std::string("template1"),
        std::string("template0"), Name("absent"), std::string("")}) {
    SCOPED_TRACE(database);
    EXPECT_TRUE(session->Refuses(
        "SELECT " + Api("ensure_user") + "('" + Name("v") + "', 'Password-9', $1, '{}', 'm', 'a')",
        database));
    EXPECT_TRUE(session->Refuses("SELECT " + Api("finish_database") + "($1, 'm', 'a')", database));
  }
  for (const char* roles :
       {"ARRAY['superuser']", "ARRAY['pg_read_all_data']", "ARRAY['createrole']",
        "ARRAY['CreateDB']", "ARRAY['admin; DROP ROLE x']", "ARRAY[NULL]::text[]",
        "ARRAY['createdb', 'superuser']"}) {
    EXPECT_TRUE(session->Refuses("SELECT " + Api("ensure_user") + "('" + Name("v") +
                                 "', 'Password-9', '" + db + "', " + roles + ", 'm', 'a')"))
        << roles;
  }
  for (const std::string& secret :
       {std::string(""), std::string("new\nline-password"), std::string(2000, 'p')}) {
    EXPECT_TRUE(session->Refuses("SELECT " + Api("set_password") + "('" + user + "', $1)", secret));
  }
  EXPECT_TRUE(session->Refuses("SELECT " + Api("set_password") + "('" + user + "', NULL)"));
  // Once the policy allows nothing, not even createdb is given.
  harness_.SetGrantable({});
  EXPECT_TRUE(session->Refuses("SELECT " + Api("ensure_user") + "('" + Name("v") +
                               "', 'Password-9', '" + db + "', ARRAY['createdb'], 'm', 'a')"));

  EXPECT_FALSE(harness_.engine().UserExists(Name("v")));
  EXPECT_TRUE(CanLogin(user, "Password-1", db));
  EXPECT_EQ(harness_.engine().InspectDatabase(payroll).status, db::DatabaseStatus::kForeign);
  EXPECT_EQ(harness_.engine().InspectDatabase(theirs).status, db::DatabaseStatus::kForeign);
  EXPECT_EQ(harness_.Rows(payroll, "salaries"), std::vector<std::string>{"alice 100"});
  EXPECT_EQ(ValueOf<long long>(*admin,
                               "SELECT count(*) FROM " + Api("databases") +
                                   " WHERE name NOT IN ($1, '" + half + "')",
                               db),
            0)
      << "nothing else was recorded";
}

// Relation users cannot call the functions or read the bookkeeping, even logged in to the
// maintenance database (which keeps PostgreSQL's default CONNECT for PUBLIC).
TEST_F(PgPrivilegeTest, RelationUsersCannotUseTheApi) {
  const std::string db = Name("db");
  harness_.engine().EnsureDatabase(db, contract::kOwnerA);
  const std::string user = Name("u");
  harness_.engine().EnsureUser(Spec(user, "Password-1", db, {db::ExtraRole::kCreateDb}));
  auto session = harness_.Login(user, "Password-1", "postgres");
  for (const std::string& sql :
       {"SELECT * FROM " + Api("databases"), "SELECT * FROM " + Api("settings"),
        "SELECT " + Api("lock_user") + "('" + user + "')",
        "SELECT " + Api("ensure_user") + "('" + Name("w") + "', 'Password-9', '" + db +
            "', '{}', 'm', 'a')",
        "SELECT " + Api("is_tenant") + "('x')",
        "SELECT " + Api("execute_quietly") + "('SELECT 1')"}) {
    EXPECT_TRUE(session->Refuses(sql)) << sql;
  }
  auto admin = harness_.Admin();
  pqxx::nontransaction tx(*admin);
  const auto executable = tx.exec_params(
      "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
      " WHERE n.nspname = $1 AND has_function_privilege($2, p.oid, 'EXECUTE')",
      harness_.instance_prefix() + "api", user);
  EXPECT_TRUE(executable.empty());
}

// The operator may execute exactly the public functions; the helpers (one of which runs any
// statement it is given) only run inside them.
TEST_F(PgPrivilegeTest, TheOperatorExecutesThePublicFunctionsOnly) {
  auto admin = harness_.Admin();
  pqxx::nontransaction tx(*admin);
  std::vector<std::string> executable;
  for (const auto& row : tx.exec_params(
           "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
           " WHERE n.nspname = $1 AND has_function_privilege($2, p.oid, 'EXECUTE')"
           " ORDER BY p.proname",
           harness_.instance_prefix() + "api", harness_.OperatorName())) {
    executable.push_back(row[0].as<std::string>());
  }
  EXPECT_EQ(executable, (std::vector<std::string>{"drop_user", "end_sessions", "ensure_user",
                                                  "finish_database", "lock_user", "prepare_drop",
                                                  "release_user", "set_password"}));
  const auto definers = tx.exec_params(
      "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
      " WHERE n.nspname = $1 AND (p.proconfig IS NULL"
      " OR NOT 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig))",
      harness_.instance_prefix() + "api");
  EXPECT_TRUE(definers.empty()) << "every function pins its search_path";
}

// The namespace rule written into the functions is core::IsTenantUserName's, within
// PostgreSQL's 63 bytes (core::UserNameProblem; the lexer would cut a longer name to another).
TEST_F(PgPrivilegeTest, TheFunctionsNamespaceIsCoreIsTenantUserName) {
  const std::string prefix = harness_.instance_prefix();
  auto admin = harness_.Admin();
  for (const std::string& name : {prefix + "r1",
                                  prefix + "r1b",
                                  prefix + "tu",
                                  prefix + "o",
                                  prefix + "o1",
                                  prefix + "o12x",
                                  prefix + "oper",
                                  prefix + "operator",
                                  prefix + "operators",
                                  prefix + "api",
                                  prefix + "apis",
                                  prefix + "meta",
                                  prefix + "admin",
                                  prefix + "admin_",
                                  prefix + "admins",
                                  prefix + "def_",
                                  prefix + "def",
                                  prefix + "Ab",
                                  prefix + "a-b",
                                  prefix + "a.b",
                                  prefix + "_a",
                                  prefix + "9a",
                                  prefix,
                                  prefix.substr(1) + "r1",
                                  "x" + prefix + "r1",
                                  prefix + std::string(63 - prefix.size(), 'a'),
                                  prefix + std::string(64 - prefix.size(), 'a'),
                                  prefix + "\xc3\xa4"}) {
    EXPECT_EQ(ValueOf<bool>(*admin, "SELECT " + Api("is_tenant") + "($1)", name),
              core::IsTenantUserName(prefix, name) &&
                  core::IsValidUserName(name, core::Dialect::kPostgres))
        << core::Printable(name);
  }
}

// Whatever the admin (or anyone with its rights) grants the operator by hand is reported by
// OperatorDrift and taken back by EnsureOperator; so is an altered function or schema.
TEST_F(PgPrivilegeTest, OperatorDriftNamesWhatWasGrantedByHandAndEnsureOperatorTakesItBack) {
  const std::string payroll = Name("payroll");
  harness_.CreateForeignDatabase(payroll, "salaries", "alice 100");
  const std::string op = Quoted(harness_.OperatorName());
  auto admin = harness_.Admin();
  for (const std::string& sql :
       {"ALTER ROLE " + op + " CREATEROLE", "GRANT pg_read_all_data TO " + op,
        "GRANT CONNECT, CREATE ON DATABASE " + Quoted(payroll) + " TO " + op,
        "GRANT SET ON PARAMETER work_mem TO " + op,
        "GRANT EXECUTE ON FUNCTION " + Api("execute_quietly") + "(text) TO " + op,
        "GRANT INSERT ON " + Api("databases") + " TO " + op,
        "COMMENT ON SCHEMA " + Quoted(harness_.instance_prefix() + "api") +
            " IS 'grantor server api 0'"}) {
    Execute(*admin, sql);
  }
  const auto drift = harness_.engine().OperatorDrift(contract::kDefaultGrantable);
  ASSERT_TRUE(drift.has_value());
  EXPECT_NE(drift->find("functions are version 0, expected 1"), std::string::npos) << *drift;
  EXPECT_NE(drift->find("holds CREATEROLE"), std::string::npos) << *drift;
  EXPECT_NE(drift->find("is a member of pg_read_all_data"), std::string::npos) << *drift;
  EXPECT_NE(drift->find("holds work_mem SET on parameters"), std::string::npos) << *drift;
  EXPECT_NE(drift->find("holds privileges on 1 objects"), std::string::npos) << *drift;
  Execute(*admin, "COMMENT ON SCHEMA " + Quoted(harness_.instance_prefix() + "api") +
                      " IS 'grantor server api 1'");
  const auto altered = harness_.engine().OperatorDrift(contract::kDefaultGrantable);
  ASSERT_TRUE(altered.has_value());
  EXPECT_NE(altered->find("function execute_quietly altered"), std::string::npos) << *altered;
  EXPECT_NE(altered->find("privileges on table databases altered"), std::string::npos) << *altered;

  harness_.SetGrantable(contract::kDefaultGrantable);
  EXPECT_EQ(harness_.engine().OperatorDrift(contract::kDefaultGrantable), std::nullopt);
  pqxx::nontransaction tx(*admin);
  const auto row = tx.exec_params1(
      "SELECT rolcreaterole, pg_has_role($1, 'pg_read_all_data', 'MEMBER'),"
      " has_database_privilege($1, $2, 'CREATE'), EXISTS (SELECT 1 FROM pg_parameter_acl p,"
      " aclexplode(p.paracl) a WHERE p.parname = 'work_mem' AND a.grantee = r.oid)"
      " FROM pg_roles r WHERE rolname = $1",
      harness_.OperatorName(), payroll);
  for (int column = 0; column < 4; ++column) EXPECT_FALSE(row[column].as<bool>()) << column;
}

}  // namespace
}  // namespace grantor::integration
