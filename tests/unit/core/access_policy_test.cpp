// Every decision of the trust model as a pure function: request + policy (+ what the server says)
// -> allowed, or a Problem that names the relation, what was refused and the option to change.

#include "grantor/core/access_policy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace grantor::core {
namespace {

using db::DatabaseStatus;
using db::ExtraRole;

db::ServerInfo Postgres(const std::string& version) {
  return db::ServerInfo{db::Flavour::kPostgres, version, "PostgreSQL " + version};
}
const db::ServerInfo kMariaDb{db::Flavour::kMariaDb, "10.11.6", "10.11.6-MariaDB"};

AccessPolicy Policy(const std::string& adopt, const std::string& allowed,
                    Dialect dialect = Dialect::kPostgres) {
  return std::get<AccessPolicy>(ParseAccessPolicy(adopt, allowed, dialect));
}

AccessRequest Request(const std::string& database, db::ExtraRoles roles = {}) {
  return AccessRequest{"database:7", database, std::move(roles), "extra-user-roles"};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ParseAccessPolicy, DefaultIsTheLeast) {
  const AccessPolicy policy = Policy("", "");
  EXPECT_TRUE(policy.adopt_databases.empty());
  EXPECT_TRUE(policy.allowed_extra_roles.empty());
  EXPECT_FALSE(OperatorNeedsSuperuser(policy));
}

TEST(ParseAccessPolicy, ReadsTrimmedListsAndLowerCasesRoles) {
  const AccessPolicy policy = Policy(" payroll , crm,,", "CreateDB, superuser ");
  EXPECT_EQ(policy.adopt_databases, (std::set<std::string>{"crm", "payroll"}));
  EXPECT_EQ(policy.allowed_extra_roles, (db::ExtraRoles{ExtraRole::kCreateDb, ExtraRole::kSuperuser}));
  EXPECT_TRUE(OperatorNeedsSuperuser(policy));
}

TEST(ParseAccessPolicy, RefusesUnknownRolesAndInvalidOrReservedNamesNamingTheOption) {
  auto bad_role = ParseAccessPolicy("", "createdb, pg_read_server_files", Dialect::kPostgres);
  ASSERT_TRUE(std::holds_alternative<Problem>(bad_role));
  EXPECT_TRUE(Contains(std::get<Problem>(bad_role).message, "allowed-extra-user-roles"));
  for (const char* bad : {"x'; DROP", "postgres", "grantor_meta", "a b"}) {
    auto problem = ParseAccessPolicy(bad, "", Dialect::kPostgres);
    ASSERT_TRUE(std::holds_alternative<Problem>(problem)) << bad;
    EXPECT_TRUE(Contains(std::get<Problem>(problem).message, "adopt-databases")) << bad;
  }
  EXPECT_TRUE(std::holds_alternative<Problem>(ParseAccessPolicy("a.b", "", Dialect::kMySql)));
}

TEST(CheckRolesAllowed, RefusesEveryRoleNotListedNamingRelationRoleAndOption) {
  const auto problem = CheckRolesAllowed(Request("ops", {ExtraRole::kSuperuser}), Policy("", ""));
  ASSERT_TRUE(problem);
  EXPECT_TRUE(Contains(problem->message, "relation database:7")) << problem->message;
  EXPECT_TRUE(Contains(problem->message, "\"superuser\"")) << problem->message;
  EXPECT_TRUE(Contains(problem->message, "config allowed-extra-user-roles")) << problem->message;
  EXPECT_FALSE(CheckRolesAllowed(Request("ops", {ExtraRole::kSuperuser}), Policy("", "superuser")));
  EXPECT_TRUE(CheckRolesAllowed(Request("ops", {ExtraRole::kCreateDb, ExtraRole::kAdmin}),
                                Policy("", "createdb")));
  EXPECT_FALSE(CheckRolesAllowed(Request("ops"), Policy("", "")));
}

TEST(CheckRolesAllowed, NamesTheLegacyEndpointThatImpliesTheRole) {
  AccessRequest legacy{"db-admin:3", "ops", {ExtraRole::kSuperuser}, "the db-admin endpoint"};
  const auto problem = CheckRolesAllowed(legacy, Policy("", ""));
  ASSERT_TRUE(problem);
  EXPECT_TRUE(Contains(problem->message, "relation db-admin:3: the db-admin endpoint (it gives superuser)"))
      << problem->message;
}

TEST(UnsafeRoleReason, CreateRoleAndAdminWhereTheServerCannotConfineThem) {
  EXPECT_TRUE(UnsafeRoleReason(ExtraRole::kCreateRole, Postgres("15.18")));
  EXPECT_FALSE(UnsafeRoleReason(ExtraRole::kCreateRole, Postgres("16.4")));
  EXPECT_FALSE(UnsafeRoleReason(ExtraRole::kAdmin, Postgres("15.18")));
  EXPECT_TRUE(UnsafeRoleReason(ExtraRole::kCreateRole, kMariaDb));
  EXPECT_TRUE(UnsafeRoleReason(ExtraRole::kAdmin, kMariaDb));
  for (const auto role : {ExtraRole::kCreateDb, ExtraRole::kSuperuser}) {
    EXPECT_FALSE(UnsafeRoleReason(role, kMariaDb));
    EXPECT_FALSE(UnsafeRoleReason(role, Postgres("15.18")));
  }
}

TEST(CheckRolesSafe, SaysWhyAndForWhichRelation) {
  const auto problem = CheckRolesSafe(Request("ops", {ExtraRole::kAdmin}), kMariaDb);
  ASSERT_TRUE(problem);
  EXPECT_TRUE(Contains(problem->message, "relation database:7: admin cannot be given safely"))
      << problem->message;
  EXPECT_FALSE(CheckRolesSafe(Request("ops", {ExtraRole::kCreateDb}), kMariaDb));
}

TEST(DecideDatabase, CreatesOrFinishesWhatIsAbsentOrManaged) {
  for (const auto status : {DatabaseStatus::kAbsent, DatabaseStatus::kManaged}) {
    const auto decision = DecideDatabase(Request("shop"), Policy("", ""), status);
    ASSERT_TRUE(std::holds_alternative<DatabaseAction>(decision));
    EXPECT_EQ(std::get<DatabaseAction>(decision), DatabaseAction::kCreateOrFinish);
  }
}

TEST(DecideDatabase, RefusesAForeignDatabaseUnlessAdopted) {
  const auto refused = DecideDatabase(Request("payroll"), Policy("crm", ""), DatabaseStatus::kForeign);
  ASSERT_TRUE(std::holds_alternative<Problem>(refused));
  const std::string message = std::get<Problem>(refused).message;
  EXPECT_TRUE(Contains(message, "relation database:7")) << message;
  EXPECT_TRUE(Contains(message, "\"payroll\"")) << message;
  EXPECT_TRUE(Contains(message, "config adopt-databases")) << message;
  const auto adopted =
      DecideDatabase(Request("payroll"), Policy("crm,payroll", ""), DatabaseStatus::kForeign);
  ASSERT_TRUE(std::holds_alternative<DatabaseAction>(adopted));
  EXPECT_EQ(std::get<DatabaseAction>(adopted), DatabaseAction::kAdopt);
  // Names are exact: adopting "Payroll" does not hand over "payroll".
  EXPECT_TRUE(std::holds_alternative<Problem>(
      DecideDatabase(Request("payroll"), Policy("Payroll", ""), DatabaseStatus::kForeign)));
}

}  // namespace
}  // namespace grantor::core
