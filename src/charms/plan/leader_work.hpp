#pragma once
// What the leader does in a hook, as a list of work items (decision.hpp), from the hook's plan
// (hook_plan.hpp), the ledger and what the leader read for the whole hook. Pure.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "charms/plan/decision.hpp"
#include "charms/plan/hook_plan.hpp"

namespace grantor::charms {

/// A part of the leader's work whose items depend on what the items before it did: listed
/// when its turn comes (ExpandBatch).
enum class Batch {
  kForgetEnded,         ///< records of relations no longer live (full reconcile, safety net)
  kScheduledRotations,  ///< relations without a secret whose rotation-period elapsed
  kRetryCleanups,       ///< the clean-ups the ledger owes, of relations no longer live
  kSweep,               ///< users of this application whose relation is gone
};
/// One entry of the leader's work: an item, or a batch.
struct WorkEntry {
  WorkEntry(WorkItem work_item) : item(std::move(work_item)) {}
  WorkEntry(Batch work_batch) : is_batch(true), batch(work_batch) {}
  WorkItem item;
  bool is_batch = false;
  Batch batch = Batch::kForgetEnded;
};

/// What the leader read for the whole hook, when it needed it.
struct LeaderFacts {
  /// The live relations of every database endpoint (relation-ids), in endpoint order.
  std::optional<std::vector<juju::RelationRef>> live;
  /// This application's users on the server (the sweep lists them first), kept up to date
  /// with the users made and dropped since.
  std::optional<std::set<std::string>> users;
};

/// The leader's work of `plan`, in order; nullopt when the live relations must be read first.
std::optional<std::vector<WorkEntry>> LeaderWork(const DecisionContext& context,
                                                 const HookPlan& plan, const Ledger& ledger,
                                                 const LeaderFacts& facts);

/// A rotation of relation `relation_id` (its endpoint as the ledger records it).
WorkItem RotationItem(const Ledger& ledger, int relation_id, std::string reason);

/// The items of `batch` now; nullopt when the live relations must be read first.
std::optional<std::vector<WorkItem>> ExpandBatch(const DecisionContext& context, Batch batch,
                                                 const Ledger& ledger, const LeaderFacts& facts);

}  // namespace grantor::charms
