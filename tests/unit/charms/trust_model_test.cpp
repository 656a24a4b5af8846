// The trust model, Scenario style: the operator decides what a remote application may get; the
// application only asks. Each test is one Juju story: a request the default policy refuses
// (Blocked naming the relation and the option, nothing touched on the server, other relations
// served), the same request once the operator allows it, and the charm's own least privilege.

#include <algorithm>

#include "provider_fixture.hpp"

namespace grantor::charms::testing_support {
namespace {

class TrustModelTest : public ProviderFixture {
 protected:
  TrustModelTest() : ProviderFixture(core::Dialect::kPostgres) {}

  testing::HookOutcome ConfigChanged(State state) {
    return RunEvent(Charm(), testing::HookEvent(state, EventKind::kConfigChanged), state);
  }

  // The engine calls made since `from`, for "nothing was changed on the server".
  std::vector<std::string> CallsSince(std::size_t from) const {
    return {engine_.calls().begin() + static_cast<std::ptrdiff_t>(from), engine_.calls().end()};
  }

  static bool OnlyReads(const std::vector<std::string>& calls) {
    return std::all_of(calls.begin(), calls.end(), [](const std::string& call) {
      return call.rfind("Ensure", 0) != 0 && call.rfind("Adopt", 0) != 0 &&
             call.rfind("Drop", 0) != 0 && call.rfind("SetPassword", 0) != 0;
    });
  }
};

TEST_F(TrustModelTest, ANewDatabaseIsCreatedAndManagedByThisApplication) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(3, {{"database", "shop"}}));
  auto out = Changed(state, 3);
  EXPECT_EQ(out.state.unit_status.status, "active");
  EXPECT_EQ(engine_.ManagerOf("shop"), core::InstanceNames(kModelUuid, "pg").prefix());
}

// The payroll story: an existing database the charm does not manage is refused, untouched.
TEST_F(TrustModelTest, AnExistingDatabaseIsRefusedUntilTheOperatorAdoptsIt) {
  engine_.AddForeignDatabase("payroll", "salaries", {"alice 100"});
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(4, {{"database", "shop"}}));
  state.relations.push_back(DatabaseRelation(5, {{"database", "payroll"}}));
  state = Changed(state, 4).state;
  const auto before = engine_.calls().size();
  auto refused = Changed(state, 5);

  EXPECT_EQ(refused.exit_code, 0);
  EXPECT_EQ(refused.state.unit_status.status, "blocked");
  const std::string message = refused.state.unit_status.message;
  EXPECT_TRUE(Contains(message, "relation database:5")) << message;
  EXPECT_TRUE(Contains(message, "\"payroll\"")) << message;
  EXPECT_TRUE(Contains(message, "adopt-databases")) << message;
  EXPECT_TRUE(OnlyReads(CallsSince(before)));
  EXPECT_FALSE(engine_.HasUser(RelationUser(5)));
  EXPECT_TRUE(refused.state.FindRelation(5)->local_app_data.empty());
  EXPECT_EQ(engine_.TableRows("payroll", "salaries"), std::vector<std::string>{"alice 100"});
  EXPECT_EQ(engine_.ManagerOf("payroll"), "");
  EXPECT_TRUE(engine_.HasUser(RelationUser(4)));  // the other relation is still served

  // The operator hands the database over: served on config-changed, through the admin.
  refused.state.config["adopt-databases"] = "other, payroll";
  connected_as_.clear();
  auto adopted = ConfigChanged(refused.state);
  EXPECT_EQ(adopted.state.unit_status.status, "active") << adopted.state.unit_status.message;
  const auto& bag = adopted.state.FindRelation(5)->local_app_data;
  ASSERT_TRUE(bag.contains("username"));
  EXPECT_TRUE(engine_.Login(bag.at("username"), bag.at("password"), "payroll"));
  EXPECT_TRUE(engine_.IsAdoptedBy("payroll", core::InstanceNames(kModelUuid, "pg").prefix()));
  EXPECT_EQ(engine_.ManagerOf("payroll"), "");  // adopted, not taken over
  EXPECT_NE(std::find(connected_as_.begin(), connected_as_.end(), "admin"), connected_as_.end());
  EXPECT_EQ(engine_.TableRows("payroll", "salaries"), std::vector<std::string>{"alice 100"});
}

