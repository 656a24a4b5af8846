// Tenant isolation end to end (ctest label `isolation`), on the built charms against the real
// test servers: what a tenant of a shared server does can neither outlive its revocation nor
// reach another tenant's data.
//   - a tenant makes its own clean-up impossible for grantor's operator; remove-relation still
//     refuses every one of its users at login at once, and the other relation's retirement
//     happens in the same hook; the clean-up finishes once the admin account is back;
//   - application B asks for application A's database through every kind of endpoint: refused
//     and Blocked, A's data untouched; served once the operator shares it;
//   - leadership moves in the middle of a rotation-grace: after the grace exactly one user per
//     relation logs in;
//   - PostgreSQL: an `admin` user reaches its application's databases only, and an adopted
//     database's tenant cannot plant a function its owner's queries resolve.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "provider_fixture.hpp"

namespace grantor::e2e {
namespace {

using namespace std::chrono_literals;

class IsolationTest : public ProviderTest {
 protected:
  std::string Id(int id) const { return std::to_string(id); }

  // The admin-credentials URI the provider was deployed with.
  std::string AdminSecret() {
    std::string uri = model_.Juju({"config", kProvider, "admin-credentials"});
    while (!uri.empty() && (uri.back() == '\n' || uri.back() == ' ')) uri.pop_back();
    return uri;
  }

  // Runs `sql` as the relation user of `credentials`, which must succeed.
  void AsTenant(const Fields& credentials, const std::string& sql) {
    auto session = Open(LoginWith(credentials));
    const SqlResult result = session->Exec(sql);
    if (!result.ok) throw std::runtime_error(sql + ": " + result.error);
  }

  // What the tenant does so that grantor's operator cannot clean up after it.
  //   PostgreSQL: a table owner elsewhere grants it SELECT in a database whose CONNECT is
  //   revoked from PUBLIC (the operator cannot enter it).
  //   MariaDB: it defines a view and a routine (DROP USER refuses such an account on MySQL 8,
  //   and on MariaDB they would run as any later account of the same name).
  void BlockOwnCleanup(const Fields& first, const Fields& second) {
    if (engine() == Engine::kPostgres) {
      const std::string locked = UniqueName("lockedaway");
      AdminExec("CREATE DATABASE \"" + locked + "\"");
      AdminExec("REVOKE CONNECT ON DATABASE \"" + locked + "\" FROM PUBLIC");
      AdminExec("CREATE TABLE secrets (v text)", locked);
      AdminExec("GRANT SELECT ON secrets TO \"" + Field(first, "username") + "\", \"" +
                    Field(second, "username") + "\"",
                locked);
      locked_database_ = locked;
    } else {
      AsTenant(second, "CREATE VIEW answers AS SELECT 42 AS answer");
      AsTenant(second, "CREATE PROCEDURE ask() SELECT 42 AS answer");
    }
  }

