// The MySQL provider charm: the same provider code path as PostgreSQL, with MySQL's endpoints,
// names and publication. Scenario style against the in-memory engine (MySQL name rules).

#include "provider_fixture.hpp"

namespace grantor::charms::testing_support {
namespace {

class MysqlProviderTest : public ProviderFixture {
 protected:
  MysqlProviderTest() : ProviderFixture(core::Dialect::kMySql) {}
};

TEST_F(MysqlProviderTest, RequestPublishesMysqlCredentialsInASecret) {
  State state = Bootstrapped();
  state.relations.push_back(
      DatabaseRelation(2, {{"database", "inventory"}, {"requested-secrets", R"(["username","password","uris"])"}}));
  auto out = Changed(state, 2);
  ASSERT_EQ(out.exit_code, 0);
  const auto& bag = out.state.FindRelation(2)->local_app_data;
  EXPECT_EQ(bag.at("endpoints"), "10.1.2.3:3306");
  const auto& creds = SecretByUri(out.state, bag.at("secret-user"))->revisions.rbegin()->second;
  EXPECT_LE(creds.at("username").size(), 32u);  // MySQL's limit on user names
  EXPECT_EQ(creds.at("uris"), "mysql://" + creds.at("username") + ":" + creds.at("password") +
                                  "@10.1.2.3:3306/inventory");
  EXPECT_TRUE(engine_.Login(creds.at("username"), creds.at("password"), "inventory"));
  EXPECT_EQ(out.state.unit_status.status, "active");
}

TEST_F(MysqlProviderTest, BrokenRelationKillsConnectionsAndDropsTheUserButKeepsData) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(3, {{"database", "shop"}}));
  state = Changed(state, 3).state;
  const auto bag = state.FindRelation(3)->local_app_data;
  const auto session = engine_.OpenSession(bag.at("username"), bag.at("password"), "shop");
  engine_.CreateTable(session, "carts");

  state.FindRelation(3)->broken = true;
  state.FindRelation(3)->remote_units_data.clear();
  auto out = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationBroken, 3), state);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_FALSE(engine_.SessionAlive(session));
  EXPECT_FALSE(engine_.Login(bag.at("username"), bag.at("password"), "shop"));
  EXPECT_TRUE(engine_.HasDatabase("shop"));
}

TEST_F(MysqlProviderTest, DottedDatabaseNameIsRefusedForMysql) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(4, {{"database", "a.b"}}));
  auto out = Changed(state, 4);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("relation database:4"), std::string::npos);
  EXPECT_FALSE(engine_.HasDatabase("a.b"));
}

TEST_F(MysqlProviderTest, LegacyMysqlPublishesHostPortUserPasswordDatabase) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(5, {{"database", "wiki"}}, "mysql"));
  auto out = Changed(state, 5);
  const auto& unit_bag = out.state.FindRelation(5)->local_unit_data;
  EXPECT_EQ(unit_bag.at("host"), "10.1.2.3");
  EXPECT_EQ(unit_bag.at("port"), "3306");
  EXPECT_EQ(unit_bag.at("database"), "wiki");
  EXPECT_FALSE(unit_bag.contains("master"));
  EXPECT_FALSE(unit_bag.contains("root_password"));
  EXPECT_TRUE(engine_.Login(unit_bag.at("user"), unit_bag.at("password"), "wiki"));
  EXPECT_FALSE(engine_.GetUser(unit_bag.at("user"))->extra_roles.contains(db::ExtraRole::kSuperuser));
}

// Old mysql requirers write nothing: they are served when their unit joins, with a database of
// their application's name; a second unit joining costs two reads and changes nothing.
TEST_F(MysqlProviderTest, LegacyMysqlRequirerThatWritesNothingIsServedWhenItJoins) {
  State state = Bootstrapped();
  state.relations.push_back(DatabaseRelation(6, {}, "mysql"));
  auto out = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationJoined, 6, "app6/0"),
                      state);
  ASSERT_EQ(out.exit_code, 0);
  const auto& unit_bag = out.state.FindRelation(6)->local_unit_data;
  EXPECT_EQ(unit_bag.at("database"), "app6");
  EXPECT_TRUE(engine_.Login(unit_bag.at("user"), unit_bag.at("password"), "app6"));
  EXPECT_EQ(out.state.unit_status.status, "active");

  state = out.state;
  state.FindRelation(6)->remote_units_data["app6/1"] = {};
  out = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationJoined, 6, "app6/1"),
                 state);
  EXPECT_EQ(out.tools_called, (std::vector<std::string>{"state-get", "relation-get"}));
}

// A requirer application named like a reserved database (here "mysql") that writes nothing
// falls back to that name: refused visibly, nothing created.
TEST_F(MysqlProviderTest, LegacyFallbackToAReservedNameIsRefused) {
  State state = Bootstrapped();
  RelationState relation = DatabaseRelation(8, {}, "mysql");
  relation.remote_app = "mysql";
  relation.remote_units_data = {{"mysql/0", {}}};
  state.relations.push_back(relation);
  auto out = RunEvent(Charm(), testing::RelationEvent(state, EventKind::kRelationJoined, 8, "mysql/0"),
                      state);
  ASSERT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("relation mysql:8"), std::string::npos)
      << out.state.unit_status.message;
  EXPECT_FALSE(out.state.FindRelation(8)->local_unit_data.contains("password"));
}

}  // namespace
}  // namespace grantor::charms::testing_support
