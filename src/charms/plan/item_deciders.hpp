#pragma once
// One decider per kind of work item (private to src/charms/plan; Decide() in decision.hpp
// picks one). Each is pure: (context, item, what the item read and did) -> the next step.

#include "charms/plan/decision.hpp"

namespace grantor::charms {

// relation_decider.cpp: serving a relation.
Step DecideReconcile(const DecisionContext& context, const WorkItem& item, const ItemState& state);
Step DecideForgetEnded(const DecisionContext& context, const WorkItem& item,
                       const ItemState& state);
Step DecideRepublishUnits(const DecisionContext& context, const WorkItem& item,
                          const ItemState& state);

// revocation_decider.cpp: taking access away.
Step DecideRevoke(const DecisionContext& context, const WorkItem& item, const ItemState& state);
Step DecideRetire(const DecisionContext& context, const WorkItem& item, const ItemState& state);
Step DecideRetryCleanup(const DecisionContext& context, const WorkItem& item,
                        const ItemState& state);
Step DecideRevokeOrphans(const DecisionContext& context, const WorkItem& item,
                         const ItemState& state);
Step DecideFinishSweep(const DecisionContext& context, const WorkItem& item,
                       const ItemState& state);

// rotation_decider.cpp
Step DecideRotate(const DecisionContext& context, const WorkItem& item, const ItemState& state);

// session_decider.cpp: the operator's account and the server-side functions.
Step DecideOpenSession(const DecisionContext& context, const WorkItem& item,
                       const ItemState& state);
Step DecideRepairServerApi(const DecisionContext& context, const WorkItem& item,
                           const ItemState& state);

}  // namespace grantor::charms
