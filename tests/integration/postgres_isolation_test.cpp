// ctest label `isolation` (issue 22): a tenant can neither outlive its revocation nor reach
// another tenant's data. Each test has a tenant (or anyone else on the shared server) try to
// block the revocation or to reach further than its database, and checks what a user would:
// logins refused at once, sessions gone, the user dropped (or left locked, naming why), data
// kept where it belongs.

#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "postgres_harness.hpp"

namespace grantor::integration {
namespace {

class PgIsolationTest : public contract::EngineContract<PgHarness> {
 protected:
  /// A login role outside grantor (dropped with the other application's objects).
  std::string Outsider(const std::string& suffix, const std::string& password) {
    const std::string role = "go" + harness_.instance_prefix().substr(2) + suffix;
    auto admin = harness_.Admin();
    Execute(*admin, "CREATE ROLE " + Quoted(role) + " LOGIN PASSWORD " + admin->quote(password));
    return role;
  }
  static std::string Quoted(const std::string& identifier) {
    std::string quoted = "\"";
    for (const char c : identifier) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  }
  /// The operator's DropUser(user) fails, and its message holds `expected`.
  void ExpectOperatorDropRefused(const std::string& user, const std::string& expected) {
    try {
      engine().DropUser(user);
      ADD_FAILURE() << "the operator dropped " << user << " (expected: " << expected << ")";
    } catch (const db::DbError& error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  }
  bool IsMember(const std::string& member, const std::string& role) {
    auto admin = harness_.Admin();
    pqxx::nontransaction tx(*admin);
    return tx
        .exec_params1(
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid"
            " JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1 AND u.rolname = $2)",
            role, member)[0]
        .as<bool>();
  }
};

// (a) Any table owner grants the relation user SELECT in a database whose CONNECT is revoked
// from PUBLIC: the operator can neither connect there nor clean up. The user still loses its
// logins and sessions at once, the operator's DropUser names the database and leaves the user
// locked, and the admin's finishes.
TEST_F(PgIsolationTest, AForeignGrantInALockedAwayDatabaseCannotKeepTheUserAlive) {
  const std::string db = Name("db");
  const std::string user = MakeUserWithDatabase("r3", db, "Password-1");
  const std::string owner = Outsider("owner", "Owner-Password-1");
  const std::string lockedaway = Name("lockedaway");
  {
    auto admin = harness_.Admin();
    Execute(*admin, "CREATE DATABASE " + Quoted(lockedaway) + " OWNER " + Quoted(owner));
    Execute(*admin, "REVOKE CONNECT ON DATABASE " + Quoted(lockedaway) + " FROM PUBLIC");
  }
  {
    auto session = harness_.Login(owner, "Owner-Password-1", lockedaway);
    session->CreateTable("ledger");
    session->Insert("ledger", "owner's row");
    session->Run("GRANT SELECT ON ledger TO " + Quoted(user));
  }
  auto open = harness_.Login(user, "Password-1", db);
  ASSERT_TRUE(open->Alive());

  engine().LockUser(user);
  EXPECT_FALSE(open->Alive());
  EXPECT_FALSE(CanLogin(user, "Password-1", db));

  ExpectOperatorDropRefused(user, "holds privileges in database \"" + lockedaway + "\", which " +
                                      harness_.OperatorName() + " cannot connect to");
  EXPECT_TRUE(engine().UserExists(user));
  EXPECT_FALSE(CanLogin(user, "Password-1", db)) << "still locked";
  EXPECT_FALSE(IsMember(harness_.OperatorName(), user)) << "the operator gave the user back";
  EXPECT_EQ(engine().OperatorDrift(contract::kDefaultGrantable), std::nullopt);

  harness_.admin_engine().DropUser(user);
  EXPECT_FALSE(engine().UserExists(user));
  EXPECT_EQ(harness_.Rows(lockedaway, "ledger"), std::vector<std::string>{"owner's row"});
}

// (b) The tenant, a member of its database's owner role, sets defaults on its own database that
// would break any session of the clean-up there: read-only transactions, a 1 ms statement and
// idle timeout, exit on any error, another role, another search_path. DropUser still hands what
// the user owns to the group role.
TEST_F(PgIsolationTest, TheTenantsDatabaseDefaultsDoNotBlockItsRevocation) {
  const std::string db = Name("db");
  const std::string user = MakeUserWithDatabase("u", db, "Password-1");
  const std::string group = GroupRoleOf(harness_, db);
  {
    auto session = harness_.Login(user, "Password-1", db);
    session->Run("SET ROLE NONE; CREATE TABLE mine (v text); INSERT INTO mine VALUES ('kept')");
    for (const std::string& setting :
         std::vector<std::string>{"default_transaction_read_only = on", "statement_timeout = 1",
                                  "idle_session_timeout = 1", "exit_on_error = on",
                                  "role = " + Quoted(group), "search_path = public"}) {
      session->Run("ALTER DATABASE " + Quoted(db) + " SET " + setting);
    }
  }
  engine().DropUser(user);
  EXPECT_FALSE(engine().UserExists(user));

  Execute(*harness_.Admin(), "ALTER DATABASE " + Quoted(db) + " RESET ALL");
  auto admin = harness_.Admin(db);
  EXPECT_EQ(
      ValueOf<std::string>(*admin, "SELECT tableowner FROM pg_tables WHERE tablename = $1", "mine"),
      group);
  EXPECT_EQ(harness_.Rows(db, "mine"), std::vector<std::string>{"kept"});
}

// (c) A foreign database lets the tenant create in its public schema: what the tenant made
// there is dropped (it belongs to no database of the application); what it made in its own
// database stays. The privilege itself was granted by the database's owner: only that owner (or
// a superuser) may revoke it, so the operator leaves the user locked, naming the database, and
// the admin account finishes.
TEST_F(PgIsolationTest, ObjectsOutsideItsDatabasesAreDroppedItsOwnDataKept) {
  const std::string db = Name("db");
  const std::string user = MakeUserWithDatabase("u", db, "Password-1");
  {
    auto session = harness_.Login(user, "Password-1", db);
    session->CreateTable("data");
    session->Insert("data", "kept");
  }
  const std::string open = Name("open");
  harness_.CreateForeignDatabase(open, "salaries", "alice 100");
  Execute(*harness_.Admin(open), "GRANT CREATE ON SCHEMA public TO " + Quoted(user));
  {
    auto session = harness_.Login(user, "Password-1", open);
    session->Run("CREATE TABLE public.planted (v text)");
    session->Run(
        "CREATE FUNCTION public.upper(varchar) RETURNS text LANGUAGE sql AS 'SELECT ''trojan'''");
  }
  ExpectOperatorDropRefused(user, "in database \"" + open + "\" granted by another role, which " +
                                      harness_.OperatorName() + " cannot revoke");
  EXPECT_FALSE(CanLogin(user, "Password-1", db)) << "still locked";
  {
    auto there = harness_.Admin(open);
    EXPECT_TRUE(ValueOf<bool>(*there, "SELECT to_regclass($1) IS NULL", "public.planted"));
    EXPECT_TRUE(
        ValueOf<bool>(*there, "SELECT to_regprocedure($1) IS NULL", "public.upper(varchar)"));
  }
  harness_.admin_engine().DropUser(user);
  EXPECT_FALSE(engine().UserExists(user));
  EXPECT_EQ(harness_.Rows(open, "salaries"), std::vector<std::string>{"alice 100"});
  EXPECT_EQ(harness_.Rows(db, "data"), std::vector<std::string>{"kept"});
}

// Objects a tenant owns in another database of the same application (an admin user reaches its
// owner's databases) go to that database's group role, not to the tenant's own.
TEST_F(PgIsolationTest, ObjectsInAnotherDatabaseOfTheApplicationGoToItsGroupRole) {
  const std::string other = Name("other");
  MakeUserWithDatabase("o", other, "Password-O");
  const std::string admin =
      MakeUserWithDatabase("adm", Name("own"), "Password-X", {db::ExtraRole::kAdmin});
  harness_.Login(admin, "Password-X", other)->Run("CREATE TABLE made_by_admin (v text)");
  engine().DropUser(admin);
  EXPECT_FALSE(engine().UserExists(admin));
  auto there = harness_.Admin(other);
  EXPECT_EQ(ValueOf<std::string>(*there, "SELECT tableowner FROM pg_tables WHERE tablename = $1",
                                 "made_by_admin"),
            GroupRoleOf(harness_, other));
}

// (d) `admin` reaches the requiring application's databases only: not another owner's database
// of the same grantor application, and nothing in a foreign database, even where PUBLIC may
// connect.
TEST_F(PgIsolationTest, AnAdminUserReadsNoDatabaseBeyondItsOwners) {
  const std::string mine = Name("mine");
  const std::string a = MakeUserWithDatabase("a", mine, "Password-A");
  harness_.Login(a, "Password-A", mine)->CreateTable("ours");
  const std::string theirs = Name("theirs");
  engine().EnsureDatabase(theirs, contract::kOwnerB);
  db::UserSpec b = Spec(Name("b"), "Password-B", theirs);
  b.application = contract::kOwnerB;
  engine().EnsureUser(b);
  harness_.Login(Name("b"), "Password-B", theirs)->CreateTable("private");
  const std::string payroll = Name("payroll");
  harness_.CreateForeignDatabase(payroll, "salaries", "alice 100");

  const std::string admin =
      MakeUserWithDatabase("adm", Name("own"), "Password-X", {db::ExtraRole::kAdmin});
  EXPECT_TRUE(harness_.Login(admin, "Password-X", mine)->Select("ours").empty());
  bool reached = false;
  try {
    harness_.Login(admin, "Password-X", theirs)->Select("private");
    reached = true;
  } catch (const std::exception&) {
  }
  EXPECT_FALSE(reached) << "the admin user of app-a read app-b's database";
  EXPECT_ANY_THROW(harness_.Login(admin, "Password-X", payroll)->Select("salaries"));
  EXPECT_FALSE(ValueOf<bool>(*harness_.Admin(),
                             "SELECT pg_has_role($1, 'pg_read_all_data', 'MEMBER')"
                             " OR pg_has_role($1, 'pg_write_all_data', 'MEMBER')",
                             admin))
      << "server-wide data roles";
}

// (e) An adopted database gives the tenant no schema the owner resolves names through: no CREATE
// on the database or on public. The tenant's own schema is not on the owner's search_path, so
// the owner's unqualified call still reaches the built-in function.
TEST_F(PgIsolationTest, AnAdoptedDatabaseOffersNoTrojanToItsOwner) {
  const std::string owner = Outsider("dbo", "Owner-Password-1");
  const std::string payroll = Name("payroll");
  Execute(*harness_.Admin(), "CREATE DATABASE " + Quoted(payroll) + " OWNER " + Quoted(owner));
  harness_.Login(owner, "Owner-Password-1", payroll)->CreateTable("salaries");
  harness_.admin_engine().AdoptDatabase(payroll, contract::kOwnerA);
  const std::string user = Name("u");
  engine().EnsureUser(Spec(user, "Password-1", payroll));

  auto tenant = harness_.Login(user, "Password-1", payroll);
  EXPECT_TRUE(tenant->Refuses("CREATE TABLE public.x (v text)"));
  EXPECT_TRUE(tenant->Refuses(
      "CREATE FUNCTION public.upper(varchar) RETURNS text LANGUAGE sql AS 'SELECT ''trojan'''"));
  EXPECT_TRUE(tenant->Refuses("CREATE SCHEMA evil"));
  EXPECT_TRUE(tenant->Refuses("SELECT * FROM salaries"));
  // In its own schema the tenant may create what it likes, that function included.
  tenant->CreateTable("own");
  tenant->Run("CREATE FUNCTION upper(varchar) RETURNS text LANGUAGE sql AS 'SELECT ''trojan'''");

  auto owner_session = harness_.Login(owner, "Owner-Password-1", payroll);
  EXPECT_EQ(ValueOf<std::string>(owner_session->conn(), "SELECT upper($1::varchar)", "a"), "A");
  EXPECT_FALSE(ValueOf<bool>(owner_session->conn(),
                             "SELECT has_database_privilege($1, current_database(), 'CREATE')"
                             " OR has_schema_privilege($1, 'public', 'CREATE')",
                             GroupRoleOf(harness_, payroll)))
      << "CREATE on the database or on public";
}

// (f) An operator made by the previous release (CREATEROLE, pg_signal_backend, superuser, and
// the application admin role that reached every database) is brought down by EnsureOperator,
// and works as before.
TEST_F(PgIsolationTest, ThePreviousReleasesOperatorIsBroughtDown) {
  const std::string op = Quoted(harness_.OperatorName());
  const std::string legacy = harness_.instance_prefix() + "admin";
  const std::string db = Name("db");
  const std::string user = MakeUserWithDatabase("u", db, "Password-1");
  {
    auto admin = harness_.Admin();
    for (const std::string& sql :
         {"ALTER ROLE " + op + " CREATEROLE SUPERUSER", "GRANT pg_signal_backend TO " + op,
          "CREATE ROLE " + Quoted(legacy) + " NOLOGIN",
          "GRANT pg_read_all_data, pg_write_all_data TO " + Quoted(legacy),
          "GRANT " + Quoted(legacy) + " TO " + op, "GRANT " + Quoted(user) + " TO " + op}) {
      Execute(*admin, sql);
    }
  }
  const auto drift = engine().OperatorDrift(contract::kDefaultGrantable);
  ASSERT_TRUE(drift.has_value());
  EXPECT_NE(drift->find("holds CREATEROLE"), std::string::npos) << *drift;
  EXPECT_NE(drift->find("pg_signal_backend"), std::string::npos) << *drift;

  harness_.SetGrantable(contract::kDefaultGrantable);
  EXPECT_EQ(engine().OperatorDrift(contract::kDefaultGrantable), std::nullopt);
  auto admin = harness_.Admin();
  pqxx::nontransaction tx(*admin);
  const auto row = tx.exec_params1(
      "SELECT rolsuper, rolcreaterole, pg_has_role($1, 'pg_signal_backend', 'MEMBER'),"
      " pg_has_role($1, $2, 'MEMBER'), pg_has_role($1, $3, 'MEMBER'),"
      " pg_has_role($2, 'pg_read_all_data', 'MEMBER') FROM pg_roles WHERE rolname = $1",
      harness_.OperatorName(), legacy, user);
  for (int column = 0; column < 6; ++column) EXPECT_FALSE(row[column].as<bool>()) << column;
  engine().EnsureUser(Spec(Name("v"), "Password-2", db));
  EXPECT_TRUE(CanLogin(Name("v"), "Password-2", db));
  engine().DropUser(user);
  EXPECT_FALSE(engine().UserExists(user));
}

// A tenant holding its own role's row (an uncommitted ALTER ROLE ... PASSWORD of its own)
// cannot hold up LockUser: its sessions are ended and the lock taken.
TEST_F(PgIsolationTest, ATenantHoldingItsOwnRoleCannotDelayItsLock) {
  const std::string db = Name("db");
  const std::string user = MakeUserWithDatabase("u", db, "Password-1");
  auto tenant = harness_.Login(user, "Password-1", db);
  pqxx::work holding(tenant->conn());
  holding.exec0("SET ROLE NONE");
  holding.exec0("ALTER ROLE CURRENT_USER PASSWORD 'Changed-Password-2'");
  engine().LockUser(user);
  EXPECT_FALSE(CanLogin(user, "Password-1", db));
  EXPECT_FALSE(CanLogin(user, "Changed-Password-2", db));
  EXPECT_TRUE(engine().UserExists(user));
}

}  // namespace
}  // namespace grantor::integration