  std::string locked_database_;
};

TEST_P(IsolationTest, ATenantCannotOutliveItsRevocation) {
  DeployProvider(model_, engine(), kProvider, server_);
  model_.Juju({"config", kProvider, "rotation-grace=6s"});
  const std::string admin_secret = AdminSecret();
  const std::string tenant_db = UniqueName("tenant");
  DeployDemo("tenant", tenant_db);
  DeployDemo("neighbour", UniqueName("neighbour"));
  const int tenant = model_.Integrate("tenant", "provider:database");
  model_.Integrate("neighbour", "provider:database");
  const Fields tenant_first = ShowCredentials("tenant/0");
  AsTenant(tenant_first, "CREATE TABLE kept (v varchar(10))");
  AsTenant(tenant_first, "INSERT INTO kept VALUES ('data')");
  const Fields neighbour_first = ShowCredentials("neighbour/0");

  // Both relations rotate: each has a published user and one in its grace.
  ASSERT_EQ(model_.RunAction(kProviderUnit, "rotate-credentials").exit_code, 0);
  const Fields tenant_second = ShowCredentials("tenant/0");
  const Fields neighbour_second = ShowCredentials("neighbour/0");
  ASSERT_NE(Field(tenant_second, "username"), Field(tenant_first, "username"));
  BlockOwnCleanup(tenant_first, tenant_second);
  auto held = Open(LoginWith(tenant_second));

  // Without the admin account the operator alone cannot finish this tenant's clean-up.
  model_.Juju({"config", kProvider, "admin-credentials="});
  std::this_thread::sleep_for(6500ms);  // the neighbour's grace is over, not yet acted on
  model_.Juju({"remove-relation", "tenant", kProvider});

  EXPECT_FALSE(CanLogIn(LoginWith(tenant_first)));
  EXPECT_FALSE(CanLogIn(LoginWith(tenant_second))) << "the published user is refused at once";
  EXPECT_FALSE(held->Exec("SELECT 1").ok) << "its session is ended";
  EXPECT_FALSE(CanLogIn(LoginWith(neighbour_first))) << "retired in the same hook";
  EXPECT_TRUE(CanLogIn(LoginWith(neighbour_second)));
  ExpectStatus(kProviderUnit, "blocked", "relation database:" + Id(tenant));
  ExpectStatus(kProviderUnit, "blocked", "can no longer log in");
  if (engine() == Engine::kPostgres) ExpectStatus(kProviderUnit, "blocked", locked_database_);
  EXPECT_EQ(CountUsers(Field(tenant_second, "username")), 1) << "kept, locked, to be cleaned";

  // Retried by every hook; with the admin account back it finishes.
  model_.Juju({"update-status"});
  EXPECT_FALSE(CanLogIn(LoginWith(tenant_second)));
  model_.Juju({"config", kProvider, "admin-credentials=" + admin_secret});
  EXPECT_EQ(CountUsers(Field(tenant_first, "username")), 0);
  EXPECT_EQ(CountUsers(Field(tenant_second, "username")), 0);
  ExpectStatus(kProviderUnit, "active", "");

  // The tenant's data stays with its database; integrating again reaches it.
  model_.Integrate("tenant", "provider:database");
  const Fields again = ShowCredentials("tenant/0");
  auto session = Open(LoginWith(again));
  const SqlResult kept = session->Exec("SELECT v FROM kept");
  ASSERT_TRUE(kept.ok) << kept.error;
  EXPECT_EQ(kept.rows.at(0).at(0), "data");
  if (engine() == Engine::kMariaDb) {
    // What it defined was re-pointed, not left to a later account of the same name.
    const SqlResult answers = session->Exec("SELECT answer FROM answers");
    ASSERT_TRUE(answers.ok) << answers.error;
    EXPECT_EQ(answers.rows.at(0).at(0), "42");
  }
  EXPECT_TRUE(CanLogIn(LoginWith(neighbour_second)));
}

// PostgreSQL only: database settings, name resolution through schemas, and `admin` (refused on
// MariaDB, see trust_e2e_test.cpp).
class PostgresIsolationTest : public IsolationTest {};

// On PostgreSQL a tenant may set its own database read-only by default (it acts as the
// database's owner): that must not stop its revocation either, admin or not.
TEST_P(PostgresIsolationTest, AReadOnlyDatabaseDefaultDoesNotStopTheRevocation) {
  DeployProvider(model_, engine(), kProvider, server_);
  model_.Juju({"config", kProvider, "admin-credentials="});
  const std::string database = UniqueName("readonly");
  DeployDemo("tenant", database);
  model_.Integrate("tenant", "provider:database");
  const Fields credentials = ShowCredentials("tenant/0");
  // An object it owns itself (not the group role), so that revocation must reassign it.
  AsTenant(credentials, "RESET ROLE; CREATE TABLE mine (v int)");
  AsTenant(credentials, "ALTER DATABASE \"" + database + "\" SET default_transaction_read_only = on");
  model_.Juju({"remove-relation", "tenant", kProvider});
  EXPECT_FALSE(CanLogIn(LoginWith(credentials)));
  EXPECT_EQ(CountUsers(Field(credentials, "username")), 0);
  ExpectStatus(kProviderUnit, "active", "");
  EXPECT_EQ(AdminColumn("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'mine'", {},
                        database),
            std::vector<std::string>{"1"})
      << "its table is kept";
}

TEST_P(IsolationTest, AnotherApplicationsDatabaseIsRefusedUntilShared) {
  const Flavor& flavor = GetParam();
  DeployProvider(model_, engine(), kProvider, server_);
  const std::string prefix = UserPrefix();
  const std::string orders = UniqueName("orders");
  DeployDemo("shop", orders);
  model_.Integrate("shop", "provider:database");
  AsTenant(ShowCredentials("shop/0"), "CREATE TABLE invoices (v varchar(10))");
  AsTenant(ShowCredentials("shop/0"), "INSERT INTO invoices VALUES ('i-1')");

  // Three ways to name it: the database endpoint, a legacy endpoint, the data-integrator.
  DeployDemo("greedy", orders);
  const int greedy = model_.Integrate("greedy", "provider:database");
  ExpectStatus(kProviderUnit, "blocked", "belongs to application \"shop\"");
  ExpectStatus(kProviderUnit, "blocked", "share-databases");
  model_.Juju({"deploy", TestCharm(flavor.legacy_charm), "old", "--config", "database=" + orders});
  const int old = model_.Integrate("old:db", std::string(kProvider) + ":" + flavor.legacy_endpoint);
  model_.Juju({"deploy", BuiltCharm("grantor-data-integrator"), "di", "--config",
               "database-name=" + orders});
  const int di = model_.Integrate(
      std::string("di:") + (engine() == Engine::kPostgres ? "postgresql" : "mysql"),
      "provider:database");
  for (const int id : {greedy, old, di}) EXPECT_EQ(CountUsers(prefix + "r" + Id(id)), 0) << id;
  ExpectStatus("greedy/0", "waiting", "");
  EXPECT_NE(model_.RunAction("di/0", "get-credentials").exit_code, 0);
  {
    auto shop = Open(LoginWith(ShowCredentials("shop/0")));
    const SqlResult rows = shop->Exec("SELECT v FROM invoices");
    ASSERT_TRUE(rows.ok) << rows.error;
    EXPECT_EQ(rows.rows.size(), 1u) << "the owner's data is untouched";
  }

  model_.Juju({"config", kProvider, "share-databases=" + orders + "=greedy,old,di"});
  ExpectStatus(kProviderUnit, "active", "");
  auto shared = Open(LoginWith(ShowCredentials("greedy/0")));
  const SqlResult rows = shared->Exec("SELECT v FROM invoices");
  ASSERT_TRUE(rows.ok) << rows.error;
  EXPECT_EQ(rows.rows.at(0).at(0), "i-1");
  const Fields legacy = Received(model_, "old/0", kProviderUnit);
  EXPECT_TRUE(CanLogIn(Login{server_.host, server_.port, Field(legacy, "user"),
                             Field(legacy, "password"), orders}));
  EXPECT_EQ(model_.RunAction("di/0", "get-credentials").exit_code, 0);
}

TEST_P(IsolationTest, ANewLeaderInTheMiddleOfARotationGraceRetiresThePreviousUser) {
  DeployProvider(model_, engine(), kProvider, server_, 2);
  model_.Juju({"config", kProvider, "rotation-grace=6s"});
  DeployDemo("app", UniqueName("leaderchange"));
  model_.Integrate("app", "provider:database");
  const Fields first = ShowCredentials("app/0");
  ASSERT_EQ(model_.RunAction(kProviderUnit, "rotate-credentials").exit_code, 0);
  const Fields second = ShowCredentials("app/0");
  model_.Juju({"set-leader", "provider/1"});
  EXPECT_TRUE(CanLogIn(LoginWith(first))) << "still in its grace";
  EXPECT_TRUE(ShowCredentials("app/0") == second) << "the new leader keeps the published user";
  std::this_thread::sleep_for(6500ms);
  model_.Juju({"update-status"});
  EXPECT_FALSE(CanLogIn(LoginWith(first)));
  EXPECT_TRUE(CanLogIn(LoginWith(second)));
  EXPECT_EQ(CountUsers(Field(first, "username")) + CountUsers(Field(second, "username")), 1);
}

// `admin` is the requiring application's own databases, nothing server-wide.
TEST_P(PostgresIsolationTest, AnAdminUserReachesOnlyItsApplicationsDatabases) {
  DeployProvider(model_, engine(), kProvider, server_);
  model_.Juju({"config", kProvider, "allowed-extra-user-roles=admin"});
  const std::string payroll = UniqueName("payroll");
  AdminExec("CREATE DATABASE \"" + payroll + "\"");  // CONNECT for PUBLIC, as by default
  AdminExec("CREATE TABLE salaries (name text)", payroll);
  AdminExec("INSERT INTO salaries VALUES ('alice')", payroll);
  const std::string other_db = UniqueName("other");
  DeployDemo("other", other_db);
  model_.Integrate("other", "provider:database");
  AsTenant(ShowCredentials("other/0"), "CREATE TABLE private (v int)");
  DeployDemo("reporter", UniqueName("reports"), {"extra-user-roles=admin"});
  model_.Integrate("reporter", "provider:database");
  const Fields admin = ShowCredentials("reporter/0");
  for (const std::string& database : {payroll, other_db}) {
    Login login = LoginWith(admin);
    login.database = database;
    auto session = Connect(engine(), login);
    const bool read = session->connected() &&
                      session->Exec(database == payroll ? "SELECT * FROM salaries"
                                                        : "SELECT * FROM private")
                          .ok;
    EXPECT_FALSE(read) << "an admin user read " << database;
  }
}

// An adopted database gives its tenant a schema of its own, never CREATE where the owner's
// queries resolve names: a function planted as public.upper(varchar) would run in the owner's
// session and see what the tenant may not.
TEST_P(PostgresIsolationTest, AnAdoptedDatabasesTenantCannotPlantAFunction) {
  DeployProvider(model_, engine(), kProvider, server_);
  const std::string payroll = UniqueName("adopted");
  AdminExec("CREATE DATABASE \"" + payroll + "\"");
  AdminExec("CREATE TABLE salaries (name varchar(20))", payroll);
  AdminExec("INSERT INTO salaries VALUES ('alice')", payroll);
  model_.Juju({"config", kProvider, "adopt-databases=" + payroll});
  DeployDemo("tenant", payroll);
  model_.Integrate("tenant", "provider:database");
  auto tenant = Open(LoginWith(ShowCredentials("tenant/0")));
  const std::string plant =
      "CREATE FUNCTION public.upper(varchar) RETURNS text LANGUAGE sql AS $$ SELECT 'planted' $$";
  EXPECT_FALSE(tenant->Exec(plant).ok);
  EXPECT_FALSE(tenant->Exec("CREATE SCHEMA planted").ok);
  EXPECT_TRUE(tenant->Exec("CREATE TABLE mine (v int)").ok) << "it has a schema of its own";
  EXPECT_EQ(AdminColumn("SELECT upper(name) FROM salaries", {}, payroll),
            std::vector<std::string>{"ALICE"});
}

INSTANTIATE_TEST_SUITE_P(Engines, IsolationTest, ::testing::Values(kPostgres, kMariaDb),
                         FlavorName);
INSTANTIATE_TEST_SUITE_P(Engines, PostgresIsolationTest, ::testing::Values(kPostgres), FlavorName);

}  // namespace
}  // namespace grantor::e2e
