#include "charms/plan/hook_reads.hpp"

namespace grantor::charms {
namespace {

using juju::EventKind;

bool IsRelationEvent(EventKind kind) {
  return kind == EventKind::kRelationCreated || kind == EventKind::kRelationJoined ||
         kind == EventKind::kRelationChanged || kind == EventKind::kRelationDeparted ||
         kind == EventKind::kRelationBroken;
}

// Hooks the provider charms never act on. leader-settings-changed: grantor keeps no leader
// settings (Juju 3 still runs the hook when leader-set is used; grantor never uses it).
// secret-changed: the provider reads every secret it consumes (the operator's admin credentials)
// with --refresh whenever it uses it, so a new revision needs nothing until then.
// secret-expired: grantor sets no expiry on the secrets it owns. stop and remove: a departing
// unit's relations were revoked in relation-broken, which Juju runs first; the unit's daemon,
// when it runs, is stopped by the full binary, and dispatch ends no hook while it is enabled.
bool NeverActedOn(EventKind kind) {
  return kind == EventKind::kLeaderSettingsChanged || kind == EventKind::kSecretChanged ||
         kind == EventKind::kSecretExpired || kind == EventKind::kStop ||
         kind == EventKind::kRemove;
}

}  // namespace

HookReads ReadsFor(EventKind kind, EndpointKind endpoint_kind, bool app_level) {
  HookReads reads;
  if (IsRelationEvent(kind)) {
    if (endpoint_kind == EndpointKind::kOther) return reads;
    if (kind == EventKind::kRelationBroken) {
      reads.ledger = true;
    } else if (kind == EventKind::kRelationChanged && app_level) {
      reads.ledger = reads.remote_request = true;
    } else if (endpoint_kind == EndpointKind::kLegacyPgsql &&
               (kind == EventKind::kRelationJoined || kind == EventKind::kRelationDeparted)) {
      reads.ledger = reads.remote_units = true;  // allowed-units follows the remote units
    } else if (endpoint_kind == EndpointKind::kLegacyMysql && kind == EventKind::kRelationJoined) {
      // Old mysql requirers write nothing: the provider serves them when they join (the
      // database is then the application's name). A relation already served stays as it is.
      reads.ledger = reads.remote_request = true;
    }
    return reads;
  }
  switch (kind) {
    case EventKind::kConfigChanged:
    case EventKind::kLeaderElected:
    case EventKind::kStart:
    case EventKind::kUpgradeCharm:
    case EventKind::kUpdateStatus:
    case EventKind::kSecretRotate:
      reads.ledger = true;
      break;
    default:
      break;
  }
  return reads;
}

EndpointKind KindAmong(std::span<const ProviderEndpoint> endpoints, std::string_view endpoint) {
  for (const auto& candidate : endpoints) {
    if (candidate.name == endpoint) return candidate.kind;
  }
  return EndpointKind::kOther;
}

bool ProviderHookHasNothingToDo(std::span<const ProviderEndpoint> endpoints,
                                const juju::HookContext& context) {
  if (endpoints.empty()) return false;  // not a provider charm
  if (!context.relation) return NeverActedOn(context.kind);
  if (!IsRelationEvent(context.kind)) return false;
  const EndpointKind kind = KindAmong(endpoints, context.relation->endpoint);
  if (kind == EndpointKind::kOther) return false;
  return ReadsFor(context.kind, kind, context.remote_unit.empty()).Nothing();
}

}  // namespace grantor::charms
