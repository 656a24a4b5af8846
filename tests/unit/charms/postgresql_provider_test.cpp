// The PostgreSQL provider charm, Scenario style: state in, event, state out, against the
// in-memory engine. Each test tells one part of the Juju story a user would check.

#include <algorithm>
#include <tuple>

#include "provider_fixture.hpp"

namespace grantor::charms::testing_support {
namespace {

class PostgresProviderTest : public ProviderFixture {
 protected:
  PostgresProviderTest() : ProviderFixture(core::Dialect::kPostgres) {}

  // Relation `id` provisioned, then its relation-broken runs while the server is down (the
  // hook succeeds with Waiting); the server is back up when this returns.
  testing::HookOutcome RelationBrokenWhileServerDown(int id) {
    State state = Bootstrapped();
    state.relations.push_back(DatabaseRelation(id, {{"database", "gone"}}));
    state = Changed(state, id).state;
    state.FindRelation(id)->broken = true;
    engine_.SetServerDown(true);
    auto broken = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationBroken, id), state);
    EXPECT_EQ(broken.exit_code, 0);
    engine_.SetServerDown(false);
    return broken;
  }
};

TEST_F(PostgresProviderTest, UnconfiguredCharmSaysExactlyWhatToSet) {
  State state;
  state.leader = true;
  state.unit_name = "pg/0";
  auto out = RunEvent(Charm(), testing::HookEvent(state, EventKind::kConfigChanged), state);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_EQ(out.state.unit_status.message, "set config: host");
  // With a host, the admin credentials are what the first operator account needs.
  out.state.config["host"] = "db.example";
  auto without_admin = RunEvent(Charm(), testing::HookEvent(out.state, EventKind::kConfigChanged),
                                out.state);
  EXPECT_EQ(without_admin.state.unit_status.status, "blocked");
  EXPECT_TRUE(Contains(without_admin.state.unit_status.message, "set config admin-credentials"))
      << without_admin.state.unit_status.message;
}

TEST_F(PostgresProviderTest, InvalidSslModeIsBlockedWithTheAllowedValues) {
  State state = Configured();
  state.config["ssl-mode"] = "sometimes";
  auto out = RunEvent(Charm(), testing::HookEvent(state, EventKind::kConfigChanged), state);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("disable, allow, prefer, require, verify-ca, verify-full"),
            std::string::npos);
}

TEST_F(PostgresProviderTest, AdminSecretNotGrantedIsBlockedWithTheFix) {
  State state = Configured();
  state.secrets.clear();
  auto out = RunEvent(Charm(), testing::HookEvent(state, EventKind::kConfigChanged), state);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("juju grant-secret"), std::string::npos);
  EXPECT_FALSE(engine_.HasUser(OperatorUser()));
}

TEST_F(PostgresProviderTest, FirstConfigCreatesTheOperatorAndKeepsItsPasswordInASecret) {
  State state = Bootstrapped();
  ASSERT_TRUE(engine_.HasUser(OperatorUser()));
  const auto* secret = SecretByLabel(state, kOperatorSecretLabel);
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->owner, "application");
  const auto& content = secret->revisions.rbegin()->second;
  EXPECT_EQ(content.at("username"), OperatorUser());
  EXPECT_EQ(engine_.GetUser(OperatorUser())->password, content.at("password"));
  EXPECT_EQ(state.unit_status.status, "active");

  // From then on the charm works as operator, not as admin.
  connected_as_.clear();
  auto again = RunEvent(Charm(), testing::HookEvent(state, EventKind::kUpdateStatus), state);
  EXPECT_EQ(again.state.unit_status.status, "active");
  EXPECT_EQ(connected_as_, std::vector<std::string>{OperatorUser()});
}

TEST_F(PostgresProviderTest, UnreachableServerIsWaitingNotError) {
  engine_.SetServerDown(true);
  auto out = RunEvent(Charm(), testing::HookEvent(Configured(), EventKind::kConfigChanged), Configured());
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.state.unit_status.status, "waiting");
  EXPECT_NE(out.state.unit_status.message.find("cannot reach PostgreSQL at 10.1.2.3:5432"),
            std::string::npos);
}

