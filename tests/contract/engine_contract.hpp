#pragma once
// The one behavioural contract of grantor::db::Engine, run against every implementation
// (Kea's GenericLeaseMgrTest idea as a gtest typed suite): FakeEngine in the unit binary,
// PostgreSQL and MariaDB in the integration binary. A behaviour the fake shows but a real
// server does not (or the reverse) fails here, which keeps the fake honest.
//
// Instantiate with a Harness type that provides:
//   Harness()                            connects to the engine under test as the operator of
//                                        one grantor application, made least-privileged by the
//                                        admin account (a fresh server state is not required:
//                                        every name is unique per test)
//   db::Engine& engine()                 the operator's engine
//   db::Engine& admin_engine()           the admin account's engine, same application
//                                        with OperatorSpec::grantable = kDefaultGrantable
//   void SetGrantable(db::ExtraRoles)    EnsureOperator through the admin with these grantable
//                                        roles; engine() reconnects
//   db::EnginePtr ConnectAsOperator()    a fresh session of the operator (a new engine)
//   void TamperWithServerApi()           the admin alters one of the server-side functions the
//                                        operator works through (as a careless DBA might)
//   db::EnginePtr ConnectAsAnotherApplication()
//                                        an admin engine acting for another application
//   void CreateForeignDatabase(name, table, row)
//                                        a database made outside grantor, holding one row
//   std::vector<std::string> Rows(database, table)
//                                        what the admin reads in that table
//   core::Dialect dialect() const
//   const std::string& prefix() const    unique per test, <= 12 chars, e.g. "gt1a2b3c4d_"
//   std::unique_ptr<ProbeSession> Login(user, password, database)
//                                        logs in as a client would, with a fresh connection;
//                                        throws (anything) when the login is refused
//   db::EnginePtr ConnectToDownServer()  an engine for a server that is not running; may throw
//                                        from the factory already
// and cleans up what it created (users under prefix()) in its destructor.
//
//   using Impls = ::testing::Types<MyHarness>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, EngineContract, Impls);

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "grantor/core/access_policy.hpp"
#include "grantor/core/naming.hpp"
#include "grantor/db/engine.hpp"

namespace grantor::contract {

/// What the harnesses make grantable by default: every extra role but superuser.
inline const db::ExtraRoles kDefaultGrantable{db::ExtraRole::kCreateDb, db::ExtraRole::kAdmin,
                                              db::ExtraRole::kCreateRole};

/// The requirer applications the contract's databases are made for.
inline const db::DatabaseOwner kOwnerA{"00000000-0000-4000-8000-00000000000a", "app-a"};
inline const db::DatabaseOwner kOwnerB{"00000000-0000-4000-8000-00000000000a", "app-b"};

/// A client session logged in as a relation user, used to observe what the engine granted.
/// Every method throws (anything) when the server refuses or the session is gone.
class ProbeSession {
 public:
  virtual ~ProbeSession() = default;
  /// Runs a trivial statement; false when the session was terminated.
  virtual bool Alive() = 0;
  /// CREATE TABLE <table> (v text) in the session's database.
  virtual void CreateTable(const std::string& table) = 0;
  virtual void Insert(const std::string& table, const std::string& value) = 0;
  /// Values of <table> in the session's database, sorted.
  virtual std::vector<std::string> Select(const std::string& table) = 0;
  /// CREATE DATABASE <name>.
  virtual void CreateDatabase(const std::string& name) = 0;
};

/// Expects `statement` to throw db::DbError of `expected_kind`.
#define GRANTOR_EXPECT_DB_ERROR(statement, expected_kind)           \
  do {                                                              \
    try {                                                           \
      statement;                                                    \
      ADD_FAILURE() << #statement " did not throw";                 \
    } catch (const ::grantor::db::DbError& grantor_error) {         \
      EXPECT_EQ(::grantor::db::ErrorKindName(grantor_error.kind()), \
                ::grantor::db::ErrorKindName(expected_kind))        \
          << #statement ": " << grantor_error.what() << " [" << grantor_error.native_code() << "]"; \
    }                                                               \
  } while (false)

template <typename Harness>
class EngineContract : public ::testing::Test {
 protected:
  db::Engine& engine() { return harness_.engine(); }
  std::string Name(const std::string& suffix) const { return harness_.prefix() + suffix; }

