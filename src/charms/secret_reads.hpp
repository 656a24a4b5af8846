#pragma once
// Reading the secrets the provider consumes: the admin credentials (a user secret named by
// config admin-credentials) and the secrets this application owns, by label.

#include <string>
#include <variant>

#include "grantor/core/database_request.hpp"
#include "grantor/juju/backend.hpp"

namespace grantor::charms {

struct AdminCredentials {
  std::string username;
  std::string password;
};

/// Reads the admin credentials from the user secret `uri` (keys username and password).
std::variant<AdminCredentials, core::Problem> ReadAdminCredentials(juju::JujuBackend& backend,
                                                                   const std::string& uri,
                                                                   const std::string& app);

/// Content of the application-owned secret labelled `label` (latest revision); empty when there
/// is no such secret.
juju::Databag ReadOwnSecret(juju::JujuBackend& backend, const std::string& label);

}  // namespace grantor::charms
