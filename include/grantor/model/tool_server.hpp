#pragma once
// Juju's hook tools, implemented over a State. This is the single interpreter of the hook-tool
// contract (docs/juju.md, "Hook tools the charms use") that both FakeHookTools and the local
// model use, so the fake can never be more permissive than the emulator.

#include <functional>
#include <string>
#include <vector>

#include "grantor/juju/context.hpp"
#include "grantor/juju/hook_tools.hpp"
#include "grantor/model/state.hpp"

namespace grantor::model {

/// Names of every tool RunTool implements (the local model links each into its tools dir).
const std::vector<std::string>& ToolNames();

/// Host services the interpreter needs from outside the State.
struct ToolHost {
  /// Returns a fresh 20-character secret xid, unique in the model.
  std::function<std::string()> new_secret_xid;
  /// Reads a file named in `key#file=<path>` / `--file <path>` arguments.
  std::function<bool(const std::string& path, std::string* content)> read_file;
};

/// Runs one hook tool invocation, exactly as Juju's jujuc would, against `state` (mutated for
/// buffered and immediate effects alike; the host decides what to commit). Never throws for
/// bad input: usage errors give exit 2 and `ERROR <msg>\n` on stderr, runtime errors exit 1.
juju::ToolResult RunTool(State& state, const juju::HookContext& context, const ToolHost& host,
                         const juju::ToolCall& call);

}  // namespace grantor::model