  db::UserSpec Spec(const std::string& user, const std::string& password,
                    std::optional<std::string> database, db::ExtraRoles roles = {}) const {
    return db::UserSpec{user, password, std::move(database), std::move(roles), kOwnerA};
  }
  db::DatabaseStatus Status(const std::string& db) { return engine().InspectDatabase(db).status; }
  /// A database plus a user in it; returns the user's name.
  std::string MakeUserWithDatabase(const std::string& user_suffix, const std::string& db,
                                   const std::string& password, db::ExtraRoles roles = {}) {
    engine().EnsureDatabase(db, kOwnerA);
    engine().EnsureUser(Spec(Name(user_suffix), password, db, std::move(roles)));
    return Name(user_suffix);
  }
  bool CanLogin(const std::string& user, const std::string& password, const std::string& db) {
    try {
      return harness_.Login(user, password, db)->Alive();
    } catch (const std::exception&) {
      return false;
    }
  }

  Harness harness_;
};

TYPED_TEST_SUITE_P(EngineContract);

TYPED_TEST_P(EngineContract, ReportsServerVersion) {
  const db::ServerInfo info = this->engine().Server();
  EXPECT_FALSE(info.version.empty());
  const bool postgres = this->harness_.dialect() == core::Dialect::kPostgres;
  EXPECT_EQ(info.flavour == db::Flavour::kPostgres, postgres);
}

TYPED_TEST_P(EngineContract, EnsureDatabaseTwiceIsNoOp) {
  const std::string db = this->Name("db");
  EXPECT_FALSE(this->engine().DatabaseExists(db));
  this->engine().EnsureDatabase(db, kOwnerA);
  this->engine().EnsureDatabase(db, kOwnerA);
  EXPECT_TRUE(this->engine().DatabaseExists(db));
}

TYPED_TEST_P(EngineContract, EnsureUserTwiceIsNoOp) {
  const std::string db = this->Name("db");
  const std::string user = this->MakeUserWithDatabase("u", db, "first-Password-1");
  this->engine().EnsureUser(this->Spec(user, "first-Password-1", db));
  EXPECT_EQ(this->engine().ListUsers(this->Name("")), std::vector<std::string>{user});
  EXPECT_TRUE(this->engine().UserExists(user));
  EXPECT_TRUE(this->CanLogin(user, "first-Password-1", db));
}

TYPED_TEST_P(EngineContract, EnsureUserRotatesPassword) {
  const std::string db = this->Name("db");
  const std::string user = this->MakeUserWithDatabase("u", db, "old-Password-1");
  this->engine().EnsureUser(this->Spec(user, "new-Password-2", db));
  EXPECT_FALSE(this->CanLogin(user, "old-Password-1", db));
  EXPECT_TRUE(this->CanLogin(user, "new-Password-2", db));
}

TYPED_TEST_P(EngineContract, SetPasswordRotatesPassword) {
  const std::string db = this->Name("db");
  const std::string user = this->MakeUserWithDatabase("u", db, "old-Password-1");
  this->engine().SetPassword(user, "new-Password-2");
  EXPECT_FALSE(this->CanLogin(user, "old-Password-1", db));
  EXPECT_TRUE(this->CanLogin(user, "new-Password-2", db));
  GRANTOR_EXPECT_DB_ERROR(this->engine().SetPassword(this->Name("absent"), "Password-3"),
                          db::ErrorKind::kNotFound);
}

TYPED_TEST_P(EngineContract, PasswordWithQuotesAndBackslashesWorks) {
  const std::string db = this->Name("db");
  const std::string password = R"(it's a "pass" \word`; -- $$ %_)";
  const std::string user = this->MakeUserWithDatabase("u", db, password);
  EXPECT_TRUE(this->CanLogin(user, password, db));
  EXPECT_FALSE(this->CanLogin(user, "it's a ", db));
}

// Passwords outside printable ASCII (spaces, non-ASCII: SASLprep territory) must log in as well
// as ASCII ones (PostgreSQL: libpq prepares them with SASLprep before computing the verifier, as
// the server would and as libpq does at login), and rotating between the two kinds must too.
TYPED_TEST_P(EngineContract, NonAsciiAndAsciiPasswordsBothLogIn) {
  const std::string db = this->Name("db");
  const std::string unicode = "p\xc3\xa4ssw\xc3\xb6rd \xe2\x82\xac-\xef\xbc\xa1";  // "pässwörd €-Ａ"
  const std::string user = this->MakeUserWithDatabase("u", db, unicode);
  EXPECT_TRUE(this->CanLogin(user, unicode, db));
  this->engine().SetPassword(user, "Ascii-Only-Password-1");
  EXPECT_FALSE(this->CanLogin(user, unicode, db));
  EXPECT_TRUE(this->CanLogin(user, "Ascii-Only-Password-1", db));
  this->engine().EnsureUser(this->Spec(user, unicode, db));
  EXPECT_TRUE(this->CanLogin(user, unicode, db));
  EXPECT_FALSE(this->CanLogin(user, "Ascii-Only-Password-1", db));
}

// The engine's cheap paths (PostgreSQL: one probe, one batch) must converge an existing user
// exactly like a fresh one: attributes, password and database access, from any earlier state.
TYPED_TEST_P(EngineContract, EnsureUserConvergesAnExistingUser) {
  const std::string db = this->Name("db");
  const std::string user =
      this->MakeUserWithDatabase("u", db, "Password-1", {db::ExtraRole::kCreateDb});
  this->engine().EnsureUser(this->Spec(user, "Password-2", db));
  EXPECT_TRUE(this->CanLogin(user, "Password-2", db));
  EXPECT_ANY_THROW(
      this->harness_.Login(user, "Password-2", db)->CreateDatabase(this->Name("made")));
  this->engine().EnsureUser(this->Spec(user, "Password-3", db, {db::ExtraRole::kCreateDb}));
  EXPECT_TRUE(this->CanLogin(user, "Password-3", db));
  this->harness_.Login(user, "Password-3", db)->CreateDatabase(this->Name("made"));
  EXPECT_EQ(this->engine().ListUsers(this->Name("")), std::vector<std::string>{user});
}

TYPED_TEST_P(EngineContract, EnsureUserNeedsExistingDatabase) {
  GRANTOR_EXPECT_DB_ERROR(
      this->engine().EnsureUser(this->Spec(this->Name("u"), "Password-1", this->Name("nodb"))),
      db::ErrorKind::kNotFound);
  EXPECT_FALSE(this->engine().UserExists(this->Name("u")));
}

TYPED_TEST_P(EngineContract, DropAbsentUserSucceeds) {
  this->engine().DropUser(this->Name("never"));
  this->engine().DropUser(this->Name("never"));
}

TYPED_TEST_P(EngineContract, DroppedUserCannotLoginAndItsSessionIsTerminated) {
  const std::string db = this->Name("db");
  const std::string user = this->MakeUserWithDatabase("u", db, "Password-1");
  auto session = this->harness_.Login(user, "Password-1", db);
  ASSERT_TRUE(session->Alive());
  this->engine().DropUser(user);
  EXPECT_FALSE(session->Alive());
  EXPECT_FALSE(this->CanLogin(user, "Password-1", db));
  EXPECT_FALSE(this->engine().UserExists(user));
  EXPECT_TRUE(this->engine().ListUsers(this->Name("")).empty());
  this->engine().DropUser(user);  // idempotent
}

TYPED_TEST_P(EngineContract, PasswordChangeKeepsOpenSessions) {
  const std::string db = this->Name("db");
  const std::string user = this->MakeUserWithDatabase("u", db, "Password-1");
  auto session = this->harness_.Login(user, "Password-1", db);
  this->engine().SetPassword(user, "Password-2");
  EXPECT_TRUE(session->Alive());
}

TYPED_TEST_P(EngineContract, DataSurvivesUserRotation) {
  const std::string db = this->Name("db");
  const std::string first = this->MakeUserWithDatabase("a", db, "Password-A");
  {
    auto session = this->harness_.Login(first, "Password-A", db);
    session->CreateTable("survivor");
    session->Insert("survivor", "from-a");
  }
  this->engine().DropUser(first);
  const std::string second = this->MakeUserWithDatabase("b", db, "Password-B");
  auto session = this->harness_.Login(second, "Password-B", db);
  EXPECT_EQ(session->Select("survivor"), std::vector<std::string>{"from-a"});
  session->Insert("survivor", "from-b");
  EXPECT_EQ(session->Select("survivor"), (std::vector<std::string>{"from-a", "from-b"}));
}

TYPED_TEST_P(EngineContract, UsersAreIsolatedFromOtherDatabases) {
  const std::string mine = this->Name("db1");
  const std::string theirs = this->Name("db2");
  const std::string user = this->MakeUserWithDatabase("a", mine, "Password-A");
  const std::string other = this->MakeUserWithDatabase("b", theirs, "Password-B");
  this->harness_.Login(other, "Password-B", theirs)->CreateTable("secret");
  bool reached = false;
  try {
    this->harness_.Login(user, "Password-A", theirs)->Select("secret");
    reached = true;
  } catch (const std::exception&) {
  }
  EXPECT_FALSE(reached) << "a user of " << mine << " could read a table in " << theirs;
}

TYPED_TEST_P(EngineContract, CreateDbRoleIsAppliedAndTakenAway) {
  const std::string db = this->Name("db");
  const std::string user =
      this->MakeUserWithDatabase("u", db, "Password-1", {db::ExtraRole::kCreateDb});
  this->harness_.Login(user, "Password-1", db)->CreateDatabase(this->Name("made1"));
  this->engine().EnsureUser(this->Spec(user, "Password-1", db));
  EXPECT_ANY_THROW(
      this->harness_.Login(user, "Password-1", db)->CreateDatabase(this->Name("made2")));
}

// A role the server-side functions were not told is grantable is refused by the server itself,
// whatever the operator asks: a leaked operator password cannot widen the policy.
TYPED_TEST_P(EngineContract, OnlyGrantableRolesAreGiven) {
  const std::string db = this->Name("db");
  this->engine().EnsureDatabase(db, kOwnerA);
  this->harness_.SetGrantable({});
  GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureUser(this->Spec(this->Name("u"), "Password-1", db,
                                                               {db::ExtraRole::kCreateDb})),
                          db::ErrorKind::kAccessDenied);
  EXPECT_FALSE(this->engine().UserExists(this->Name("u")));
  this->engine().EnsureUser(this->Spec(this->Name("u"), "Password-1", db));  // plain: fine
  this->harness_.SetGrantable(kDefaultGrantable);
  this->engine().EnsureUser(this->Spec(this->Name("u"), "Password-1", db, {db::ExtraRole::kCreateDb}));
  this->harness_.Login(this->Name("u"), "Password-1", db)->CreateDatabase(this->Name("made"));
}

