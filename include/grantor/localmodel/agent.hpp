#pragma once
// The unit agent: runs one hook or action of one unit the way Juju's uniter does
// (juju-contract.md §1.2-1.4): builds the unit's State from the model, writes it as the hook
// context file, spawns <charm-dir>/dispatch with a clean Juju environment, then commits the
// buffered changes only if the process exited 0 and always applies the immediate ones.
//
// Hook tools reach the context through one private variable, kContextEnvVar (see
// tool_main.hpp); a real charm never reads it.

#include <map>
#include <string>

#include "grantor/localmodel/model.hpp"
#include "grantor/model/state.hpp"

namespace grantor::localmodel {

/// Private variable naming the live context file for the hook tools (absolute path).
inline constexpr const char* kContextEnvVar = "GRANTOR_MODEL_CONTEXT";
inline constexpr const char* kJujuVersion = "3.6.8";

struct AgentPaths {
  std::string model_dir;  // absolute
  std::string self_exe;   // absolute path of the grantor-model binary (hook tools link to it)
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
HookRunResult RunUnitHook(Model& model, const std::string& unit_name, const HookInfo& hook,
                          const AgentPaths& paths);

/// The unit's view of the model for `hook` (exposed for tests).
grantor::model::State BuildState(const Model& model, const Unit& unit, const HookInfo& hook);

/// Exactly the environment Juju gives dispatch for `hook` (§1.3) plus kContextEnvVar.
std::map<std::string, std::string> BuildHookEnvironment(const Model& model, const Unit& unit,
                                                        const HookInfo& hook,
                                                        const std::string& context_id,
                                                        const AgentPaths& paths);

/// Applies the difference between `before` and `after` (a successful hook) to the model.
void CommitState(Model& model, const std::string& unit_name,
                 const grantor::model::State& before, const grantor::model::State& after);

/// Directory holding one symlink per hook tool for the unit: <model-dir>/tools/unit-<app>-<n>.
std::string ToolsDir(const AgentPaths& paths, const std::string& unit_name);

}  // namespace grantor::localmodel