TEST_F(PostgresProviderTest, ServerRefusingTheAdminIsBlockedNotError) {
  engine_.FailNextCall(db::ErrorKind::kAccessDenied);
  auto out = RunEvent(Charm(), testing::HookEvent(Configured(), EventKind::kConfigChanged), Configured());
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("PostgreSQL refused"), std::string::npos);
  EXPECT_FALSE(engine_.HasUser(OperatorUser()));
  // Once the admin may act, the next hook bootstraps.
  auto later = RunEvent(Charm(), testing::HookEvent(out.state, EventKind::kUpdateStatus), out.state);
  EXPECT_EQ(later.state.unit_status.status, "active");
  EXPECT_TRUE(engine_.HasUser(OperatorUser()));
}

TEST_F(PostgresProviderTest, RequestWithSecretsPublishesCredentialsInAGrantedSecret) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(
      7, {{"database", "orders"}, {"requested-secrets", R"(["username","password","tls","tls-ca","uris"])"}}));
  auto out = Changed(state, 7);
  ASSERT_EQ(out.exit_code, 0);

  const auto& bag = out.state.FindRelation(7)->local_app_data;
  EXPECT_EQ(bag.at("database"), "orders");
  EXPECT_EQ(bag.at("endpoints"), "10.1.2.3:5432");
  EXPECT_EQ(bag.at("read-only-endpoints"), "10.1.2.3:5432");
  EXPECT_FALSE(bag.at("version").empty());
  EXPECT_FALSE(bag.contains("username"));
  EXPECT_FALSE(bag.contains("password"));
  const auto* user_secret = SecretByUri(out.state, bag.at("secret-user"));
  ASSERT_NE(user_secret, nullptr);
  EXPECT_EQ(user_secret->label, "database.7.user.secret");
  ASSERT_EQ(user_secret->grants.size(), 1u);
  EXPECT_EQ(user_secret->grants[0].relation_id, 7);
  const auto& creds = user_secret->revisions.rbegin()->second;
  EXPECT_EQ(creds.at("username"), RelationUser(7));
  EXPECT_GE(creds.at("password").size(), 32u);
  EXPECT_EQ(creds.at("uris"), "postgresql://" + RelationUser(7) + ":" + creds.at("password") +
                                  "@10.1.2.3:5432/orders");
  EXPECT_TRUE(engine_.Login(creds.at("username"), creds.at("password"), "orders"));
  EXPECT_NE(SecretByUri(out.state, bag.at("secret-tls")), nullptr);
  EXPECT_EQ(out.state.unit_status.status, "active");
}

TEST_F(PostgresProviderTest, RequestWithoutSecretsPublishesPlainFields) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(3, {{"database", "shop"}}));
  auto out = Changed(state, 3);
  const auto& bag = out.state.FindRelation(3)->local_app_data;
  EXPECT_EQ(bag.at("username"), RelationUser(3));
  EXPECT_TRUE(engine_.Login(bag.at("username"), bag.at("password"), "shop"));
  EXPECT_EQ(bag.at("tls"), "False");
  EXPECT_FALSE(bag.contains("secret-user"));
}

TEST_F(PostgresProviderTest, RepeatedHookChangesNothing) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(3, {{"database", "shop"}, {"requested-secrets", R"(["username","password"])"}}));
  auto first = Changed(state, 3);
  const auto calls_after_first = engine_.calls().size();
  auto second = Changed(first.state, 3);
  // Same databags, same secrets and revisions, same status (reading a secret may pin its
  // tracked revision, which is Juju's own bookkeeping, not a change).
  EXPECT_EQ(second.state.relations, first.state.relations);
  ASSERT_EQ(second.state.secrets.size(), first.state.secrets.size());
  for (std::size_t i = 0; i < first.state.secrets.size(); ++i) {
    EXPECT_EQ(second.state.secrets[i].revisions, first.state.secrets[i].revisions);
  }
  EXPECT_EQ(second.state.unit_status, first.state.unit_status);
  EXPECT_EQ(second.state.stored_state, first.state.stored_state);
  // Only observation (list users, database exists, version) on the second run: no writes.
  for (auto i = calls_after_first; i < engine_.calls().size(); ++i) {
    EXPECT_EQ(engine_.calls()[i].rfind("Ensure", 0), std::string::npos) << engine_.calls()[i];
    EXPECT_EQ(engine_.calls()[i].rfind("Drop", 0), std::string::npos) << engine_.calls()[i];
  }
}

