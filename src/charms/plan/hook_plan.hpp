#pragma once
// The provider's first decision as a pure function: given the hook, what the unit recorded
// (Ledger) and the little the hook read from Juju, what must this hook do? The executor
// (provider_executor.cpp) reads what ReadsFor() asks, calls PlanHook(), and has the work the
// plan names decided item by item (decision.hpp); a plan that is Nothing() ends the hook
// without another tool call or any database connection.
//
// Juju facts the plan relies on:
//   - every change of the remote application's databag fires relation-changed with no remote
//     unit (also when it was written before this unit joined); the requests of every endpoint
//     live in that databag, so relation-created, -joined, -departed and a relation-changed for a
//     remote unit's own databag need not read anything: only legacy pgsql publishes something
//     that follows the remote units (allowed-units), and reads them on joined and departed;
//   - config changes fire config-changed, and a new leader runs leader-elected: those (and
//     start, upgrade-charm) reconcile every relation from scratch;
//   - update-status is the periodic safety net: it compares with the server.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "charms/plan/ledger.hpp"
#include "charms/plan/hook_reads.hpp"
#include "grantor/juju/context.hpp"

namespace grantor::charms {

/// What the hook read.
struct HookFacts {
  juju::EventKind kind = juju::EventKind::kOther;
  /// The hook's relation when it is one of the provider's endpoints.
  std::optional<juju::RelationRef> relation;
  EndpointKind endpoint = EndpointKind::kOther;
  /// core::RequestDigest of the remote request, when read.
  std::optional<std::string> request_digest;
  /// The remote units, space-separated and sorted, when read.
  std::optional<std::string> remote_units;
  /// The label of the secret of a secret-rotate hook.
  std::string secret_label;
  std::int64_t now = 0;  ///< UTC seconds
};

struct HookPlan {
  /// Reconcile every live relation (config-changed, leader-elected, start, upgrade-charm).
  bool full = false;
  /// Compare every served relation with the server and sweep (update-status).
  bool safety_net = false;
  /// Read the configuration (config-get) even if the ledger holds it.
  bool read_config = false;
  /// Relations to reconcile (their request changed, or they wait for the server).
  std::vector<int> reconcile;
  /// Legacy pgsql relations served whose remote units changed: republish allowed-units only.
  std::vector<int> republish_units;
  /// The relation of a relation-broken hook: revoke its users, remove its secrets.
  std::optional<int> revoke;
  /// List the server's users of this application and drop those of ended relations.
  bool sweep = false;
  /// Relations whose retiring user is due for revocation.
  std::vector<int> retire;
  /// Relations to rotate: the one a secret-rotate hook names, and those whose rotation is owed
  /// (the server was down when it fell due).
  std::vector<int> rotate;
  /// Revoked users that are locked but not dropped yet (the ledger's clean-up list): try again.
  bool retry_cleanup = false;

  bool Nothing() const {
    return !full && !safety_net && reconcile.empty() && republish_units.empty() && !revoke &&
           !sweep && retire.empty() && rotate.empty() && !retry_cleanup;
  }
};


/// The plan. Pure.
HookPlan PlanHook(const HookFacts& facts, const Ledger& ledger);

/// The relation id encoded in a provider secret label ("database.7.user.secret" -> 7).
std::optional<int> RelationIdOfSecretLabel(const std::string& label);

}  // namespace grantor::charms
