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
                    const std::string& share = "", Dialect dialect = Dialect::kPostgres) {
  return std::get<AccessPolicy>(ParseAccessPolicy(adopt, allowed, share, dialect));
}

const db::DatabaseOwner kShop{"model-1", "shop"};
const db::DatabaseOwner kReports{"model-1", "reports"};

AccessRequest Request(const std::string& database, db::ExtraRoles roles = {},
                      const db::DatabaseOwner& requester = kShop) {
  return AccessRequest{"database:7", database, std::move(roles), "extra-user-roles", requester};
}

db::DatabaseInfo Info(DatabaseStatus status, std::optional<db::DatabaseOwner> owner = {}) {
  return db::DatabaseInfo{status, std::move(owner)};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ParseAccessPolicy, DefaultIsTheLeast) {
  const AccessPolicy policy = Policy("", "");
  EXPECT_TRUE(policy.adopt_databases.empty());
  EXPECT_TRUE(policy.allowed_extra_roles.empty());
  EXPECT_TRUE(policy.shared_databases.empty());
}

TEST(ParseAccessPolicy, ReadsTrimmedListsAndLowerCasesRoles) {
  const AccessPolicy policy = Policy(" payroll , crm,,", "CreateDB, superuser ");
  EXPECT_EQ(policy.adopt_databases, (std::set<std::string>{"crm", "payroll"}));
  EXPECT_EQ(policy.allowed_extra_roles, (db::ExtraRoles{ExtraRole::kCreateDb, ExtraRole::kSuperuser}));
}

TEST(ParseAccessPolicy, ReadsSharedDatabasesEntries) {
  const AccessPolicy policy =
      Policy("", "", " orders = app-b, app-c ;reports=app-d\norders=app-e;;");
  EXPECT_EQ(policy.shared_databases,
            (std::map<std::string, std::set<std::string>>{
                {"orders", {"app-b", "app-c", "app-e"}}, {"reports", {"app-d"}}}));
}

TEST(ParseAccessPolicy, RefusesMalformedShareEntriesNamingTheOption) {
  for (const char* bad : {"orders", "orders=", "=app-b", "orders=App-B", "orders=app b",
                          "x'; DROP=app", "postgres=app-b", "orders=app-b;reports", "o=1app"}) {
    auto problem = ParseAccessPolicy("", "", bad, Dialect::kPostgres);
    ASSERT_TRUE(std::holds_alternative<Problem>(problem)) << bad;
    EXPECT_TRUE(Contains(std::get<Problem>(problem).message, "config share-databases")) << bad;
  }
}

