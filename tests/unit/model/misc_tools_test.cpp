// is-leader, config-get, action-*, status-*, application-version-set, juju-log, state-*,
// ports, unit-get, network-get and the RunTool dispatcher (docs/juju.md, "Hook tools the charms use").

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "testing/fake_hook_tools.hpp"
#include "testing/state_builder.hpp"

namespace grantor::model {
namespace {

using grantor::testing::ExpectError;
using grantor::testing::FakeHookTools;
using grantor::testing::PlainHook;
using nlohmann::json;

State UnitState(bool leader) {
  return grantor::testing::StateBuilder("db/0")
      .Leader(leader)
      .PrivateAddress("10.1.2.3")
      .Config(json{{"admin-user", "admin"}, {"port", 5432}, {"tls", false}, {"ratio", 1.5},
                   {"unset", nullptr}})
      .With(grantor::testing::Relation(3, "database", "app"))
      .Build();
}

State InAction(State state) {
  ActionState action;
  action.name = "get-credentials";
  action.id = "2";
  action.params = json{{"relation-id", 3}, {"opts", {{"mode", "ro"}}}};
  state.action = action;
  return state;
}

// ---- dispatcher ----------------------------------------------------------------------------

TEST(ToolServerTest, ToolNamesCoverTheContract) {
  const auto& names = ToolNames();
  for (const char* tool :
       {"relation-ids", "relation-list", "relation-get", "relation-set", "relation-model-get",
        "is-leader", "config-get", "action-get", "action-set", "action-fail", "action-log",
        "status-set", "status-get", "application-version-set", "juju-log", "state-get",
        "state-set", "state-delete", "secret-add", "secret-get", "secret-set", "secret-grant",
        "secret-revoke", "secret-remove", "secret-ids", "secret-info-get", "open-port",
        "close-port", "opened-ports", "unit-get", "network-get"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), tool), names.end()) << tool;
  }
}

