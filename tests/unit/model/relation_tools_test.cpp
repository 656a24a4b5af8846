// relation-ids, relation-list, relation-get, relation-set, relation-model-get over a State,
// through FakeHookTools (docs/juju.md, "Hook tools", "Databags", "Hook order").

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testing/fake_hook_tools.hpp"
#include "testing/state_builder.hpp"

namespace grantor::model {
namespace {

using grantor::testing::FakeHookTools;
using grantor::testing::PlainHook;
using nlohmann::json;

/// db/0 with a client relation database:3 (app/0, app/1, app/10; app/2 departed) and a peer
/// relation db-peers:1 (db/1).
State TwoRelations(bool leader) {
  RelationState client = grantor::testing::Relation(3, "database", "app");
  client.interface = "postgresql_client";
  client.local_unit_data = {{"private-address", "10.0.0.1"}};
  client.local_app_data = {{"endpoints", "10.0.0.1:5432"}};
  client.remote_app_data = {{"database", "orders"}};
  client.remote_units_data = {{"app/0", {{"k", "v0"}}}, {"app/1", {}}, {"app/10", {}}};
  client.departed_units_data = {{"app/2", {{"k", "gone"}}}};
  client.remote_model_uuid = "11111111-2222-4333-8444-555555555555";
  RelationState peers = grantor::testing::Relation(1, "db-peers", "db");
  peers.peer = true;
  peers.local_app_data = {{"leader-key", "x"}};
  peers.remote_units_data = {{"db/1", {{"peer", "yes"}}}};
  return grantor::testing::StateBuilder("db/0").Leader(leader).With(client).With(peers).Build();
}

juju::HookContext RelationHook(const std::string& remote_unit, int id = 3,
                               const std::string& endpoint = "database") {
  juju::HookContext context;
  context.kind = juju::EventKind::kRelationChanged;
  context.unit_name = "db/0";
  context.relation = juju::RelationRef{endpoint, id};
  context.remote_app = endpoint == "database" ? "app" : "db";
  context.remote_unit = remote_unit;
  return context;
}

/// testing::ExpectError, and nothing on stdout.
void ExpectError(const juju::ToolResult& result, int exit_code, const std::string& message) {
  grantor::testing::ExpectError(result, exit_code, message);
  EXPECT_EQ(result.out, "");
}

// ---- relation-ids --------------------------------------------------------------------------

TEST(RelationToolsTest, RelationIdsListsEndpointRelationsStringSorted) {
  State state = TwoRelations(true);
  RelationState extra = state.relations[0];
  extra.id = 10;
  state.relations.push_back(extra);
  FakeHookTools tools(state, PlainHook());
  auto result = tools.Call("relation-ids", {"database", "--format=json"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "[\"database:10\",\"database:3\"]\n");
  EXPECT_EQ(tools.Call("relation-ids", {"database"}).out, "database:10\ndatabase:3\n");
}

TEST(RelationToolsTest, RelationIdsHidesBrokenRelationsButMinusRStillReachesThem) {
  State state = TwoRelations(true);
  state.relations[0].broken = true;
  state.relations[0].remote_units_data.clear();
  FakeHookTools tools(state, RelationHook(""));
  EXPECT_EQ(tools.Call("relation-ids", {"--format=json", "database"}).out, "[]\n");
  auto read = tools.Call("relation-get", {"-r", "database:3", "--app", "-", "app", "--format=json"});
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.out, "{\"database\":\"orders\"}\n");
}

// Juju before 3.4 still lists the relation whose relation-broken hook runs (only that one).
TEST(RelationToolsTest, RelationIdsOfJujuBefore34ListsTheRelationBeingBroken) {
  State state = TwoRelations(true);
  state.juju_version = "3.1.8";
  state.relations[0].broken = true;
  RelationState other = state.relations[0];
  other.id = 10;
  state.relations.push_back(other);
  juju::HookContext broken = RelationHook("");
  broken.kind = juju::EventKind::kRelationBroken;
  FakeHookTools old_juju(state, broken);
  EXPECT_EQ(old_juju.Call("relation-ids", {"--format=json", "database"}).out, "[\"database:3\"]\n");
  state.juju_version = "3.4.0";
  FakeHookTools new_juju(state, broken);
  EXPECT_EQ(new_juju.Call("relation-ids", {"--format=json", "database"}).out, "[]\n");
}

TEST(RelationToolsTest, RelationIdsDefaultsToTheHookEndpoint) {
  FakeHookTools tools(TwoRelations(true), RelationHook("app/0"));
  EXPECT_EQ(tools.Call("relation-ids").out, "database:3\n");
}

TEST(RelationToolsTest, RelationIdsWithoutEndpointOutsideRelationHookIsUsageError) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  ExpectError(tools.Call("relation-ids"), 2, "no endpoint name specified");
  ExpectError(tools.Call("relation-ids", {"a", "b"}), 2, "unrecognized args: [\"b\"]");
}

// ---- relation-list -------------------------------------------------------------------------

TEST(RelationToolsTest, RelationListIsStringSortedAndExcludesDepartedUnits) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  auto result = tools.Call("relation-list", {"-r", "3", "--format=json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "[\"app/0\",\"app/1\",\"app/10\"]\n");
}

TEST(RelationToolsTest, RelationListAppGivesRemoteAppOrOwnAppForPeers) {
  FakeHookTools tools(TwoRelations(false), PlainHook());
  EXPECT_EQ(tools.Call("relation-list", {"--format=json", "--app", "-r", "database:3"}).out,
            "\"app\"\n");
  EXPECT_EQ(tools.Call("relation-list", {"-r=db-peers:1", "--app"}).out, "db\n");
}

TEST(RelationToolsTest, RelationListEmptyIsJsonEmptyList) {
  State state = TwoRelations(true);
  state.relations[0].remote_units_data.clear();
  FakeHookTools tools(state, RelationHook(""));
  EXPECT_EQ(tools.Call("relation-list", {"--format=json"}).out, "[]\n");
  EXPECT_EQ(tools.Call("relation-list").out, "");
}

TEST(RelationToolsTest, UnknownRelationIsAUsageError) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  ExpectError(tools.Call("relation-list", {"-r", "database:99"}), 2,
              "invalid value \"database:99\" for option -r: relation not found");
  ExpectError(tools.Call("relation-get", {"--relation=42", "-", "app/0"}), 2,
              "invalid value \"42\" for option --relation: relation not found");
  ExpectError(tools.Call("relation-list", {"-r", "database:x"}), 2,
              "invalid value \"database:x\" for option -r: invalid relation id");
}

TEST(RelationToolsTest, ShortRelationOptionWithEqualsWorksOnlyWithEndpointPrefix) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  EXPECT_EQ(tools.Call("relation-list", {"-r=database:3"}).exit_code, 0);
  ExpectError(tools.Call("relation-list", {"-r=3"}), 2,
              "invalid value \"=3\" for option -r: invalid relation id");
}

