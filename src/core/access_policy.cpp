#include "grantor/core/access_policy.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/text.hpp"

namespace grantor::core {
namespace {

std::vector<std::string> SplitCommas(const std::string& value) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto comma = value.find(',', start);
    const auto end = comma == std::string::npos ? value.size() : comma;
    auto item = Trim(value.substr(start, end - start));
    if (!item.empty()) items.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

int MajorVersion(const std::string& version) {
  int major = 0;
  std::from_chars(version.data(), version.data() + version.size(), major);
  return major;
}

std::string EngineName(const db::ServerInfo& server) {
  switch (server.flavour) {
    case db::Flavour::kPostgres:
      return "PostgreSQL " + server.version;
    case db::Flavour::kMariaDb:
      return "MariaDB";
    case db::Flavour::kMySql:
      return "MySQL";
  }
  return "this server";
}

}  // namespace

std::variant<AccessPolicy, Problem> ParseAccessPolicy(const std::string& adopt_databases,
                                                      const std::string& allowed_extra_roles,
                                                      Dialect dialect) {
  AccessPolicy policy;
  for (const auto& name : SplitCommas(adopt_databases)) {
    if (auto problem = DatabaseNameProblem(name, dialect)) {
      return Problem{"config adopt-databases: " + *problem};
    }
    policy.adopt_databases.insert(name);
  }
  auto roles = ParseExtraRoles(allowed_extra_roles, "config allowed-extra-user-roles", dialect);
  if (auto* problem = std::get_if<Problem>(&roles)) return *problem;
  policy.allowed_extra_roles = std::get<db::ExtraRoles>(roles);
  return policy;
}

std::string ExtraRoleName(db::ExtraRole role) {
  switch (role) {
    case db::ExtraRole::kAdmin:
      return "admin";
    case db::ExtraRole::kCreateDb:
      return "createdb";
    case db::ExtraRole::kCreateRole:
      return "createrole";
    case db::ExtraRole::kSuperuser:
      return "superuser";
  }
  return "unknown";
}

std::optional<std::string> UnsafeRoleReason(db::ExtraRole role, const db::ServerInfo& server) {
  const bool postgres = server.flavour == db::Flavour::kPostgres;
  if (role == db::ExtraRole::kCreateRole) {
    if (!postgres) {
      return "on " + EngineName(server) +
             " CREATE USER would let the user change or drop every account of the server";
    }
    if (MajorVersion(server.version) < 16) {
      return "on " + EngineName(server) +
             " CREATEROLE would let the user change every non-superuser role, other "
             "applications' users included (PostgreSQL 16 confines it)";
    }
  }
  if (role == db::ExtraRole::kAdmin && !postgres) {
    return "on " + EngineName(server) +
           " data privileges on every database include the grant tables of the mysql schema";
  }
  return std::nullopt;
}

std::optional<Problem> CheckRolesAllowed(const AccessRequest& request,
                                         const AccessPolicy& policy) {
  for (const db::ExtraRole role : request.roles) {
    if (policy.allowed_extra_roles.contains(role)) continue;
    const std::string name = ExtraRoleName(role);
    const std::string asked = request.roles_source == "extra-user-roles"
                                  ? "extra-user-roles \"" + name + "\""
                                  : request.roles_source + " (it gives " + name + ")";
    return Problem{"relation " + request.relation + ": " + asked +
                   " is not allowed; to allow it, add " + name +
                   " to config allowed-extra-user-roles"};
  }
  return std::nullopt;
}

std::optional<Problem> CheckRolesSafe(const AccessRequest& request, const db::ServerInfo& server) {
  for (const db::ExtraRole role : request.roles) {
    if (auto reason = UnsafeRoleReason(role, server)) {
      return Problem{"relation " + request.relation + ": " + ExtraRoleName(role) +
                     " cannot be given safely: " + *reason +
                     "; the application must not ask for it"};
    }
  }
  return std::nullopt;
}

std::variant<DatabaseAction, Problem> DecideDatabase(const AccessRequest& request,
                                                     const AccessPolicy& policy,
                                                     db::DatabaseStatus status) {
  switch (status) {
    case db::DatabaseStatus::kAbsent:
    case db::DatabaseStatus::kManaged:
      return DatabaseAction::kCreateOrFinish;
    case db::DatabaseStatus::kAdopted:
    case db::DatabaseStatus::kForeign:
      break;
  }
  if (policy.adopt_databases.contains(request.database)) return DatabaseAction::kAdopt;
  return Problem{"relation " + request.relation + ": database \"" + Printable(request.database) +
                 "\" exists and is not managed by this application; to hand it over, add it "
                 "to config adopt-databases"};
}

bool OperatorNeedsSuperuser(const AccessPolicy& policy) {
  return policy.allowed_extra_roles.contains(db::ExtraRole::kSuperuser);
}

}  // namespace grantor::core
