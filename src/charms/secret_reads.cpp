#include "charms/secret_reads.hpp"

#include "charms/plan/databag.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::charms {

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

}  // namespace grantor::charms
