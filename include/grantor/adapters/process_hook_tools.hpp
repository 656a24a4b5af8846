#pragma once
// Production HookTools: each tool runs as a child process found on PATH.

#include "grantor/juju/hook_tools.hpp"

namespace grantor::adapters {

/// Runs hook tools with posix_spawnp: argv is passed to the tool directly (never through a
/// shell), the child inherits this process's environment (Juju puts its tools directory first
/// on PATH) and working directory, receives `stdin_data` on stdin, and its stdout and stderr are
/// captured in full (one poll loop, so arbitrarily large outputs cannot deadlock).
///
/// Outcomes:
///  - the tool ran: its exit status (a tool killed by signal N reports 128 + N);
///  - the tool is not on PATH (spawn fails with ENOENT): exit 127 with stderr
///    "ERROR <tool>: command not found\n", exactly as a shell would report it, so a missing tool
///    (e.g. an older Juju without state-get) surfaces as an ordinary ModelError from the backend;
///  - anything else that prevents running it (fork/pipe failure, E2BIG, EACCES): throws
///    std::system_error.
/// Thread-compatible; SIGPIPE is blocked in the calling thread while feeding stdin, so a tool
/// that exits without reading its input never kills the charm.
class ProcessHookTools : public juju::HookTools {
 public:
  juju::ToolResult Run(const juju::ToolCall& call) override;
};

}  // namespace grantor::adapters
