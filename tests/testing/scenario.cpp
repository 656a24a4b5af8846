#include "scenario.hpp"

#include <stdexcept>

#include "fake_hook_tools.hpp"
#include "grantor/charm/hook_runner.hpp"

namespace grantor::testing {
namespace {

juju::HookContext BaseContext(const model::State& state) {
  juju::HookContext context;
  context.unit_name = state.unit_name;
  context.app_name = state.AppName();
  context.model_name = state.model_name;
  context.model_uuid = state.model_uuid;
  context.juju_version = state.juju_version;
  context.charm_dir = "/var/lib/juju/agents/unit-test-0/charm";
  return context;
}

}  // namespace

juju::HookContext HookEvent(const model::State& state, juju::EventKind kind) {
  auto context = BaseContext(state);
  context.kind = kind;
  context.hook_name = juju::EventKindName(kind);
  context.dispatch_path = "hooks/" + context.hook_name;
  return context;
}

juju::HookContext RelationEvent(const model::State& state, juju::EventKind kind, int relation_id,
                                const std::string& remote_unit) {
  const auto* relation = state.FindRelation(relation_id);
  if (relation == nullptr) throw std::invalid_argument("relation not in state");
  auto context = BaseContext(state);
  context.kind = kind;
  context.hook_name = relation->endpoint + "-" + juju::EventKindName(kind);
  context.dispatch_path = "hooks/" + context.hook_name;
  context.relation = juju::RelationRef{relation->endpoint, relation_id};
  context.remote_app = relation->remote_app;
  context.remote_unit = remote_unit;
  if (kind == juju::EventKind::kRelationDeparted) context.departing_unit = remote_unit;
  return context;
}

juju::HookContext ActionEvent(const model::State& state, const std::string& action) {
  auto context = BaseContext(state);
  context.kind = juju::EventKind::kAction;
  context.hook_name = action;
  context.action_name = action;
  context.action_id = state.action ? state.action->id : "1";
  context.dispatch_path = "actions/" + action;
  return context;
}

namespace {

// FakeHookTools that stops the hook at one call: the hook runner sees an exception, as it would
// see nothing at all from a killed process.
class KillingHookTools : public juju::HookTools {
 public:
  KillingHookTools(FakeHookTools& tools, int kill_at) : tools_(tools), kill_at_(kill_at) {}
  juju::ToolResult Run(const juju::ToolCall& call) override {
    if (++calls_ == kill_at_) throw std::runtime_error("killed (test) at tool call " + call.tool);
    return tools_.Run(call);
  }

 private:
  FakeHookTools& tools_;
  int kill_at_;
  int calls_ = 0;
};

HookOutcome Run(const charm::Router& router, const juju::HookContext& context, model::State state,
                int kill_at) {
  FakeHookTools tools(state, context);
  KillingHookTools killing(tools, kill_at);
  juju::JujuBackend backend(killing, context);
  HookOutcome outcome;
  outcome.exit_code = charm::RunHook(router, backend);
  for (const auto& call : tools.calls()) outcome.tools_called.push_back(call.tool);
  if (outcome.exit_code == 0) {
    outcome.state = tools.state();
    return outcome;
  }
  // Juju commits nothing of a failed hook but keeps what the tools applied at once.
  outcome.state = std::move(state);
  outcome.state.unit_status = tools.state().unit_status;
  outcome.state.app_status = tools.state().app_status;
  outcome.state.logs = tools.state().logs;
  outcome.state.workload_version = tools.state().workload_version;
  outcome.state.action = tools.state().action;
  return outcome;
}

}  // namespace

HookOutcome RunEvent(const charm::Router& router, const juju::HookContext& context,
                     model::State state) {
  return Run(router, context, std::move(state), /*kill_at=*/0);
}

HookOutcome RunEventKilledAt(const charm::Router& router, const juju::HookContext& context,
                             model::State state, int call) {
  return Run(router, context, std::move(state), call);
}

}  // namespace grantor::testing