TEST(ParseAccessPolicy, RefusesUnknownRolesAndInvalidOrReservedNamesNamingTheOption) {
  auto bad_role = ParseAccessPolicy("", "createdb, pg_read_server_files", "", Dialect::kPostgres);
  ASSERT_TRUE(std::holds_alternative<Problem>(bad_role));
  EXPECT_TRUE(Contains(std::get<Problem>(bad_role).message, "allowed-extra-user-roles"));
  for (const char* bad : {"x'; DROP", "postgres", "grantor_meta", "a b"}) {
    auto problem = ParseAccessPolicy(bad, "", "", Dialect::kPostgres);
    ASSERT_TRUE(std::holds_alternative<Problem>(problem)) << bad;
    EXPECT_TRUE(Contains(std::get<Problem>(problem).message, "adopt-databases")) << bad;
  }
  EXPECT_TRUE(std::holds_alternative<Problem>(ParseAccessPolicy("a.b", "", "", Dialect::kMySql)));
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
  AccessRequest legacy{"db-admin:3", "ops", {ExtraRole::kSuperuser}, "the db-admin endpoint", kShop};
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

DatabaseDecision Decided(const std::variant<DatabaseDecision, Problem>& decision) {
  if (const auto* problem = std::get_if<Problem>(&decision)) {
    ADD_FAILURE() << "refused: " << problem->message;
    return {};
  }
  return std::get<DatabaseDecision>(decision);
}

std::string Refusal(const std::variant<DatabaseDecision, Problem>& decision) {
  if (!std::holds_alternative<Problem>(decision)) {
    ADD_FAILURE() << "not refused";
    return {};
  }
  return std::get<Problem>(decision).message;
}

// The trust table, row by row: what the server says about the database x who asks x policy.
TEST(DecideDatabase, CreatesWhatIsAbsentAndFinishesWhatBelongsToTheRequester) {
  const DatabaseDecision create{DatabaseAction::kCreateOrFinish, ""};
  EXPECT_EQ(Decided(DecideDatabase(Request("shop"), Policy("", ""), Info(DatabaseStatus::kAbsent))),
            create);
  EXPECT_EQ(Decided(DecideDatabase(Request("shop"), Policy("", ""),
                                   Info(DatabaseStatus::kManaged, kShop))),
            create);
  // Made by a release that recorded no owner: the first application to ask gets it.
  EXPECT_EQ(Decided(DecideDatabase(Request("shop"), Policy("", ""), Info(DatabaseStatus::kManaged))),
            create);
}

TEST(DecideDatabase, RefusesAnotherApplicationsDatabaseUnlessShared) {
  const auto info = Info(DatabaseStatus::kManaged, kShop);
  const std::string message =
      Refusal(DecideDatabase(Request("orders", {}, kReports), Policy("", ""), info));
  EXPECT_TRUE(Contains(message, "relation database:7")) << message;
  EXPECT_TRUE(Contains(message, "\"orders\" belongs to application \"shop\"")) << message;
  EXPECT_TRUE(Contains(message, "orders=reports to config share-databases")) << message;
  // Shared with another application, or with another database: still refused.
  Refusal(DecideDatabase(Request("orders", {}, kReports), Policy("", "", "orders=billing"), info));
  Refusal(DecideDatabase(Request("orders", {}, kReports), Policy("", "", "crm=reports"), info));
  // The same application name in another model is another application.
  Refusal(DecideDatabase(Request("orders", {}, db::DatabaseOwner{"model-2", "shop"}),
                         Policy("", ""), info));
  EXPECT_EQ(Decided(DecideDatabase(Request("orders", {}, kReports),
                                   Policy("", "", "orders=billing,reports"), info)),
            (DatabaseDecision{DatabaseAction::kCreateOrFinish, "shop"}));
}

TEST(DecideDatabase, RefusesAForeignDatabaseUnlessAdopted) {
  const std::string message =
      Refusal(DecideDatabase(Request("payroll"), Policy("crm", ""), Info(DatabaseStatus::kForeign)));
  EXPECT_TRUE(Contains(message, "relation database:7")) << message;
  EXPECT_TRUE(Contains(message, "\"payroll\"")) << message;
  EXPECT_TRUE(Contains(message, "config adopt-databases")) << message;
  EXPECT_EQ(Decided(DecideDatabase(Request("payroll"), Policy("crm,payroll", ""),
                                   Info(DatabaseStatus::kForeign))),
            (DatabaseDecision{DatabaseAction::kAdopt, ""}));
  // Names are exact: adopting "Payroll" does not hand over "payroll".
  Refusal(DecideDatabase(Request("payroll"), Policy("Payroll", ""), Info(DatabaseStatus::kForeign)));
}

TEST(DecideDatabase, AnAdoptedDatabaseIsItsOwnersAndNeedsToStayListed) {
  const auto adopted = Info(DatabaseStatus::kAdopted, kShop);
  EXPECT_EQ(Decided(DecideDatabase(Request("payroll"), Policy("payroll", ""), adopted)),
            (DatabaseDecision{DatabaseAction::kUse, ""}));
  EXPECT_TRUE(Contains(
      Refusal(DecideDatabase(Request("payroll"), Policy("", ""), adopted)), "adopt-databases"));
  EXPECT_TRUE(Contains(Refusal(DecideDatabase(Request("payroll", {}, kReports),
                                              Policy("payroll", ""), adopted)),
                       "share-databases"));
  EXPECT_EQ(Decided(DecideDatabase(Request("payroll", {}, kReports),
                                   Policy("payroll", "", "payroll=reports"), adopted)),
            (DatabaseDecision{DatabaseAction::kUse, "shop"}));
  // Adopted before owners were recorded: adopted again, which records the requester.
  EXPECT_EQ(Decided(DecideDatabase(Request("payroll"), Policy("payroll", ""),
                                   Info(DatabaseStatus::kAdopted))),
            (DatabaseDecision{DatabaseAction::kAdopt, ""}));
}

}  // namespace
}  // namespace grantor::core