// A relation hook's cost (hook tools run, database operations) is the same with 1 and with 60
// live relations: only the event's relation is reconciled.
TEST_F(PostgresProviderTest, RelationHookCostDoesNotGrowWithTheNumberOfRelations) {
  auto cost_of_settled_changed = [this](int other_relations) {
    State state = Bootstrapped();
    for (int id = 100; id < 100 + other_relations; ++id) {
      state.relations.push_back(DatabaseRelation(id, {{"database", "db" + std::to_string(id)}}));
      state = Changed(state, id).state;
    }
    state.relations.push_back(DatabaseRelation(7, {{"database", "shop"}, {"requested-secrets", R"(["username","password"])"}}));
    const auto provisioning = Changed(state, 7);
    const auto engine_calls_before = engine_.calls().size();
    const auto settled = Changed(provisioning.state, 7);
    EXPECT_EQ(settled.state.unit_status.status, "active");
    return std::make_tuple(provisioning.tools_called, settled.tools_called,
                           engine_.calls().size() - engine_calls_before);
  };
  const auto [provision_1, settled_1, engine_1] = cost_of_settled_changed(0);
  const auto [provision_60, settled_60, engine_60] = cost_of_settled_changed(60);
  EXPECT_EQ(provision_60, provision_1);
  EXPECT_EQ(settled_60, settled_1);
  EXPECT_EQ(engine_60, engine_1);
  // No listing of every relation on a relation hook.
  EXPECT_EQ(std::count(settled_60.begin(), settled_60.end(), "relation-ids"), 0);
}

TEST_F(PostgresProviderTest, RelationPendingAfterAnOutageIsProvisionedByAnotherRelationsHook) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(12, {{"database", "later"}}));
  engine_.SetServerDown(true);
  auto down = Changed(state, 12);
  EXPECT_EQ(down.state.unit_status.status, "waiting");
  engine_.SetServerDown(false);
  down.state.relations.push_back(DatabaseRelation(14, {{"database", "other"}}));
  auto up = Changed(down.state, 14);
  EXPECT_EQ(up.state.unit_status.status, "active");
  for (const int id : {12, 14}) {
    const auto& bag = up.state.FindRelation(id)->local_app_data;
    ASSERT_TRUE(bag.contains("username")) << id;
    EXPECT_TRUE(engine_.Login(bag.at("username"), bag.at("password"), id == 12 ? "later" : "other"));
  }
}

TEST_F(PostgresProviderTest, RefusedRoleBlocksOnlyThatRelationAndClearsWhenFixed) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(4, {{"database", "good"}}));
  state.relations.push_back(DatabaseRelation(5, {{"database", "bad"}, {"extra-user-roles", "pg_execute_server_program"}}));
  auto out = Changed(Changed(state, 4).state, 5);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("relation database:5"), std::string::npos);
  EXPECT_NE(out.state.unit_status.message.find("pg_execute_server_program"), std::string::npos);
  EXPECT_FALSE(engine_.HasUser(RelationUser(5)));
  EXPECT_FALSE(engine_.HasDatabase("bad"));
  EXPECT_TRUE(out.state.FindRelation(5)->local_app_data.empty());
  EXPECT_TRUE(engine_.HasUser(RelationUser(4)));

  // A later hook of the other relation keeps the Blocked.
  auto other = Changed(out.state, 4);
  EXPECT_EQ(other.state.unit_status.status, "blocked");

  other.state.FindRelation(5)->remote_app_data.erase("extra-user-roles");
  auto fixed = Changed(other.state, 5);
  EXPECT_EQ(fixed.state.unit_status.status, "active");
  EXPECT_TRUE(engine_.HasUser(RelationUser(5)));
  EXPECT_TRUE(engine_.GetUser(RelationUser(5))->extra_roles.empty());
}

