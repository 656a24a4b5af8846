// grantor-data-integrator, Scenario style: the requirer side of postgresql_client / mysql_client.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "grantor/charms/charms.hpp"
#include "testing/scenario.hpp"

namespace grantor::charms {
namespace {

using juju::EventKind;
using model::RelationState;
using model::SecretState;
using model::State;
using testing::RunEvent;

constexpr const char* kProviderSecret =
    "secret://00000000-0000-4000-8000-000000000000/d0prov00000000000000";

State Configured(const std::string& database = "analytics") {
  State state;
  state.unit_name = "di/0";
  state.leader = true;
  state.config = {{"database-name", database}, {"extra-user-roles", ""}};
  return state;
}

RelationState PostgresqlRelation(int id) {
  RelationState relation;
  relation.id = id;
  relation.endpoint = "postgresql";
  relation.interface = "postgresql_client";
  relation.remote_app = "pg";
  relation.remote_units_data["pg/0"] = {};
  return relation;
}

// The provider's answer as grantor (or Canonical's charm) publishes it with secrets.
void AnswerWithSecret(State& state, int id) {
  auto* relation = state.FindRelation(id);
  relation->remote_app_data = {{"database", "analytics"},
                               {"endpoints", "10.0.0.9:5432"},
                               {"version", "15.18"},
                               {"secret-user", kProviderSecret}};
  SecretState secret;
  secret.id = kProviderSecret;
  secret.owner_app = "pg";
  secret.revisions[1] = {{"username", "relation_user"}, {"password", "s3cret-password-value"}};
  state.secrets.push_back(secret);
}

testing::HookOutcome Hook(State state, EventKind kind, int relation_id = -1) {
  auto context = relation_id < 0 ? testing::HookEvent(state, kind)
                                 : testing::RelationEvent(state, kind, relation_id);
  return RunEvent(MakeDataIntegratorCharm(), context, state);
}

testing::HookOutcome GetCredentials(State state) {
  model::ActionState action;
  action.name = "get-credentials";
  action.id = "3";
  state.action = action;
  return RunEvent(MakeDataIntegratorCharm(), testing::ActionEvent(state, "get-credentials"), state);
}

TEST(DataIntegratorTest, BlockedUntilDatabaseNameIsSet) {
  auto out = Hook(Configured(""), EventKind::kConfigChanged);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_EQ(out.state.unit_status.message, "set config: database-name");
}

TEST(DataIntegratorTest, ConfiguredWithoutRelationSaysToIntegrate) {
  auto out = Hook(Configured(), EventKind::kConfigChanged);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_EQ(out.state.unit_status.message,
            "integrate with a database: juju integrate di "
            "<grantor-postgresql or grantor-mysql application>");
}

TEST(DataIntegratorTest, RequestsTheDatabaseWithSecretsAndWaitsForCredentials) {
  State state = Configured();
  state.relations.push_back(PostgresqlRelation(4));
  auto out = Hook(state, EventKind::kRelationCreated, 4);
  const auto& bag = out.state.FindRelation(4)->local_app_data;
  EXPECT_EQ(bag.at("database"), "analytics");
  EXPECT_EQ(bag.at("external-node-connectivity"), "true");
  // Exactly the fields Canonical's data-integrator asks to receive in secrets.
  EXPECT_EQ(nlohmann::json::parse(bag.at("requested-secrets")),
            nlohmann::json({"username", "password", "tls", "tls-ca", "uris", "read-only-uris",
                            "entity-name", "entity-password"}));
  EXPECT_FALSE(bag.contains("extra-user-roles"));
  EXPECT_EQ(out.state.unit_status.status, "waiting");
  EXPECT_EQ(out.state.unit_status.message, "credentials not received yet on relation postgresql:4");
}

TEST(DataIntegratorTest, GetCredentialsResolvesTheProvidersSecret) {
  State state = Configured();
  state.relations.push_back(PostgresqlRelation(4));
  state = Hook(state, EventKind::kRelationCreated, 4).state;
  AnswerWithSecret(state, 4);
  auto changed = Hook(state, EventKind::kRelationChanged, 4);
  EXPECT_EQ(changed.state.unit_status.status, "active");

  auto out = GetCredentials(changed.state);
  ASSERT_FALSE(out.state.action->failed) << out.state.action->fail_message;
  const auto& results = out.state.action->results;
  EXPECT_EQ(results["ok"], "True");
  EXPECT_EQ(results["postgresql"]["username"], "relation_user");
  EXPECT_EQ(results["postgresql"]["password"], "s3cret-password-value");
  EXPECT_EQ(results["postgresql"]["endpoints"], "10.0.0.9:5432");
  for (const auto& log : out.state.logs) {
    EXPECT_EQ(log.message.find("s3cret-password-value"), std::string::npos);
  }
}

constexpr const char* kTlsSecret =
    "secret://00000000-0000-4000-8000-000000000000/d0provtls00000000000";

// get-credentials prints what Canonical's data-integrator prints for the same provider data:
// every plain field of the provider's application databag (here also Canonical's `data`
// snapshot), no secret-* reference, and the requested fields of each readable secret.
TEST(DataIntegratorTest, GetCredentialsKeysMatchCanonicalsForTheSameProviderData) {
  State state = Configured();
  state.relations.push_back(PostgresqlRelation(4));
  AnswerWithSecret(state, 4);
  auto* relation = state.FindRelation(4);
  relation->remote_app_data["read-only-endpoints"] = "10.0.0.10:5432";
  relation->remote_app_data["data"] = R"({"database": "analytics"})";
  relation->remote_app_data["secret-tls"] = kTlsSecret;
  auto& user = state.secrets.front().revisions[1];
  user["uris"] = "postgresql://relation_user:x@10.0.0.9:5432/analytics";
  user["read-only-uris"] = "postgresql://relation_user:x@10.0.0.10:5432/analytics";
  user["not-requested"] = "left out";
  SecretState tls;
  tls.id = kTlsSecret;
  tls.owner_app = "pg";
  tls.revisions[1] = {{"tls", "True"}, {"tls-ca", "-----BEGIN CERTIFICATE-----"}};
  state.secrets.push_back(tls);

  auto out = GetCredentials(state);
  ASSERT_FALSE(out.state.action->failed) << out.state.action->fail_message;
  std::set<std::string> keys;
  for (const auto& [key, value] : out.state.action->results["postgresql"].items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"data", "database", "endpoints", "password",
                                         "read-only-endpoints", "read-only-uris", "tls", "tls-ca",
                                         "uris", "username", "version"}));
  EXPECT_EQ(out.state.action->results["postgresql"]["tls"], "True");
}

