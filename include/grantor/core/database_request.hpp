#pragma once
// What a requirer asks for in its application databag over postgresql_client / mysql_client v0,
// validated against allow-lists. Everything in a remote databag is untrusted: a request either
// parses into typed values or yields a Problem whose message is safe to show in a status.

#include <map>
#include <set>
#include <string>
#include <variant>

#include "grantor/core/naming.hpp"
#include "grantor/db/engine.hpp"

namespace grantor::core {

/// Why a relation cannot be served; becomes the unit's Blocked message.
struct Problem {
  std::string message;
  bool operator==(const Problem&) const = default;
};

struct DatabaseRequest {
  std::string database;  // empty: the requirer has not asked yet
  db::ExtraRoles extra_roles;
  std::set<std::string> requested_secrets;  // field names, e.g. "username", "tls-ca"
  bool external_node_connectivity = false;
};

/// extra-user-roles values grantor accepts (documented in docs/security.md), by dialect.
const std::map<std::string, db::ExtraRole>& AllowedExtraRoles(Dialect dialect);

/// Parses the requirer's application databag. `relation` ("database:7") prefixes every message.
/// Rules: `database` must pass DatabaseNameProblem; `extra-user-roles` is a comma list, each
/// item trimmed and lower-cased, each in AllowedExtraRoles; `requested-secrets` is a JSON list of
/// field names made of [a-z-]; `external-node-connectivity` is "true" or "false".
std::variant<DatabaseRequest, Problem> ParseDatabaseRequest(
    const std::map<std::string, std::string>& remote_app_data, const std::string& relation,
    Dialect dialect);

/// Parses a comma-separated extra-user-roles value (shared with the data-integrator config).
std::variant<db::ExtraRoles, Problem> ParseExtraRoles(const std::string& value,
                                                      const std::string& context, Dialect dialect);

}  // namespace grantor::core