TEST(RelationToolsTest, RelationToolsOutsideRelationHookNeedMinusR) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  ExpectError(tools.Call("relation-list"), 2, "no relation id specified");
  ExpectError(tools.Call("relation-set", {"a=b"}), 2, "no relation id specified");
}

// ---- relation-get --------------------------------------------------------------------------

TEST(RelationToolsTest, RelationGetReadsRemoteUnitFromHookContextByDefault) {
  FakeHookTools tools(TwoRelations(true), RelationHook("app/0"));
  EXPECT_EQ(tools.Call("relation-get", {"--format=json"}).out, "{\"k\":\"v0\"}\n");
  EXPECT_EQ(tools.Call("relation-get", {"k"}).out, "v0\n");
}

TEST(RelationToolsTest, RelationGetMissingKeyIsNullNotError) {
  FakeHookTools tools(TwoRelations(true), RelationHook("app/0"));
  auto json_result = tools.Call("relation-get", {"--format=json", "nope"});
  EXPECT_EQ(json_result.exit_code, 0);
  EXPECT_EQ(json_result.out, "null\n");
  auto smart = tools.Call("relation-get", {"nope"});
  EXPECT_EQ(smart.exit_code, 0);
  EXPECT_EQ(smart.out, "");
}

TEST(RelationToolsTest, RelationGetWithoutRemoteUnitReadsRemoteAppBag) {
  FakeHookTools tools(TwoRelations(false), RelationHook(""));
  EXPECT_EQ(tools.Call("relation-get", {"--format=json", "-"}).out,
            "{\"database\":\"orders\"}\n");
}

