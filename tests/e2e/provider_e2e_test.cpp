// End-to-end tests of the built provider charms (grantor-postgresql, grantor-mysql) on the local
// model against the real test servers: what a Juju user checks after integrate, remove-relation,
// a hostile requirer, a server outage, the legacy endpoints and the password actions. The
// requirers are the bash charms of tests/charms (demo-app, demo-mysql-app, legacy-*-app).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "provider_fixture.hpp"

namespace grantor::e2e {
namespace {

namespace fs = std::filesystem;

TEST_P(ProviderTest, IntegrateGivesAUserThatLogsInAndCreatesATable) {
  DeployProvider(model_, engine(), kProvider, server_);
  ExpectStatus(kProviderUnit, "active", "");
  const std::string database = UniqueName("shop");
  DeployDemo("app", database);
  model_.Integrate("app", "provider:database");

  const Fields credentials = ShowCredentials("app/0");
  const std::string user = Field(credentials, "username");
  EXPECT_EQ(user.rfind(UserPrefix(), 0), 0u) << user;
  ExpectStatus("app/0", "active", "database user " + user);
  EXPECT_EQ(Field(credentials, "database"), database);
  EXPECT_EQ(Field(credentials, "endpoints"), server_.host + ":" + std::to_string(server_.port));
  EXPECT_GE(Field(credentials, "password").size(), 16u);

  auto session = Open(LoginWith(credentials));
  ASSERT_TRUE(session->Exec("CREATE TABLE orders (id int, item varchar(20))").ok);
  ASSERT_TRUE(session->Exec("INSERT INTO orders VALUES (1, 'coffee')").ok);
  const SqlResult count = session->Exec("SELECT count(*) FROM orders");
  ASSERT_TRUE(count.ok) << count.error;
  EXPECT_EQ(count.rows.at(0).at(0), "1");
  ExpectStatus(kProviderUnit, "active", "");
}

TEST_P(ProviderTest, SecretsAndPlainFieldsVariants) {
  DeployProvider(model_, engine(), kProvider, server_);
  const std::string secret_db = UniqueName("secret");
  const std::string plain_db = UniqueName("plain");
  DeployDemo("secret-app", secret_db);
  DeployDemo("plain-app", plain_db, {"use-secrets=false"});
  const int secret_id = model_.Integrate("secret-app", "provider:database");
  const int plain_id = model_.Integrate("plain-app", "provider:database");

  const Fields secret_bag = model_.RemoteAppData("secret-app/0", secret_id);
  EXPECT_EQ(Field(secret_bag, "secret-user").rfind("secret:", 0), 0u)
      << Field(secret_bag, "secret-user");
  EXPECT_FALSE(secret_bag.contains("password"));
  EXPECT_FALSE(secret_bag.contains("username"));
  EXPECT_EQ(Field(secret_bag, "database"), secret_db);

  const Fields plain_bag = model_.RemoteAppData("plain-app/0", plain_id);
  EXPECT_FALSE(plain_bag.contains("secret-user"));
  EXPECT_FALSE(Field(plain_bag, "username").empty());
  EXPECT_FALSE(Field(plain_bag, "password").empty());
  EXPECT_EQ(Field(plain_bag, "database"), plain_db);

  const Fields secret_credentials = ShowCredentials("secret-app/0");
  const Fields plain_credentials = ShowCredentials("plain-app/0");
  // Passwords are compared without printing them.
  EXPECT_TRUE(Field(plain_credentials, "password") == Field(plain_bag, "password"));
  EXPECT_NE(Field(secret_credentials, "username"), Field(plain_credentials, "username"));
  EXPECT_TRUE(CanLogIn(LoginWith(secret_credentials)));
  EXPECT_TRUE(CanLogIn(LoginWith(plain_credentials)));
}

TEST_P(ProviderTest, RemoveRelationRevokesAndReintegrateReachesTheSameData) {
  DeployProvider(model_, engine(), kProvider, server_);
  const std::string database = UniqueName("orders");
  DeployDemo("app", database);
  model_.Integrate("app", "provider:database");
  const Fields first = ShowCredentials("app/0");
  auto held = Open(LoginWith(first));
  ASSERT_TRUE(held->Exec("CREATE TABLE orders (id int, item varchar(20))").ok);
  ASSERT_TRUE(held->Exec("INSERT INTO orders VALUES (1, 'coffee')").ok);

  model_.Juju({"remove-relation", "app", kProvider});
  EXPECT_FALSE(CanLogIn(LoginWith(first)));
  EXPECT_FALSE(held->Exec("SELECT count(*) FROM orders").ok) << "the open session survived";
  EXPECT_EQ(CountUsers(Field(first, "username")), 0);
  ExpectStatus("app/0", "blocked", "needs a database relation");

  model_.Integrate("app", "provider:database");
  const Fields second = ShowCredentials("app/0");
  EXPECT_NE(Field(second, "username"), Field(first, "username"));
  EXPECT_TRUE(Field(second, "password") != Field(first, "password"));
  EXPECT_EQ(Field(second, "database"), database);
  auto session = Open(LoginWith(second));
  const SqlResult before = session->Exec("SELECT item FROM orders WHERE id = 1");
  ASSERT_TRUE(before.ok) << before.error;
  EXPECT_EQ(before.rows.at(0).at(0), "coffee");
  ASSERT_TRUE(session->Exec("INSERT INTO orders VALUES (2, 'tea')").ok);
  EXPECT_EQ(session->Exec("SELECT count(*) FROM orders").rows.at(0).at(0), "2");
}

TEST_P(ProviderTest, HostileRequestsBlockTheirRelationOnlyAndCreateNothing) {
  DeployProvider(model_, engine(), kProvider, server_);
  const std::string prefix = UserPrefix();
  const std::string hostile_db = engine() == Engine::kPostgres
                                     ? "x\";drop role " + server_.user + ";--"
                                     : "x`;drop user " + server_.user + ";--";
  const std::string greedy_db = UniqueName("greedy");
  const std::string good_db = UniqueName("good");
  DeployDemo("evil", hostile_db);
  DeployDemo("greedy", greedy_db, {std::string("extra-user-roles=") + GetParam().forbidden_role});
  DeployDemo("good", good_db);

  const int evil_id = model_.Integrate("evil", "provider:database");
  ExpectStatus(kProviderUnit, "blocked", "relation database:" + std::to_string(evil_id));
  const int greedy_id = model_.Integrate("greedy", "provider:database");
  const int good_id = model_.Integrate("good", "provider:database");
  ExpectStatus(kProviderUnit, "blocked", "relation database:" + std::to_string(evil_id));

  EXPECT_EQ(CountUsers(prefix + "r" + std::to_string(evil_id)), 0);
  EXPECT_EQ(CountUsers(prefix + "r" + std::to_string(greedy_id)), 0);
  EXPECT_EQ(CountDatabases(hostile_db), 0);
  EXPECT_EQ(CountDatabases(greedy_db), 0);
  EXPECT_EQ(CountUsers(server_.user), 1);
  ExpectStatus("evil/0", "waiting", "waiting for database credentials");
  ExpectStatus("greedy/0", "waiting", "waiting for database credentials");

  // The well-behaved application is served all along.
  ExpectStatus("good/0", "active", prefix + "r" + std::to_string(good_id));
  const Login good = LoginWith(ShowCredentials("good/0"));
  EXPECT_TRUE(CanLogIn(good));

  model_.Juju({"remove-relation", "evil", kProvider});
  ExpectStatus(kProviderUnit, "blocked", "relation database:" + std::to_string(greedy_id));
  ExpectStatus(kProviderUnit, "blocked", GetParam().forbidden_role);
  model_.Juju({"remove-relation", "greedy", kProvider});
  ExpectStatus(kProviderUnit, "active", "");
  EXPECT_TRUE(CanLogIn(good));

  // No log names the password that was issued, nor the admin's.
  const std::string logs = AllLogs();
  ASSERT_NE(logs.find(good.user), std::string::npos) << "the logs record the provisioning";
  EXPECT_EQ(logs.find(good.password), std::string::npos);
  EXPECT_EQ(logs.find(server_.password), std::string::npos);
}

// The key=value pairs of a libpq conninfo string ('...' quoting with backslash escapes).
Fields ParseConninfo(const std::string& conninfo) {
  Fields fields;
  std::size_t i = 0;
  while (i < conninfo.size()) {
    while (i < conninfo.size() && conninfo[i] == ' ') ++i;
    const auto eq = conninfo.find('=', i);
    if (eq == std::string::npos) break;
    const std::string key = conninfo.substr(i, eq - i);
    std::string value;
    i = eq + 1;
    if (i < conninfo.size() && conninfo[i] == '\'') {
      for (++i; i < conninfo.size() && conninfo[i] != '\''; ++i) {
        if (conninfo[i] == '\\') ++i;
        value.push_back(conninfo[i]);
      }
      ++i;
    } else {
      while (i < conninfo.size() && conninfo[i] != ' ') value.push_back(conninfo[i++]);
    }
    fields[key] = value;
  }
  return fields;
}

TEST_P(ProviderTest, LegacyEndpointsPublishWorkingUnitDataAndDropOnRemoval) {
  const Flavor& flavor = GetParam();
  DeployProvider(model_, engine(), kProvider, server_);
  // The admin endpoint gives superuser: the operator must allow it first (trust_e2e_test.cpp
  // shows the refusal).
  model_.Juju({"config", kProvider, "allowed-extra-user-roles=superuser"});
  const std::string prefix = UserPrefix();
  const std::string app_db = UniqueName("legacy");
  const std::string admin_db = UniqueName("legacyadmin");
  model_.Juju(
      {"deploy", TestCharm(flavor.legacy_charm), "legacy", "--config", "database=" + app_db});
  model_.Juju({"deploy", TestCharm(flavor.legacy_charm), "legacy-admin", "--config",
               "database=" + admin_db});
  const int id =
      model_.Integrate("legacy:db", std::string(kProvider) + ":" + flavor.legacy_endpoint);
  const int admin_id = model_.Integrate(
      "legacy-admin:db", std::string(kProvider) + ":" + flavor.legacy_admin_endpoint);
  ExpectStatus(kProviderUnit, "active", "");

  const Fields data = Received(model_, "legacy/0", kProviderUnit);
  // What the charm received is what show-unit shows (compared without printing the password).
  EXPECT_TRUE(data == model_.RemoteUnitData("legacy/0", id, kProviderUnit));
  const std::string user = Field(data, "user");
  EXPECT_EQ(user, prefix + "r" + std::to_string(id));
  EXPECT_EQ(Field(data, "host"), server_.host);
  EXPECT_EQ(Field(data, "port"), std::to_string(server_.port));
  EXPECT_EQ(Field(data, "database"), app_db);
  const Login login{Field(data, "host"), std::stoi(Field(data, "port")), user,
                    Field(data, "password"), Field(data, "database")};
  EXPECT_TRUE(CanLogIn(login));
  EXPECT_FALSE(IsSuperuser(user));
  if (engine() == Engine::kPostgres) {
    EXPECT_EQ(Field(data, "allowed-units"), "legacy/0");
    EXPECT_EQ(Field(data, "state"), "standalone");
    const Fields master = ParseConninfo(Field(data, "master"));
    EXPECT_TRUE(master == (Fields{{"dbname", app_db},
                                  {"host", server_.host},
                                  {"password", login.password},
                                  {"port", std::to_string(server_.port)},
                                  {"user", user}}));
  }

  const Fields admin_data = Received(model_, "legacy-admin/0", kProviderUnit);
  const std::string admin_user = Field(admin_data, "user");
  EXPECT_EQ(admin_user, prefix + "r" + std::to_string(admin_id));
  EXPECT_EQ(Field(admin_data, "database"), admin_db);
  const Login admin_login{server_.host, server_.port, admin_user, Field(admin_data, "password"),
                          admin_db};
  EXPECT_TRUE(CanLogIn(admin_login));
  EXPECT_TRUE(IsSuperuser(admin_user));

  model_.Juju({"remove-relation", "legacy-admin",
               std::string(kProvider) + ":" + flavor.legacy_admin_endpoint});
  EXPECT_EQ(CountUsers(admin_user), 0);
  EXPECT_FALSE(CanLogIn(admin_login));
  model_.Juju({"remove-relation", "legacy", std::string(kProvider) + ":" + flavor.legacy_endpoint});
  EXPECT_EQ(CountUsers(user), 0);
  EXPECT_FALSE(CanLogIn(login));
}

TEST_P(ProviderTest, PasswordActionsRotateTheOperatorPassword) {
  DeployProvider(model_, engine(), kProvider, server_, 2);
  const ProcessResult rotated = model_.RunAction(kProviderUnit, "set-password");
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const Fields rotated_fields = ParseYamlFields(rotated.out);
  EXPECT_EQ(Field(rotated_fields, "username"), "operator");
  const std::string operator_user = Field(rotated_fields, "database-user");
  EXPECT_EQ(operator_user, UserPrefix() + "operator");

  const ProcessResult shown = model_.RunAction(kProviderUnit, "get-password");
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const Fields shown_fields = ParseYamlFields(shown.out);
  EXPECT_EQ(Field(shown_fields, "database-user"), operator_user);
  const std::string random_password = Field(shown_fields, "password");
  EXPECT_GE(random_password.size(), 16u);
  EXPECT_TRUE(CanLogIn(MaintenanceLogin(engine(), server_, operator_user, random_password)));

  const std::string given = "Given-" + UniqueName("password") + "-x7Q";
  const ProcessResult set = model_.RunAction(kProviderUnit, "set-password", {{"password", given}});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  const ProcessResult shown_given = model_.RunAction(kProviderUnit, "get-password");
  EXPECT_TRUE(Field(ParseYamlFields(shown_given.out), "password") == given);
  EXPECT_TRUE(CanLogIn(MaintenanceLogin(engine(), server_, operator_user, given)));
  EXPECT_FALSE(CanLogIn(MaintenanceLogin(engine(), server_, operator_user, random_password)));
  ExpectStatus(kProviderUnit, "active", "");  // the charm keeps working with the new password
  model_.Juju({"update-status"});
  ExpectStatus(kProviderUnit, "active", "");

  const ProcessResult weak =
      model_.RunAction(kProviderUnit, "set-password", {{"password", "short"}});
  EXPECT_NE(weak.exit_code, 0);
  EXPECT_NE(weak.err.find("too weak"), std::string::npos) << weak.err;
  const ProcessResult other =
      model_.RunAction(kProviderUnit, "set-password", {{"username", GetParam().internal_user}});
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("unknown user"), std::string::npos) << other.err;
  const ProcessResult follower = model_.RunAction("provider/1", "set-password");
  EXPECT_NE(follower.exit_code, 0);
  EXPECT_NE(follower.err.find("leader"), std::string::npos) << follower.err;
  EXPECT_TRUE(CanLogIn(MaintenanceLogin(engine(), server_, operator_user, given)));

