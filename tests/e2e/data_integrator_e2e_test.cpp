// End-to-end tests of the built grantor-data-integrator charm on the local model with a grantor
// provider charm against the real test servers: get-credentials hands out credentials that the
// stock command-line client (psql, mariadb) logs in with, as an application outside Juju would.

#include <gtest/gtest.h>

#include <set>

#include "e2e_support.hpp"

namespace grantor::e2e {
namespace {

struct Flavor {
  const char* name;
  Engine engine;
  const char* endpoint;  // the data-integrator endpoint for this engine
};

const Flavor kPostgres{"Postgres", Engine::kPostgres, "postgresql"};
const Flavor kMariaDb{"MariaDb", Engine::kMariaDb, "mysql"};

class DataIntegratorTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override { server_ = ServerFor(GetParam().engine); }
  void TearDown() override { model_.set_keep(HasFailure()); }

  std::string Key(const std::string& field) const {
    return std::string(GetParam().endpoint) + "." + field;
  }

  Fields GetCredentials() {
    const ProcessResult result = model_.RunAction("di/0", "get-credentials");
    if (result.exit_code != 0) throw std::runtime_error("get-credentials: " + result.err);
    return ParseYamlFields(result.out);
  }

  int Integrate() {
    return model_.Integrate(std::string("di:") + GetParam().endpoint, "provider:database");
  }

  // Runs `sql` with the stock client as the user of `credentials`; the password goes through
  // the client's environment variable, never argv.
  ProcessResult StockClient(const Fields& credentials, const std::string& sql) {
    const Login login = LoginFromEndpoints(
        Field(credentials, Key("endpoints")), Field(credentials, Key("username")),
        Field(credentials, Key("password")), Field(credentials, Key("database")));
    const std::string port = std::to_string(login.port);
    if (GetParam().engine == Engine::kPostgres) {
      return RunProcess({"/usr/bin/psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h",
                         login.host, "-p", port, "-U", login.user, "-d", login.database, "-c", sql},
                        {"PGPASSWORD=" + login.password, "PGCONNECT_TIMEOUT=5"});
    }
    return RunProcess({"/usr/bin/mariadb", "--no-defaults", "--protocol=TCP", "-N", "-B", "-h",
                       login.host, "-P", port, "-u", login.user, "-D", login.database, "-e", sql},
                      {"MYSQL_PWD=" + login.password});
  }

  std::pair<std::string, std::string> Status() const { return model_.UnitStatus("di/0"); }

  LocalModel model_;
  Server server_;
};

std::string FlavorName(const ::testing::TestParamInfo<Flavor>& info) { return info.param.name; }

TEST_P(DataIntegratorTest, GetCredentialsLogInWithTheStockClientAndRotateOnReintegrate) {
  DeployProvider(model_, GetParam().engine, "provider", server_);
  const std::string database = UniqueName("analytics");
  model_.Juju({"deploy", BuiltCharm("grantor-data-integrator"), "di", "--config",
               "database-name=" + database});

  const ProcessResult unrelated = model_.RunAction("di/0", "get-credentials");
  EXPECT_NE(unrelated.exit_code, 0);
  EXPECT_NE(unrelated.err.find("no database relation"), std::string::npos) << unrelated.err;
  EXPECT_EQ(Status().first, "blocked");
  EXPECT_NE(Status().second.find("integrate with a database: juju integrate di"),
            std::string::npos)
      << Status().second;
  // As Juju does for an action whose schema allows no parameters.
  const ProcessResult with_param = model_.RunAction("di/0", "get-credentials", {{"username", "x"}});
  EXPECT_NE(with_param.exit_code, 0);
  EXPECT_NE(with_param.err.find("Additional property username is not allowed"), std::string::npos)
      << with_param.err;

  Integrate();
  EXPECT_EQ(Status(), (std::pair<std::string, std::string>{"active", ""}));
  const Fields first = GetCredentials();
  EXPECT_EQ(Field(first, Key("database")), database);
  // The keys Canonical's data-integrator prints for what a grantor provider publishes: its
  // application databag without the secret-* references, plus the requested secret fields
  // (tls-ca only when the provider has a CA configured, which this one has not).
  std::set<std::string> keys;
  for (const auto& [key, value] : first) {
    if (key.starts_with(Key(""))) keys.insert(key.substr(Key("").size()));
  }
  EXPECT_EQ(keys, (std::set<std::string>{"database", "endpoints", "password", "read-only-endpoints",
                                         "read-only-uris", "tls", "uris", "username",
                                         "version"}));
  EXPECT_EQ(Field(first, "ok"), "True");
  // session_user: a PostgreSQL user acts as the database's owner role (current_user).
  const ProcessResult login =
      StockClient(first, GetParam().engine == Engine::kPostgres ? "SELECT session_user"
                                                                : "SELECT current_user()");
  ASSERT_EQ(login.exit_code, 0) << login.err;
  EXPECT_EQ(login.out.substr(0, login.out.find_first_of("@\n")), Field(first, Key("username")));
  ASSERT_EQ(StockClient(first, "CREATE TABLE events (id int)").exit_code, 0);

  model_.Juju({"config", "di", "database-name=" + UniqueName("renamed")});
  EXPECT_EQ(Status().first, "blocked");
  EXPECT_NE(Status().second.find("database-name cannot change while related"), std::string::npos)
      << Status().second;
  model_.Juju({"config", "di", "database-name=" + database});
  EXPECT_EQ(Status().first, "active") << Status().second;

  model_.Juju({"remove-relation", "di", "provider"});
  EXPECT_NE(StockClient(first, "SELECT 1").exit_code, 0);
  Integrate();
  const Fields second = GetCredentials();
  EXPECT_NE(Field(second, Key("username")), Field(first, Key("username")));
  EXPECT_TRUE(Field(second, Key("password")) != Field(first, Key("password")));
  const ProcessResult reread = StockClient(second, "SELECT count(*) FROM events");
  ASSERT_EQ(reread.exit_code, 0) << reread.err;
  EXPECT_EQ(reread.out, "0\n");
}

INSTANTIATE_TEST_SUITE_P(Engines, DataIntegratorTest, ::testing::Values(kPostgres, kMariaDb),
                         FlavorName);

}  // namespace
}  // namespace grantor::e2e
