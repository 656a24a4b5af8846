#pragma once
// Scenario-style harness: state in, event, state out. Runs a charm's real Router and hook runner
// against FakeHookTools (the same hook-tool interpreter the local model uses), so a test reads
// like a Juju story and checks what a user would see.

#include <string>
#include <vector>

#include "grantor/charm/router.hpp"
#include "grantor/juju/context.hpp"
#include "grantor/model/state.hpp"

namespace grantor::testing {

struct HookOutcome {
  int exit_code = 0;
  /// What Juju would hold after the hook: everything on success; on failure only the immediate
  /// effects (status, logs, workload version, action results) on top of the input state.
  model::State state;
  /// The hook tools the charm ran, in order (to check a hook's cost does not grow with the model).
  std::vector<std::string> tools_called;
};

/// A unit-level hook (install, config-changed, update-status, leader-elected, ...).
juju::HookContext HookEvent(const model::State& state, juju::EventKind kind);
/// A relation hook on `relation_id` (which must be in `state.relations`); `remote_unit` empty for
/// created, broken and application-level changed.
juju::HookContext RelationEvent(const model::State& state, juju::EventKind kind, int relation_id,
                                const std::string& remote_unit = {});
/// An action; the caller puts the ActionState (params with defaults) into the state.
juju::HookContext ActionEvent(const model::State& state, const std::string& action);

/// Runs the hook and returns the outcome.
HookOutcome RunEvent(const charm::Router& router, const juju::HookContext& context, model::State state);

/// Runs the hook as if its process were killed when it makes its `call`-th hook-tool call
/// (1-based): that call and everything after it never happen, and Juju commits nothing but the
/// immediate effects (status), exactly as for a failed hook. What the charm did on the database
/// server before stays. `tools_called` lists the calls made before the kill.
HookOutcome RunEventKilledAt(const charm::Router& router, const juju::HookContext& context,
                             model::State state, int call);

}  // namespace grantor::testing
