#include "charms/password_actions.hpp"

#include <spdlog/spdlog.h>

#include "charms/plan/databag.hpp"
#include "charms/plan/provider_config.hpp"
#include "charms/secret_reads.hpp"
#include "grantor/core/naming.hpp"

namespace grantor::charms {
namespace {

constexpr std::size_t kMinPasswordLength = 16;

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
    return backend.ActionFail(
        "the operator user does not exist yet: wait until the charm is active");
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
    return backend.ActionFail(
        "the operator user does not exist yet: wait until the charm is active");
  }
  backend.ActionSet({{"username", "operator"},
                     {"database-user", Get(current, "username")},
                     {"password", Get(current, "password")}});
}

}  // namespace grantor::charms
