// The trust model end to end, on both engines: what a remote application may obtain is decided by
// the operator's configuration, and the charm itself holds the least privileges. Each test is a
// story an operator of a shared server would check by hand: the refusal they see in `juju
// status`, the server left exactly as it was, and the same request served once they allow it.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "provider_fixture.hpp"

namespace grantor::e2e {
namespace {

class TrustTest : public ProviderTest {
 protected:
  // The payroll database a DBA made on the shared server, nothing to do with Juju.
  void CreatePayroll(const std::string& database) {
    if (engine() == Engine::kPostgres) {
      AdminExec("CREATE DATABASE \"" + database + "\"");
      AdminExec("CREATE TABLE salaries (name text, amount int)", database);
      AdminExec("INSERT INTO salaries VALUES ('alice', 100)", database);
    } else {
      AdminExec("CREATE DATABASE `" + database + "`");
      AdminExec("CREATE TABLE `" + database + "`.salaries (name varchar(20), amount int)");
      AdminExec("INSERT INTO `" + database + "`.salaries VALUES ('alice', 100)");
    }
  }

  std::vector<std::string> Salaries(const std::string& database) {
    return AdminColumn(engine() == Engine::kPostgres
                           ? "SELECT name || ':' || amount FROM salaries ORDER BY 1"
                           : "SELECT CONCAT(name, ':', amount) FROM `" + database + "`.salaries",
                       {}, engine() == Engine::kPostgres ? database : "");
  }

  std::string DatabaseOwner(const std::string& database) {
    return AdminColumn("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = {}",
                       {database})
        .at(0);
  }

  std::string OperatorUser() { return UserPrefix() + "operator"; }

