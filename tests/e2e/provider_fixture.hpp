#pragma once
// The fixture of the provider charms' end-to-end tests: one local model, the test server of the
// engine under test, and what a Juju user checks (unit status, credentials a requirer shows,
// what the server holds), for grantor-postgresql and grantor-mysql alike.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "e2e_support.hpp"

namespace grantor::e2e {

namespace fs = std::filesystem;

struct Flavor {
  const char* name;
  Engine engine;
  const char* demo_charm;
  const char* legacy_charm;
  const char* legacy_endpoint;
  const char* legacy_admin_endpoint;
  const char* forbidden_role;  // an extra-user-roles value the provider must refuse
  const char* internal_user;   // a server user the password actions must refuse to touch
};

inline const Flavor kPostgres{
    "Postgres", Engine::kPostgres,           "demo-app", "legacy-pgsql-app", "db",
    "db-admin", "pg_execute_server_program", "postgres"};
inline const Flavor kMariaDb{"MariaDb", Engine::kMariaDb, "demo-mysql-app", "legacy-mysql-app",
                      "mysql",   "mysql-root",     "file",           "root"};

inline constexpr const char* kProvider = "provider";
inline constexpr const char* kProviderUnit = "provider/0";

class ProviderTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override { server_ = ServerFor(engine()); }
  void TearDown() override { model_.set_keep(HasFailure()); }

  Engine engine() const { return GetParam().engine; }

  void DeployDemo(const std::string& app, const std::string& database,
                  const std::vector<std::string>& config = {}) {
    std::vector<std::string> args{"deploy", TestCharm(GetParam().demo_charm), app, "--config",
                                  "database=" + database};
    for (const auto& item : config) args.insert(args.end(), {"--config", item});
    model_.Juju(args);
  }

  Fields ShowCredentials(const std::string& unit) {
    const ProcessResult result = model_.RunAction(unit, "show-credentials");
    if (result.exit_code != 0) throw std::runtime_error("show-credentials: " + result.err);
    return ParseYamlFields(result.out);
  }

  static Login LoginWith(const Fields& credentials) {
    return LoginFromEndpoints(Field(credentials, "endpoints"), Field(credentials, "username"),
                              Field(credentials, "password"), Field(credentials, "database"));
  }

  // A session that must open.
  std::unique_ptr<SqlSession> Open(const Login& login) {
    auto session = Connect(engine(), login);
    if (!session->connected())
      throw std::runtime_error("login as " + login.user + ": " + session->error());
    return session;
  }

  bool CanLogIn(const Login& login) { return Connect(engine(), login)->connected(); }

  // Every log the model keeps: each unit's juju-log file, and history.jsonl (every hook's
  // environment, tool calls, stdout and stderr).
  std::string AllLogs() const {
    const fs::path dir = model_.dir() / "model";
    std::string text = testing::ReadWholeFile(dir / "history.jsonl");
    if (fs::exists(dir / "logs")) {
      for (const auto& entry : fs::directory_iterator(dir / "logs")) {
        text += testing::ReadWholeFile(entry.path());
      }
    }
    return text;
  }

  // Runs `sql` as the admin with "{}" replaced by `value` as a literal; first value.
  std::string AdminValue(const std::string& sql, const std::string& value) {
    auto session = Open(MaintenanceLogin(engine(), server_));
    std::string text = sql;
    text.replace(text.find("{}"), 2, session->Literal(value));
    const SqlResult result = session->Exec(text);
    if (!result.ok) throw std::runtime_error(text + ": " + result.error);
    return result.rows.empty() ? std::string{} : result.rows[0][0];
  }

  // Runs `sql` as the admin with each "{}" replaced, in order, by `values` as literals; the first
  // column of every row.
  std::vector<std::string> AdminColumn(const std::string& sql, const std::vector<std::string>& values,
                                       const std::string& database = "") {
    const Login login = database.empty() ? MaintenanceLogin(engine(), server_)
                                         : AdminLogin(server_, database);
    auto session = Open(login);
    std::string text = sql;
    for (const auto& value : values) text.replace(text.find("{}"), 2, session->Literal(value));
    const SqlResult result = session->Exec(text);
    if (!result.ok) throw std::runtime_error(text + ": " + result.error);
    std::vector<std::string> column;
    for (const auto& row : result.rows) column.push_back(row.empty() ? "" : row[0]);
    return column;
  }

  // Runs `sql` as the admin, in the maintenance database or `database`.
  void AdminExec(const std::string& sql, const std::string& database = "") {
    auto session = Open(database.empty() ? MaintenanceLogin(engine(), server_)
                                         : AdminLogin(server_, database));
    const SqlResult result = session->Exec(sql);
    if (!result.ok) throw std::runtime_error(sql + ": " + result.error);
  }

  int CountUsers(const std::string& user) {
    return std::stoi(AdminValue(engine() == Engine::kPostgres
                                    ? "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = {}"
                                    : "SELECT count(*) FROM mysql.user WHERE User = {}",
                                user));
  }

  int CountDatabases(const std::string& database) {
    return std::stoi(
        AdminValue(engine() == Engine::kPostgres
                       ? "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = {}"
                       : "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {}",
                   database));
  }

  bool IsSuperuser(const std::string& user) {
    if (engine() == Engine::kPostgres) {
      return AdminValue("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = {}", user) == "t";
    }
    return AdminValue("SELECT Super_priv FROM mysql.user WHERE User = {} AND Host = '%'", user) ==
           "Y";
  }

  // "grantor_<tag>_": the prefix of every user the provider application creates.
  std::string UserPrefix() {
    const ProcessResult result = model_.RunAction(kProviderUnit, "get-password");
    if (result.exit_code != 0) throw std::runtime_error("get-password: " + result.err);
    const std::string user = Field(ParseYamlFields(result.out), "database-user");
    return user.substr(0, user.size() - std::string("operator").size());
  }

  void ExpectStatus(const std::string& unit, const std::string& status,
                    const std::string& message_part) {
    const auto [actual, message] = model_.UnitStatus(unit);
    EXPECT_EQ(actual, status) << unit << ": " << message;
    EXPECT_NE(message.find(message_part), std::string::npos) << unit << ": " << message;
  }

  LocalModel model_;
  Server server_;
};

// Reads what a legacy requirer unit recorded from `remote_unit` (its received-*.json).
inline Fields Received(const LocalModel& model, const std::string& unit, const std::string& remote_unit) {
  auto tag = [](std::string name) { return name.replace(name.rfind('/'), 1, "-"); };
  const fs::path path = model.dir() / "model" / "agents" / ("unit-" + tag(unit)) / "charm" /
                        ("received-" + tag(remote_unit) + ".json");
  std::ifstream in(path);
  if (!in) throw std::runtime_error(unit + " recorded nothing from " + remote_unit);
  const nlohmann::json recorded = nlohmann::json::parse(in);
  Fields fields;
  for (const auto& [key, value] : recorded.items()) fields[key] = value.get<std::string>();
  return fields;
}

inline std::string FlavorName(const ::testing::TestParamInfo<Flavor>& info) {
  return info.param.name;
}

}  // namespace grantor::e2e
