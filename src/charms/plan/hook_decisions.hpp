#pragma once
// The decisions of a hook around its work items (leader_work.hpp): who acts (only allowed-units
// to publish, a follower, the leader), what an outage leaves for later, the status, and the
// rotation state the peer relation carries. Pure: values in, values (or operations) out.

#include <optional>
#include <string>
#include <vector>

#include "charms/plan/decision.hpp"
#include "charms/plan/hook_plan.hpp"

namespace grantor::charms {

/// The peer relation's endpoint, whose application databag carries the rotation state.
inline constexpr const char* kPeerEndpoint = "grantor-peers";

/// True when the plan only republishes one legacy pgsql relation's allowed-units: the unit's
/// own databag, no leadership or server needed.
bool RepublishesUnitsOnly(const HookPlan& plan);

/// What a follower keeps: the request it saw (so that its next hooks for it stay cheap; a new
/// leader reconciles everything in leader-elected), and nothing of a relation that ended.
std::vector<Operation> FollowerChanges(const DecisionContext& context, const HookPlan& plan,
                                       const std::optional<std::string>& request_digest,
                                       const Ledger& ledger);

/// The server could not be used: the relations to reconcile stay pending, the rotations owed,
/// the sweep owed (when the hook swept or revoked), all for the next hook that reaches it.
std::vector<Operation> AfterServerFailure(const DecisionContext& context, const HookPlan& plan,
                                          const Ledger& ledger);

/// The unit's status: `statuses` in the order they were found, then each problem the ledger
/// keeps, the most urgent first found; nullopt when it is the one the unit last set.
std::optional<juju::Status> StatusToSet(std::vector<juju::Status> statuses, const Ledger& ledger);

/// The rotation state read from the peer relation's application databag, applied to the
/// ledger (what the peer data says wins over this unit's own record, which may be from a time
/// it was leader before; a key that is absent means the default state).
std::vector<Operation> PeerRotationReads(const juju::Databag& peer_data, const Ledger& ledger);

/// The rotation state the leader writes to the peer relation: the keys that change ("" deletes
/// one), and the records that remember what was written.
struct PeerRotationWrite {
  juju::Databag changes;
  std::vector<op::PutRecord> records;
};
PeerRotationWrite PeerRotationWrites(const Ledger& ledger);

}  // namespace grantor::charms
