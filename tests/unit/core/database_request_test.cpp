#include "grantor/core/database_request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace grantor::core {
namespace {

using namespace std::string_literals;

// Found by the hostile end-to-end corpus: nlohmann's parser stops at a NUL byte, so a value
// that is not JSON was read as the list before the NUL.
TEST(ParseDatabaseRequest, RefusesRequestedSecretsWithANulByte) {
  for (const std::string& value : {"[\"username\"]\0"s, "[\"username\"]\0garbage"s,
                                   "\0[\"username\"]"s}) {
    const auto outcome = ParseDatabaseRequest(
        {{"database", "shop"}, {"requested-secrets", value}}, "database:4", Dialect::kPostgres);
    ASSERT_TRUE(std::holds_alternative<Problem>(outcome)) << value.size();
    EXPECT_EQ(std::get<Problem>(outcome).message,
              "relation database:4: requested-secrets must be a JSON list of field names");
  }
  const auto served = ParseDatabaseRequest(
      {{"database", "shop"}, {"requested-secrets", "[\"username\"]"}}, "database:4",
      Dialect::kPostgres);
  ASSERT_TRUE(std::holds_alternative<DatabaseRequest>(served));
  EXPECT_EQ(std::get<DatabaseRequest>(served).requested_secrets, std::set<std::string>{"username"});
}

}  // namespace
}  // namespace grantor::core
