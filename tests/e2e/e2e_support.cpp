#include "e2e_support.hpp"

#include "testing/files.hpp"
#include "testing/sockets.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <signal.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "grantor/adapters/subprocess.hpp"

namespace grantor::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void Flatten(const YAML::Node& node, const std::string& prefix, Fields& out) {
  if (node.IsMap()) {
    for (const auto& item : node) {
      const std::string key = item.first.as<std::string>();
      Flatten(item.second, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (node.IsScalar()) {
    out[prefix] = node.as<std::string>();
  } else if (node.IsSequence()) {
    std::string joined;
    for (const auto& item : node) joined += (joined.empty() ? "" : ",") + item.as<std::string>();
    out[prefix] = joined;
  }
}

std::map<std::string, std::string> ReadEnvFile(const fs::path& path) {
  std::map<std::string, std::string> settings;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) settings[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return settings;
}

Server LoadServer(const std::string& env_dir, const std::string& file, const std::string& prefix) {
  std::string dir = env_dir;
  if (dir.empty()) {
    const char* env = std::getenv("GRANTOR_TEST_ENV_DIR");
    if (env == nullptr || *env == '\0') {
      throw std::runtime_error(
          "GRANTOR_TEST_ENV_DIR is unset: run these tests through ctest -L e2e");
    }
    dir = env;
  }
  const auto settings = ReadEnvFile(fs::path(dir) / file);
  for (const char* key : {"HOST", "PORT", "USER", "PASSWORD"}) {
    if (!settings.contains(prefix + key)) {
      throw std::runtime_error(dir + "/" + file + " is missing or lacks " + prefix + key +
                               ": the db_servers ctest fixture did not start the server");
    }
  }
  return Server{settings.at(prefix + "HOST"), std::stoi(settings.at(prefix + "PORT")),
                settings.at(prefix + "USER"), settings.at(prefix + "PASSWORD")};
}

std::string ModelBinary() {
  const char* env = std::getenv("GRANTOR_MODEL_BIN");
  return env != nullptr && *env != '\0' ? env : GRANTOR_MODEL_BIN;
}

std::string Describe(const std::vector<std::string>& args, const ProcessResult& result) {
  std::string command;
  for (const auto& arg : args) command += " " + arg;
  // stderr only: stdout may hold credentials.
  return "grantor-model" + command + " exited " + std::to_string(result.exit_code) + ": " +
         result.err;
}

// --- sessions --------------------------------------------------------------------------------

class PgSession : public SqlSession {
 public:
  PgSession(const Login& login, const std::string& tls_ca_file) {
    const std::string port = std::to_string(login.port);
    const bool tls = !tls_ca_file.empty();
    const char* keys[] = {"host",   "port",          "user",        "password", "dbname",
                          "sslmode", "connect_timeout", "sslrootcert", nullptr};
    const char* values[] = {login.host.c_str(),
                            port.c_str(),
                            login.user.c_str(),
                            login.password.c_str(),
                            login.database.c_str(),
                            tls ? "verify-full" : "disable",
                            "5",
                            tls ? tls_ca_file.c_str() : nullptr,
                            nullptr};
    conn_ = PQconnectdbParams(keys, values, 0);
    if (PQstatus(conn_) != CONNECTION_OK) error_ = PQerrorMessage(conn_);
  }
  ~PgSession() override { PQfinish(conn_); }
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  bool connected() const override { return error_.empty(); }
  const std::string& error() const override { return error_; }
  bool UsesTls() const override { return PQsslInUse(conn_) == 1; }

  SqlResult Exec(const std::string& sql) override {
    SqlResult result;
    PGresult* res = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(res);
    result.ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!result.ok) result.error = PQerrorMessage(conn_);
    for (int row = 0; result.ok && row < PQntuples(res); ++row) {
      std::vector<std::string> values;
      for (int col = 0; col < PQnfields(res); ++col) values.emplace_back(PQgetvalue(res, row, col));
      result.rows.push_back(std::move(values));
    }
    PQclear(res);
    return result;
  }

  std::string Literal(const std::string& value) override {
    char* quoted = PQescapeLiteral(conn_, value.data(), value.size());
    if (quoted == nullptr) throw std::runtime_error("PQescapeLiteral failed");
    std::string out = quoted;
    PQfreemem(quoted);
    return out;
  }

 private:
  PGconn* conn_ = nullptr;
  std::string error_;
};

class MySession : public SqlSession {
 public:
  MySession(const Login& login, const std::string& tls_ca_file) : conn_(mysql_init(nullptr)) {
    if (conn_ == nullptr) throw std::runtime_error("mysql_init failed");
    const unsigned int timeout = 5;
    mysql_options(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    if (!tls_ca_file.empty()) {
      const my_bool on = 1;
      mysql_options(conn_, MYSQL_OPT_SSL_CA, tls_ca_file.c_str());
      mysql_options(conn_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    }
    const char* database = login.database.empty() ? nullptr : login.database.c_str();
    if (mysql_real_connect(conn_, login.host.c_str(), login.user.c_str(), login.password.c_str(),
                           database, static_cast<unsigned int>(login.port), nullptr,
                           0) == nullptr) {
      error_ = mysql_error(conn_);
    }
  }
  ~MySession() override { mysql_close(conn_); }
  MySession(const MySession&) = delete;
  MySession& operator=(const MySession&) = delete;

  bool connected() const override { return error_.empty(); }
  const std::string& error() const override { return error_; }
  bool UsesTls() const override { return connected() && mysql_get_ssl_cipher(conn_) != nullptr; }

  SqlResult Exec(const std::string& sql) override {
    SqlResult result;
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
      result.error = mysql_error(conn_);
      return result;
    }
    result.ok = true;
    MYSQL_RES* res = mysql_store_result(conn_);
    if (res == nullptr) return result;
    const unsigned int columns = mysql_num_fields(res);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      std::vector<std::string> values;
      for (unsigned int col = 0; col < columns; ++col)
        values.emplace_back(row[col] ? row[col] : "");
      result.rows.push_back(std::move(values));
    }
    mysql_free_result(res);
    return result;
  }

  std::string Literal(const std::string& value) override {
    std::string buffer(value.size() * 2 + 1, '\0');
    const auto length = mysql_real_escape_string(conn_, buffer.data(), value.data(), value.size());
    return "'" + buffer.substr(0, length) + "'";
  }

 private:
  MYSQL* conn_ = nullptr;
  std::string error_;
};

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env) {
  subprocess::Options options;
  options.argv = argv;
  options.env = subprocess::ThisEnvironment();
  for (const auto& entry : extra_env) {
    const auto eq = entry.find('=');
    (*options.env)[entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
  }
  ProcessResult result;
  try {
    subprocess::Result ran = subprocess::Run(options);
    result.exit_code = ran.exit_code;
    result.out = std::move(ran.out);
    result.err = std::move(ran.err);
  } catch (const std::system_error&) {
    result.err = "cannot run " + argv[0];
  }
  return result;
}

Fields ParseYamlFields(const std::string& text) {
  Fields fields;
  if (text.find_first_not_of(" \n") == std::string::npos) return fields;
  Flatten(YAML::Load(text), "", fields);
  return fields;
}

std::string Field(const Fields& fields, const std::string& key) {
  auto it = fields.find(key);
  return it == fields.end() ? std::string{} : it->second;
}

Server PostgresServer(const std::string& env_dir) {
  return LoadServer(env_dir, "postgres.env", "GRANTOR_TEST_PG_");
}

PrivatePostgres::PrivatePostgres(const fs::path& env_dir) : env_dir_(env_dir) {
  Script("start");
}

PrivatePostgres::~PrivatePostgres() {
  try {
    Script("stop");
  } catch (const std::exception&) {
    // Best effort: the test already failed.
  }
}

Server PrivatePostgres::server() const { return PostgresServer(env_dir_.string()); }

std::string PrivatePostgres::dir() const {
  return ReadEnvFile(env_dir_ / "postgres.env")["GRANTOR_TEST_PG_SOCKET_DIR"];
}

void PrivatePostgres::Script(const std::string& verb) const {
  const ProcessResult result =
      RunProcess({"/bin/bash", std::string(GRANTOR_TEST_SERVERS_DIR) + "/postgres.sh", verb,
                  env_dir_.string()});
  if (result.exit_code != 0) throw std::runtime_error("postgres.sh " + verb + ": " + result.err);
}

namespace {

std::string ServerScript(Engine engine) {
  return std::string(GRANTOR_TEST_SERVERS_DIR) +
         (engine == Engine::kPostgres ? "/postgres.sh" : "/mariadb.sh");
}

std::string EnvFileName(Engine engine) {
  return engine == Engine::kPostgres ? "postgres.env" : "mariadb.env";
}

std::string EnvPrefix(Engine engine) {
  return engine == Engine::kPostgres ? "GRANTOR_TEST_PG_" : "GRANTOR_TEST_MYSQL_";
}

}  // namespace

PrivateServer::PrivateServer(Engine engine, const fs::path& env_dir,
                             const std::vector<std::string>& start_args)
    : engine_(engine), env_dir_(env_dir) {
  Script("start", start_args);
}

PrivateServer::~PrivateServer() {
  try {
    Script("stop");
  } catch (const std::exception&) {
    // Best effort: the test already failed.
  }
}

Server PrivateServer::server() const {
  return LoadServer(env_dir_.string(), EnvFileName(engine_), EnvPrefix(engine_));
}

std::string PrivateServer::dir() const {
  const auto settings = ReadEnvFile(env_dir_ / EnvFileName(engine_));
  if (engine_ == Engine::kPostgres) return settings.at(EnvPrefix(engine_) + "SOCKET_DIR");
  return fs::path(settings.at(EnvPrefix(engine_) + "SOCKET")).parent_path().string();
}

std::string PrivateServer::tls_dir() const {
  const auto settings = ReadEnvFile(env_dir_ / EnvFileName(engine_));
  const auto it = settings.find(EnvPrefix(engine_) + "TLS_DIR");
  return it == settings.end() ? std::string{} : it->second;
}

std::string PrivateServer::ScriptPath() const { return ServerScript(engine_); }

void PrivateServer::Script(const std::string& verb, const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"/bin/bash", ServerScript(engine_), verb, env_dir_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const ProcessResult result = RunProcess(argv);
  if (result.exit_code != 0) {
    throw std::runtime_error(ServerScript(engine_) + " " + verb + ": " + result.err);
  }
}

Server MariaDbServer(const std::string& env_dir) {
  return LoadServer(env_dir, "mariadb.env", "GRANTOR_TEST_MYSQL_");
}

std::string UniqueName(const std::string& stem) {
  std::random_device device;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%08x", static_cast<unsigned int>(device()));
  return stem + "_" + suffix;
}

// --- LocalModel ------------------------------------------------------------------------------

namespace {

// A live process (not a zombie).
bool ProcessRunning(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  const std::string stat = testing::ReadWholeFile("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

}  // namespace

LocalModel::~LocalModel() {
  std::error_code ignored;
  const fs::path agents = dir_ / "model" / "agents";
  if (!fs::is_directory(agents, ignored)) return;
  // Supervisors first (or they would restart their daemon), then the daemons.
  for (const char* file : {"grantor-daemon-supervisor.pid", "grantor-daemon.pid"}) {
    for (const auto& agent : fs::directory_iterator(agents, ignored)) {
      std::ifstream in(agent.path() / file);
      long pid = 0;
      if (!(in >> pid) || !ProcessRunning(static_cast<pid_t>(pid))) continue;
      ::kill(static_cast<pid_t>(pid), SIGTERM);
      for (int i = 0; i < 100 && ProcessRunning(static_cast<pid_t>(pid)); ++i) ::usleep(50000);
    }
  }
}

ProcessResult LocalModel::Try(const std::vector<std::string>& args,
                               const std::vector<std::string>& extra_env) const {
  std::vector<std::string> argv{ModelBinary(), "--model-dir", (dir_ / "model").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, extra_env);
}

std::string LocalModel::Juju(const std::vector<std::string>& args) const {
  const ProcessResult result = Try(args);
  if (result.exit_code != 0) throw std::runtime_error(Describe(args, result));
  return result.out;
}

int LocalModel::Integrate(const std::string& first, const std::string& second) const {
  const std::string out = Juju({"integrate", first, second});
  std::smatch match;
  if (!std::regex_search(out, match, std::regex("relation ([0-9]+):"))) {
    throw std::runtime_error("integrate printed no relation id: " + out);
  }
  return std::stoi(match[1]);
}

fs::path LocalModel::WritePrivateFile(const std::string& name, const std::string& content) const {
  const fs::path path = dir_ / (name + "." + std::to_string(++files_));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + path.string());
  const bool written =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write " + path.string());
  return path;
}

void LocalModel::ConfigureAdmin(const std::string& app, const Server& server) const {
  const fs::path password = WritePrivateFile("admin-password", server.password);
  const std::string name = app + "-admin";
  const std::string out =
      Juju({"add-secret", name, "username=" + server.user, "password#file=" + password.string()});
  fs::remove(password);
  const std::string uri = out.substr(0, out.find('\n'));
  Juju({"grant-secret", name, app});
  Juju({"config", app, "admin-credentials=" + uri});
}

ProcessResult LocalModel::RunAction(const std::string& unit, const std::string& action,
                                    const Fields& params) const {
  if (params.empty()) return Try({"run", unit, action});
  json mapping = json::object();
  for (const auto& [key, value] : params) mapping[key] = value;
  const fs::path file = WritePrivateFile("params", mapping.dump());  // JSON is YAML
  ProcessResult result = Try({"run", unit, action, "--params", file.string()});
  fs::remove(file);
  return result;
}

std::pair<std::string, std::string> LocalModel::UnitStatus(const std::string& unit) const {
  const json model = json::parse(testing::ReadWholeFile(dir_ / "model" / "model.json"));
  const json& record = model.at("units").at(unit);
  if (record.value("agent_status", "") == "error") {
    return {"error", record.value("agent_message", "")};
  }
  return {record.value("workload_status", ""), record.value("workload_message", "")};
}

namespace {

json RelationInfo(const LocalModel& model, const std::string& unit, int relation_id) {
  const json shown = json::parse(model.Juju({"show-unit", unit, "--format", "json"}));
  for (const auto& info : shown.at(unit).at("relation-info")) {
    if (info.at("relation-id") == relation_id) return info;
  }
  throw std::runtime_error(unit + " is not in relation " + std::to_string(relation_id));
}

Fields ToFields(const json& bag) {
  Fields fields;
  for (const auto& [key, value] : bag.items()) fields[key] = value.get<std::string>();
  return fields;
}

}  // namespace

Fields LocalModel::RemoteAppData(const std::string& unit, int relation_id) const {
  return ToFields(RelationInfo(*this, unit, relation_id).value("application-data", json::object()));
}

Fields LocalModel::RemoteUnitData(const std::string& unit, int relation_id,
                                  const std::string& remote_unit) const {
  const json info = RelationInfo(*this, unit, relation_id);
  if (!info.contains("related-units") || !info["related-units"].contains(remote_unit)) return {};
  return ToFields(info["related-units"][remote_unit].value("data", json::object()));
}

std::string LocalModel::Uuid() const {
  return json::parse(testing::ReadWholeFile(dir_ / "model" / "model.json")).at("uuid").get<std::string>();
}

// --- logins ----------------------------------------------------------------------------------

Login AdminLogin(const Server& server, const std::string& database) {
  return Login{server.host, server.port, server.user, server.password, database};
}

Login LoginFromEndpoints(const std::string& endpoints, const std::string& user,
                         const std::string& password, const std::string& database) {
  const std::string first = endpoints.substr(0, endpoints.find(','));
  const auto colon = first.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("endpoint without a port: " + first);
  return Login{first.substr(0, colon), std::stoi(first.substr(colon + 1)), user, password,
               database};
}

std::unique_ptr<SqlSession> Connect(Engine engine, const Login& login,
                                    const std::string& tls_ca_file) {
  if (engine == Engine::kPostgres) return std::make_unique<PgSession>(login, tls_ca_file);
  return std::make_unique<MySession>(login, tls_ca_file);
}

std::string QueryValue(Engine engine, const Login& login, const std::string& sql) {
  const auto session = Connect(engine, login);
  if (!session->connected())
    throw std::runtime_error("login as " + login.user + ": " + session->error());
  const SqlResult result = session->Exec(sql);
  if (!result.ok) throw std::runtime_error(sql + ": " + result.error);
  if (result.rows.empty() || result.rows[0].empty()) return {};
  return result.rows[0][0];
}

Server ServerFor(Engine engine) {
  return engine == Engine::kPostgres ? PostgresServer() : MariaDbServer();
}

Login MaintenanceLogin(Engine engine, const Server& server) {
  return MaintenanceLogin(engine, server, server.user, server.password);
}

Login MaintenanceLogin(Engine engine, const Server& server, const std::string& user,
                       const std::string& password) {
  return Login{server.host, server.port, user, password,
               engine == Engine::kPostgres ? "postgres" : ""};
}

std::string BuiltCharm(const std::string& name) {
  return std::string(GRANTOR_CHARMS_DIR) + "/" + name;
}

std::string TestCharm(const std::string& name) {
  return std::string(GRANTOR_TEST_CHARMS_DIR) + "/" + name;
}

std::string ProviderCharmName(Engine engine) {
  return engine == Engine::kPostgres ? "grantor-postgresql" : "grantor-mysql";
}

std::string DemoCharmName(Engine engine) {
  return engine == Engine::kPostgres ? "demo-app" : "demo-mysql-app";
}

std::string EngineName(Engine engine) {
  return engine == Engine::kPostgres ? "Postgres" : "MariaDb";
}

bool DaemonSuite() {
  const char* flag = std::getenv("GRANTOR_E2E_DAEMON");
  return flag != nullptr && std::string_view(flag) == "1";
}

void DeployProvider(const LocalModel& model, Engine engine, const std::string& app,
                    const Server& server, int units) {
  std::vector<std::string> args = {"deploy",   BuiltCharm(ProviderCharmName(engine)),
                                   app,        "-n",
                                   std::to_string(units), "--config",
                                   "host=" + server.host, "--config",
                                   "port=" + std::to_string(server.port)};
  // The tests log in as the operator to check what it may do, so they let get-password show it
  // (off by default; ProviderTest.GetPasswordNeedsExposeOperatorPassword checks the default).
  args.insert(args.end(), {"--config", "expose-operator-password=true"});
  if (DaemonSuite()) {
    // Units of one application share the port: the second one's daemon runs without metrics
    // (logged), as on one machine in Juju.
    for (const std::string& option :
         {std::string("daemon=true"),
          "metrics-port=" + std::to_string(testing::UnusedLoopbackPort())}) {
      args.insert(args.end(), {"--config", option});
    }
  }
  model.Juju(args);
  if (DaemonSuite()) {
    // The suite is only worth its time if the daemon really runs: each unit's must be up.
    for (int unit = 0; unit < units; ++unit) {
      const fs::path pid_file = model.dir() / "model" / "agents" /
                                ("unit-" + app + "-" + std::to_string(unit)) / "grantor-daemon.pid";
      long pid = 0;
      for (int i = 0; i < 100 && !ProcessRunning(static_cast<pid_t>(pid)); ++i) {
        std::ifstream(pid_file) >> pid;
        if (!ProcessRunning(static_cast<pid_t>(pid))) ::usleep(50000);
      }
      if (!ProcessRunning(static_cast<pid_t>(pid))) {
        throw std::runtime_error("daemon suite: no operator daemon runs for " + app + "/" +
                                 std::to_string(unit));
      }
    }
  }
  model.ConfigureAdmin(app, server);
}

}  // namespace grantor::e2e
