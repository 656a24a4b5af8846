#pragma once
// The one seam between grantor and Juju: running a hook tool.

#include <memory>
#include <string>
#include <vector>

namespace grantor::juju {

/// One invocation of a Juju hook tool (relation-get, secret-add, ...).
/// Contract: `args` never carries secret material; secrets travel through `stdin_data` or
/// `key#file=` arguments whose files the caller owns.
struct ToolCall {
  std::string tool;
  std::vector<std::string> args;
  std::string stdin_data;
};

/// What a hook tool printed and its exit status (0 ok, 1 runtime error, 2 usage error).
struct ToolResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

/// Runs hook tools in the current hook context. Implementations: ProcessHookTools (child
/// processes, production), FakeHookTools (in-memory State, tests). Thread-compatible.
class HookTools {
 public:
  virtual ~HookTools() = default;
  /// Runs the tool and returns its outcome; a tool that fails is not an exception here, and
  /// neither is a missing tool (exit 127, "ERROR <tool>: command not found"). Throws only when
  /// no process can be started at all (e.g. fork failure).
  virtual ToolResult Run(const ToolCall& call) = 0;
};

using HookToolsPtr = std::unique_ptr<HookTools>;

}  // namespace grantor::juju
