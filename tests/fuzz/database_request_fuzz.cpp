// Fuzz target: core::ParseDatabaseRequest, the parser of what a requirer writes in its
// application databag on the `database` endpoint (postgresql_client / mysql_client v0), in both
// dialects. Input: "key=value" lines (fuzz_support.hpp). Properties beyond "no crash":
//  - an accepted request only names a database on the documented allow-list, only extra roles
//    of the documented set, only [a-z-] secret fields, and external-node-connectivity exactly
//    as written;
//  - a refusal names the relation, is printable ASCII of bounded length, and never quotes a
//    field the requirer did not send for display (a password placed in the bag);
//  - parsing is deterministic.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_support.hpp"
#include "grantor/core/database_request.hpp"

namespace {

using grantor::core::DatabaseRequest;
using grantor::core::Dialect;
using grantor::core::Problem;
using grantor::fuzz::Check;

constexpr const char* kRelation = "database:7";
constexpr const char* kSecretMarker = "Pw-9f3c1e-never-in-a-status";

bool IsFieldName(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
}

std::string Value(const std::map<std::string, std::string>& bag, const std::string& key) {
  auto it = bag.find(key);
  return it == bag.end() ? std::string{} : it->second;
}

void CheckRefusal(const Problem& problem, std::string_view input) {
  const std::string& message = problem.message;
  Check(message.rfind(std::string("relation ") + kRelation + ": ", 0) == 0,
        "a refusal names its relation first");
  Check(grantor::fuzz::IsPrintableAscii(message), "a refusal is printable ASCII");
  Check(message.size() <= 400, "a refusal is short");
  // (Unless the requirer wrote the same text into a field that is displayed, of course.)
  if (input.find(kSecretMarker) == std::string_view::npos) {
    Check(message.find(kSecretMarker) == std::string::npos, "a refusal never quotes the password");
  }
}

void CheckAccepted(const DatabaseRequest& request, const std::map<std::string, std::string>& bag,
                   Dialect dialect) {
  Check(request.database == Value(bag, "database"), "the database is the one asked for");
  if (!request.database.empty()) {
    Check(grantor::fuzz::IsAllowListedDatabase(request.database, dialect == Dialect::kMySql),
          "an accepted database name is on the allow-list");
  }
  const auto& allowed = grantor::core::AllowedExtraRoles(dialect);
  for (const auto role : request.extra_roles) {
    Check(std::any_of(allowed.begin(), allowed.end(),
                      [role](const auto& entry) { return entry.second == role; }),
          "an accepted extra role is one of the documented set");
  }
  Check(request.extra_roles.empty() || !Value(bag, "extra-user-roles").empty(),
        "no extra role unless one was asked for");
  for (const auto& field : request.requested_secrets) {
    Check(IsFieldName(field), "a requested secret field is made of [a-z-]");
  }
  // The whole value is the JSON list: nothing after a NUL byte may be ignored.
  Check(Value(bag, "requested-secrets").find('\0') == std::string::npos,
        "an accepted requested-secrets value is JSON from end to end");
  const std::string connectivity = Value(bag, "external-node-connectivity");
  Check(connectivity.empty() || connectivity == "true" || connectivity == "false",
        "external-node-connectivity is true, false or absent");
  Check(request.external_node_connectivity == (connectivity == "true"),
        "external-node-connectivity is read as written");
}

bool SameOutcome(const std::variant<DatabaseRequest, Problem>& a,
                 const std::variant<DatabaseRequest, Problem>& b) {
  if (a.index() != b.index()) return false;
  if (const auto* problem = std::get_if<Problem>(&a)) return *problem == std::get<Problem>(b);
  const auto& x = std::get<DatabaseRequest>(a);
  const auto& y = std::get<DatabaseRequest>(b);
  return x.database == y.database && x.extra_roles == y.extra_roles &&
         x.requested_secrets == y.requested_secrets &&
         x.external_node_connectivity == y.external_node_connectivity;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = grantor::fuzz::AsText(data, size);
  auto bag = grantor::fuzz::ParseLines(input);
  bag["password"] = kSecretMarker;
  for (const Dialect dialect : {Dialect::kPostgres, Dialect::kMySql}) {
    const auto outcome = grantor::core::ParseDatabaseRequest(bag, kRelation, dialect);
    if (const auto* problem = std::get_if<Problem>(&outcome)) {
      CheckRefusal(*problem, input);
    } else {
      CheckAccepted(std::get<DatabaseRequest>(outcome), bag, dialect);
    }
    Check(SameOutcome(outcome, grantor::core::ParseDatabaseRequest(bag, kRelation, dialect)),
          "parsing is deterministic");
  }
  return 0;
}