TEST(RelationToolsTest, RelationGetExplicitAppTargetAcceptsUnitName) {
  FakeHookTools tools(TwoRelations(false), PlainHook());
  EXPECT_EQ(tools.Call("relation-get", {"-r", "3", "--app", "database", "app/1"}).out,
            "orders\n");
}

TEST(RelationToolsTest, RelationGetWithoutAppRejectsApplicationName) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  ExpectError(tools.Call("relation-get", {"-r", "3", "-", "app"}), 2,
              "expected unit name, got application name \"app\"");
  ExpectError(tools.Call("relation-get", {"-r", "3", "-", "Bad!"}), 2,
              "invalid unit name \"Bad!\"");
  ExpectError(tools.Call("relation-get", {"-r", "3", "-"}), 2,
              "no unit or application specified");
}

TEST(RelationToolsTest, RelationGetReadsDepartedUnits) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  EXPECT_EQ(tools.Call("relation-get", {"-r", "3", "k", "app/2"}).out, "gone\n");
}

TEST(RelationToolsTest, RelationGetOfUnitNeverInRelationFails) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  auto result = tools.Call("relation-get", {"-r", "3", "-", "other/0"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("permission denied"), std::string::npos) << result.err;
}

TEST(RelationToolsTest, RelationGetOwnUnitBag) {
  FakeHookTools tools(TwoRelations(false), PlainHook());
  EXPECT_EQ(tools.Call("relation-get", {"-r", "3", "private-address", "db/0"}).out,
            "10.0.0.1\n");
}

TEST(RelationToolsTest, NonLeaderCannotReadOwnAppBagInNonPeerRelation) {
  FakeHookTools tools(TwoRelations(false), PlainHook());
  ExpectError(tools.Call("relation-get", {"-r", "3", "--app", "-", "db"}), 1,
              "permission denied");
}

TEST(RelationToolsTest, LeaderReadsOwnAppBag) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  EXPECT_EQ(tools.Call("relation-get", {"-r", "3", "--app", "endpoints", "db"}).out,
            "10.0.0.1:5432\n");
}

