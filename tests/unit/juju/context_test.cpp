#include "grantor/juju/context.hpp"

#include <gtest/gtest.h>

#include "grantor/juju/errors.hpp"

namespace grantor::juju {
namespace {

Environment BaseEnv(const std::string& dispatch_path) {
  return {
      {"JUJU_DISPATCH_PATH", dispatch_path},
      {"JUJU_UNIT_NAME", "grantor-postgresql/0"},
      {"JUJU_MODEL_NAME", "dev"},
      {"JUJU_MODEL_UUID", "7c573112-602b-4197-83f5-caf58286a766"},
      {"JUJU_CHARM_DIR", "/var/lib/juju/agents/unit-grantor-postgresql-0/charm"},
      {"JUJU_VERSION", "3.6.1"},
      {"JUJU_CONTEXT_ID", "grantor-postgresql/0-install-123"},
  };
}

Environment RelationEnv(const std::string& hook, const std::string& relation_id) {
  Environment env = BaseEnv("hooks/" + hook);
  env["JUJU_RELATION_ID"] = relation_id;
  env["JUJU_REMOTE_APP"] = "myapp";
  return env;
}

TEST(HookContextTest, ParsesCommonVariables) {
  const HookContext ctx = HookContext::FromEnvironment(BaseEnv("hooks/install"));
  EXPECT_EQ(ctx.kind, EventKind::kInstall);
  EXPECT_EQ(ctx.dispatch_path, "hooks/install");
  EXPECT_EQ(ctx.hook_name, "install");
  EXPECT_EQ(ctx.unit_name, "grantor-postgresql/0");
  EXPECT_EQ(ctx.app_name, "grantor-postgresql");
  EXPECT_EQ(ctx.model_name, "dev");
  EXPECT_EQ(ctx.model_uuid, "7c573112-602b-4197-83f5-caf58286a766");
  EXPECT_EQ(ctx.charm_dir, "/var/lib/juju/agents/unit-grantor-postgresql-0/charm");
  EXPECT_EQ(ctx.juju_version, "3.6.1");
  EXPECT_EQ(ctx.context_id, "grantor-postgresql/0-install-123");
  EXPECT_FALSE(ctx.relation.has_value());
  EXPECT_FALSE(ctx.IsRelationEvent());
  EXPECT_FALSE(ctx.IsSecretEvent());
}

struct UnitHookCase {
  const char* hook;
  EventKind kind;
};

class HookContextUnitHookTest : public ::testing::TestWithParam<UnitHookCase> {};

TEST_P(HookContextUnitHookTest, ClassifiesHook) {
  const auto& param = GetParam();
  const HookContext ctx =
      HookContext::FromEnvironment(BaseEnv(std::string("hooks/") + param.hook));
  EXPECT_EQ(ctx.kind, param.kind);
  EXPECT_EQ(ctx.hook_name, param.hook);
  EXPECT_FALSE(ctx.IsRelationEvent());
}

INSTANTIATE_TEST_SUITE_P(
    AllUnitHooks, HookContextUnitHookTest,
    ::testing::Values(UnitHookCase{"install", EventKind::kInstall},
                      UnitHookCase{"start", EventKind::kStart},
                      UnitHookCase{"stop", EventKind::kStop},
                      UnitHookCase{"remove", EventKind::kRemove},
                      UnitHookCase{"config-changed", EventKind::kConfigChanged},
                      UnitHookCase{"upgrade-charm", EventKind::kUpgradeCharm},
                      UnitHookCase{"update-status", EventKind::kUpdateStatus},
                      UnitHookCase{"leader-elected", EventKind::kLeaderElected},
                      UnitHookCase{"leader-settings-changed", EventKind::kLeaderSettingsChanged},
                      UnitHookCase{"leader-deposed", EventKind::kOther},
                      UnitHookCase{"db-storage-attached", EventKind::kOther},
                      UnitHookCase{"workload-pebble-ready", EventKind::kOther}));

TEST(HookContextTest, OldStyleHookPathIsClassifiedByItsLastElement) {
  const HookContext ctx = HookContext::FromEnvironment(
      BaseEnv("/var/lib/juju/agents/unit-grantor-postgresql-0/charm/hooks/config-changed"));
  EXPECT_EQ(ctx.kind, EventKind::kConfigChanged);
  EXPECT_EQ(ctx.hook_name, "config-changed");
}

struct RelationHookCase {
  const char* suffix;
  EventKind kind;
};

class HookContextRelationHookTest : public ::testing::TestWithParam<RelationHookCase> {};

TEST_P(HookContextRelationHookTest, ParsesRelationAndEndpoint) {
  const auto& param = GetParam();
  Environment env = RelationEnv(std::string("database") + param.suffix, "database:12");
  env["JUJU_REMOTE_UNIT"] = "myapp/1";
  const HookContext ctx = HookContext::FromEnvironment(env);
  EXPECT_EQ(ctx.kind, param.kind);
  EXPECT_TRUE(ctx.IsRelationEvent());
  ASSERT_TRUE(ctx.relation.has_value());
  EXPECT_EQ(*ctx.relation, (RelationRef{"database", 12}));
  EXPECT_EQ(ctx.relation->ToString(), "database:12");
  EXPECT_EQ(ctx.remote_app, "myapp");
  EXPECT_EQ(ctx.remote_unit, "myapp/1");
}

INSTANTIATE_TEST_SUITE_P(
    AllRelationHooks, HookContextRelationHookTest,
    ::testing::Values(RelationHookCase{"-relation-created", EventKind::kRelationCreated},
                      RelationHookCase{"-relation-joined", EventKind::kRelationJoined},
                      RelationHookCase{"-relation-changed", EventKind::kRelationChanged},
                      RelationHookCase{"-relation-departed", EventKind::kRelationDeparted},
                      RelationHookCase{"-relation-broken", EventKind::kRelationBroken}));

TEST(HookContextTest, RelationHookWithEmptyRemoteUnitIsAppLevel) {
  Environment env = RelationEnv("database-relation-changed", "database:3");
  env["JUJU_REMOTE_UNIT"] = "";
  const HookContext ctx = HookContext::FromEnvironment(env);
  EXPECT_EQ(ctx.kind, EventKind::kRelationChanged);
  EXPECT_EQ(ctx.remote_unit, "");
  EXPECT_EQ(ctx.remote_app, "myapp");
}

TEST(HookContextTest, RelationBrokenToleratesMissingRemoteAppAndUnit) {
  Environment env = BaseEnv("hooks/database-relation-broken");
  env["JUJU_RELATION_ID"] = "database:3";
  const HookContext ctx = HookContext::FromEnvironment(env);
  EXPECT_EQ(ctx.kind, EventKind::kRelationBroken);
  EXPECT_EQ(ctx.remote_app, "");
  EXPECT_EQ(ctx.remote_unit, "");
}

TEST(HookContextTest, RemoteAppIsDerivedFromRemoteUnitWhenAbsent) {
  Environment env = BaseEnv("hooks/database-relation-joined");
  env["JUJU_RELATION_ID"] = "database:3";
  env["JUJU_REMOTE_UNIT"] = "other-app/7";
  const HookContext ctx = HookContext::FromEnvironment(env);
  EXPECT_EQ(ctx.remote_app, "other-app");
}

TEST(HookContextTest, RelationDepartedCarriesDepartingUnit) {
  Environment env = RelationEnv("database-relation-departed", "database:3");
  env["JUJU_REMOTE_UNIT"] = "myapp/2";
  env["JUJU_DEPARTING_UNIT"] = "myapp/2";
  const HookContext ctx = HookContext::FromEnvironment(env);
  EXPECT_EQ(ctx.kind, EventKind::kRelationDeparted);
  EXPECT_EQ(ctx.departing_unit, "myapp/2");
}

TEST(HookContextTest, EndpointWithDashesAndPeerRelation) {
  Environment env = RelationEnv("grantor-peers-relation-changed", "grantor-peers:0");
  const HookContext ctx = HookContext::FromEnvironment(env);
  ASSERT_TRUE(ctx.relation.has_value());
  EXPECT_EQ(ctx.relation->endpoint, "grantor-peers");
  EXPECT_EQ(ctx.relation->id, 0);
}

TEST(HookContextTest, RelationHookWithoutRelationIdIsAnError) {
  Environment env = BaseEnv("hooks/database-relation-joined");
  EXPECT_THROW(HookContext::FromEnvironment(env), ContextError);
}

class HookContextBadRelationIdTest : public ::testing::TestWithParam<const char*> {};

TEST_P(HookContextBadRelationIdTest, IsAContextError) {
  Environment env = RelationEnv("database-relation-changed", GetParam());
  EXPECT_THROW(HookContext::FromEnvironment(env), ContextError);
}

INSTANTIATE_TEST_SUITE_P(Values, HookContextBadRelationIdTest,
                         ::testing::Values("", "database", "database:", ":3", "database:x",
                                           "database:3x", "database:-1", "3",
                                           "other:3" /* endpoint differs from the hook */));

struct SecretHookCase {
  const char* hook;
  EventKind kind;
};

class HookContextSecretHookTest : public ::testing::TestWithParam<SecretHookCase> {};

TEST_P(HookContextSecretHookTest, ParsesSecretVariables) {
  Environment env = BaseEnv(std::string("hooks/") + GetParam().hook);
  env["JUJU_SECRET_ID"] = "secret://7c573112/clenauhu9nvi9vtkpvr0";
  env["JUJU_SECRET_LABEL"] = "database-3";
  env["JUJU_SECRET_REVISION"] = "4";
  const HookContext ctx = HookContext::FromEnvironment(env);
  EXPECT_EQ(ctx.kind, GetParam().kind);
  EXPECT_TRUE(ctx.IsSecretEvent());
  EXPECT_EQ(ctx.secret_id, "secret://7c573112/clenauhu9nvi9vtkpvr0");
  EXPECT_EQ(ctx.secret_label, "database-3");
  EXPECT_EQ(ctx.secret_revision, 4);
}

INSTANTIATE_TEST_SUITE_P(AllSecretHooks, HookContextSecretHookTest,
                         ::testing::Values(SecretHookCase{"secret-changed", EventKind::kSecretChanged},
                                           SecretHookCase{"secret-rotate", EventKind::kSecretRotate},
                                           SecretHookCase{"secret-remove", EventKind::kSecretRemove},
                                           SecretHookCase{"secret-expired",
                                                          EventKind::kSecretExpired}));

TEST(HookContextTest, SecretHookWithoutRevision) {
  Environment env = BaseEnv("hooks/secret-changed");
  env["JUJU_SECRET_ID"] = "secret:clenauhu9nvi9vtkpvr0";
  const HookContext ctx = HookContext::FromEnvironment(env);
  EXPECT_FALSE(ctx.secret_revision.has_value());
  EXPECT_EQ(ctx.secret_label, "");
}

TEST(HookContextTest, SecretHookWithoutSecretIdIsAnError) {
  EXPECT_THROW(HookContext::FromEnvironment(BaseEnv("hooks/secret-rotate")), ContextError);
}

class HookContextBadRevisionTest : public ::testing::TestWithParam<const char*> {};

TEST_P(HookContextBadRevisionTest, IsAContextError) {
  Environment env = BaseEnv("hooks/secret-remove");
  env["JUJU_SECRET_ID"] = "secret:clenauhu9nvi9vtkpvr0";
  env["JUJU_SECRET_REVISION"] = GetParam();
  EXPECT_THROW(HookContext::FromEnvironment(env), ContextError);
}

INSTANTIATE_TEST_SUITE_P(Values, HookContextBadRevisionTest,
                         ::testing::Values("0", "-2", "two", "3a", " 3"));

TEST(HookContextTest, ActionFromDispatchPath) {
  Environment env = BaseEnv("actions/get-password");
  env["JUJU_ACTION_NAME"] = "get-password";
  env["JUJU_ACTION_UUID"] = "42";
  const HookContext ctx = HookContext::FromEnvironment(env);
  EXPECT_EQ(ctx.kind, EventKind::kAction);
  EXPECT_EQ(ctx.hook_name, "get-password");
  EXPECT_EQ(ctx.action_name, "get-password");
  EXPECT_EQ(ctx.action_id, "42");
  EXPECT_FALSE(ctx.IsRelationEvent());
}

TEST(HookContextTest, ActionNameFallsBackToDispatchPath) {
  const HookContext ctx = HookContext::FromEnvironment(BaseEnv("actions/rotate-password"));
  EXPECT_EQ(ctx.kind, EventKind::kAction);
  EXPECT_EQ(ctx.action_name, "rotate-password");
  EXPECT_EQ(ctx.action_id, "");
}

TEST(HookContextTest, ActionNamedLikeAHookIsStillAnAction) {
  const HookContext ctx = HookContext::FromEnvironment(BaseEnv("actions/install"));
  EXPECT_EQ(ctx.kind, EventKind::kAction);
}

TEST(HookContextTest, MissingDispatchPathIsAnError) {
  Environment env = BaseEnv("hooks/install");
  env.erase("JUJU_DISPATCH_PATH");
  EXPECT_THROW(HookContext::FromEnvironment(env), ContextError);
  env["JUJU_DISPATCH_PATH"] = "";
  EXPECT_THROW(HookContext::FromEnvironment(env), ContextError);
}

TEST(HookContextTest, MissingUnitNameIsAnError) {
  Environment env = BaseEnv("hooks/install");
  env.erase("JUJU_UNIT_NAME");
  EXPECT_THROW(HookContext::FromEnvironment(env), ContextError);
}

TEST(HookContextTest, CurrentEnvironmentReadsProcessEnvironment) {
  ::setenv("GRANTOR_CONTEXT_TEST_VAR", "a=b", 1);
  const Environment env = HookContext::CurrentEnvironment();
  ::unsetenv("GRANTOR_CONTEXT_TEST_VAR");
  ASSERT_EQ(env.count("GRANTOR_CONTEXT_TEST_VAR"), 1u);
  EXPECT_EQ(env.at("GRANTOR_CONTEXT_TEST_VAR"), "a=b");
}

TEST(ClassifyHookTest, ReturnsEndpointOfRelationHooks) {
  std::string endpoint;
  EXPECT_EQ(ClassifyHook("db-admin-relation-departed", &endpoint), EventKind::kRelationDeparted);
  EXPECT_EQ(endpoint, "db-admin");
  EXPECT_EQ(ClassifyHook("-relation-joined", nullptr), EventKind::kOther);
  EXPECT_EQ(ClassifyHook("install", nullptr), EventKind::kInstall);
}

TEST(EventKindNameTest, NamesKinds) {
  EXPECT_STREQ(EventKindName(EventKind::kRelationBroken), "relation-broken");
  EXPECT_STREQ(EventKindName(EventKind::kAction), "action");
  EXPECT_STREQ(EventKindName(EventKind::kOther), "other");
}

}  // namespace
}  // namespace grantor::juju
