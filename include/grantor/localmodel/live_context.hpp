#pragma once
// The hook context a unit agent holds in memory while one hook runs (Juju: the uniter's
// HookContext behind the jujuc server). Hook-tool requests arriving on the agent socket
// (jujuc_server.hpp) run grantor::model::RunTool against this one State, so a call costs the
// same whatever the size of the unit's view of the model. The agent commits from state() once
// dispatch has exited, by the usual rules (agent.hpp).

#include <map>
#include <string>
#include <vector>

#include "grantor/juju/context.hpp"
#include "grantor/localmodel/history.hpp"
#include "grantor/localmodel/jujuc_protocol.hpp"
#include "grantor/model/state.hpp"

namespace grantor::localmodel {

class LiveContext {
 public:
  /// `env` is the hook's environment (BuildHookEnvironment); `secret_sequence` the model's
  /// secret counter, advanced by every secret-add. Throws juju::ContextError for an `env`
  /// Juju would never produce.
  LiveContext(std::string context_id, const std::map<std::string, std::string>& env,
              grantor::model::State state, long long secret_sequence);

  /// Serves one hook-tool request. A request for another context id is refused with Juju's
  /// `ERROR bad request: expected context id "<live>", got "<given>"` (exit 1) and not
  /// recorded; any other request runs RunTool and is recorded in calls(). Relative file
  /// arguments (`--file <path>`, `key#file=<path>`) are read relative to the request's cwd.
  jujuc::Response Handle(const jujuc::Request& request);

  const grantor::model::State& state() const { return state_; }
  /// From now on the hook runs as a non-leader (faults.hpp, depose): is-leader says false and
  /// leader-only tools fail.
  void LoseLeadership() { state_.leader = false; }
  long long secret_sequence() const { return secret_sequence_; }
  /// The served calls in order; action-set values withheld (RecordedArgs).
  const std::vector<ToolCallRecord>& calls() const { return calls_; }

 private:
  std::string context_id_;
  juju::HookContext hook_context_;
  grantor::model::State state_;
  long long secret_sequence_;
  std::vector<ToolCallRecord> calls_;
};

/// The arguments of a call as the history keeps them: action-set is the only way an action
/// returns results, so its values may be credentials; the history (a log) keeps its keys and
/// withholds the values. Other tools never carry secrets in argv.
std::vector<std::string> RecordedArgs(const std::string& tool, const std::vector<std::string>& args);

}  // namespace grantor::localmodel