TEST(RelationToolsTest, NonLeaderReadsPeerAppBag) {
  FakeHookTools tools(TwoRelations(false), PlainHook());
  auto result = tools.Call("relation-get", {"-r", "1", "--app", "leader-key", "db"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "x\n");
}

// ---- relation-set --------------------------------------------------------------------------

TEST(RelationToolsTest, RelationSetWritesOwnUnitBagAndEmptyValueDeletes) {
  FakeHookTools tools(TwoRelations(false), RelationHook("app/0"));
  auto result = tools.Call("relation-set", {"a=1", "private-address=", "b=x=y"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const Databag expected{{"a", "1"}, {"b", "x=y"}};
  EXPECT_EQ(tools.state().relations[0].local_unit_data, expected);
  EXPECT_EQ(tools.state().relations[0].local_app_data.count("a"), 0u);
}

TEST(RelationToolsTest, RelationSetAppFromStdinYamlAsLeader) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  auto result = tools.Call("relation-set", {"-r", "3", "--app", "--file", "-"},
                           "database: orders\nport: 5432\nendpoints: ''\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const Databag expected{{"database", "orders"}, {"port", "5432"}};
  EXPECT_EQ(tools.state().relations[0].local_app_data, expected);
}

TEST(RelationToolsTest, RelationSetAcceptsJsonOnStdinAndArgsOverrideFile) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  auto result = tools.Call("relation-set", {"-r", "database:3", "--file", "-", "user=cli"},
                           R"({"user": "file", "uris": "postgresql://u@h/db?x=1&y=<2>"})");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(tools.state().relations[0].local_unit_data.at("user"), "cli");
  EXPECT_EQ(tools.state().relations[0].local_unit_data.at("uris"), "postgresql://u@h/db?x=1&y=<2>");
}

TEST(RelationToolsTest, RelationSetReadsSettingsFileFromDisk) {
  const std::string path = ::testing::TempDir() + "relation_set_settings.yaml";
  std::ofstream(path) << "from-file: yes-really\n";
  FakeHookTools tools(TwoRelations(true), PlainHook());
  auto result = tools.Call("relation-set", {"-r", "3", "--file", path});
  std::remove(path.c_str());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(tools.state().relations[0].local_unit_data.at("from-file"), "yes-really");
}

TEST(RelationToolsTest, RelationSetRejectsNestedYaml) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  auto result = tools.Call("relation-set", {"-r", "3", "--file", "-"}, "a:\n  b: c\n");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(tools.state().relations[0].local_unit_data.count("a"), 0u);
}

TEST(RelationToolsTest, NonLeaderCannotWriteAppBag) {
  FakeHookTools tools(TwoRelations(false), PlainHook());
  ExpectError(tools.Call("relation-set", {"-r", "3", "--app", "a=b"}), 1,
              "cannot write relation settings");
  EXPECT_EQ(tools.state().relations[0].local_app_data.count("a"), 0u);
  ExpectError(tools.Call("relation-set", {"-r", "1", "--app", "a=b"}), 1,
              "cannot write relation settings");
}

TEST(RelationToolsTest, RelationSetRejectsMalformedAndDuplicateKeys) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  ExpectError(tools.Call("relation-set", {"-r", "3", "novalue"}), 2,
              "expected \"key=value\", got \"novalue\"");
  ExpectError(tools.Call("relation-set", {"-r", "3", "=v"}), 2, "expected \"key=value\", got \"=v\"");
  ExpectError(tools.Call("relation-set", {"-r", "3", "a=1", "a=2"}), 2,
              "key \"a\" specified more than once");
  EXPECT_EQ(tools.state().relations[0].local_unit_data.count("a"), 0u);
}

// Juju's API is JSON: what a charm passes in argv reaches the databag with invalid UTF-8
// replaced by U+FFFD, and yaml.v2 refuses a settings file that is not UTF-8.
TEST(RelationToolsTest, RelationSetStoresValidUtf8Only) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  auto result = tools.Call("relation-set", {"-r", "3", "--app", "db=a\xff\xc0" "b", "k\xfe=v"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const Databag expected{{"db", "a\xef\xbf\xbd\xef\xbf\xbd" "b"}, {"k\xef\xbf\xbd", "v"},
                         {"endpoints", "10.0.0.1:5432"}};
  EXPECT_EQ(tools.state().relations[0].local_app_data, expected);

  ExpectError(tools.Call("relation-set", {"-r", "3", "--file", "-"}, "x: \"a\xff\"\n"), 1,
              "yaml: invalid leading UTF-8 octet");
  EXPECT_EQ(tools.state().relations[0].local_unit_data.count("x"), 0u);
  // NUL travels (YAML escapes it, JSON carries it as \u0000).
  result = tools.Call("relation-set", {"-r", "3", "--file", "-"}, "n: \"a\\0b\"\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(tools.state().relations[0].local_unit_data.at("n"), std::string("a\0b", 3));
  // A raw NUL byte in the file is a control character yaml.v2 refuses (escaped, as above, it
  // travels).
  ExpectError(tools.Call("relation-set", {"-r", "3", "--file", "-"}, std::string("m: a\0\xc6\xa1\n", 9)),
              1, "yaml: control characters are not allowed");
  EXPECT_EQ(tools.state().relations[0].local_unit_data.count("m"), 0u);
}

TEST(RelationToolsTest, RelationSetFormatIsDeprecatedButAccepted) {
  FakeHookTools tools(TwoRelations(true), PlainHook());
  auto result = tools.Call("relation-set", {"-r", "3", "--format", "json", "a=b"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.err.find("deprecated"), std::string::npos);
  EXPECT_EQ(tools.state().relations[0].local_unit_data.at("a"), "b");
}

TEST(RelationToolsTest, RelationSetInBrokenRelationIsRefused) {
  State state = TwoRelations(true);
  state.relations[0].broken = true;
  FakeHookTools tools(state, RelationHook(""));
  ExpectError(tools.Call("relation-set", {"a=b"}), 1, "permission denied");
}

// ---- relation-model-get --------------------------------------------------------------------

TEST(RelationToolsTest, RelationModelGetReportsRemoteModelUuid) {
  FakeHookTools tools(TwoRelations(true), RelationHook("app/0"));
  EXPECT_EQ(tools.Call("relation-model-get", {"--format=json"}).out,
            "{\"uuid\":\"11111111-2222-4333-8444-555555555555\"}\n");
  EXPECT_EQ(tools.Call("relation-model-get", {"-r", "1", "--format=json"}).out,
            "{\"uuid\":\"" + tools.state().model_uuid + "\"}\n");
}

}  // namespace
}  // namespace grantor::model
