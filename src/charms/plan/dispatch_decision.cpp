#include "charms/plan/dispatch_decision.hpp"

#include "charms/plan/hook_plan.hpp"
#include "charms/plan/hook_reading.hpp"
#include "charms/plan/ledger.hpp"

namespace grantor::charms {

bool NothingToDoAfterReading(std::span<const ProviderEndpoint> endpoints,
                             const juju::HookContext& context, juju::JujuBackend& backend,
                             std::int64_t now) {
  if (ProviderHookHasNothingToDo(endpoints, context)) return true;
  if (!context.relation || context.kind == juju::EventKind::kRelationBroken) return false;
  const EndpointKind endpoint = KindAmong(endpoints, context.relation->endpoint);
  if (endpoint == EndpointKind::kOther) return false;
  const HookReads reads = ReadsFor(context.kind, endpoint, context.remote_unit.empty());
  const Ledger ledger(reads.ledger ? backend.StateGet() : juju::Databag{});
  const HookReadings readings = ReadHook(reads, context, endpoint, backend, now);
  return PlanHook(readings.facts, ledger).Nothing();
}

}  // namespace grantor::charms
