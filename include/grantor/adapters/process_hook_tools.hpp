#pragma once
// Production HookTools: each tool runs as a child process found on PATH.

#include <optional>

#include "grantor/juju/context.hpp"
#include "grantor/juju/hook_tools.hpp"

namespace grantor::adapters {

/// Runs hook tools as child processes (grantor/adapters/subprocess.hpp): argv is passed to the
/// tool directly (never through a shell), the tool is looked up on PATH and inherits this
/// process's environment (Juju puts its tools directory first on PATH) and working directory,
/// reads `stdin_data` on stdin, and its stdout and stderr are captured in full (whatever their
/// size, and whether or not it reads its input).
///
/// Outcomes:
///  - the tool ran: its exit status (a tool killed by signal N reports 128 + N);
///  - the tool is not on PATH (spawn fails with ENOENT): exit 127 with stderr
///    "ERROR <tool>: command not found\n", exactly as a shell would report it, so a missing tool
///    (e.g. an older Juju without state-get) surfaces as an ordinary ModelError from the backend;
///  - anything else that prevents running it (E2BIG, EACCES, no memory): throws
///    std::system_error.
/// Thread-compatible.
///
/// Constructed with an Environment, the tools run with exactly that environment instead of this
/// process's, and are looked up on that environment's PATH (the daemon runs a hook it received
/// from dispatch this way: the tools only answer under the hook's JUJU_CONTEXT_ID). A tool name
/// containing '/' is used as a path, as execvp does.
class ProcessHookTools : public juju::HookTools {
 public:
  ProcessHookTools() = default;
  explicit ProcessHookTools(juju::Environment env) : env_(std::move(env)) {}

  juju::ToolResult Run(const juju::ToolCall& call) override;

 private:
  std::optional<juju::Environment> env_;
};

}  // namespace grantor::adapters