TEST(ToolServerTest, HelpPrintsUsageAndSucceeds) {
  FakeHookTools tools(UnitState(true), PlainHook());
  auto result = tools.Call("relation-get", {"--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.rfind("Usage: relation-get", 0), 0u) << result.out;
}

TEST(ToolServerTest, UnknownToolFails) {
  FakeHookTools tools(UnitState(true), PlainHook());
  EXPECT_EQ(tools.Call("leader-dance").exit_code, 1);
}

TEST(ToolServerTest, UnknownOptionIsExit2WithJujuMessage) {
  FakeHookTools tools(UnitState(true), PlainHook());
  ExpectError(tools.Call("relation-list", {"--bogus"}), 2, "option provided but not defined: --bogus");
}

// ---- is-leader, config-get -----------------------------------------------------------------

TEST(MiscToolsTest, IsLeaderFormats) {
  FakeHookTools leader(UnitState(true), PlainHook());
  EXPECT_EQ(leader.Call("is-leader").out, "True\n");
  EXPECT_EQ(leader.Call("is-leader", {"--format=json"}).out, "true\n");
  FakeHookTools follower(UnitState(false), PlainHook());
  EXPECT_EQ(follower.Call("is-leader").out, "False\n");
  EXPECT_EQ(follower.Call("is-leader", {"--format", "json"}).out, "false\n");
  ExpectError(follower.Call("is-leader", {"x"}), 2, "unrecognized args: [\"x\"]");
}

TEST(MiscToolsTest, ConfigGetKeepsTypesAndOmitsUnsetOptions) {
  FakeHookTools tools(UnitState(true), PlainHook());
  EXPECT_EQ(tools.Call("config-get", {"--format=json"}).out,
            "{\"admin-user\":\"admin\",\"port\":5432,\"ratio\":1.5,\"tls\":false}\n");
  EXPECT_EQ(json::parse(tools.Call("config-get", {"--all", "--format=json"}).out).at("unset"),
            nullptr);
  EXPECT_EQ(json::parse(tools.Call("config-get", {"-a", "--format=json"}).out).size(), 5u);
}

TEST(MiscToolsTest, ConfigGetKey) {
  FakeHookTools tools(UnitState(true), PlainHook());
  EXPECT_EQ(tools.Call("config-get", {"port", "--format=json"}).out, "5432\n");
  EXPECT_EQ(tools.Call("config-get", {"admin-user"}).out, "admin\n");
  EXPECT_EQ(tools.Call("config-get", {"missing", "--format=json"}).out, "null\n");
  ExpectError(tools.Call("config-get", {"--all", "port"}), 2,
              "cannot use argument --all together with key \"port\"");
}

// ---- actions -------------------------------------------------------------------------------

TEST(MiscToolsTest, ActionToolsOutsideActionFail) {
  FakeHookTools tools(UnitState(true), PlainHook());
  ExpectError(tools.Call("action-get"), 1, "not running an action");
  ExpectError(tools.Call("action-set", {"a=b"}), 1, "not running an action");
  ExpectError(tools.Call("action-fail", {"x"}), 1, "not running an action");
  ExpectError(tools.Call("action-log", {"x"}), 1, "not running an action");
}

TEST(MiscToolsTest, ActionGetParamsAndDottedKeys) {
  FakeHookTools tools(InAction(UnitState(true)), PlainHook());
  EXPECT_EQ(tools.Call("action-get", {"--format=json"}).out,
            "{\"opts\":{\"mode\":\"ro\"},\"relation-id\":3}\n");
  EXPECT_EQ(tools.Call("action-get", {"relation-id", "--format=json"}).out, "3\n");
  EXPECT_EQ(tools.Call("action-get", {"opts.mode"}).out, "ro\n");
  EXPECT_EQ(tools.Call("action-get", {"opts.nope", "--format=json"}).out, "null\n");
  EXPECT_EQ(tools.Call("action-get", {"relation-id.deeper", "--format=json"}).out, "null\n");
}

TEST(MiscToolsTest, ActionSetBuildsNestedResults) {
  FakeHookTools tools(InAction(UnitState(true)), PlainHook());
  ASSERT_EQ(tools.Call("action-set", {"username=relation-3", "creds.password=p", "creds.host=h"})
                .exit_code,
            0);
  EXPECT_EQ(tools.state().action->results,
            (json{{"username", "relation-3"}, {"creds", {{"password", "p"}, {"host", "h"}}}}));
  ASSERT_EQ(tools.Call("action-set", {"username=again"}).exit_code, 0);
  EXPECT_EQ(tools.state().action->results.at("username"), "again");
}

TEST(MiscToolsTest, ActionSetValidatesKeys) {
  FakeHookTools tools(InAction(UnitState(true)), PlainHook());
  ExpectError(tools.Call("action-set", {"Bad=x"}), 2,
              "key \"Bad\" must start and end with lowercase alphanumeric, and contain only "
              "lowercase alphanumeric, hyphens and periods");
  ExpectError(tools.Call("action-set", {"a.-b=x"}), 2,
              "key \"-b\" must start and end with lowercase alphanumeric, and contain only "
              "lowercase alphanumeric, hyphens and periods");
  ExpectError(tools.Call("action-set", {"stdout=x"}), 2, "cannot set reserved action key \"stdout\"");
  ExpectError(tools.Call("action-set", {"novalue"}), 2,
              "argument \"novalue\" must be of the form key...=value");
  EXPECT_EQ(tools.state().action->results, json::object());
}

TEST(MiscToolsTest, ActionFailAndLog) {
  FakeHookTools tools(InAction(UnitState(true)), PlainHook());
  ASSERT_EQ(tools.Call("action-log", {"--", "step", "one"}).exit_code, 0);
  ASSERT_EQ(tools.Call("action-fail", {"--", "no such relation"}).exit_code, 0);
  EXPECT_TRUE(tools.state().action->failed);
  EXPECT_EQ(tools.state().action->fail_message, "no such relation");
  EXPECT_EQ(tools.state().action->logs, std::vector<std::string>{"step one"});
  ExpectError(tools.Call("action-fail", {"a", "b"}), 2, "unrecognized args: [\"b\"]");
  ExpectError(tools.Call("action-log"), 2, "no message specified");
}

TEST(MiscToolsTest, ActionFailDefaultMessage) {
  FakeHookTools tools(InAction(UnitState(true)), PlainHook());
  ASSERT_EQ(tools.Call("action-fail").exit_code, 0);
  EXPECT_EQ(tools.state().action->fail_message,
            "action failed without reason given, check action for errors");
}

// ---- status --------------------------------------------------------------------------------

TEST(MiscToolsTest, StatusSetUnitAndApplication) {
  FakeHookTools tools(UnitState(true), PlainHook());
  ASSERT_EQ(tools.Call("status-set", {"--application=False", "active", "--", "ready"}).exit_code, 0);
  EXPECT_EQ(tools.state().unit_status, (StatusValue{"active", "ready"}));
  ASSERT_EQ(tools.Call("status-set", {"--application", "blocked", "need relation"}).exit_code, 0);
  EXPECT_EQ(tools.state().app_status, (StatusValue{"blocked", "need relation"}));
}

TEST(MiscToolsTest, StatusSetValidation) {
  FakeHookTools tools(UnitState(false), PlainHook());
  ExpectError(tools.Call("status-set", {"error", "x"}), 2,
              "invalid status \"error\", expected one of [maintenance blocked waiting active]");
  ExpectError(tools.Call("status-set"), 2, "invalid args, require <status> [message] [data]");
  ExpectError(tools.Call("status-set", {"--application=True", "active"}), 1,
              "this unit is not the leader");
  EXPECT_EQ(tools.state().app_status.status, "unknown");
}

TEST(MiscToolsTest, StatusGetForms) {
  State state = UnitState(true);
  state.unit_status = {"active", "ok"};
  state.app_status = {"waiting", "later"};
  FakeHookTools tools(state, PlainHook());
  EXPECT_EQ(tools.Call("status-get").out, "active\n");
  EXPECT_EQ(tools.Call("status-get", {"--include-data", "--format=json", "--application=false"}).out,
            "{\"message\":\"ok\",\"status\":\"active\",\"status-data\":{}}\n");
  const json app = json::parse(
      tools.Call("status-get", {"--include-data", "--format=json", "--application=true"}).out);
  EXPECT_EQ(app.at("application-status").at("status"), "waiting");
  EXPECT_EQ(app.at("application-status").at("message"), "later");
  EXPECT_EQ(app.at("application-status").at("units").at("db/0").at("status"), "active");
  FakeHookTools follower(UnitState(false), PlainHook());
  ExpectError(follower.Call("status-get", {"--application"}), 1, "this unit is not the leader");
}

TEST(MiscToolsTest, ApplicationVersionSet) {
  FakeHookTools tools(UnitState(false), PlainHook());
  ASSERT_EQ(tools.Call("application-version-set", {"--", "16.2"}).exit_code, 0);
  EXPECT_EQ(tools.state().workload_version, "16.2");
  ExpectError(tools.Call("application-version-set"), 2, "no version specified");
}

// ---- juju-log ------------------------------------------------------------------------------

TEST(MiscToolsTest, JujuLogJoinsArgsAndParsesLevels) {
  FakeHookTools tools(UnitState(false), PlainHook());
  ASSERT_EQ(tools.Call("juju-log", {"--log-level", "warn", "--", "disk", "-full"}).exit_code, 0);
  ASSERT_EQ(tools.Call("juju-log", {"-l", "ERROR", "boom"}).exit_code, 0);
  ASSERT_EQ(tools.Call("juju-log", {"--debug", "details"}).exit_code, 0);
  ASSERT_EQ(tools.Call("juju-log", {"-l", "LOUD", "plain"}).exit_code, 0);
  ASSERT_EQ(tools.Call("juju-log", {"default"}).exit_code, 0);
  const std::vector<LogEntry> expected{{"WARNING", "disk -full"},
                                       {"ERROR", "boom"},
                                       {"DEBUG", "details"},
                                       {"INFO", "plain"},
                                       {"INFO", "default"}};
  EXPECT_EQ(tools.state().logs, expected);
  ExpectError(tools.Call("juju-log"), 2, "no message specified");
}

TEST(MiscToolsTest, JujuLogPrefixesRelationHooks) {
  juju::HookContext context = PlainHook();
  context.relation = juju::RelationRef{"database", 3};
  FakeHookTools tools(UnitState(false), context);
  ASSERT_EQ(tools.Call("juju-log", {"hello"}).exit_code, 0);
  EXPECT_EQ(tools.state().logs.back().message, "database:3: hello");
}

// ---- state-get / state-set / state-delete --------------------------------------------------

TEST(MiscToolsTest, StateSetGetDelete) {
  FakeHookTools tools(UnitState(false), PlainHook());
  ASSERT_EQ(tools.Call("state-set", {"--file", "-"}, R"({"a": "1", "b": "two"})").exit_code, 0);
  ASSERT_EQ(tools.Call("state-set", {"c=3"}).exit_code, 0);
  EXPECT_EQ(tools.Call("state-get", {"--format=json"}).out, "{\"a\":\"1\",\"b\":\"two\",\"c\":\"3\"}\n");
  EXPECT_EQ(tools.Call("state-get", {"b"}).out, "two\n");
  ASSERT_EQ(tools.Call("state-delete", {"b"}).exit_code, 0);
  EXPECT_EQ(tools.Call("state-get", {"b", "--format=json"}).out, "\"\"\n");
  ExpectError(tools.Call("state-get", {"--strict", "b"}), 1, "\"b\" not found");
  ExpectError(tools.Call("state-delete"), 2, "no key specified");
}

TEST(MiscToolsTest, StateGetEmptyIsEmptyObject) {
  FakeHookTools tools(UnitState(false), PlainHook());
  EXPECT_EQ(tools.Call("state-get", {"--format=json"}).out, "{}\n");
}

TEST(MiscToolsTest, StateSetEnforcesLimits) {
  FakeHookTools tools(UnitState(false), PlainHook());
  auto big_key = tools.Call("state-set", {std::string(257, 'k') + "=v"});
  EXPECT_EQ(big_key.exit_code, 1);
  auto big_value = tools.Call("state-set", {"k=" + std::string(65537, 'v')});
  EXPECT_EQ(big_value.exit_code, 1);
  EXPECT_TRUE(tools.state().stored_state.empty());
  EXPECT_EQ(tools.Call("state-set", {"k=" + std::string(65536, 'v')}).exit_code, 0);
}

// ---- ports, unit-get, network-get ----------------------------------------------------------

TEST(MiscToolsTest, OpenAndClosePorts) {
  FakeHookTools tools(UnitState(false), PlainHook());
  ASSERT_EQ(tools.Call("open-port", {"5432/tcp"}).exit_code, 0);
  ASSERT_EQ(tools.Call("open-port", {"5432"}).exit_code, 0);  // same port, no duplicate
  ASSERT_EQ(tools.Call("open-port", {"ICMP"}).exit_code, 0);
  ASSERT_EQ(tools.Call("open-port", {"--endpoints", "database", "8000-8100/udp"}).exit_code, 0);
  EXPECT_EQ(tools.Call("opened-ports", {"--format=json"}).out,
            "[\"icmp\",\"5432/tcp\",\"8000-8100/udp\"]\n");
  ASSERT_EQ(tools.Call("close-port", {"5432/tcp"}).exit_code, 0);
  EXPECT_EQ(tools.Call("opened-ports").out, "icmp\n8000-8100/udp\n");
  EXPECT_EQ(tools.Call("open-port", {"70000"}).exit_code, 2);
  EXPECT_EQ(tools.Call("open-port", {"10-5/tcp"}).exit_code, 2);
  EXPECT_EQ(tools.Call("open-port", {"80/sctp"}).exit_code, 2);
  EXPECT_EQ(tools.Call("open-port").exit_code, 2);
}

TEST(MiscToolsTest, UnitGetAddresses) {
  FakeHookTools tools(UnitState(false), PlainHook());
  EXPECT_EQ(tools.Call("unit-get", {"private-address"}).out, "10.1.2.3\n");
  EXPECT_EQ(tools.Call("unit-get", {"public-address", "--format=json"}).out, "\"10.1.2.3\"\n");
  ExpectError(tools.Call("unit-get", {"zone"}), 2, "unknown setting \"zone\"");
  ExpectError(tools.Call("unit-get"), 2, "no setting specified");
}

TEST(MiscToolsTest, NetworkGetFullAndSelectedForms) {
  FakeHookTools tools(UnitState(false), PlainHook());
  const json full = json::parse(tools.Call("network-get", {"--format=json", "database"}).out);
  EXPECT_EQ(full.at("ingress-addresses"), json::array({"10.1.2.3"}));
  EXPECT_EQ(full.at("egress-subnets"), json::array({"10.1.2.3/32"}));
  EXPECT_EQ(full.at("bind-addresses").at(0).at("addresses").at(0).at("value"), "10.1.2.3");
  EXPECT_EQ(full.at("bind-addresses").at(0).at("addresses").at(0).at("cidr"), "10.1.2.0/24");
  EXPECT_EQ(tools.Call("network-get", {"database", "--ingress-address"}).out, "10.1.2.3\n");
  EXPECT_EQ(tools.Call("network-get", {"database", "--egress-subnets", "--format=json"}).out,
            "[\"10.1.2.3/32\"]\n");
  EXPECT_EQ(tools.Call("network-get", {"database", "-r", "3", "--bind-address",
                                       "--ingress-address", "--format=json"})
                .out,
            "{\"bind-address\":\"10.1.2.3\",\"ingress-address\":\"10.1.2.3\"}\n");
  ExpectError(tools.Call("network-get"), 2, "no arguments specified");
}

}  // namespace
}  // namespace grantor::model
