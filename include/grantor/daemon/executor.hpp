#pragma once
// Runs one forwarded hook inside the daemon: the same Router and the same JujuBackend as an
// in-process dispatch, over hook tools that run under the hook's own environment.

#include "grantor/charm/router.hpp"
#include "grantor/daemon/daemon.hpp"
#include "grantor/daemon/metrics.hpp"

namespace grantor::daemon {

/// Parses `env` into a HookContext, runs `router` through charm::RunHook with a JujuBackend over
/// ProcessHookTools(env), logs through juju-log as dispatch does (and keeps a copy of each line
/// for the reply), records the hook in `metrics`, and restores a stderr logger afterwards.
/// A context that does not parse gives exit code 1 and the reason as the only log line.
HookOutcome ExecuteHook(const charm::Router& router, const juju::Environment& env,
                        Metrics& metrics);

}  // namespace grantor::daemon