  void Config(const std::string& setting) { model_.Juju({"config", kProvider, setting}); }
};

// The payroll story: an application asks for a database someone else owns. By default nothing
// happens on the server and the operator sees why; once the operator adopts the database, the
// application is served, and the data that was there keeps its owner.
TEST_P(TrustTest, AnExistingDatabaseIsRefusedUntilAdoptedAndKeepsItsData) {
  DeployProvider(model_, engine(), kProvider, server_);
  const std::string prefix = UserPrefix();
  const std::string payroll = UniqueName("payroll");
  CreatePayroll(payroll);
  const std::string owner_before = engine() == Engine::kPostgres ? DatabaseOwner(payroll) : "";
  DeployDemo("greedy", payroll);
  DeployDemo("good", UniqueName("shop"));
  const int id = model_.Integrate("greedy", "provider:database");
  model_.Integrate("good", "provider:database");

  ExpectStatus(kProviderUnit, "blocked", "relation database:" + std::to_string(id));
  ExpectStatus(kProviderUnit, "blocked", "\"" + payroll + "\" exists");
  ExpectStatus(kProviderUnit, "blocked", "adopt-databases");
  ExpectStatus("greedy/0", "waiting", "waiting for database credentials");
  ExpectStatus("good/0", "active", "");
  EXPECT_EQ(CountUsers(prefix + "r" + std::to_string(id)), 0);
  EXPECT_EQ(Salaries(payroll), std::vector<std::string>{"alice:100"});
  if (engine() == Engine::kPostgres) {
    EXPECT_EQ(DatabaseOwner(payroll), owner_before);
  }

  Config("adopt-databases=" + payroll);
  ExpectStatus(kProviderUnit, "active", "");
  const Fields credentials = ShowCredentials("greedy/0");
  auto session = Open(LoginWith(credentials));
  ASSERT_TRUE(session->Exec("CREATE TABLE ledger (v int)").ok);
  if (engine() == Engine::kPostgres) {
    // Existing objects keep their owner: the application neither reads nor drops them.
    EXPECT_FALSE(session->Exec("SELECT * FROM salaries").ok);
    EXPECT_FALSE(session->Exec("DROP TABLE salaries").ok);
    EXPECT_EQ(DatabaseOwner(payroll), owner_before);
  } else {
    // MySQL has no owners: an adopted database is the application's to use, as documented.
    EXPECT_TRUE(session->Exec("SELECT * FROM salaries").ok);
  }
  model_.Juju({"remove-relation", "greedy", kProvider});
  EXPECT_FALSE(CanLogIn(LoginWith(credentials)));
  EXPECT_EQ(Salaries(payroll), std::vector<std::string>{"alice:100"});
}

// A privileged request is refused until the operator allows it; the operator account itself is
// superuser only while relations may be.
TEST_P(TrustTest, SuperuserIsRefusedByDefaultAndGivenOnlyWhileAllowed) {
  DeployProvider(model_, engine(), kProvider, server_);
  const std::string prefix = UserPrefix();
  EXPECT_FALSE(IsSuperuser(OperatorUser()));
  DeployDemo("root-app", UniqueName("ops"), {"extra-user-roles=superuser"});
  const int id = model_.Integrate("root-app", "provider:database");
  const std::string user = prefix + "r" + std::to_string(id);
  ExpectStatus(kProviderUnit, "blocked", "relation database:" + std::to_string(id));
  ExpectStatus(kProviderUnit, "blocked", "allowed-extra-user-roles");
  EXPECT_EQ(CountUsers(user), 0);

  // Allowed: the server-side functions (owned by the admin) may give it; the operator itself
  // never becomes superuser.
  Config("allowed-extra-user-roles=superuser");
  ExpectStatus(kProviderUnit, "active", "");
  EXPECT_TRUE(IsSuperuser(user));
  EXPECT_FALSE(IsSuperuser(OperatorUser()));
  EXPECT_TRUE(CanLogIn(LoginWith(ShowCredentials("root-app/0"))));

  // Taken back: the relation shows the refusal again (its user keeps what it got until removed).
  Config("allowed-extra-user-roles=");
  EXPECT_FALSE(IsSuperuser(OperatorUser()));
  ExpectStatus(kProviderUnit, "blocked", "allowed-extra-user-roles");
  model_.Juju({"remove-relation", "root-app", kProvider});
  EXPECT_EQ(CountUsers(user), 0);
  ExpectStatus(kProviderUnit, "active", "");
}

// What the operator account holds, read back from the server (docs/security.md lists it): nothing
// beyond what this application manages. An account an older release left with more (superuser,
// CREATEROLE, global privileges) is brought down by the next config-changed.
TEST_P(TrustTest, TheOperatorHoldsTheLeastPrivilegesAndIsBroughtDown) {
  DeployProvider(model_, engine(), kProvider, server_);
  const std::string op = OperatorUser();
  const std::string attributes_sql =
      "SELECT rolsuper::text || rolcreatedb::text || rolcreaterole::text ||"
      " rolreplication::text || rolbypassrls::text FROM pg_roles WHERE rolname = {}";
  const std::string memberships_sql =
      "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
      " JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = {}"
      " AND left(g.rolname, 8) <> 'grantor_'";
  const std::string global_sql =
      "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = {}"
      " AND PRIVILEGE_TYPE <> 'USAGE'";
  if (engine() == Engine::kPostgres) {
    EXPECT_EQ(AdminColumn(attributes_sql, {op}),
              std::vector<std::string>{"falsetruefalsefalsefalse"}) << "CREATEDB only";
    EXPECT_TRUE(AdminColumn(memberships_sql, {op}).empty()) << "no predefined role";
    AdminExec("ALTER ROLE \"" + op + "\" SUPERUSER CREATEROLE");
    AdminExec("GRANT pg_signal_backend TO \"" + op + "\"");
  } else {
    EXPECT_TRUE(AdminColumn(global_sql, {"'" + op + "'@'%'"}).empty()) << "no global privilege";
    AdminExec("GRANT ALL PRIVILEGES ON *.* TO '" + op + "'@'%' WITH GRANT OPTION");
  }
  ASSERT_TRUE(IsSuperuser(op));
  Config("adopt-databases=" + UniqueName("unused"));  // any change fires config-changed
  EXPECT_FALSE(IsSuperuser(op));
  if (engine() == Engine::kPostgres) {
    EXPECT_EQ(AdminColumn(attributes_sql, {op}),
              std::vector<std::string>{"falsetruefalsefalsefalse"});
    EXPECT_TRUE(AdminColumn(memberships_sql, {op}).empty());
  } else {
    EXPECT_TRUE(AdminColumn(global_sql, {"'" + op + "'@'%'"}).empty());
  }
  ExpectStatus(kProviderUnit, "active", "");
  DeployDemo("app", UniqueName("after"));
  model_.Integrate("app", "provider:database");
  EXPECT_TRUE(CanLogIn(LoginWith(ShowCredentials("app/0"))));
}

// Two applications with their own databases cannot reach each other's.
TEST_P(TrustTest, RelationsAreIsolatedFromEachOthersDatabases) {
  DeployProvider(model_, engine(), kProvider, server_);
  const std::string first_db = UniqueName("first");
  const std::string second_db = UniqueName("second");
  DeployDemo("first", first_db);
  DeployDemo("second", second_db);
  model_.Integrate("first", "provider:database");
  model_.Integrate("second", "provider:database");
  const Fields first = ShowCredentials("first/0");
  const Fields second = ShowCredentials("second/0");
  ASSERT_TRUE(Open(LoginWith(second))->Exec("CREATE TABLE secrets (v int)").ok);

  Login intruder = LoginWith(first);
  intruder.database = second_db;
  EXPECT_FALSE(Connect(engine(), intruder)->connected()) << "reached the other database";
  EXPECT_TRUE(CanLogIn(LoginWith(first)));
}

// A relation user allowed to create databases made objects as itself, a SECURITY DEFINER
// function among them. After remove-relation they are owned by a NOLOGIN, non-superuser role of
// the database: nothing is handed to the operator or any other privileged account.
// (PostgreSQL only: MySQL objects have no owner; docs/security.md says what their DEFINER does.)
class PostgresTrustTest : public TrustTest {};

TEST_P(PostgresTrustTest, RevocationHandsNothingToAPrivilegedAccount) {
  DeployProvider(model_, engine(), kProvider, server_);
  Config("allowed-extra-user-roles=createdb");
  const std::string database = UniqueName("definer");
  const std::string own = UniqueName("own");
  DeployDemo("app", database, {"extra-user-roles=createdb"});
  model_.Integrate("app", "provider:database");
  {
    auto session = Open(LoginWith(ShowCredentials("app/0")));
    for (const char* sql : {"CREATE TABLE t (v int)", "CREATE VIEW v AS SELECT v FROM t",
                            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER"
                            " AS 'SELECT 1'"}) {
      const SqlResult result = session->Exec(sql);
      ASSERT_TRUE(result.ok) << sql << ": " << result.error;
    }
    ASSERT_TRUE(session->Exec("CREATE DATABASE \"" + own + "\"").ok);
  }
  model_.Juju({"remove-relation", "app", kProvider});
  const auto owners = AdminColumn(
      "SELECT r.rolname || ':' || r.rolsuper::text || ':' || r.rolcanlogin::text FROM pg_class c"
      " JOIN pg_roles r ON r.oid = c.relowner WHERE c.relname IN ('t', 'v')"
      " UNION ALL SELECT r.rolname || ':' || r.rolsuper::text || ':' || r.rolcanlogin::text"
      " FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE p.proname = 'f'",
      {}, database);
  ASSERT_EQ(owners.size(), 3u);
  for (const auto& owner : owners) {
    EXPECT_NE(owner.find(":false:false"), std::string::npos) << owner;
    EXPECT_NE(owner.rfind(OperatorUser(), 0), 0u) << owner;
  }
  const std::string own_owner = DatabaseOwner(own);
  EXPECT_EQ(AdminColumn("SELECT rolsuper::text || rolcanlogin::text FROM pg_roles WHERE rolname = {}",
                        {own_owner}),
            std::vector<std::string>{"falsefalse"})
      << own_owner;
}

INSTANTIATE_TEST_SUITE_P(Engines, TrustTest, ::testing::Values(kPostgres, kMariaDb), FlavorName);
INSTANTIATE_TEST_SUITE_P(Engines, PostgresTrustTest, ::testing::Values(kPostgres), FlavorName);

}  // namespace
}  // namespace grantor::e2e
