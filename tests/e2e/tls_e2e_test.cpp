// End-to-end TLS tests of the provider charms (ctest label `tls`): each engine's server of the
// test's own, started with a throwaway CA (tests/servers/<engine>.sh start --tls: it accepts TLS
// and plain connections, so that a charm falling back to plain text would get in and be seen),
// the built charm on the local model, and what a Juju user checks: the status, what the
// requirer is told (tls, tls-ca), whether the requirer can log in over verified TLS, and, from
// the server's own connection log, whether every connection the charm made used TLS.
//
// The matrix: verify-full with the right CA; the same against a certificate for another host
// (Blocked), then verify-ca (served: the chain is checked, not the host name); a CA that did not
// sign the server's certificate under verify-ca and require (Blocked, naming ssl-ca); require
// without a CA (TLS without verification); prefer (tls=False published); require, verify-ca and
// verify-full against a server without TLS (Blocked, and nothing created on the server); an
// unreachable server under verify-full (Waiting).

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "e2e_support.hpp"

namespace grantor::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kProvider = "provider";
constexpr const char* kProviderUnit = "provider/0";

std::string EngineParamName(const ::testing::TestParamInfo<Engine>& info) {
  return EngineName(info.param);
}

std::string TrimNewlines(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

class TlsTest : public ::testing::TestWithParam<Engine> {
 protected:
  void TearDown() override { model_.set_keep(HasFailure()); }

  Engine engine() const { return GetParam(); }

  // Deploys the provider against `server` with the given ssl-mode (and ssl-ca PEM, if any).
  void Deploy(const Server& server, const std::string& ssl_mode, const std::string& ssl_ca) {
    std::vector<std::string> args{"deploy",   BuiltCharm(ProviderCharmName(engine())),
                                  kProvider,  "--config",
                                  "host=" + server.host,
                                  "--config", "port=" + std::to_string(server.port),
                                  "--config", "ssl-mode=" + ssl_mode,
                                  // the test logs in as the operator over TLS
                                  "--config", "expose-operator-password=true"};
    if (!ssl_ca.empty()) args.insert(args.end(), {"--config", "ssl-ca=" + ssl_ca});
    model_.Juju(args);
    model_.ConfigureAdmin(kProvider, server);
  }

  void DeployDemo(const std::string& app, const std::string& database, bool tls_secret) {
    model_.Juju({"deploy", TestCharm(DemoCharmName(engine())), app, "--config",
                 "database=" + database, "--config",
                 std::string("tls-secret=") + (tls_secret ? "true" : "false")});
  }

  // What the requirer shows. It reads tls and tls-ca with `secret-get <uri> <key>`, which prints
  // YAML as Juju's does ("True" quoted, the PEM a quoted scalar): decoded here.
  Fields ShowCredentials(const std::string& unit) {
    const ProcessResult result = model_.RunAction(unit, "show-credentials");
    if (result.exit_code != 0) throw std::runtime_error("show-credentials: " + result.err);
    Fields fields = ParseYamlFields(result.out);
    for (const char* key : {"tls", "tls-ca"}) {
      const std::string value = Field(fields, key);
      if (!value.empty() && value.front() == '"') fields[key] = YAML::Load(value).as<std::string>();
    }
    return fields;
  }

  static Login LoginWith(const Fields& credentials) {
    return LoginFromEndpoints(Field(credentials, "endpoints"), Field(credentials, "username"),
                              Field(credentials, "password"), Field(credentials, "database"));
  }

  void ExpectStatus(const std::string& unit, const std::string& status,
                    const std::vector<std::string>& message_parts) {
    const auto [actual, message] = model_.UnitStatus(unit);
    EXPECT_EQ(actual, status) << unit << ": " << message;
    for (const auto& part : message_parts) {
      EXPECT_NE(message.find(part), std::string::npos) << unit << ": " << message;
    }
  }

  // Server users whose names start with "grantor_" other than the test's admin.
  int CountGrantorUsers(const Server& server) {
    const std::string sql =
        engine() == Engine::kPostgres
            ? "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname LIKE 'grantor\\_%' AND "
              "rolname <> '" + server.user + "' AND rolname NOT LIKE 'grantor\\_owner\\_%'"
            : "SELECT count(*) FROM mysql.user WHERE User LIKE 'grantor\\_%' AND User <> '" +
                  server.user + "'";
    return std::stoi(QueryValue(engine(), MaintenanceLogin(engine(), server), sql));
  }

  // The server's log of connections (PostgreSQL log_connections, MariaDB's general log): one
  // entry per connection of `user`, true when it used TLS.
  std::vector<bool> ConnectionsOf(const PrivateServer& server, const std::string& user) {
    std::vector<bool> tls;
    if (engine() == Engine::kPostgres) {
      std::istringstream log(testing::ReadWholeFile(fs::path(server.dir()) / "server.log"));
      const std::string marker = "connection authorized: user=" + user + " ";
      for (std::string line; std::getline(log, line);) {
        if (line.find(marker) != std::string::npos) {
          tls.push_back(line.find("SSL enabled") != std::string::npos);
        }
      }
    } else {
      std::istringstream log(testing::ReadWholeFile(fs::path(server.dir()) / "general.log"));
      const std::regex connect(" Connect\\t" + user + "@\\S+ on .*using (\\S+)");
      for (std::string line; std::getline(log, line);) {
        std::smatch match;
        if (std::regex_search(line, match, connect)) tls.push_back(match[1] == "SSL/TLS");
      }
    }
    return tls;
  }

  std::string OperatorUser() {
    const ProcessResult result = model_.RunAction(kProviderUnit, "get-password");
    if (result.exit_code != 0) throw std::runtime_error("get-password: " + result.err);
    return Field(ParseYamlFields(result.out), "database-user");
  }

  LocalModel model_;
};

TEST_P(TlsTest, VerifiedTlsServesAndEveryCertificateProblemBlocksWithoutPlainText) {
  PrivateServer tls_server(engine(), model_.dir() / "server", {"--tls"});
  const Server server = tls_server.server();
  const std::string ca_file = tls_server.tls_dir() + "/ca.crt";
  const std::string ca = testing::ReadWholeFile(ca_file);
  const std::string other_ca = testing::ReadWholeFile(tls_server.tls_dir() + "/other-ca.crt");
  ASSERT_NE(ca.find("BEGIN CERTIFICATE"), std::string::npos);

  // verify-full with the right CA: served, over TLS, and the requirer is told so.
  Deploy(server, "verify-full", ca);
  ExpectStatus(kProviderUnit, "active", {});
  DeployDemo("app", UniqueName("tlsapp"), true);
  model_.Integrate("app", "provider:database");
  ExpectStatus("app/0", "active", {"database user"});
  const Fields credentials = ShowCredentials("app/0");
  EXPECT_EQ(Field(credentials, "tls"), "True");
  EXPECT_EQ(TrimNewlines(Field(credentials, "tls-ca")), TrimNewlines(ca)) << "tls-ca is ssl-ca";
  auto session = Connect(engine(), LoginWith(credentials), ca_file);
  ASSERT_TRUE(session->connected()) << session->error();
  EXPECT_TRUE(session->UsesTls());
  const std::string operator_user = OperatorUser();
  const std::vector<bool> charm_connections = ConnectionsOf(tls_server, operator_user);
  ASSERT_FALSE(charm_connections.empty()) << "the server logged no connection of " << operator_user;
  for (const bool tls : charm_connections) EXPECT_TRUE(tls) << "a plain connection of the charm";
  // The admin account is the charm's too here (its bootstrap): this test never logs in as it.
  const std::vector<bool> admin_connections = ConnectionsOf(tls_server, server.user);
  ASSERT_FALSE(admin_connections.empty());
  for (const bool tls : admin_connections) EXPECT_TRUE(tls) << "a plain bootstrap connection";

  // A certificate for another host: verify-full refuses it (Blocked), verify-ca accepts it.
  tls_server.Script("tls-cert", {"wrong-host"});
  model_.Juju({"update-status"});
  ExpectStatus(kProviderUnit, "blocked", {"TLS", "verify-full", "ssl-ca"});
  const std::size_t before_blocked = ConnectionsOf(tls_server, operator_user).size();
  DeployDemo("late", UniqueName("late"), false);
  const int late_id = model_.Integrate("late", "provider:database");
  ExpectStatus("late/0", "waiting", {"waiting for database credentials"});
  EXPECT_EQ(ConnectionsOf(tls_server, operator_user).size(), before_blocked)
      << "a connection got through while the certificate was refused";
  model_.Juju({"config", kProvider, "ssl-mode=verify-ca"});
  ExpectStatus(kProviderUnit, "active", {});
  ExpectStatus("late/0", "active", {"r" + std::to_string(late_id)});

  // A CA that did not sign the server's certificate: Blocked under verify-ca and require.
  tls_server.Script("tls-cert", {"server"});
  model_.Juju({"config", kProvider, "ssl-ca=" + other_ca});
  ExpectStatus(kProviderUnit, "blocked", {"TLS", "verify-ca", "ssl-ca"});
  model_.Juju({"config", kProvider, "ssl-mode=require"});
  ExpectStatus(kProviderUnit, "blocked", {"TLS", "require", "ssl-ca"});
  const std::vector<bool> so_far = ConnectionsOf(tls_server, operator_user);
  for (const bool tls : so_far) EXPECT_TRUE(tls) << "a plain connection of the charm";

  // require without a CA: TLS, not verified; still tls=True for the requirer, no tls-ca.
  model_.Juju({"config", kProvider, "--reset", "ssl-ca"});
  ExpectStatus(kProviderUnit, "active", {});
  const Fields required = ShowCredentials("app/0");
  EXPECT_EQ(Field(required, "tls"), "True");
  EXPECT_EQ(Field(required, "tls-ca"), "");
  for (const bool tls : ConnectionsOf(tls_server, operator_user)) EXPECT_TRUE(tls);

  // prefer: the charm may connect in plain text, so the requirer is not told TLS.
  model_.Juju({"config", kProvider, "ssl-mode=prefer"});
  ExpectStatus(kProviderUnit, "active", {});
  EXPECT_EQ(Field(ShowCredentials("app/0"), "tls"), "False");
}

TEST_P(TlsTest, RequiredTlsAgainstAPlainServerBlocksAndCreatesNothing) {
  PrivateServer plain_server(engine(), model_.dir() / "server");
  PrivateServer tls_server(engine(), model_.dir() / "tls-server", {"--tls"});
  const Server server = plain_server.server();
  const std::string ca = testing::ReadWholeFile(tls_server.tls_dir() + "/ca.crt");

  Deploy(server, "require", "");
  ExpectStatus(kProviderUnit, "blocked", {"TLS", "require"});
  for (const char* mode : {"verify-ca", "verify-full"}) {
    model_.Juju({"config", kProvider, std::string("ssl-mode=") + mode, "ssl-ca=" + ca});
    ExpectStatus(kProviderUnit, "blocked", {"TLS", mode});
  }
  // Nothing reached the server: no operator user (the admin's bootstrap never ran).
  EXPECT_EQ(CountGrantorUsers(server), 0);

  // verify-full without ssl-ca is a configuration error before any connection.
  model_.Juju({"config", kProvider, "--reset", "ssl-ca"});
  ExpectStatus(kProviderUnit, "blocked", {"ssl-mode verify-full needs ssl-ca"});

  // A server that cannot be reached is a wait, not a configuration problem.
  tls_server.Script("pause");
  model_.Juju({"config", kProvider, "ssl-ca=" + ca, "host=" + tls_server.server().host,
               "port=" + std::to_string(tls_server.server().port)});
  ExpectStatus(kProviderUnit, "waiting", {"cannot reach"});
  EXPECT_EQ(CountGrantorUsers(server), 0);

  // prefer against the plain server: served in plain text, and tls=False published.
  model_.Juju({"config", kProvider, "ssl-mode=prefer", "host=" + server.host,
               "port=" + std::to_string(server.port)});
  ExpectStatus(kProviderUnit, "active", {});
  DeployDemo("app", UniqueName("plainapp"), true);
  model_.Integrate("app", "provider:database");
  const Fields credentials = ShowCredentials("app/0");
  EXPECT_EQ(Field(credentials, "tls"), "False");
  EXPECT_TRUE(Connect(engine(), LoginWith(credentials))->connected());
}

INSTANTIATE_TEST_SUITE_P(Engines, TlsTest, ::testing::Values(Engine::kPostgres, Engine::kMariaDb),
                         EngineParamName);

}  // namespace
}  // namespace grantor::e2e
