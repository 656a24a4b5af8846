#include "grantor/localmodel/resolver.hpp"

#include <gtest/gtest.h>

#include "grantor/localmodel/xid.hpp"

namespace grantor::localmodel {
namespace {

// Two applications, one unit each, related (id 1); db also has a peer relation (id 0).
Model TwoApps() {
  Model model;
  model.name = "m";
  model.uuid = "u";
  for (const std::string app : {"db", "client"}) {
    Application a;
    a.name = app;
    model.applications[app] = a;
    Unit unit;
    unit.name = app + "/0";
    unit.app = app;
    unit.leader = true;
    model.units[unit.name] = unit;
  }
  Relation peer;
  peer.id = 0;
  peer.endpoints = {{"db", "peers", "peer", "db_peers"}};
  model.relations[0] = peer;
  Relation regular;
  regular.id = 1;
  regular.endpoints = {{"db", "database", "provider", "pg"}, {"client", "database", "requirer", "pg"}};
  model.relations[1] = regular;
  return model;
}

// Runs the resolver for `unit` until idle, marking every hook done; returns the hook names.
std::vector<std::string> Drain(Model& model, const std::string& unit) {
  std::vector<std::string> hooks;
  while (auto hook = NextHook(model, unit)) {
    hooks.push_back(hook->name + (hook->remote_unit.empty() ? "" : "(" + hook->remote_unit + ")"));
    MarkHookDone(model, unit, *hook);
    if (hooks.size() > 50) break;
  }
  return hooks;
}

TEST(ResolverTest, DeployOrderForLeader) {
  Model model = TwoApps();
  const auto hooks = Drain(model, "db/0");
  const std::vector<std::string> expected{"install", "peers-relation-created", "database-relation-created",
                                          "leader-elected", "config-changed", "start"};
  EXPECT_EQ(hooks, expected);
}

TEST(ResolverTest, JoinedThenChangedPerRemoteUnitAndAppChangedFirst) {
  Model model = TwoApps();
  Drain(model, "db/0");
  Drain(model, "client/0");
  Unit second = model.units.at("client/0");
  second.name = "client/1";
  second.leader = false;
  model.units[second.name] = second;
  model.relations.at(1).scope.insert("client/1");
  model.relations.at(1).app_data["client"].version = 1;
  const auto hooks = Drain(model, "db/0");
  const std::vector<std::string> expected{"database-relation-changed", "database-relation-joined(client/0)",
                                          "database-relation-changed(client/0)", "database-relation-joined(client/1)",
                                          "database-relation-changed(client/1)"};
  EXPECT_EQ(hooks, expected);
}

TEST(ResolverTest, DyingRelationDepartsThenBreaks) {
  Model model = TwoApps();
  Drain(model, "db/0");
  Drain(model, "client/0");
  Drain(model, "db/0");
  model.relations.at(1).dying = true;
  const auto hooks = Drain(model, "db/0");
  const std::vector<std::string> expected{"database-relation-departed(client/0)", "database-relation-broken"};
  EXPECT_EQ(hooks, expected);
  EXPECT_EQ(model.units.at("db/0").relations.count(1), 0u);
}

TEST(ResolverTest, FailedHookBlocksAllButActions) {
  Model model = TwoApps();
  model.units.at("db/0").has_failed_hook = true;
  EXPECT_FALSE(NextHook(model, "db/0").has_value());
  Task task;
  task.id = "2";
  task.name = "do";
  model.tasks["2"] = task;
  model.units.at("db/0").pending_actions.push_back("2");
  auto hook = NextHook(model, "db/0");
  ASSERT_TRUE(hook.has_value());
  EXPECT_TRUE(hook->is_action);
}

TEST(XidTest, TwentyCharsOfBase32HexAndUnique) {
  const std::string a = NewXid(1, "uuid");
  const std::string b = NewXid(2, "uuid");
  EXPECT_TRUE(IsXid(a));
  EXPECT_TRUE(IsXid(b));
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace grantor::localmodel
