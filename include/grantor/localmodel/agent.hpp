#pragma once
// The unit agent: runs one hook or action of one unit the way Juju's uniter does
// (docs/juju.md, "Running a charm"): builds the unit's State from the model, spawns
// <charm-dir>/dispatch with a clean Juju environment and, until dispatch exits, serves its hook
// tools on the agent socket from that State kept in memory (live_context.hpp, jujuc_server.hpp);
// then it commits the buffered changes only if dispatch exited 0 and always applies the
// immediate ones.
//
// Hook tools are symlinks to grantor-jujuc (jujuc_protocol.hpp), which reaches the agent
// through JUJU_CONTEXT_ID and JUJU_AGENT_SOCKET_ADDRESS/_NETWORK exactly as Juju's jujuc does;
// the hook environment holds Juju's variables only.

#include <map>
#include <string>

#include "grantor/localmodel/faults.hpp"
#include "grantor/localmodel/model.hpp"
#include "grantor/model/state.hpp"

namespace grantor::localmodel {

inline constexpr const char* kJujuVersion = "3.6.8";

struct AgentPaths {
  std::string model_dir;   // absolute
  std::string jujuc_exe;   // absolute path of grantor-jujuc (every hook tool links to it)
};

/// Result of one run: the exit code of dispatch (0 for a missing handler).
struct HookRunResult {
  int exit_code = 0;
  bool ok = false;  // committed
};

/// Runs `hook` for `unit_name` and folds its effects into `model`:
///  - exit 0: commit relation/app bags, charm state, ports, secrets; MarkHookDone; for actions
///    the task completes (or fails after action-fail);
///  - non-zero: nothing buffered is committed; a hook puts the unit in error
///    (`hook failed: "<hook>"`, remembered for `resolve`), an action fails with
///    "exit status N" and the unit stays healthy;
///  - always: status, logs, workload version, action logs/results are applied;
///  - a record with its tool calls is appended to history.jsonl.
/// The agent socket (AgentSocketPath) exists only while dispatch runs: a tool called after it
/// exited, even by a process it left behind, fails to connect (ERROR, exit 1). Throws
/// ModelError before running anything when that path does not fit in a unix socket address.
/// `fault` (GRANTOR_MODEL_FAULT, faults.hpp), when given, may kill the hook, depose the unit
/// or run a program at one of its tool calls.
HookRunResult RunUnitHook(Model& model, const std::string& unit_name, const HookInfo& hook,
                          const AgentPaths& paths, HookFault* fault = nullptr);

/// The unit's view of the model for `hook` (exposed for tests).
grantor::model::State BuildState(const Model& model, const Unit& unit, const HookInfo& hook);

/// Exactly the environment Juju gives dispatch for `hook` (§1.3).
std::map<std::string, std::string> BuildHookEnvironment(const Model& model, const Unit& unit,
                                                        const HookInfo& hook,
                                                        const std::string& context_id,
                                                        const AgentPaths& paths);

/// Applies the difference between `before` and `after` (a successful hook) to the model.
void CommitState(Model& model, const std::string& unit_name,
                 const grantor::model::State& before, const grantor::model::State& after);

/// Directory holding one symlink per hook tool for the unit: <model-dir>/tools/unit-<app>-<n>.
std::string ToolsDir(const AgentPaths& paths, const std::string& unit_name);

/// The unit's agent socket, JUJU_AGENT_SOCKET_ADDRESS:
/// <model-dir>/agents/unit-<app>-<n>/agent.socket (directory mode 0700, socket 0600).
std::string AgentSocketPath(const AgentPaths& paths, const std::string& unit_name);

}  // namespace grantor::localmodel