// Another grantor application's database is as foreign as anyone else's.
TEST_F(TrustModelTest, AnotherGrantorApplicationsDatabaseIsForeign) {
  engine_.ActAs("admin", "grantor_other00000_");
  engine_.EnsureDatabase("theirs", db::DatabaseOwner{"other-model", "other-app"});
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(6, {{"database", "theirs"}}));
  auto out = Changed(state, 6);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_TRUE(Contains(out.state.unit_status.message, "adopt-databases"));
  EXPECT_FALSE(engine_.HasUser(RelationUser(6)));
}

TEST_F(TrustModelTest, ExtraRolesAreRefusedByDefaultAndGivenOnceAllowed) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(7, {{"database", "ops"}, {"extra-user-roles", "createdb"}}));
  const auto before = engine_.calls().size();
  auto refused = Changed(state, 7);
  EXPECT_EQ(refused.state.unit_status.status, "blocked");
  const std::string message = refused.state.unit_status.message;
  EXPECT_TRUE(Contains(message, "relation database:7")) << message;
  EXPECT_TRUE(Contains(message, "createdb")) << message;
  EXPECT_TRUE(Contains(message, "allowed-extra-user-roles")) << message;
  EXPECT_TRUE(CallsSince(before).empty()) << "a refused role needs no server call";
  EXPECT_FALSE(engine_.HasDatabase("ops"));

  refused.state.config["allowed-extra-user-roles"] = "createdb";
  auto allowed = ConfigChanged(refused.state);
  EXPECT_EQ(allowed.state.unit_status.status, "active") << allowed.state.unit_status.message;
  ASSERT_TRUE(engine_.GetUser(RelationUser(7)));
  EXPECT_TRUE(engine_.GetUser(RelationUser(7))->extra_roles.contains(db::ExtraRole::kCreateDb));
}

TEST_F(TrustModelTest, SuperuserIsRefusedByDefaultAndTheOperatorStaysLeastPrivileged) {
  State state = Bootstrapped();
  EXPECT_EQ(engine_.OperatorIsSuperuser(OperatorUser()), false);
  state.relations.push_back(DatabaseRelation(8, {{"database", "ops"}, {"extra-user-roles", "SuperUser"}}));
  auto refused = Changed(state, 8);
  EXPECT_EQ(refused.state.unit_status.status, "blocked");
  EXPECT_FALSE(engine_.HasUser(RelationUser(8)));

  // Allowing superuser lets the server-side functions give it (installed by the admin); the
  // operator itself never becomes superuser.
  const std::string prefix = core::InstanceNames(kModelUuid, "pg").prefix();
  EXPECT_FALSE(engine_.InstalledGrantable(prefix)->contains(db::ExtraRole::kSuperuser));
  refused.state.config["allowed-extra-user-roles"] = "superuser";
  auto allowed = ConfigChanged(refused.state);
  EXPECT_EQ(allowed.state.unit_status.status, "active") << allowed.state.unit_status.message;
  EXPECT_EQ(engine_.OperatorIsSuperuser(OperatorUser()), false);
  EXPECT_TRUE(engine_.InstalledGrantable(prefix)->contains(db::ExtraRole::kSuperuser));
  EXPECT_TRUE(engine_.GetUser(RelationUser(8))->extra_roles.contains(db::ExtraRole::kSuperuser));

  // Taking it back narrows the functions again; the relation's request is refused again.
  allowed.state.config["allowed-extra-user-roles"] = "";
  auto narrowed = ConfigChanged(allowed.state);
  EXPECT_FALSE(engine_.InstalledGrantable(prefix)->contains(db::ExtraRole::kSuperuser));
  EXPECT_EQ(narrowed.state.unit_status.status, "blocked");
  EXPECT_TRUE(Contains(narrowed.state.unit_status.message, "allowed-extra-user-roles"));

  // Revoking that superuser relation works as for any other.
  narrowed.state.FindRelation(8)->broken = true;
  auto broken = RunEvent(Charm(), testing::RelationEvent(narrowed.state, EventKind::kRelationBroken, 8),
                         narrowed.state);
  EXPECT_EQ(broken.exit_code, 0);
  EXPECT_FALSE(engine_.HasUser(RelationUser(8)));
}

