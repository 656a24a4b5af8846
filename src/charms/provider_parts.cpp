#include "charms/provider_parts.hpp"

#include <algorithm>
#include <cstdint>
#include <spdlog/spdlog.h>

#include "grantor/core/duration.hpp"
#include "grantor/core/identity.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::charms {
namespace {

constexpr std::size_t kMinPasswordLength = 16;

bool OnlyChars(const std::string& text, const std::string& extra) {
  return std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string::npos;
  });
}

std::string ConfigString(const nlohmann::json& config, const std::string& key) {
  auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string HostPort(const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// A libpq conninfo value, quoted when it holds anything but plain characters.
std::string ConninfoValue(const std::string& value) {
  if (!value.empty() && OnlyChars(value, "._-:/")) return value;
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "'";
}

std::string JoinSpaces(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

// Checks the action's common preconditions; returns false (after action-fail) when unmet.
bool CheckPasswordActionTarget(const std::string& action, juju::JujuBackend& backend,
                               const nlohmann::json& params) {
  if (!backend.IsLeader()) {
    backend.ActionFail(action + " can only run on the leader unit: juju run " +
                       backend.context().app_name + "/leader " + action);
    return false;
  }
  const auto username = params.contains("username") && params["username"].is_string()
                            ? params["username"].get<std::string>()
                            : std::string("operator");
  if (username != "operator") {
    backend.ActionFail("unknown user \"" + core::Printable(username) +
                       "\": the charm's only internal user is operator");
    return false;
  }
  return true;
}

}  // namespace

std::string Get(const std::map<std::string, std::string>& bag, const std::string& key) {
  auto it = bag.find(key);
  return it == bag.end() ? std::string{} : it->second;
}

std::variant<ProviderConfig, core::Problem> ReadProviderConfig(const nlohmann::json& config,
                                                               const ProviderSpec& spec) {
  ProviderConfig out;
  out.server.host = ConfigString(config, "host");
  out.admin_secret = ConfigString(config, "admin-credentials");
  // admin-credentials is needed only to create the operator account, install and repair the
  // server-side functions, and adopt databases: the hooks that need it say so.
  if (out.server.host.empty()) return core::Problem{"set config: host"};

  if (out.server.host.size() > 255 || !OnlyChars(out.server.host, ".-_:/[]")) {
    return core::Problem{"config host \"" + core::Printable(out.server.host) +
                         "\" is not a host name, address or socket directory"};
  }
  auto port = config.find("port");
  // Range-checked at full width: a narrowing get<int>() turned 4294972592 into port 5296.
  const std::int64_t wide_port = port != config.end() && port->is_number_integer()
                                     ? port->get<std::int64_t>()
                                     : spec.default_port;
  if (wide_port < 1 || wide_port > 65535) {
    return core::Problem{"config port must be between 1 and 65535"};
  }
  out.server.port = static_cast<int>(wide_port);
  const auto ssl_mode = ConfigString(config, "ssl-mode");
  const auto mode = db::ParseSslMode(ssl_mode.empty() ? "prefer" : ssl_mode);
  if (!mode) {
    return core::Problem{"config ssl-mode \"" + core::Printable(ssl_mode) +
                         "\" must be one of disable, allow, prefer, require, verify-ca, verify-full"};
  }
  out.server.ssl_mode = *mode;
  out.server.ssl_ca = ConfigString(config, "ssl-ca");
  if ((*mode == db::SslMode::kVerifyCa || *mode == db::SslMode::kVerifyFull) &&
      out.server.ssl_ca.empty()) {
    return core::Problem{"config ssl-mode " + ssl_mode +
                         " needs ssl-ca: the PEM of the CA that signed the server's certificate"};
  }
  out.server.dbname = ConfigString(config, "maintenance-database");
  if (out.server.dbname.empty()) out.server.dbname = spec.default_maintenance_db;
  if (out.server.dbname.size() > 63 || !OnlyChars(out.server.dbname, "_.-")) {
    return core::Problem{"config maintenance-database is not a valid database name"};
  }
  out.tls = *mode == db::SslMode::kRequire || *mode == db::SslMode::kVerifyCa ||
            *mode == db::SslMode::kVerifyFull;
  out.tls_ca = out.server.ssl_ca;

  out.endpoints = ConfigString(config, "published-endpoints");
  if (out.endpoints.empty()) out.endpoints = HostPort(out.server.host, out.server.port);
  out.read_only_endpoints = ConfigString(config, "published-read-only-endpoints");
  if (out.read_only_endpoints.empty()) out.read_only_endpoints = out.endpoints;
  for (const auto* value : {&out.endpoints, &out.read_only_endpoints}) {
    if (value->size() > 1024 || !OnlyChars(*value, ".-_:,[]")) {
      return core::Problem{"config published endpoints must be comma-separated host:port values"};
    }
  }
  auto policy = core::ParseAccessPolicy(ConfigString(config, "adopt-databases"),
                                        ConfigString(config, "allowed-extra-user-roles"),
                                        ConfigString(config, "share-databases"), spec.dialect);
  if (auto* problem = std::get_if<core::Problem>(&policy)) return *problem;
  out.policy = std::get<core::AccessPolicy>(policy);
  const std::string period = ConfigString(config, "rotation-period");
  if (!period.empty()) {
    out.rotation_period = core::ParseDuration(period);
    if (!out.rotation_period || out.rotation_period->count() == 0) {
      return core::Problem{"config rotation-period \"" + core::Printable(period) +
                           "\" must be a whole number with s, m, h or d (7d), or empty for never"};
    }
  }
  const std::string grace = ConfigString(config, "rotation-grace");
  const auto parsed_grace = core::ParseDuration(grace.empty() ? "1h" : grace);
  if (!parsed_grace) {
    return core::Problem{"config rotation-grace \"" + core::Printable(grace) +
                         "\" must be a whole number with s, m, h or d (1h), or 0"};
  }
  out.rotation_grace = *parsed_grace;
  return out;
}

std::variant<AdminCredentials, core::Problem> ReadAdminCredentials(juju::JujuBackend& backend,
                                                                   const std::string& uri,
                                                                   const std::string& app) {
  juju::Databag content;
  try {
    content = backend.SecretGet(uri, {}, juju::SecretRead::kRefresh);
  } catch (const juju::ModelError&) {
    return core::Problem{"admin-credentials: cannot read secret " + uri.substr(0, 100) +
                         "; grant it with: juju grant-secret <secret> " + app};
  }
  AdminCredentials admin{Get(content, "username"), Get(content, "password")};
  if (admin.username.empty() || admin.password.empty()) {
    return core::Problem{"admin-credentials secret must have keys username and password"};
  }
  return admin;
}

juju::Databag ReadOwnSecret(juju::JujuBackend& backend, const std::string& label) {
  try {
    return backend.SecretGet({}, label, juju::SecretRead::kRefresh);
  } catch (const juju::SecretNotFoundError&) {
    return {};
  }
}

// --- legacy ------------------------------------------------------------------------------------

std::variant<std::string, core::Problem> ParseLegacyRequest(const juju::Databag& remote,
                                                            const std::string& relation,
                                                            const std::string& remote_app,
                                                            core::Dialect dialect) {
  if (!Get(remote, "roles").empty()) {
    return core::Problem{"relation " + relation +
                         ": roles requested through relation, use the database endpoint instead"};
  }
  if (!Get(remote, "extensions").empty()) {
    return core::Problem{"relation " + relation +
                         ": extensions requested through relation are not managed by grantor"};
  }
  std::string database = Get(remote, "database");
  if (database.empty()) database = remote_app;
  if (auto problem = core::DatabaseNameProblem(database, dialect)) {
    return core::Problem{"relation " + relation + ": " + *problem};
  }
  return database;
}

std::pair<std::string, std::string> FirstHostPort(const std::string& endpoints) {
  const std::string first = endpoints.substr(0, endpoints.find(','));
  const auto colon = first.rfind(':');
  if (colon == std::string::npos) return {first, ""};
  std::string host = first.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {host, first.substr(colon + 1)};
}

core::Fields PgsqlFields(const LegacyFields& fields, const std::vector<std::string>& remote_units) {
  const auto [host, port] = FirstHostPort(fields.endpoints);
  core::Fields out{{"allowed-units", JoinSpaces(remote_units)},
                   {"host", host},
                   {"port", port},
                   {"user", fields.user},
                   {"password", fields.password},
                   {"database", fields.database},
                   {"state", "standalone"},
                   {"version", fields.version}};
  out["master"] = "dbname=" + ConninfoValue(fields.database) + " host=" + ConninfoValue(host) +
                  " password=" + ConninfoValue(fields.password) + " port=" + ConninfoValue(port) +
                  " user=" + ConninfoValue(fields.user);
  return out;
}

core::Fields MysqlFields(const LegacyFields& fields) {
  const auto [host, port] = FirstHostPort(fields.endpoints);
  return {{"host", host},
          {"port", port},
          {"user", fields.user},
          {"password", fields.password},
          {"database", fields.database}};
}

// --- actions -----------------------------------------------------------------------------------

void SetPasswordAction(const ProviderSpec& spec, const EngineFactory& engines,
                       const PasswordSource& passwords, juju::JujuBackend& backend) {
  const auto params = backend.ActionGet();
  if (!CheckPasswordActionTarget("set-password", backend, params)) return;
  std::string password = passwords();
  if (params.contains("password")) {
    if (!params["password"].is_string()) return backend.ActionFail("password must be a string");
    password = params["password"].get<std::string>();
    if (password.size() < kMinPasswordLength) {
      return backend.ActionFail("password is too weak: use at least " +
                                std::to_string(kMinPasswordLength) +
                                " characters, or omit it for a random one");
    }
    if (auto problem = core::PasswordProblem(password)) return backend.ActionFail(*problem);
  }
  auto config = ReadProviderConfig(backend.ConfigGet(), spec);
  if (auto* problem = std::get_if<core::Problem>(&config)) {
    return backend.ActionFail("the charm is not configured: " + problem->message);
  }
  const auto current = ReadOwnSecret(backend, kOperatorSecretLabel);
  if (Get(current, "password").empty()) {
    return backend.ActionFail("the operator user does not exist yet: wait until the charm is active");
  }
  auto connection = std::get<ProviderConfig>(config).server;
  connection.user = Get(current, "username");
  connection.password = Get(current, "password");
  try {
    engines(connection)->SetPassword(connection.user, password);
  } catch (const db::DbError& error) {
    return backend.ActionFail("cannot change the password on " + spec.engine_label + ": " +
                              error.what());
  }
  juju::SecretOptions options;
  options.label = kOperatorSecretLabel;
  const auto info = backend.SecretInfoGet({}, kOperatorSecretLabel);
  backend.SecretSet(info.id, {{"username", connection.user}, {"password", password}}, options);
  backend.ActionSet({{"username", "operator"}, {"database-user", connection.user}});
  spdlog::info("rotated the password of internal user {}", connection.user);
}

void GetPasswordAction(const ProviderSpec&, juju::JujuBackend& backend) {
  const auto params = backend.ActionGet();
  if (!CheckPasswordActionTarget("get-password", backend, params)) return;
  // The operator's password reaches what the charm manages: whoever may run actions does not
  // get it unless the Juju operator chose so.
  const auto config = backend.ConfigGet();
  const auto expose = config.find("expose-operator-password");
  if (expose == config.end() || !expose->is_boolean() || !expose->get<bool>()) {
    return backend.ActionFail(
        "get-password does not show the operator's password unless config "
        "expose-operator-password is true (set-password still changes it)");
  }
  const auto current = ReadOwnSecret(backend, kOperatorSecretLabel);
  if (Get(current, "password").empty()) {
    return backend.ActionFail("the operator user does not exist yet: wait until the charm is active");
  }
  backend.ActionSet({{"username", "operator"},
                     {"database-user", Get(current, "username")},
                     {"password", Get(current, "password")}});
}

}  // namespace grantor::charms
