#pragma once
// Shared helpers of the end-to-end tests of the built charms: a temporary model dir driven
// through the grantor-model binary (explicit argv, never a shell), the YAML that `run` prints,
// the env files of the test servers, and login probes with libpq and the MariaDB C client.
// Passwords travel in files, environment variables and library parameters, never in argv.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "testing/files.hpp"

namespace grantor::e2e {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `argv` (argv[0] an absolute path) with this process's environment plus `extra_env`
/// ("NAME=value", replacing a variable of the same name), stdin from /dev/null; no shell.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env = {});

/// A flat view of a YAML mapping: nested keys joined with '.', scalars as text.
using Fields = std::map<std::string, std::string>;
Fields ParseYamlFields(const std::string& text);

/// Value of `key` in `fields`, "" when absent.
std::string Field(const Fields& fields, const std::string& key);

enum class Engine { kPostgres, kMariaDb };

/// Admin account of a test server, read from <env dir>/{postgres,mariadb}.env.
struct Server {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
};

/// `env_dir` defaults to $GRANTOR_TEST_ENV_DIR. Throws (the test fails) when it is missing.
Server PostgresServer(const std::string& env_dir = "");
Server MariaDbServer(const std::string& env_dir = "");

/// A PostgreSQL server of the test's own (tests/servers/postgres.sh with a private env dir), so
/// that stopping or freezing it disturbs no other test. Stopped and removed on destruction.
class PrivatePostgres {
 public:
  explicit PrivatePostgres(const std::filesystem::path& env_dir);
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  Server server() const;
  /// The server's directory (its unix socket dir; the cluster is in data/).
  std::string dir() const;
  /// `postgres.sh <verb> <env dir>` (start, stop, pause, resume); throws when it fails.
  void Script(const std::string& verb) const;

 private:
  std::filesystem::path env_dir_;
};

/// A server of the test's own of either engine (tests/servers/<engine>.sh with a private env
/// dir, `start <env dir> [start_args...]`, e.g. --tls), so that stopping it, changing its
/// certificate or killing hooks against it disturbs no other test. Stopped and removed on
/// destruction.
class PrivateServer {
 public:
  PrivateServer(Engine engine, const std::filesystem::path& env_dir,
                const std::vector<std::string>& start_args = {});
  ~PrivateServer();
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;

  Engine engine() const { return engine_; }
  Server server() const;
  /// The server's temp dir (logs, data dir).
  std::string dir() const;
  /// The throwaway CA's dir of a --tls server (ca.crt, other-ca.crt, ...); "" without TLS.
  std::string tls_dir() const;
  /// `<engine>.sh <verb> <env dir> [args...]` (pause, resume, tls-cert NAME); throws when it
  /// fails.
  void Script(const std::string& verb, const std::vector<std::string>& args = {}) const;
  /// The path of the script, for programs that run it themselves.
  std::string ScriptPath() const;
  const std::filesystem::path& env_dir() const { return env_dir_; }