TEST_F(PostgresProviderTest, HostileDatabaseNameRunsNoSql) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(6, {{"database", "x\"; DROP ROLE admin; --"}}));
  const auto calls_before = engine_.calls().size();
  auto out = Changed(state, 6);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("relation database:6"), std::string::npos);
  for (auto i = calls_before; i < engine_.calls().size(); ++i) {
    EXPECT_EQ(engine_.calls()[i].rfind("Ensure", 0), std::string::npos) << engine_.calls()[i];
  }
  EXPECT_TRUE(engine_.HasUser("admin"));
}

TEST_F(PostgresProviderTest, BrokenRelationDropsTheUserKillsSessionsAndRemovesTheSecret) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(8, {{"database", "crm"}, {"requested-secrets", R"(["username","password"])"}}));
  state.relations.push_back(DatabaseRelation(9, {{"database", "crm"}}));
  state.relations.back().remote_app = "app8";  // a second relation of the same application
  state = Changed(Changed(state, 8).state, 9).state;
  const auto uri = state.FindRelation(8)->local_app_data.at("secret-user");
  const auto creds = SecretByUri(state, uri)->revisions.rbegin()->second;
  const auto session = engine_.OpenSession(creds.at("username"), creds.at("password"), "crm");
  engine_.CreateTable(session, "customers");

  state.FindRelation(8)->broken = true;
  state.FindRelation(8)->remote_units_data.clear();
  auto out = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationBroken, 8), state);
  ASSERT_EQ(out.exit_code, 0);
  EXPECT_FALSE(engine_.HasUser(RelationUser(8)));
  EXPECT_FALSE(engine_.Login(creds.at("username"), creds.at("password"), "crm"));
  EXPECT_FALSE(engine_.SessionAlive(session));
  EXPECT_EQ(SecretByUri(out.state, uri), nullptr);
  // The other relation on the same database keeps working and sees the data.
  const auto other = out.state.FindRelation(9)->local_app_data;
  const auto other_session = engine_.OpenSession(other.at("username"), other.at("password"), "crm");
  EXPECT_NO_THROW(engine_.InsertRow(other_session, "customers", "alice"));
}

TEST_F(PostgresProviderTest, ReintegrationIssuesANewUserThatReachesTheOldTables) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(10, {{"database", "blog"}}));
  state = Changed(state, 10).state;
  auto old_bag = state.FindRelation(10)->local_app_data;
  auto session = engine_.OpenSession(old_bag.at("username"), old_bag.at("password"), "blog");
  engine_.CreateTable(session, "posts");
  engine_.InsertRow(session, "posts", "hello");

  state.FindRelation(10)->broken = true;
  state = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationBroken, 10), state).state;
  state.relations.clear();
  state.relations.push_back(DatabaseRelation(11, {{"database", "blog"}}));
  state.relations.back().remote_app = "app10";  // the same application, integrated again
  state = Changed(state, 11).state;
  const auto& bag = state.FindRelation(11)->local_app_data;
  EXPECT_NE(bag.at("username"), old_bag.at("username"));
  EXPECT_NE(bag.at("password"), old_bag.at("password"));
  EXPECT_FALSE(engine_.Login(old_bag.at("username"), old_bag.at("password"), "blog"));
  auto new_session = engine_.OpenSession(bag.at("username"), bag.at("password"), "blog");
  EXPECT_EQ(engine_.SelectRows(new_session, "posts"), std::vector<std::string>{"hello"});
}

TEST_F(PostgresProviderTest, ServerDownDuringIntegrateWaitsThenProvisionsOnALaterHook) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(12, {{"database", "later"}}));
  engine_.SetServerDown(true);
  auto down = Changed(state, 12);
  EXPECT_EQ(down.exit_code, 0);
  EXPECT_EQ(down.state.unit_status.status, "waiting");
  EXPECT_TRUE(down.state.FindRelation(12)->local_app_data.empty());

  engine_.SetServerDown(false);
  auto up = RunEvent(Charm(), testing::HookEvent(down.state, EventKind::kUpdateStatus), down.state);
  EXPECT_EQ(up.state.unit_status.status, "active");
  const auto& bag = up.state.FindRelation(12)->local_app_data;
  EXPECT_TRUE(engine_.Login(bag.at("username"), bag.at("password"), "later"));
}

