#include "server_env.hpp"

#include "testing/sockets.hpp"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>

namespace grantor::integration {
namespace {

using Settings = std::map<std::string, std::string>;

Settings ReadEnvFile(const std::string& path) {
  Settings settings;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) settings[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return settings;
}

// Reads <prefix>HOST/PORT/USER/PASSWORD from the environment or from <env dir>/<file>.
Settings Load(const std::string& prefix, const std::string& file, const std::string& script) {
  Settings settings;
  for (const char* key : {"HOST", "PORT", "USER", "PASSWORD"}) {
    if (const char* value = std::getenv((prefix + key).c_str())) settings[key] = value;
  }
  if (settings.size() == 4) return settings;
  const char* dir = std::getenv("GRANTOR_TEST_ENV_DIR");
  if (dir != nullptr && *dir != '\0') {
    const Settings from_file = ReadEnvFile(std::string(dir) + "/" + file);
    for (const char* key : {"HOST", "PORT", "USER", "PASSWORD"}) {
      const auto it = from_file.find(prefix + key);
      if (it != from_file.end()) settings[key] = it->second;
    }
    if (settings.size() == 4) return settings;
  }
  throw std::runtime_error(
      "test server not configured: " + prefix + "{HOST,PORT,USER,PASSWORD} are not set and " +
      (dir != nullptr ? std::string(dir) + "/" + file + " is missing or incomplete"
                      : std::string("GRANTOR_TEST_ENV_DIR is unset")) +
      ". Run `ctest -L integration`, or start the server by hand: tests/servers/" + script +
      " start /tmp/grantor-env && GRANTOR_TEST_ENV_DIR=/tmp/grantor-env <test binary>");
}

db::ConnectionConfig ToConfig(const Settings& settings, const std::string& dbname) {
  db::ConnectionConfig config;
  config.host = settings.at("HOST");
  config.port = std::stoi(settings.at("PORT"));
  config.user = settings.at("USER");
  config.password = settings.at("PASSWORD");
  config.dbname = dbname;
  config.ssl_mode = db::SslMode::kDisable;
  config.connect_timeout = std::chrono::seconds(5);
  return config;
}

}  // namespace

db::ConnectionConfig PostgresAdminConfig() {
  return ToConfig(Load("GRANTOR_TEST_PG_", "postgres.env", "postgres.sh"), "postgres");
}

db::ConnectionConfig MariaDbAdminConfig() {
  return ToConfig(Load("GRANTOR_TEST_MYSQL_", "mariadb.env", "mariadb.sh"), "");
}

std::string UniquePrefix() {
  std::random_device device;
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "gt%08x_", static_cast<unsigned int>(device()));
  return buffer;
}

int UnusedPort() { return testing::UnusedLoopbackPort(); }

bool KeepTestObjects() { return std::getenv("GRANTOR_TEST_KEEP_DB") != nullptr; }

db::ConnectionConfig AsUser(const db::ConnectionConfig& config, const std::string& user,
                            const std::string& password) {
  db::ConnectionConfig client = config;
  client.user = user;
  client.password = password;
  return client;
}

db::ConnectionConfig OnUnusedPort(const db::ConnectionConfig& config) {
  db::ConnectionConfig down = config;
  down.port = UnusedPort();
  return down;
}

}  // namespace grantor::integration
