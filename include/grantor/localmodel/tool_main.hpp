#pragma once
// The hook-tool side of the local model. The grantor-model binary is multi-call: the unit
// agent links every tool name (grantor::model::ToolNames()) in the unit's tools dir to it, and
// when argv[0]'s basename is a tool name it serves that one call:
//   1. checks JUJU_CONTEXT_ID / JUJU_AGENT_SOCKET_* are set (jujuc's own checks) and that
//      JUJU_CONTEXT_ID matches the live context named by $GRANTOR_MODEL_CONTEXT;
//   2. flocks the context file, loads the unit's State, calls grantor::model::RunTool,
//      saves the State back and appends {tool, args, exit code, duration} to the calls file;
//   3. prints the tool's stdout/stderr and exits with its code.

#include <string>

namespace grantor::localmodel {

/// True when `name` (a basename) is one of the hook tools.
bool IsToolName(const std::string& name);

/// Serves one hook tool call as described above; returns the process exit code.
int RunToolMain(const std::string& tool, int argc, char** argv);

}  // namespace grantor::localmodel