TEST(DataIntegratorTest, FieldsOfAnUnreadableSecretFallBackToPlainFields) {
  State state = Configured();
  state.relations.push_back(PostgresqlRelation(4));
  AnswerWithSecret(state, 4);
  auto* relation = state.FindRelation(4);
  relation->remote_app_data["secret-tls"] = kTlsSecret;  // never granted: not in our view
  relation->remote_app_data["tls"] = "False";
  relation->remote_app_data["username"] = "stale-plain-user";  // the readable secret wins
  auto out = GetCredentials(state);
  ASSERT_FALSE(out.state.action->failed) << out.state.action->fail_message;
  EXPECT_EQ(out.state.action->results["postgresql"]["tls"], "False");
  EXPECT_EQ(out.state.action->results["postgresql"]["username"], "relation_user");
  EXPECT_FALSE(out.state.action->results["postgresql"].contains("secret-tls"));
}

TEST(DataIntegratorTest, ProviderFieldsThatAreNotResultKeysAreLeftOut) {
  State state = Configured();
  state.relations.push_back(PostgresqlRelation(4));
  AnswerWithSecret(state, 4);
  state.FindRelation(4)->remote_app_data["Bad_Key"] = "x";
  auto out = GetCredentials(state);
  ASSERT_FALSE(out.state.action->failed) << out.state.action->fail_message;
  EXPECT_FALSE(out.state.action->results["postgresql"].contains("Bad_Key"));
  EXPECT_EQ(out.state.action->results["postgresql"]["username"], "relation_user");
}

TEST(DataIntegratorTest, PlainFieldProviderWorksToo) {
  State state = Configured();
  state.relations.push_back(PostgresqlRelation(4));
  state.FindRelation(4)->remote_app_data = {
      {"database", "analytics"}, {"endpoints", "h:5432"}, {"username", "u1"}, {"password", "p1-long-password"}};
  auto out = GetCredentials(state);
  ASSERT_FALSE(out.state.action->failed);
  EXPECT_EQ(out.state.action->results["postgresql"]["username"], "u1");
}

TEST(DataIntegratorTest, GetCredentialsFailsClearlyWithoutRelationOrBeforeCredentials) {
  auto none = GetCredentials(Configured());
  EXPECT_TRUE(none.state.action->failed);
  EXPECT_NE(none.state.action->fail_message.find("no database relation"), std::string::npos);

  State state = Configured();
  state.relations.push_back(PostgresqlRelation(4));
  auto early = GetCredentials(state);
  EXPECT_TRUE(early.state.action->failed);
  EXPECT_NE(early.state.action->fail_message.find("have not arrived yet"), std::string::npos);
}

TEST(DataIntegratorTest, RenamingTheDatabaseWhileRelatedIsRefused) {
  State state = Configured();
  state.relations.push_back(PostgresqlRelation(4));
  state = Hook(state, EventKind::kRelationCreated, 4).state;
  state.config["database-name"] = "other";
  auto out = Hook(state, EventKind::kConfigChanged);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("database-name cannot change while related"),
            std::string::npos);
  EXPECT_EQ(out.state.FindRelation(4)->local_app_data.at("database"), "analytics");
}

TEST(DataIntegratorTest, RefusedExtraRoleIsBlockedAndNotRequested) {
  State state = Configured();
  state.config["extra-user-roles"] = "pg_write_server_files";
  state.relations.push_back(PostgresqlRelation(4));
  auto out = Hook(state, EventKind::kRelationCreated, 4);
  EXPECT_EQ(out.state.unit_status.status, "blocked");
  EXPECT_NE(out.state.unit_status.message.find("pg_write_server_files"), std::string::npos);
  EXPECT_TRUE(out.state.FindRelation(4)->local_app_data.empty());
}

}  // namespace
}  // namespace grantor::charms
