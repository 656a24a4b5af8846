// State helpers and its JSON form.

#include "grantor/model/state.hpp"

#include <gtest/gtest.h>

#include "testing/state_builder.hpp"

namespace grantor::model {
namespace {

using nlohmann::json;

State RichState() {
  State state;
  state.unit_name = "grantor-postgresql/1";
  state.leader = true;
  state.config = json{{"port", 5432}};
  RelationState relation = grantor::testing::Relation(4, "database", "app");
  relation.broken = true;
  relation.local_app_data = {{"a", "b"}};
  relation.remote_units_data = {{"app/0", {{"x", "y"}}}};
  relation.departed_units_data = {{"app/1", {}}};
  state.relations = {relation};
  SecretState secret;
  secret.id = "secret://00000000-0000-4000-8000-000000000000/cs0000000000000000aa";
  secret.owner = "application";
  secret.owner_app = "grantor-postgresql";
  secret.revisions = {{1, {{"password", "p"}}}, {12, {{"password", "q"}}}};
  secret.tracked_revision = 1;
  secret.grants = {{4, "app", "app/0"}};
  state.secrets = {secret};
  state.stored_state = {{"k", "v"}};
  state.unit_status = {"active", "ok"};
  state.opened_ports = {"5432/tcp"};
  ActionState action;
  action.name = "get-credentials";
  action.params = json{{"relation-id", 4}};
  action.results = json{{"user", {{"name", "u"}}}};
  action.failed = true;
  state.action = action;
  state.logs = {{"INFO", "hi"}};
  return state;
}

TEST(StateTest, AppNameIsUnitNameBeforeSlash) {
  State state;
  state.unit_name = "grantor-mysql/12";
  EXPECT_EQ(state.AppName(), "grantor-mysql");
}

TEST(StateTest, FindRelationById) {
  State state = RichState();
  ASSERT_NE(state.FindRelation(4), nullptr);
  EXPECT_EQ(state.FindRelation(4)->endpoint, "database");
  EXPECT_EQ(state.FindRelation(5), nullptr);
  const State& const_state = state;
  EXPECT_EQ(const_state.FindRelation(4), &state.relations[0]);
}

TEST(StateTest, FindSecretByUriXidOrShortForm) {
  State state = RichState();
  EXPECT_EQ(state.FindSecret(state.secrets[0].id), &state.secrets[0]);
  EXPECT_EQ(state.FindSecret("cs0000000000000000aa"), &state.secrets[0]);
  EXPECT_EQ(state.FindSecret("secret:cs0000000000000000aa"), &state.secrets[0]);
  EXPECT_EQ(state.FindSecret("cs0000000000000000bb"), nullptr);
  EXPECT_EQ(state.FindSecret(""), nullptr);
}

TEST(StateTest, LatestRevisionIsHighestNumber) {
  EXPECT_EQ(RichState().secrets[0].LatestRevision(), 12);
  EXPECT_EQ(SecretState{}.LatestRevision(), 0);
}

TEST(StateJsonTest, RoundTripPreservesEveryField) {
  const State original = RichState();
  const json j = original;
  EXPECT_EQ(j.get<State>(), original);
}

TEST(StateJsonTest, RevisionsAreKeyedByNumberStrings) {
  const json j = RichState();
  EXPECT_EQ(j.at("secrets").at(0).at("revisions").at("12").at("password"), "q");
  EXPECT_EQ(j.at("secrets").at(0).at("tracked_revision"), 1);
}

TEST(StateJsonTest, MissingKeysTakeDefaults) {
  const State state = json::parse(R"({"unit_name": "x/3", "relations": [{"id": 7}],
                                      "secrets": [{"id": "secret:abc"}]})")
                          .get<State>();
  EXPECT_EQ(state.unit_name, "x/3");
  EXPECT_EQ(state.model_name, State{}.model_name);
  EXPECT_EQ(state.unit_status.status, "unknown");
  EXPECT_FALSE(state.action.has_value());
  ASSERT_EQ(state.relations.size(), 1u);
  EXPECT_EQ(state.relations[0].id, 7);
  EXPECT_FALSE(state.relations[0].peer);
  EXPECT_FALSE(state.secrets[0].tracked_revision.has_value());
  EXPECT_TRUE(state.secrets[0].revisions.empty());
}

TEST(StateJsonTest, EmptyObjectIsDefaultState) {
  EXPECT_EQ(json::object().get<State>(), State{});
}

TEST(StateJsonTest, NullActionAndTrackedRevisionAreAbsent) {
  const json j = State{};
  EXPECT_TRUE(j.at("action").is_null());
  EXPECT_EQ(j.get<State>(), State{});
}

}  // namespace
}  // namespace grantor::model
