#pragma once
// FakeHookTools: the hook tools of one unit during one hook, in memory. Every call goes through
// model::RunTool, the interpreter the local Juju emulator uses too, so a charm that passes its
// unit tests against this fake sees the same argv parsing, outputs and errors under the emulator.

#include <string>
#include <vector>

#include "grantor/juju/context.hpp"
#include "grantor/juju/hook_tools.hpp"
#include "grantor/model/state.hpp"
#include "grantor/model/tool_server.hpp"

namespace grantor::testing {

class FakeHookTools : public juju::HookTools {
 public:
  /// `state` is the world before the hook; `context` the hook's JUJU_* variables.
  explicit FakeHookTools(model::State state = {}, juju::HookContext context = {});

  /// Runs the tool against state(); records the call. Never throws for tool failures.
  juju::ToolResult Run(const juju::ToolCall& call) override;
  /// Shorthand for Run({tool, args, stdin_data}).
  juju::ToolResult Call(const std::string& tool, std::vector<std::string> args = {},
                        std::string stdin_data = {});

  /// The state as the tools left it (state out), and the state to arrange before a hook.
  model::State& state() { return state_; }
  const model::State& state() const { return state_; }
  juju::HookContext& context() { return context_; }
  const juju::HookContext& context() const { return context_; }
  /// Every call made, in order (to assert argv never carries secrets, count calls, ...).
  const std::vector<juju::ToolCall>& calls() const { return calls_; }

  /// The xid the n-th secret-add (1-based) receives: "fake" + 16 zero-padded digits, which is
  /// a valid 20-character xid.
  static std::string XidFor(int n);

 private:
  model::State state_;
  juju::HookContext context_;
  model::ToolHost host_;
  std::vector<juju::ToolCall> calls_;
  int secrets_created_ = 0;
};

/// Expects a failed tool call: `exit_code`, and stderr "ERROR <message>\n" as Juju prints it.
void ExpectError(const juju::ToolResult& result, int exit_code, const std::string& message);

}  // namespace grantor::testing