// `admin` reaches the requiring application's own databases, and nothing of another
// application's.
TYPED_TEST_P(EngineContract, AdminRoleReachesOnlyItsApplicationsDatabasesOrIsRefused) {
  const db::ServerInfo server = this->engine().Server();
  if (core::UnsafeRoleReason(db::ExtraRole::kAdmin, server)) {  // MariaDB: refused, unchanged
    this->engine().EnsureDatabase(this->Name("db2"), kOwnerA);
    GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureUser(this->Spec(this->Name("adm"), "Password-X",
                                                                 this->Name("db2"),
                                                                 {db::ExtraRole::kAdmin})),
                            db::ErrorKind::kAccessDenied);
    EXPECT_FALSE(this->engine().UserExists(this->Name("adm")));
    return;
  }
  const std::string data_db = this->Name("db1");
  const std::string owner = this->MakeUserWithDatabase("a", data_db, "Password-A");
  {
    auto session = this->harness_.Login(owner, "Password-A", data_db);
    session->CreateTable("shared");
    session->Insert("shared", "row");
  }
  const std::string other_db = this->Name("db3");
  this->engine().EnsureDatabase(other_db, kOwnerB);
  db::UserSpec other_user = this->Spec(this->Name("b"), "Password-B", other_db);
  other_user.application = kOwnerB;
  this->engine().EnsureUser(other_user);
  {
    auto session = this->harness_.Login(this->Name("b"), "Password-B", other_db);
    session->CreateTable("private");
    session->Insert("private", "theirs");
  }
  const std::string admin =
      this->MakeUserWithDatabase("adm", this->Name("db2"), "Password-X", {db::ExtraRole::kAdmin});
  EXPECT_EQ(this->harness_.Login(admin, "Password-X", data_db)->Select("shared"),
            std::vector<std::string>{"row"});
  bool reached = false;
  try {
    this->harness_.Login(admin, "Password-X", other_db)->Select("private");
    reached = true;
  } catch (const std::exception&) {
  }
  EXPECT_FALSE(reached) << "an admin user of app-a read app-b's database";
}

