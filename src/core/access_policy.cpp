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

// Splits on `;` and new lines, trimmed, empty items dropped.
std::vector<std::string> SplitEntries(const std::string& value) {
  std::vector<std::string> entries;
  std::string current;
  for (const char c : value + ";") {
    if (c == ';' || c == '\n') {
      auto item = Trim(current);
      if (!item.empty()) entries.push_back(std::move(item));
      current.clear();
    } else {
      current += c;
    }
  }
  return entries;
}

// A Juju application name: lower-case letters, digits and '-', starting with a letter.
bool IsApplicationName(const std::string& name) {
  if (name.empty() || name.size() > 63 || name.front() < 'a' || name.front() > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::variant<std::map<std::string, std::set<std::string>>, Problem> ParseSharedDatabases(
    const std::string& value, Dialect dialect) {
  const std::string option = "config share-databases: ";
  std::map<std::string, std::set<std::string>> shared;
  for (const auto& entry : SplitEntries(value)) {
    const auto equals = entry.find('=');
    if (equals == std::string::npos) {
      return Problem{option + "\"" + Printable(entry) +
                     "\" is not <database>=<application>[,<application>...]"};
    }
    const std::string database = Trim(entry.substr(0, equals));
    if (auto problem = DatabaseNameProblem(database, dialect)) return Problem{option + *problem};
    const auto apps = SplitCommas(entry.substr(equals + 1));
    if (apps.empty()) {
      return Problem{option + "database \"" + Printable(database) + "\" names no application"};
    }
    for (const auto& app : apps) {
      if (!IsApplicationName(app)) {
        return Problem{option + "\"" + Printable(app) + "\" is not an application name"};
      }
      shared[database].insert(app);
    }
  }
  return shared;
}

std::string RefusedForeign(const AccessRequest& request) {
  return "relation " + request.relation + ": database \"" + Printable(request.database) +
         "\" exists and is not managed by this application; to hand it over, add it to config "
         "adopt-databases";
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
                                                      const std::string& share_databases,
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
  auto shared = ParseSharedDatabases(share_databases, dialect);
  if (auto* problem = std::get_if<Problem>(&shared)) return *problem;
  policy.shared_databases = std::move(std::get<0>(shared));
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

bool IsShared(const AccessPolicy& policy, const std::string& database, const std::string& app) {
  const auto shared = policy.shared_databases.find(database);
  return shared != policy.shared_databases.end() && shared->second.contains(app);
}

std::variant<DatabaseDecision, Problem> DecideDatabase(const AccessRequest& request,
                                                       const AccessPolicy& policy,
                                                       const db::DatabaseInfo& info) {
  const bool listed = policy.adopt_databases.contains(request.database);
  DatabaseAction action = DatabaseAction::kCreateOrFinish;
  switch (info.status) {
    case db::DatabaseStatus::kAbsent:
      return DatabaseDecision{};
    case db::DatabaseStatus::kManaged:
      break;
    case db::DatabaseStatus::kAdopted:
      if (!listed) return Problem{RefusedForeign(request)};
      action = info.owner ? DatabaseAction::kUse : DatabaseAction::kAdopt;
      break;
    case db::DatabaseStatus::kForeign:
      if (!listed) return Problem{RefusedForeign(request)};
      return DatabaseDecision{DatabaseAction::kAdopt, ""};
  }
  if (!info.owner || *info.owner == request.requester) return DatabaseDecision{action, ""};
  if (IsShared(policy, request.database, request.requester.app)) {
    return DatabaseDecision{action, info.owner->app};
  }
  return Problem{"relation " + request.relation + ": database \"" + Printable(request.database) +
                 "\" belongs to application \"" + Printable(info.owner->app) +
                 "\"; to share it with \"" + Printable(request.requester.app) + "\", add " +
                 Printable(request.database) + "=" + Printable(request.requester.app) +
                 " to config share-databases"};
}

}  // namespace grantor::core
