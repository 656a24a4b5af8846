#pragma once
// The operator's policy and the decisions made from it. A remote application only asks; what it
// may obtain is bounded by the charm's configuration, and the default is the least:
//   - a database that does not exist is created for the relation and managed by this grantor
//     application, and belongs to the requiring application (recorded on the server); one that
//     exists and is not managed by it is refused unless the operator listed it in
//     `adopt-databases`; one that belongs to another requiring application is refused unless
//     the operator shares it (`share-databases`);
//   - an extra role is given only when `allowed-extra-user-roles` lists it, and never when the
//     engine cannot give it safely (UnsafeRoleReason).
// Every refusal is a Problem whose message names the relation, what was refused and the config
// option that would allow it. Pure functions: no I/O.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "grantor/core/database_request.hpp"
#include "grantor/db/engine.hpp"

namespace grantor::core {

struct AccessPolicy {
  std::set<std::string> adopt_databases;  ///< exact names (config adopt-databases)
  db::ExtraRoles allowed_extra_roles;     ///< config allowed-extra-user-roles
  /// config share-databases: database -> the applications that may use it besides the one it
  /// belongs to.
  std::map<std::string, std::set<std::string>> shared_databases;
  bool operator==(const AccessPolicy&) const = default;
};

/// Parses the config values. adopt-databases and allowed-extra-user-roles are comma-separated
/// (items trimmed; roles lower-cased). share-databases is a list of `<database>=<app>[,<app>...]`
/// entries separated by `;` or new lines ("orders=app-b,app-c; reports=app-d"; items trimmed;
/// a database named twice gets the union). Database names must pass DatabaseNameProblem for
/// `dialect`, roles must be known extra-user-roles values, application names Juju's
/// ([a-z][a-z0-9-]*, at most 63 characters); a Problem names the option and the bad item.
std::variant<AccessPolicy, Problem> ParseAccessPolicy(const std::string& adopt_databases,
                                                      const std::string& allowed_extra_roles,
                                                      const std::string& share_databases,
                                                      Dialect dialect);

/// What one relation asks for, from either kind of endpoint.
struct AccessRequest {
  std::string relation;  ///< "database:7", prefixes every message
  std::string database;
  db::ExtraRoles roles;
  /// How the roles were asked for, for the message: "extra-user-roles" (the database
  /// endpoint) or the legacy endpoint that implies them ("the db-admin endpoint").
  std::string roles_source = "extra-user-roles";
  /// The requiring application (the grantor application's model, the remote application).
  db::DatabaseOwner requester;
};

/// The request name of a role ("createdb"), as in extra-user-roles.
std::string ExtraRoleName(db::ExtraRole role);

/// Why the server described by `server` cannot give `role` safely, or std::nullopt.
///   MariaDB / MySQL: kCreateRole (CREATE USER reaches every account, root's included) and
///   kAdmin (global data privileges reach the grant tables in the `mysql` schema).
///   PostgreSQL 15 and older: kCreateRole (CREATEROLE may alter every non-superuser role and
///   grant membership in any of them; PostgreSQL 16 confines it to roles it administers).
std::optional<std::string> UnsafeRoleReason(db::ExtraRole role, const db::ServerInfo& server);

/// Step one, before anything on the server is read or changed: does the policy allow every
/// requested role?
std::optional<Problem> CheckRolesAllowed(const AccessRequest& request, const AccessPolicy& policy);

/// Step two, once the server is known: can every requested role be given safely on it?
std::optional<Problem> CheckRolesSafe(const AccessRequest& request, const db::ServerInfo& server);

/// What to do with the requested database, given what the server says about it.
enum class DatabaseAction {
  kCreateOrFinish,  ///< absent or managed by this application: Engine::EnsureDatabase
  kAdopt,           ///< to be adopted (foreign, or adopted with no owner recorded yet):
                    ///< Engine::AdoptDatabase, with the admin account
  kUse,             ///< adopted already: nothing to do on the database itself
};

struct DatabaseDecision {
  DatabaseAction action = DatabaseAction::kCreateOrFinish;
  /// The application the database belongs to when it is not the requester (served because the
  /// operator shares it), "" otherwise.
  std::string shared_from;
  bool operator==(const DatabaseDecision&) const = default;
};

/// Whether `policy` shares `database` with application `app`.
bool IsShared(const AccessPolicy& policy, const std::string& database, const std::string& app);

/// Step three: a foreign database not listed in adopt-databases is refused (an adopted one too,
/// once it is no longer listed); a database that belongs to another requiring application is
/// refused unless share-databases shares it with the requester. A database with no owner
/// recorded (made by an earlier release) goes to the first application that asks.
std::variant<DatabaseDecision, Problem> DecideDatabase(const AccessRequest& request,
                                                       const AccessPolicy& policy,
                                                       const db::DatabaseInfo& info);

}  // namespace grantor::core