TYPED_TEST_P(EngineContract, SuperuserRoleIsAppliedWhenGrantable) {
  this->harness_.SetGrantable({db::ExtraRole::kSuperuser});
  const std::string data_db = this->Name("db1");
  const std::string owner = this->MakeUserWithDatabase("a", data_db, "Password-A");
  this->harness_.Login(owner, "Password-A", data_db)->CreateTable("t");
  const std::string root = this->MakeUserWithDatabase("su", this->Name("db2"), "Password-S",
                                                      {db::ExtraRole::kSuperuser});
  EXPECT_TRUE(this->harness_.Login(root, "Password-S", data_db)->Select("t").empty());
  // In its own database too (where a PostgreSQL default role could mask the attribute).
  this->harness_.Login(root, "Password-S", this->Name("db2"))->CreateDatabase(this->Name("made"));
  // The operator itself never becomes superuser for it.
  EXPECT_EQ(this->engine().OperatorDrift({db::ExtraRole::kSuperuser}), std::nullopt);
  // Revocation works for it as for anyone.
  this->engine().DropUser(root);
  EXPECT_FALSE(this->engine().UserExists(root));
}

// CREATEROLE / CREATE USER reaches accounts the user did not create on MariaDB and on
// PostgreSQL 15 and older: refused there before anything changes.
TYPED_TEST_P(EngineContract, CreateRoleIsRefusedWhereItIsUnsafe) {
  const db::ServerInfo server = this->engine().Server();
  const std::string db = this->Name("db");
  this->engine().EnsureDatabase(db, kOwnerA);
  const auto spec = this->Spec(this->Name("u"), "Password-1", db, {db::ExtraRole::kCreateRole});
  if (!core::UnsafeRoleReason(db::ExtraRole::kCreateRole, server)) {
    this->engine().EnsureUser(spec);
    EXPECT_TRUE(this->engine().UserExists(this->Name("u")));
    return;
  }
  GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureUser(spec), db::ErrorKind::kAccessDenied);
  EXPECT_FALSE(this->engine().UserExists(this->Name("u")));
}

