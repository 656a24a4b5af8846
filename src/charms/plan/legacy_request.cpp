#include "charms/plan/legacy_request.hpp"

#include <algorithm>

#include "charms/plan/databag.hpp"
#include "grantor/core/naming.hpp"

namespace grantor::charms {
namespace {

bool IsPlainConninfoChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == ':' || c == '/';
}

// A libpq conninfo value, quoted when it holds anything but plain characters.
std::string ConninfoValue(const std::string& value) {
  if (!value.empty() && std::all_of(value.begin(), value.end(), IsPlainConninfoChar)) return value;
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

}  // namespace

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

}  // namespace grantor::charms