 private:
  Engine engine_;
  std::filesystem::path env_dir_;
};

/// `stem` + "_" + 8 random hex digits: a database or application name no other test uses.
std::string UniqueName(const std::string& stem);

/// A local model in a temporary directory, removed on destruction unless the test failed
/// (`keep`), so that its history.jsonl and model.json can be inspected.
class LocalModel {
 public:
  LocalModel() = default;
  /// Stops the operator daemons (and their supervisors) the model's units started, so that none
  /// outlives the test or touches a model dir kept for inspection.
  ~LocalModel();
  LocalModel(const LocalModel&) = delete;
  LocalModel& operator=(const LocalModel&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  void set_keep(bool keep) { temp_.Keep(keep); }

  /// `grantor-model --model-dir <dir> args...`, with `extra_env` ("NAME=value") added to this
  /// process's environment (e.g. GRANTOR_MODEL_FAULT).
  ProcessResult Try(const std::vector<std::string>& args,
                    const std::vector<std::string>& extra_env = {}) const;
  /// Like Try, but throws (failing the test) unless the command exits 0; returns stdout.
  std::string Juju(const std::vector<std::string>& args) const;

  /// integrate; returns the new relation id.
  int Integrate(const std::string& first, const std::string& second) const;
  /// Adds a user secret {username, password} (the password through a 0600 file), grants it to
  /// `app`, and sets `app`'s admin-credentials to it: deploy, grant, config, as in Juju.
  void ConfigureAdmin(const std::string& app, const Server& server) const;
  /// `run unit action --params <0600 file>` when `params` is not empty; results as Fields.
  ProcessResult RunAction(const std::string& unit, const std::string& action,
                          const Fields& params = {}) const;

  /// Workload status and message of a unit, as `juju status` shows them.
  std::pair<std::string, std::string> UnitStatus(const std::string& unit) const;
  /// The application databag the remote side of `relation_id` shows to `unit`
  /// (`show-unit <unit>`: relation-info application-data).
  Fields RemoteAppData(const std::string& unit, int relation_id) const;
  /// The unit databag of `remote_unit` as `unit` sees it in relation `relation_id`.
  Fields RemoteUnitData(const std::string& unit, int relation_id,
                        const std::string& remote_unit) const;
  /// The model's UUID.
  std::string Uuid() const;

 private:
  std::filesystem::path WritePrivateFile(const std::string& name, const std::string& content) const;

  grantor::testing::TempDir temp_{"grantor-e2e"};
  std::filesystem::path dir_ = temp_.path();
  mutable int files_ = 0;
};

/// Where and as whom a client logs in.
struct Login {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
  std::string database;
};

/// A login with the admin account of `server` to `database`.
Login AdminLogin(const Server& server, const std::string& database);
/// Splits the first "host:port" of a comma-separated endpoints list into `login`.
Login LoginFromEndpoints(const std::string& endpoints, const std::string& user,
                         const std::string& password, const std::string& database);

struct SqlResult {
  bool ok = false;
  std::string error;
  std::vector<std::vector<std::string>> rows;  // NULL as ""
};

/// One open client session.
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual bool connected() const = 0;
  virtual const std::string& error() const = 0;
  /// Whether the session runs over TLS (as the client library negotiated it).
  virtual bool UsesTls() const = 0;
  /// Runs one statement; rows of the last result.
  virtual SqlResult Exec(const std::string& sql) = 0;
  /// `value` as a quoted string literal of this dialect.
  virtual std::string Literal(const std::string& value) = 0;
};

/// Logs in (password as a library parameter); check connected() / error(). With a CA
/// certificate file `tls_ca_file`, the session uses TLS and verifies the server's certificate
/// and host name against it (libpq verify-full; MariaDB SSL_CA + VERIFY_SERVER_CERT); without,
/// a plain connection.
std::unique_ptr<SqlSession> Connect(Engine engine, const Login& login,
                                    const std::string& tls_ca_file = "");

/// The first column of the first row of `sql` run as `login`; throws when that fails.
std::string QueryValue(Engine engine, const Login& login, const std::string& sql);

/// The test server of `engine` (from $GRANTOR_TEST_ENV_DIR).
Server ServerFor(Engine engine);
/// Admin login to the server's maintenance database ("postgres", or none for MariaDB).
Login MaintenanceLogin(Engine engine, const Server& server);
/// A login as `user` to the maintenance database.
Login MaintenanceLogin(Engine engine, const Server& server, const std::string& user,
                       const std::string& password);

/// The assembled charm dir of a built charm (`cmake --build --target charms`).
std::string BuiltCharm(const std::string& name);
/// A bash test charm of tests/charms.
std::string TestCharm(const std::string& name);
/// Name of the built provider charm of `engine`.
std::string ProviderCharmName(Engine engine);
/// The bash requirer of tests/charms for `engine` (demo-app, demo-mysql-app).
std::string DemoCharmName(Engine engine);
/// "Postgres" or "MariaDb": a test name suffix for tests parameterized by engine.
std::string EngineName(Engine engine);

/// True when the suite runs with the provider charms' operator daemon on: GRANTOR_E2E_DAEMON=1
/// (tests/e2e/CMakeLists.txt registers the provider suite a second time so, label `daemon`).
bool DaemonSuite();

/// Deploys the provider charm of `engine` as `app` (`units` units) pointed at `server`, with
/// its admin secret and expose-operator-password=true (tests log in as the operator), and with `--config daemon=true` and a free metrics port in the daemon
/// suite (DaemonSuite()). Throws when a command fails.
void DeployProvider(const LocalModel& model, Engine engine, const std::string& app,
                    const Server& server, int units = 1);

}  // namespace grantor::e2e