TYPED_TEST_P(EngineContract, SuperuserIsRefusedUnlessGrantable) {
  const std::string db = this->Name("db");
  this->engine().EnsureDatabase(db, kOwnerA);
  GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureUser(this->Spec(this->Name("su"), "Password-1", db,
                                                               {db::ExtraRole::kSuperuser})),
                          db::ErrorKind::kAccessDenied);
  EXPECT_FALSE(this->engine().UserExists(this->Name("su")));
}

TYPED_TEST_P(EngineContract, EnsureDatabaseMakesADatabaseThisApplicationManages) {
  const std::string db = this->Name("db");
  EXPECT_EQ(this->Status(db), db::DatabaseStatus::kAbsent);
  EXPECT_EQ(this->engine().InspectDatabase(db).owner, std::nullopt);
  this->engine().EnsureDatabase(db, kOwnerA);
  EXPECT_EQ(this->engine().InspectDatabase(db),
            (db::DatabaseInfo{db::DatabaseStatus::kManaged, kOwnerA}));
  auto other = this->harness_.ConnectAsAnotherApplication();
  EXPECT_EQ(other->InspectDatabase(db).status, db::DatabaseStatus::kForeign);
  GRANTOR_EXPECT_DB_ERROR(other->EnsureDatabase(db, kOwnerA), db::ErrorKind::kAlreadyExists);
  EXPECT_EQ(this->Status(db), db::DatabaseStatus::kManaged);
}