TEST_F(PostgresProviderTest, RemovalWhileServerDownHappensOnALaterHook) {
  auto broken = RelationBrokenWhileServerDown(13);
  EXPECT_TRUE(engine_.HasUser(RelationUser(13)));

  broken.state.relations.clear();
  auto later = RunEvent(Charm(), testing::HookEvent(broken.state, EventKind::kUpdateStatus), broken.state);
  EXPECT_FALSE(engine_.HasUser(RelationUser(13)));
  EXPECT_EQ(later.state.unit_status.status, "active");
}

// The sweep cut short by the outage is owed: the next hook of any kind (here another
// relation's relation-changed, which does not sweep by itself) finishes it.
TEST_F(PostgresProviderTest, RemovalWhileServerDownHappensOnTheNextRelationHook) {
  auto broken = RelationBrokenWhileServerDown(13);

  broken.state.relations.clear();
  broken.state.relations.push_back(DatabaseRelation(15, {{"database", "next"}}));
  auto next = Changed(broken.state, 15);
  EXPECT_FALSE(engine_.HasUser(RelationUser(13)));
  EXPECT_TRUE(engine_.HasUser(RelationUser(15)));
  EXPECT_EQ(next.state.unit_status.status, "active");
  // Once done, the sweep is not repeated by the following relation hooks.
  auto again = Changed(next.state, 15);
  EXPECT_EQ(std::count(again.tools_called.begin(), again.tools_called.end(), "relation-ids"), 0);
}

TEST_F(PostgresProviderTest, NonLeaderProvisionsNothing) {
  State state = Configured(/*leader=*/false);
  state.relations.push_back(DatabaseRelation(14, {{"database", "x"}}));
  auto out = Changed(state, 14);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_FALSE(engine_.HasUser(RelationUser(14)));
  EXPECT_EQ(out.state.unit_status.status, "active");
}

// As Canonical's machine charm: the unit databag only.
TEST_F(PostgresProviderTest, LegacyDbPublishesInTheUnitDatabag) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(15, {}, "db"));
  auto out = Changed(state, 15);
  const auto& unit_bag = out.state.FindRelation(15)->local_unit_data;
  EXPECT_EQ(unit_bag.at("database"), "app15");  // falls back to the remote application name
  EXPECT_EQ(unit_bag.at("host"), "10.1.2.3");
  EXPECT_EQ(unit_bag.at("port"), "5432");
  EXPECT_EQ(unit_bag.at("allowed-units"), "app15/0");
  EXPECT_NE(unit_bag.at("master").find("user=" + RelationUser(15)), std::string::npos);
  EXPECT_TRUE(out.state.FindRelation(15)->local_app_data.empty());
  EXPECT_TRUE(engine_.Login(unit_bag.at("user"), unit_bag.at("password"), "app15"));
  EXPECT_FALSE(engine_.GetUser(RelationUser(15))->extra_roles.contains(db::ExtraRole::kSuperuser));
}

TEST_F(PostgresProviderTest, LegacyRolesRequestIsRefused) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(17, {{"roles", "admin"}}, "db"));
  auto out = Changed(state, 17);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("relation db:17"), std::string::npos);
  EXPECT_FALSE(engine_.HasUser(RelationUser(17)));
}

