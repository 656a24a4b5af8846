#include "grantor/core/database_request.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/text.hpp"

namespace grantor::core {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string AllowedList(Dialect dialect) {
  std::string out;
  for (const auto& [name, role] : AllowedExtraRoles(dialect)) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string Get(const std::map<std::string, std::string>& bag, const std::string& key) {
  auto it = bag.find(key);
  return it == bag.end() ? std::string{} : it->second;
}

bool IsFieldName(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
}

std::variant<std::set<std::string>, Problem> ParseRequestedSecrets(const std::string& value,
                                                                   const std::string& relation) {
  std::set<std::string> fields;
  if (value.empty()) return fields;
  const auto bad = Problem{"relation " + relation +
                           ": requested-secrets must be a JSON list of field names"};
  // nlohmann's lexer ends the input at a NUL byte: "[...]\0<anything>" would parse.
  if (value.find('\0') != std::string::npos) return bad;
  const auto parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return bad;
  for (const auto& item : parsed) {
    if (!item.is_string() || !IsFieldName(item.get<std::string>())) return bad;
    fields.insert(item.get<std::string>());
  }
  return fields;
}

}  // namespace

const std::map<std::string, db::ExtraRole>& AllowedExtraRoles(Dialect dialect) {
  // The same four names Canonical's PostgreSQL charm accepts as privileges (plus its `admin`);
  // MySQL maps them onto global privileges (see db::ExtraRole).
  static const std::map<std::string, db::ExtraRole> kRoles{
      {"admin", db::ExtraRole::kAdmin},
      {"createdb", db::ExtraRole::kCreateDb},
      {"createrole", db::ExtraRole::kCreateRole},
      {"superuser", db::ExtraRole::kSuperuser},
  };
  (void)dialect;
  return kRoles;
}

std::variant<db::ExtraRoles, Problem> ParseExtraRoles(const std::string& value,
                                                      const std::string& context, Dialect dialect) {
  db::ExtraRoles roles;
  const auto& allowed = AllowedExtraRoles(dialect);
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto comma = value.find(',', start);
    const auto item = Lower(Trim(value.substr(start, comma == std::string::npos ? std::string::npos
                                                                                : comma - start)));
    if (!item.empty()) {
      auto it = allowed.find(item);
      if (it == allowed.end()) {
        return Problem{context + ": extra-user-roles \"" + Printable(item) +
                       "\" is not allowed (allowed: " + AllowedList(dialect) + ")"};
      }
      roles.insert(it->second);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return roles;
}

std::variant<DatabaseRequest, Problem> ParseDatabaseRequest(
    const std::map<std::string, std::string>& remote_app_data, const std::string& relation,
    Dialect dialect) {
  DatabaseRequest request;
  request.database = Get(remote_app_data, "database");
  if (!request.database.empty()) {
    if (auto problem = DatabaseNameProblem(request.database, dialect)) {
      return Problem{"relation " + relation + ": " + *problem};
    }
  }
  auto roles = ParseExtraRoles(Get(remote_app_data, "extra-user-roles"), "relation " + relation,
                               dialect);
  if (auto* problem = std::get_if<Problem>(&roles)) return *problem;
  request.extra_roles = std::get<db::ExtraRoles>(roles);

  auto secrets = ParseRequestedSecrets(Get(remote_app_data, "requested-secrets"), relation);
  if (auto* problem = std::get_if<Problem>(&secrets)) return *problem;
  request.requested_secrets = std::get<std::set<std::string>>(secrets);

  const auto connectivity = Get(remote_app_data, "external-node-connectivity");
  if (!connectivity.empty() && connectivity != "true" && connectivity != "false") {
    return Problem{"relation " + relation + ": external-node-connectivity must be true or false"};
  }
  request.external_node_connectivity = connectivity == "true";
  return request;
}

}  // namespace grantor::core