// The owner is recorded once, when the database is made: asking again for another application
// changes nothing (the charm refuses such requests unless the operator shares the database).
TYPED_TEST_P(EngineContract, TheRecordedOwnerNeverChanges) {
  const std::string db = this->Name("db");
  this->engine().EnsureDatabase(db, kOwnerA);
  this->engine().EnsureDatabase(db, kOwnerB);
  EXPECT_EQ(this->engine().InspectDatabase(db).owner, kOwnerA);
  auto fresh = this->harness_.ConnectAsOperator();
  EXPECT_EQ(fresh->InspectDatabase(db).owner, kOwnerA);
}

// The payroll story: a database made outside grantor is refused and left exactly as it was.
TYPED_TEST_P(EngineContract, ForeignDatabaseIsRefusedAndLeftAlone) {
  const std::string db = this->Name("payroll");
  this->harness_.CreateForeignDatabase(db, "salaries", "alice 100");
  EXPECT_EQ(this->Status(db), db::DatabaseStatus::kForeign);
  GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureDatabase(db, kOwnerA), db::ErrorKind::kAlreadyExists);
  GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureUser(this->Spec(this->Name("u"), "Password-1", db)),
                          db::ErrorKind::kNotFound);
  EXPECT_FALSE(this->engine().UserExists(this->Name("u")));
  EXPECT_EQ(this->Status(db), db::DatabaseStatus::kForeign);
  EXPECT_EQ(this->harness_.Rows(db, "salaries"), std::vector<std::string>{"alice 100"});
}

TYPED_TEST_P(EngineContract, AdoptedDatabaseServesUsersAndKeepsItsData) {
  const std::string db = this->Name("payroll");
  this->harness_.CreateForeignDatabase(db, "salaries", "alice 100");
  GRANTOR_EXPECT_DB_ERROR(
      this->harness_.admin_engine().AdoptDatabase(this->Name("absent"), kOwnerA),
      db::ErrorKind::kNotFound);
  this->harness_.admin_engine().AdoptDatabase(db, kOwnerA);
  this->harness_.admin_engine().AdoptDatabase(db, kOwnerB);  // idempotent; the owner stays
  EXPECT_EQ(this->engine().InspectDatabase(db),
            (db::DatabaseInfo{db::DatabaseStatus::kAdopted, kOwnerA}));
  GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureDatabase(db, kOwnerA), db::ErrorKind::kAlreadyExists);
  const std::string first = this->Name("a");
  this->engine().EnsureUser(this->Spec(first, "Password-A", db));
  {
    auto session = this->harness_.Login(first, "Password-A", db);
    session->CreateTable("mine");
    session->Insert("mine", "made by a");
  }
  this->engine().DropUser(first);
  const std::string second = this->Name("b");
  this->engine().EnsureUser(this->Spec(second, "Password-B", db));
  EXPECT_EQ(this->harness_.Login(second, "Password-B", db)->Select("mine"),
            std::vector<std::string>{"made by a"});
  EXPECT_EQ(this->harness_.Rows(db, "salaries"), std::vector<std::string>{"alice 100"});
  // A database this application manages is not adopted again.
  const std::string managed = this->Name("own");
  this->engine().EnsureDatabase(managed, kOwnerA);
  GRANTOR_EXPECT_DB_ERROR(this->harness_.admin_engine().AdoptDatabase(managed, kOwnerA),
                          db::ErrorKind::kAlreadyExists);
}

// Revocation's first step: no login, no session, whatever is left to clean up; the user is
// still there to be dropped (or given back its login by EnsureUser).
TYPED_TEST_P(EngineContract, LockUserEndsLoginsAndSessionsAtOnce) {
  const std::string db = this->Name("db");
  const std::string user = this->MakeUserWithDatabase("u", db, "Password-1");
  auto session = this->harness_.Login(user, "Password-1", db);
  ASSERT_TRUE(session->Alive());
  this->engine().LockUser(user);
  EXPECT_FALSE(session->Alive());
  EXPECT_FALSE(this->CanLogin(user, "Password-1", db));
  EXPECT_TRUE(this->engine().UserExists(user));
  this->engine().LockUser(user);  // idempotent
  this->engine().LockUser(this->Name("never"));
  this->engine().EnsureUser(this->Spec(user, "Password-2", db));
  EXPECT_TRUE(this->CanLogin(user, "Password-2", db));
  this->engine().DropUser(user);
  EXPECT_FALSE(this->engine().UserExists(user));
}