// set-password killed after the server took the new password but before Juju committed the
// secret (or the password changed by hand): the next hook logs in with the secret's password,
// is refused, and the admin restores that password. The charm is never locked out.
TEST_F(PostgresProviderTest, AnOperatorPasswordTheServerRefusesIsRestoredFromItsSecret) {
  State state = Bootstrapped();
  engine_.SetPassword(OperatorUser(), "changed-behind-the-charms-back-123");
  state.relations.push_back(DatabaseRelation(21, {{"database", "after"}}));
  auto out = Changed(state, 21);
  EXPECT_EQ(out.state.unit_status.status, "active") << out.state.unit_status.message;
  const auto& secret = SecretByLabel(out.state, kOperatorSecretLabel)->revisions.rbegin()->second;
  EXPECT_EQ(engine_.GetUser(OperatorUser())->password, secret.at("password"));
  EXPECT_TRUE(engine_.HasUser(RelationUser(21)));
}

// --- actions ---------------------------------------------------------------------------------

TEST_F(PostgresProviderTest, SetPasswordRotatesTheOperatorPassword) {
  State state = Bootstrapped();
  const auto before = engine_.GetUser(OperatorUser())->password;
  auto out = RunAction(Charm(), state, "set-password",
                       {{"username", "operator"}, {"password", "a-long-enough-new-password"}});
  ASSERT_EQ(out.exit_code, 0);
  ASSERT_FALSE(out.state.action->failed) << out.state.action->fail_message;
  EXPECT_EQ(engine_.GetUser(OperatorUser())->password, "a-long-enough-new-password");
  const auto* secret = SecretByLabel(out.state, kOperatorSecretLabel);
  EXPECT_EQ(secret->revisions.rbegin()->second.at("password"), "a-long-enough-new-password");

  // Shown only when the Juju operator chose to expose it.
  auto refused = RunAction(Charm(), out.state, "get-password", {{"username", "operator"}});
  EXPECT_TRUE(refused.state.action->failed);
  EXPECT_TRUE(Contains(refused.state.action->fail_message, "expose-operator-password"));
  EXPECT_FALSE(refused.state.action->results.contains("password"));
  out.state.config["expose-operator-password"] = true;
  auto shown = RunAction(Charm(), out.state, "get-password", {{"username", "operator"}});
  EXPECT_EQ(shown.state.action->results["password"], "a-long-enough-new-password");
  EXPECT_NE(before, "a-long-enough-new-password");

  // The charm keeps working with the new password.
  auto after = RunEvent(Charm(), testing::HookEvent(shown.state, EventKind::kUpdateStatus), shown.state);
  EXPECT_EQ(after.state.unit_status.status, "active");
}

TEST_F(PostgresProviderTest, SetPasswordWithoutPasswordGeneratesOne) {
  State state = Bootstrapped();
  const auto before = engine_.GetUser(OperatorUser())->password;
  auto out = RunAction(Charm(), state, "set-password", {{"username", "operator"}});
  ASSERT_FALSE(out.state.action->failed);
  EXPECT_NE(engine_.GetUser(OperatorUser())->password, before);
  EXPECT_GE(engine_.GetUser(OperatorUser())->password.size(), 32u);
}

TEST_F(PostgresProviderTest, SetPasswordRefusesNonLeaderUnknownUserAndWeakPassword) {
  State state = Bootstrapped();
  State follower = state;
  follower.leader = false;
  auto non_leader = RunAction(Charm(), follower, "set-password", {{"username", "operator"}});
  EXPECT_TRUE(non_leader.state.action->failed);
  EXPECT_NE(non_leader.state.action->fail_message.find("leader"), std::string::npos);

  auto unknown = RunAction(Charm(), state, "set-password", {{"username", "postgres"}});
  EXPECT_TRUE(unknown.state.action->failed);
  EXPECT_NE(unknown.state.action->fail_message.find("unknown user \"postgres\""), std::string::npos);

  const auto before = engine_.GetUser(OperatorUser())->password;
  auto weak = RunAction(Charm(), state, "set-password", {{"username", "operator"}, {"password", "short"}});
  EXPECT_TRUE(weak.state.action->failed);
  EXPECT_NE(weak.state.action->fail_message.find("too weak"), std::string::npos);
  EXPECT_EQ(weak.state.action->fail_message.find("short"), std::string::npos);
  EXPECT_EQ(engine_.GetUser(OperatorUser())->password, before);
}

}  // namespace
}  // namespace grantor::charms::testing_support
