#include "grantor/charm/router.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grantor/charm/hook_runner.hpp"
#include "grantor/charm/status_collector.hpp"

namespace grantor::charm {
namespace {

using juju::EventKind;

// Answers every tool with success and remembers the calls.
class AcceptingTools : public juju::HookTools {
 public:
  juju::ToolResult Run(const juju::ToolCall& call) override {
    calls.push_back(call);
    return {};
  }
  std::vector<juju::ToolCall> calls;
};

juju::HookContext RelationContext(EventKind kind, const std::string& endpoint) {
  juju::HookContext context;
  context.kind = kind;
  context.hook_name = endpoint + "-relation-changed";
  context.relation = juju::RelationRef{endpoint, 4};
  return context;
}

TEST(RouterTest, RoutesRelationEventsByEndpointAndKind) {
  std::vector<std::string> seen;
  Router router;
  router.OnRelation(EventKind::kRelationChanged, "database",
                    [&](const auto&, auto&) { seen.push_back("database"); });
  router.OnRelation(EventKind::kRelationChanged, "db",
                    [&](const auto&, auto&) { seen.push_back("db"); });
  router.On(EventKind::kRelationChanged, [&](const auto&, auto&) { seen.push_back("any"); });
  AcceptingTools tools;
  const auto context = RelationContext(EventKind::kRelationChanged, "db");
  juju::JujuBackend backend(tools, context);

  EXPECT_EQ(router.Dispatch(context, backend), 2);
  EXPECT_EQ(seen, (std::vector<std::string>{"any", "db"}));
}

TEST(RouterTest, AfterEveryHookRunsLastButNotForActions) {
  std::vector<std::string> seen;
  Router router;
  router.On(EventKind::kConfigChanged, [&](const auto&, auto&) { seen.push_back("config"); });
  router.OnAction("get-password", [&](const auto&, auto&) { seen.push_back("action"); });
  router.AfterEveryHook([&](const auto&, auto&) { seen.push_back("after"); });
  AcceptingTools tools;

  juju::HookContext hook;
  hook.kind = EventKind::kConfigChanged;
  juju::JujuBackend hook_backend(tools, hook);
  router.Dispatch(hook, hook_backend);

  juju::HookContext action;
  action.kind = EventKind::kAction;
  action.action_name = "get-password";
  juju::JujuBackend action_backend(tools, action);
  router.Dispatch(action, action_backend);

  EXPECT_EQ(seen, (std::vector<std::string>{"config", "after", "action"}));
}

TEST(RouterTest, UnknownActionFailsTheActionNotTheUnit) {
  Router router;
  AcceptingTools tools;
  juju::HookContext action;
  action.kind = EventKind::kAction;
  action.action_name = "explode";
  juju::JujuBackend backend(tools, action);

  EXPECT_EQ(RunHook(router, backend), 0);
  ASSERT_EQ(tools.calls.size(), 1u);
  EXPECT_EQ(tools.calls[0].tool, "action-fail");
  EXPECT_NE(tools.calls[0].args.back().find("explode"), std::string::npos);
}

TEST(HookRunnerTest, HandlerExceptionFailsTheHookAndIsLogged) {
  Router router;
  router.On(EventKind::kStart, [](const auto&, auto&) { throw std::runtime_error("boom"); });
  AcceptingTools tools;
  juju::HookContext start;
  start.kind = EventKind::kStart;
  start.hook_name = "start";
  juju::JujuBackend backend(tools, start);

  EXPECT_EQ(RunHook(router, backend), 1);
  ASSERT_FALSE(tools.calls.empty());
  EXPECT_EQ(tools.calls.back().tool, "juju-log");
  EXPECT_NE(tools.calls.back().args.back().find("boom"), std::string::npos);
}

TEST(StatusCollectorTest, BlockedOutranksWaitingAndActive) {
  StatusCollector statuses;
  statuses.Add(juju::Status::Active());
  statuses.Add(juju::Status::Waiting("server unreachable"));
  statuses.Add(juju::Status::Blocked("relation database:4: role \"x\" refused"));
  statuses.Add(juju::Status::Blocked("second"));
  EXPECT_EQ(statuses.Highest(), juju::Status::Blocked("relation database:4: role \"x\" refused"));
}

TEST(StatusCollectorTest, NothingCollectedMeansActive) {
  EXPECT_EQ(StatusCollector{}.Highest(), juju::Status::Active());
}

}  // namespace
}  // namespace grantor::charm