TEST_F(TrustModelTest, CreateRoleIsRefusedOnPostgres15EvenWhenAllowed) {
  State state = Bootstrapped();
  state.config["allowed-extra-user-roles"] = "createrole";
  state = ConfigChanged(state).state;
  state.relations.push_back(DatabaseRelation(9, {{"database", "ops"}, {"extra-user-roles", "createrole"}}));
  auto out = Changed(state, 9);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_TRUE(Contains(out.state.unit_status.message, "cannot be given safely")) << out.state.unit_status.message;
  EXPECT_FALSE(engine_.HasUser(RelationUser(9)));
}

TEST_F(TrustModelTest, LegacyDbAdminIsRefusedUntilSuperuserIsAllowed) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(16, {{"database", "ops"}}, "db-admin"));
  auto refused = Changed(state, 16);
  EXPECT_EQ(refused.state.unit_status.status, "blocked");
  const std::string message = refused.state.unit_status.message;
  EXPECT_TRUE(Contains(message, "relation db-admin:16")) << message;
  EXPECT_TRUE(Contains(message, "db-admin endpoint")) << message;
  EXPECT_TRUE(Contains(message, "allowed-extra-user-roles")) << message;
  EXPECT_FALSE(engine_.HasUser(RelationUser(16)));
  EXPECT_TRUE(refused.state.FindRelation(16)->local_unit_data.empty());

  refused.state.config["allowed-extra-user-roles"] = "superuser";
  auto allowed = ConfigChanged(refused.state);
  EXPECT_EQ(allowed.state.unit_status.status, "active") << allowed.state.unit_status.message;
  ASSERT_TRUE(engine_.GetUser(RelationUser(16)));
  EXPECT_TRUE(engine_.GetUser(RelationUser(16))->extra_roles.contains(db::ExtraRole::kSuperuser));
}

TEST_F(TrustModelTest, InvalidPolicyConfigIsBlockedNamingTheOption) {
  State state = Configured();
  state.config["allowed-extra-user-roles"] = "createdb, pg_execute_server_program";
  auto out = ConfigChanged(state);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_TRUE(Contains(out.state.unit_status.message, "allowed-extra-user-roles"));
  state.config["allowed-extra-user-roles"] = "";
  state.config["adopt-databases"] = "ok, bad'name";
  out = ConfigChanged(state);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_TRUE(Contains(out.state.unit_status.message, "adopt-databases"));
}

// An operator account made with more privileges than the policy needs (an older release made
// it superuser) is brought down on upgrade-charm.
TEST_F(TrustModelTest, UpgradeBringsASuperuserOperatorDown) {
  State state = Bootstrapped();
  engine_.MakeOperatorSuperuser(OperatorUser());
  connected_as_.clear();
  auto upgraded = RunEvent(Charm(), testing::HookEvent(state, EventKind::kUpgradeCharm), state);
  EXPECT_EQ(upgraded.state.unit_status.status, "active");
  EXPECT_EQ(engine_.OperatorIsSuperuser(OperatorUser()), false);
  EXPECT_NE(std::find(connected_as_.begin(), connected_as_.end(), "admin"), connected_as_.end());

  // Settled: the next full reconcile does not need the admin.
  connected_as_.clear();
  RunEvent(Charm(), testing::HookEvent(upgraded.state, EventKind::kConfigChanged), upgraded.state);
  EXPECT_EQ(std::find(connected_as_.begin(), connected_as_.end(), "admin"), connected_as_.end());
}

