// Fuzz target: charms::ParseLegacyRequest, the parser of what a legacy pgsql / mysql requirer
// writes in its application databag (database, roles, extensions), in both dialects.
// Input: "key=value" lines (fuzz_support.hpp); the remote application's name comes from the
// key "@app" (Juju application names are not the requirer's to choose, but the parser must not
// trust them either). Properties: an accepted request names the database asked for (else the
// application's name) and that name is on the documented allow-list; any roles or extensions
// request is refused; a refusal names the relation, is printable ASCII and bounded.

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "charms/plan/legacy_request.hpp"
#include "fuzz_support.hpp"

namespace {

using grantor::core::Dialect;
using grantor::core::Problem;
using grantor::fuzz::Check;

constexpr const char* kRelation = "db:3";

std::string Take(std::map<std::string, std::string>& bag, const std::string& key) {
  auto it = bag.find(key);
  if (it == bag.end()) return {};
  std::string value = std::move(it->second);
  bag.erase(it);
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bag = grantor::fuzz::ParseLines(grantor::fuzz::AsText(data, size));
  std::string app = Take(bag, "@app");
  if (app.empty()) app = "legacy-app";
  const auto value = [&bag](const char* key) {
    auto it = bag.find(key);
    return it == bag.end() ? std::string{} : it->second;
  };
  for (const Dialect dialect : {Dialect::kPostgres, Dialect::kMySql}) {
    const auto outcome = grantor::charms::ParseLegacyRequest(bag, kRelation, app, dialect);
    if (const auto* problem = std::get_if<Problem>(&outcome)) {
      Check(problem->message.rfind(std::string("relation ") + kRelation + ": ", 0) == 0,
            "a refusal names its relation first");
      Check(grantor::fuzz::IsPrintableAscii(problem->message), "a refusal is printable ASCII");
      Check(problem->message.size() <= 400, "a refusal is short");
      continue;
    }
    const std::string& database = std::get<std::string>(outcome);
    Check(value("roles").empty() && value("extensions").empty(),
          "roles and extensions requests are refused");
    Check(database == (value("database").empty() ? app : value("database")),
          "the database is the one asked for, else the application's name");
    Check(grantor::fuzz::IsAllowListedDatabase(database, dialect == Dialect::kMySql),
          "an accepted database name is on the allow-list");
  }
  return 0;
}