TYPED_TEST_P(EngineContract, OperatorHoldsExactlyTheLeastPrivileges) {
  EXPECT_EQ(this->engine().OperatorDrift(kDefaultGrantable), std::nullopt);
  EXPECT_TRUE(this->engine().OperatorDrift({db::ExtraRole::kSuperuser}).has_value());
  this->harness_.SetGrantable({db::ExtraRole::kSuperuser});
  EXPECT_EQ(this->engine().OperatorDrift({db::ExtraRole::kSuperuser}), std::nullopt);
  EXPECT_TRUE(this->engine().OperatorDrift(kDefaultGrantable).has_value());
  this->harness_.SetGrantable(kDefaultGrantable);  // narrowed again
  EXPECT_EQ(this->engine().OperatorDrift(kDefaultGrantable), std::nullopt);
}

// A server-side function changed behind grantor's back is never used: the operator's next
// session refuses with kNeedsRepair and changes nothing, OperatorDrift names it, and the admin's
// EnsureOperator puts it back.
TYPED_TEST_P(EngineContract, AnAlteredServerApiIsRefusedUntilRepaired) {
  const std::string db = this->Name("db");
  this->engine().EnsureDatabase(db, kOwnerA);
  this->harness_.TamperWithServerApi();
  auto session = this->harness_.ConnectAsOperator();
  GRANTOR_EXPECT_DB_ERROR(session->EnsureUser(this->Spec(this->Name("u"), "Password-1", db)),
                          db::ErrorKind::kNeedsRepair);
  EXPECT_TRUE(session->OperatorDrift(kDefaultGrantable).has_value());
  EXPECT_FALSE(this->harness_.admin_engine().UserExists(this->Name("u")));
  this->harness_.SetGrantable(kDefaultGrantable);
  auto repaired = this->harness_.ConnectAsOperator();
  EXPECT_EQ(repaired->OperatorDrift(kDefaultGrantable), std::nullopt);
  repaired->EnsureUser(this->Spec(this->Name("u"), "Password-1", db));
  EXPECT_TRUE(this->CanLogin(this->Name("u"), "Password-1", db));
}

TYPED_TEST_P(EngineContract, ListUsersFiltersByPrefix) {
  const std::string db = this->Name("db");
  this->engine().EnsureDatabase(db, kOwnerA);
  for (const char* suffix : {"b1", "a2", "a1"}) {
    this->engine().EnsureUser(this->Spec(this->Name(suffix), "Password-1", db));
  }
  EXPECT_EQ(this->engine().ListUsers(this->Name("a")),
            (std::vector<std::string>{this->Name("a1"), this->Name("a2")}));
  EXPECT_EQ(this->engine().ListUsers(this->Name("")).size(), 3u);
  EXPECT_TRUE(this->engine().ListUsers(this->Name("z")).empty());
}