// Juju before 3.4 still lists a relation in relation-ids during its own relation-broken: the
// relation is gone all the same, and its user is dropped in that very hook.
TEST_F(TrustModelTest, BrokenRelationStillListedByOldJujuIsRevokedAtOnce) {
  State state = Bootstrapped();
  state.juju_version = "3.1.8";
  state.relations.push_back(DatabaseRelation(10, {{"database", "blog"}}));
  state = Changed(state, 10).state;
  ASSERT_TRUE(engine_.HasUser(RelationUser(10)));
  state.FindRelation(10)->broken = true;
  auto out = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationBroken, 10), state);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_FALSE(engine_.HasUser(RelationUser(10)));
}

class MysqlTrust : public ProviderFixture {
 protected:
  MysqlTrust() : ProviderFixture(core::Dialect::kMySql) {}
};

TEST_F(MysqlTrust, AdminAndCreateRoleAreRefusedOnMariaDbEvenWhenAllowed) {
  State state = Bootstrapped();
  state.config["allowed-extra-user-roles"] = "admin, createrole";
  state = RunEvent(Charm(), testing::HookEvent(state, EventKind::kConfigChanged), state).state;
  state.relations.push_back(DatabaseRelation(2, {{"database", "inventory"}, {"extra-user-roles", "admin"}}));
  state.relations.push_back(DatabaseRelation(3, {{"database", "stock"}, {"extra-user-roles", "createrole"}}));
  auto out = Changed(Changed(state, 2).state, 3);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("cannot be given safely"), std::string::npos)
      << out.state.unit_status.message;
  EXPECT_FALSE(engine_.HasUser(RelationUser(2)));
  EXPECT_FALSE(engine_.HasUser(RelationUser(3)));
}

TEST_F(MysqlTrust, LegacyMysqlRootIsRefusedUntilSuperuserIsAllowed) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(6, {{"database", "ops"}}, "mysql-root"));
  auto refused = Changed(state, 6);
  EXPECT_EQ(refused.state.unit_status.status, "blocked");
  EXPECT_NE(refused.state.unit_status.message.find("mysql-root endpoint"), std::string::npos);
  EXPECT_FALSE(engine_.HasUser(RelationUser(6)));
  refused.state.config["allowed-extra-user-roles"] = "superuser";
  auto allowed =
      RunEvent(Charm(), testing::HookEvent(refused.state, EventKind::kConfigChanged), refused.state);
  const auto& user = allowed.state.FindRelation(6)->local_unit_data.at("user");
  EXPECT_TRUE(engine_.GetUser(user)->extra_roles.contains(db::ExtraRole::kSuperuser));
}

TEST_F(MysqlTrust, AnExistingDatabaseIsRefusedUntilAdopted) {
  engine_.AddForeignDatabase("payroll", "salaries", {"alice 100"});
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(4, {{"database", "payroll"}}));
  auto refused = Changed(state, 4);
  EXPECT_EQ(refused.state.unit_status.status, "blocked");
  EXPECT_FALSE(engine_.HasUser(RelationUser(4)));
  refused.state.config["adopt-databases"] = "payroll";
  auto adopted =
      RunEvent(Charm(), testing::HookEvent(refused.state, EventKind::kConfigChanged), refused.state);
  EXPECT_EQ(adopted.state.unit_status.status, "active") << adopted.state.unit_status.message;
  const auto& bag = adopted.state.FindRelation(4)->local_app_data;
  EXPECT_TRUE(engine_.Login(bag.at("username"), bag.at("password"), "payroll"));
}

}  // namespace
}  // namespace grantor::charms::testing_support