  // By default (expose-operator-password=false) get-password refuses, naming the option, and
  // set-password keeps working.
  model_.Juju({"config", kProvider, "expose-operator-password=false"});
  const ProcessResult hidden = model_.RunAction(kProviderUnit, "get-password");
  EXPECT_NE(hidden.exit_code, 0);
  EXPECT_NE(hidden.err.find("expose-operator-password"), std::string::npos) << hidden.err;
  EXPECT_EQ(hidden.out.find(given), std::string::npos);
  EXPECT_EQ(model_.RunAction(kProviderUnit, "set-password").exit_code, 0);
  ExpectStatus(kProviderUnit, "active", "");
}

INSTANTIATE_TEST_SUITE_P(Engines, ProviderTest, ::testing::Values(kPostgres, kMariaDb), FlavorName);

TEST(PostgresOutageTest, IntegrateWhileTheServerIsDownWaitsThenProvisions) {
  LocalModel model;
  PrivatePostgres postgres(model.dir() / "server");
  const Server server = postgres.server();
  DeployProvider(model, Engine::kPostgres, kProvider, server);
  const std::string database = UniqueName("outage");
  model.Juju({"deploy", TestCharm("demo-app"), "app", "--config", "database=" + database});

  postgres.Script("pause");
  model.Integrate("app", "provider:database");
  const auto [waiting, message] = model.UnitStatus(kProviderUnit);
  EXPECT_EQ(waiting, "waiting");
  EXPECT_NE(
      message.find("cannot reach PostgreSQL at " + server.host + ":" + std::to_string(server.port)),
      std::string::npos)
      << message;
  EXPECT_EQ(model.UnitStatus("app/0").first, "waiting");

  postgres.Script("resume");
  model.Juju({"update-status"});
  EXPECT_EQ(model.UnitStatus(kProviderUnit).first, "active")
      << model.UnitStatus(kProviderUnit).second;
  EXPECT_EQ(model.UnitStatus("app/0").first, "active") << model.UnitStatus("app/0").second;
  const ProcessResult shown = model.RunAction("app/0", "show-credentials");
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const Fields credentials = ParseYamlFields(shown.out);
  EXPECT_EQ(Field(credentials, "database"), database);
  const Login login =
      LoginFromEndpoints(Field(credentials, "endpoints"), Field(credentials, "username"),
                         Field(credentials, "password"), database);
  EXPECT_TRUE(Connect(Engine::kPostgres, login)->connected());
  model.set_keep(::testing::Test::HasFailure());
}

}  // namespace
}  // namespace grantor::e2e