TYPED_TEST_P(EngineContract, HostileNamesAreRejectedBeforeAnySql) {
  const std::string db = this->Name("db");
  this->engine().EnsureDatabase(db, kOwnerA);
  const std::vector<std::string> hostile = {
      this->Name("\"; DROP ROLE postgres; --"),
      this->Name("'; DROP USER root; --"),
      this->Name("`; DROP DATABASE mysql; --"),
      this->Name("x' OR '1'='1"),
      this->Name("sp ace"),
      this->Name("back\\slash"),
      this->Name("new\nline"),
      this->Name(std::string("nul\0x", 5)),
      this->Name("\xc3\xbcnicode"),
      this->Name("wild%"),
      std::string(70, 'a'),
      "",
      "-dash",
  };
  using db::ErrorKind;
  for (const std::string& name : hostile) {
    SCOPED_TRACE(core::Printable(name));
    GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureDatabase(name, kOwnerA), ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(this->engine().DatabaseExists(name), ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(this->engine().InspectDatabase(name), ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(this->harness_.admin_engine().AdoptDatabase(name, kOwnerA),
                            ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureUser(this->Spec(name, "Password-1", db)),
                            ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(
        this->engine().EnsureUser(this->Spec(this->Name("ok"), "Password-1", name)),
        ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(this->engine().SetPassword(name, "Password-1"),
                            ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(this->engine().DropUser(name), ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(this->engine().LockUser(name), ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(this->engine().UserExists(name), ErrorKind::kInvalidName);
    if (!name.empty()) {
      GRANTOR_EXPECT_DB_ERROR(this->engine().ListUsers(name), ErrorKind::kInvalidName);
    }
  }
  EXPECT_TRUE(this->engine().ListUsers(this->Name("")).empty());
}

TYPED_TEST_P(EngineContract, InvalidPasswordsAreRejected) {
  const std::string db = this->Name("db");
  this->engine().EnsureDatabase(db, kOwnerA);
  for (const std::string& password : {std::string(""), std::string("tab\there"),
                                      std::string("nul\0x", 5), std::string(2000, 'p')}) {
    GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureUser(this->Spec(this->Name("u"), password, db)),
                            db::ErrorKind::kInvalidName);
  }
  EXPECT_FALSE(this->engine().UserExists(this->Name("u")));
}

TYPED_TEST_P(EngineContract, ReservedNamesAreRejected) {
  const bool postgres = this->harness_.dialect() == core::Dialect::kPostgres;
  const std::vector<std::string> databases =
      postgres
          ? std::vector<std::string>{"postgres", "template0", "template1", "grantor_x"}
          : std::vector<std::string>{"mysql", "sys", "information_schema", "performance_schema",
                                     "grantor_x_meta"};
  const std::vector<std::string> users =
      postgres ? std::vector<std::string>{"postgres", "pg_monitor", "grantor_owner_x", "public",
                                          "grantor_admin"}
               : std::vector<std::string>{"root", "mysql.sys", "mariadb.sys"};
  for (const auto& name : databases) {
    GRANTOR_EXPECT_DB_ERROR(this->engine().EnsureDatabase(name, kOwnerA),
                            db::ErrorKind::kInvalidName);
  }
  for (const auto& name : users) {
    GRANTOR_EXPECT_DB_ERROR(this->engine().DropUser(name), db::ErrorKind::kInvalidName);
    GRANTOR_EXPECT_DB_ERROR(this->engine().LockUser(name), db::ErrorKind::kInvalidName);
  }
}

TYPED_TEST_P(EngineContract, ServerDownIsConnectionError) {
  GRANTOR_EXPECT_DB_ERROR(this->harness_.ConnectToDownServer()->ListUsers(this->Name("")),
                          db::ErrorKind::kConnection);
}

REGISTER_TYPED_TEST_SUITE_P(EngineContract, ReportsServerVersion, EnsureDatabaseTwiceIsNoOp,
                            EnsureUserTwiceIsNoOp, EnsureUserRotatesPassword,
                            SetPasswordRotatesPassword, PasswordWithQuotesAndBackslashesWorks,
                            NonAsciiAndAsciiPasswordsBothLogIn, EnsureUserConvergesAnExistingUser,
                            EnsureUserNeedsExistingDatabase, DropAbsentUserSucceeds,
                            DroppedUserCannotLoginAndItsSessionIsTerminated,
                            PasswordChangeKeepsOpenSessions, DataSurvivesUserRotation,
                            UsersAreIsolatedFromOtherDatabases, CreateDbRoleIsAppliedAndTakenAway,
                            OnlyGrantableRolesAreGiven,
                            AdminRoleReachesOnlyItsApplicationsDatabasesOrIsRefused,
                            SuperuserRoleIsAppliedWhenGrantable,
                            CreateRoleIsRefusedWhereItIsUnsafe, SuperuserIsRefusedUnlessGrantable,
                            EnsureDatabaseMakesADatabaseThisApplicationManages,
                            TheRecordedOwnerNeverChanges, ForeignDatabaseIsRefusedAndLeftAlone,
                            AdoptedDatabaseServesUsersAndKeepsItsData,
                            LockUserEndsLoginsAndSessionsAtOnce,
                            OperatorHoldsExactlyTheLeastPrivileges,
                            AnAlteredServerApiIsRefusedUntilRepaired,
                            ListUsersFiltersByPrefix, HostileNamesAreRejectedBeforeAnySql,
                            InvalidPasswordsAreRejected, ReservedNamesAreRejected,
                            ServerDownIsConnectionError);

}  // namespace grantor::contract
