#pragma once
// Runs one hook or action through a Router with Juju's failure semantics.

#include "grantor/charm/router.hpp"
#include "grantor/juju/backend.hpp"

namespace grantor::charm {

/// Dispatches backend.context() to `router` and returns the process exit status Juju expects:
/// 0 when the handlers completed (buffered changes are then committed), 1 when a handler threw
/// (the hook fails and Juju retries it; for an action the task fails). The exception's message
/// is logged at ERROR through juju-log; messages never contain secrets by construction.
int RunHook(const Router& router, juju::JujuBackend& backend);

}  // namespace grantor::charm
