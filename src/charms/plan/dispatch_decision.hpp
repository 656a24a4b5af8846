#pragma once
// The `dispatch` forwarder's question for a provider hook, when the unit's daemon is off: would
// the full binary do nothing in it? If so, dispatch exits 0 and the full binary never starts.

#include <cstdint>
#include <span>

#include "charms/plan/hook_reads.hpp"
#include "grantor/juju/backend.hpp"

namespace grantor::charms {

/// True when the provider's executor would end `context`'s hook without doing anything:
///   - without a hook-tool call when ProviderHookHasNothingToDo says so;
///   - otherwise, for a relation hook on one of `endpoints` other than relation-broken (which
///     always revokes), after reading through `backend` exactly what the executor reads first,
///     in its order (state-get, then ReadHook: relation-get, relation-list), when the plan of
///     what was read is Nothing (the request already served, legacy units unchanged).
/// Any other hook is false without a call. Throws what the backend throws (a tool that fails,
/// output that does not parse): the caller then leaves the hook to the full binary.
bool NothingToDoAfterReading(std::span<const ProviderEndpoint> endpoints,
                             const juju::HookContext& context, juju::JujuBackend& backend,
                             std::int64_t now);

}  // namespace grantor::charms
