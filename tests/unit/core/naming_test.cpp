#include "grantor/core/naming.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace grantor::core {
namespace {

TEST(DatabaseNameProblem, AcceptsTheAllowedShapes) {
  for (const char* name : {"app", "my_app", "App-1", "a.b", "_x", "9lives"}) {
    EXPECT_FALSE(DatabaseNameProblem(name, Dialect::kPostgres)) << name;
  }
  EXPECT_FALSE(DatabaseNameProblem(std::string(63, 'd'), Dialect::kPostgres));
  EXPECT_FALSE(DatabaseNameProblem(std::string(64, 'd'), Dialect::kMySql));
}

TEST(DatabaseNameProblem, RejectsLengthCharactersAndReservedNames) {
  EXPECT_TRUE(DatabaseNameProblem(std::string(64, 'd'), Dialect::kPostgres));
  EXPECT_TRUE(DatabaseNameProblem(std::string(65, 'd'), Dialect::kMySql));
  for (const char* name : {"", "-x", ".x", "a b", "a\"b", "a'b", "a`b", "a;b", "a%b", "a\\b"}) {
    EXPECT_TRUE(DatabaseNameProblem(name, Dialect::kPostgres)) << name;
    EXPECT_TRUE(DatabaseNameProblem(name, Dialect::kMySql)) << name;
  }
  EXPECT_TRUE(DatabaseNameProblem("a.b", Dialect::kMySql));
  EXPECT_TRUE(DatabaseNameProblem("Template1", Dialect::kPostgres));
  EXPECT_TRUE(DatabaseNameProblem("postgres", Dialect::kPostgres));
  EXPECT_FALSE(DatabaseNameProblem("postgres", Dialect::kMySql));
  EXPECT_TRUE(DatabaseNameProblem("MySQL", Dialect::kMySql));
  EXPECT_TRUE(DatabaseNameProblem("performance_schema", Dialect::kMySql));
}

TEST(UserNameProblem, AppliesDialectLimitsAndReservations) {
  EXPECT_FALSE(UserNameProblem("relation-7", Dialect::kPostgres));
  EXPECT_FALSE(UserNameProblem("relation-8_99200344b67b4e9", Dialect::kMySql));
  EXPECT_FALSE(UserNameProblem(std::string(63, 'u'), Dialect::kPostgres));
  EXPECT_TRUE(UserNameProblem(std::string(33, 'u'), Dialect::kMySql));
  for (const char* name : {"postgres", "PG_monitor", "public", "none", "grantor_admin",
                           "grantor_owner_app", "current_user"}) {
    EXPECT_TRUE(UserNameProblem(name, Dialect::kPostgres)) << name;
  }
  for (const char* name : {"root", "ROOT", "mysql.sys", "mariadb.sys"}) {
    EXPECT_TRUE(UserNameProblem(name, Dialect::kMySql)) << name;
  }
}

TEST(UserPrefixProblem, AllowsEmptyButNotHostile) {
  EXPECT_FALSE(UserPrefixProblem("", Dialect::kPostgres));
  EXPECT_FALSE(UserPrefixProblem("relation-", Dialect::kMySql));
  EXPECT_TRUE(UserPrefixProblem("relation%", Dialect::kMySql));
  EXPECT_TRUE(UserPrefixProblem("x'--", Dialect::kPostgres));
}

TEST(PasswordProblem, RejectsEmptyLongAndControlCharactersWithoutEchoing) {
  EXPECT_FALSE(PasswordProblem(R"(any "printable" \ ' ` chars)"));
  EXPECT_TRUE(PasswordProblem(""));
  EXPECT_TRUE(PasswordProblem(std::string(kMaxPasswordLength + 1, 'p')));
  const auto problem = PasswordProblem("secret\nvalue");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->find("secret"), std::string::npos);
}

// Group roles are named after the database's OID, so no two databases share one, whatever
// their names (the old name-derived roles could collide); each application has its own.
TEST(PostgresGroupRole, IsInjectiveAndPerApplication) {
  const std::string prefix = "grantor_0123456789_";
  EXPECT_EQ(PostgresGroupRole(prefix, 16384), "grantor_0123456789_o16384");
  EXPECT_NE(PostgresGroupRole(prefix, 16384), PostgresGroupRole(prefix, 16385));
  EXPECT_NE(PostgresGroupRole(prefix, 16384), PostgresGroupRole("grantor_9876543210_", 16384));
  const std::string longest = PostgresGroupRole(prefix, 4294967295u);
  EXPECT_LE(longest.size(), 63u);
  EXPECT_TRUE(IsValidUserName(longest, Dialect::kPostgres));
}

TEST(DatabaseNameProblem, ReservesGrantorsOwnNames) {
  EXPECT_TRUE(DatabaseNameProblem("grantor_0123456789_meta", Dialect::kMySql));
  EXPECT_TRUE(DatabaseNameProblem("GRANTOR_x", Dialect::kPostgres));
  EXPECT_FALSE(DatabaseNameProblem("grantorx", Dialect::kPostgres));
}

TEST(Printable, ReplacesUnsafeBytesAndTruncates) {
  EXPECT_EQ(Printable("a'b\"c;d"), "a?b?c?d");
  EXPECT_EQ(Printable(std::string(100, 'x')), std::string(64, 'x') + "...");
}

// The namespace the server-side functions accept: the application's relation users, and none of
// the names it keeps for itself or anyone else's.
TEST(IsTenantUserName, AcceptsRelationUsersOnlyInTheApplicationsNamespace) {
  const std::string prefix = "grantor_0a1b2c3d4e_";
  for (const std::string suffix : {"r5", "r5b", "r123456b", "u", "adm", "a1", "t_x_1", "ops"}) {
    EXPECT_TRUE(IsTenantUserName(prefix, prefix + suffix)) << suffix;
  }
  for (const std::string& suffix : std::vector<std::string>{"", "operator", "api", "meta", "admin", "admin_0a1b", "def_7", "o16384", "5", "_r5", "R5",
        "r-5", "r5;", "r 5", std::string(64, 'r')}) {
    EXPECT_FALSE(IsTenantUserName(prefix, prefix + suffix)) << suffix;
  }
  EXPECT_TRUE(IsTenantUserName(prefix, prefix + "o1x")) << "not a group role's name";
  EXPECT_FALSE(IsTenantUserName(prefix, "grantor_ffffffffff_r5")) << "another application's";
  EXPECT_FALSE(IsTenantUserName(prefix, "postgres"));
  EXPECT_FALSE(IsTenantUserName("", "r5"));
}

}  // namespace
}  // namespace grantor::core
