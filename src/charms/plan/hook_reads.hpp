#pragma once
// What a provider hook must read from Juju before it can decide anything, and so which hooks
// have nothing to do at all. Pure, and small on purpose: besides the full charm binary's
// executor (provider_executor.cpp), the charms' `dispatch` forwarder links it, so that a hook
// with nothing to do ends there without starting the full binary (docs/architecture.md,
// "Hooks with nothing to do"). Standard library and grantor_hook_rules only.

#include <span>
#include <string_view>

#include "grantor/juju/context.hpp"

namespace grantor::charms {

/// How an endpoint of the provider publishes.
enum class EndpointKind { kModern, kLegacyPgsql, kLegacyMysql, kOther };

/// What the hook must read from Juju before it can plan.
struct HookReads {
  bool ledger = false;          ///< state-get
  bool remote_request = false;  ///< relation-get of the remote application's databag
  bool remote_units = false;    ///< relation-list (legacy pgsql publishes allowed-units)

  bool Nothing() const { return !ledger && !remote_request && !remote_units; }
};

/// What `kind` on an endpoint of `endpoint_kind` must read before planning; `app_level`: a
/// relation-changed for the remote application's databag (no remote unit).
HookReads ReadsFor(juju::EventKind kind, EndpointKind endpoint_kind, bool app_level);

/// A provider endpoint by name, as the charm's metadata.yaml declares it.
struct ProviderEndpoint {
  std::string_view name;
  EndpointKind kind;
  bool superuser = false;  ///< a legacy endpoint whose users are superusers (db-admin, mysql-root)
};

/// The provider endpoints of grantor-postgresql and grantor-mysql: the one list of them, which
/// the charms' `dispatch` compiles in and PostgresqlSpec()/MysqlSpec() (provider.hpp) are made
/// from; tests/unit/charms/hook_reads_test.cpp checks it against metadata.yaml.
inline constexpr ProviderEndpoint kPostgresqlEndpoints[] = {
    {"database", EndpointKind::kModern},
    {"db", EndpointKind::kLegacyPgsql},
    {"db-admin", EndpointKind::kLegacyPgsql, true},
};
inline constexpr ProviderEndpoint kMysqlEndpoints[] = {
    {"database", EndpointKind::kModern},
    {"mysql", EndpointKind::kLegacyMysql},
    {"mysql-root", EndpointKind::kLegacyMysql, true},
};

/// The kind of `endpoint` among `endpoints` (kOther when it is none of them).
EndpointKind KindAmong(std::span<const ProviderEndpoint> endpoints, std::string_view endpoint);

/// True when the provider does nothing in the hook `context` describes (no hook-tool call, no
/// database connection, no status change): a relation hook on one of `endpoints` that needs to
/// read nothing (ReadsFor), or leader-settings-changed, secret-changed, secret-expired, stop or
/// remove, which the provider charms never act on (the daemon aside: the caller asks only when
/// the unit's daemon is off). Such a hook's only handler in the provider charms is the
/// executor, which returns at once for it. Hooks on any other endpoint (cos-agent, ...), install,
/// start, config-changed, upgrade-charm, update-status, leader-elected, secret-rotate,
/// secret-remove, actions and hooks grantor does not model are never "nothing" here.
bool ProviderHookHasNothingToDo(std::span<const ProviderEndpoint> endpoints,
                                const juju::HookContext& context);

}  // namespace grantor::charms
