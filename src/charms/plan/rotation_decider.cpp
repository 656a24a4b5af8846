// Rotation without downtime: the idle user of the pair gets a fresh password and becomes the
// published one; the user that was published keeps working until rotation-grace has passed
// (then a Retire item revokes it). A rotation while the previous one is still in its grace
// ends that grace first. A rotation never issues what the current policy refuses.

#include "charms/plan/item_deciders.hpp"
#include "charms/plan/provider_endpoints.hpp"
#include "charms/plan/publication_steps.hpp"
#include "charms/plan/relation_rules.hpp"
#include "charms/plan/revocation_steps.hpp"
#include "grantor/core/database_request.hpp"

namespace grantor::charms {

Step DecideRotate(const DecisionContext& context, const WorkItem& item, const ItemState& state) {
  Walk walk(state);
  if (!state.record || !state.record->served) return walk.Finish();  // nothing served to rotate
  const int id = item.relation.id;
  RelationRecord record = *state.record;
  std::map<std::string, PendingCleanup> cleanups = state.cleanups;
  const juju::RelationRef relation{record.endpoint, id};
  // What was done before a failure stays recorded; the failure ends the leader's work.
  walk.OnFailure([&](const ServerFailure& failure) {
    walk.Run(op::PutRecord{id, record});
    Ending ending;
    ending.stop = failure;
    return walk.Finish(std::move(ending));
  });
  record.rotation_owed = false;
  // A new user gets nothing the current policy refuses: the rotation waits until the operator
  // allows it again or the relation is removed.
  if (const auto problem = PolicyProblem(context, relation, record)) {
    if (record.problem != problem->message) {
      record.problem = problem->message;
      walk.Run(AuditOf(context, core::AuditEvent::kRefuse, id, record, "", "refused",
                       "rotation: " + problem->message));
    }
    walk.Run(op::PutRecord{id, record});
    return walk.Finish();
  }
  const Slot next = OtherSlot(record.active);
  if (!RetireInto(context, walk, cleanups, id, record)) return walk.Pause();
  const std::string user = UserOf(context, id, next);
  const std::string* password = walk.NewPassword();
  if (password == nullptr) return walk.Pause();
  const db::UserSpec spec{user, *password, record.database, RolesOf(context, record),
                          Requester(context, record)};
  if (!walk.Run(op::EnsureUser{spec})) return walk.Pause();
  std::set<std::string> requested_secrets;
  if (KindOfEndpoint(context.spec, record.endpoint) == EndpointKind::kModern) {
    const std::string* remote_app = RemoteAppOf(context, walk, relation, record);
    if (remote_app == nullptr) return walk.Pause();
    const juju::Databag* remote = walk.Request(*remote_app);
    if (remote == nullptr) return walk.Pause();
    auto parsed = core::ParseDatabaseRequest(*remote, relation.ToString(), context.spec.dialect);
    if (auto* request = std::get_if<core::DatabaseRequest>(&parsed)) {
      requested_secrets = request->requested_secrets;
    }
  }
  const Slot previous = record.active;
  record.active = next;
  if (!Publish(context, walk, relation, record, user, *password, requested_secrets)) {
    return walk.Pause();
  }
  record.rotated_at = context.now;
  record.retiring = previous;
  record.retire_at = record.rotated_at + context.config.rotation_grace.count();
  walk.Run(AuditOf(context, core::AuditEvent::kRotate, id, record, user, "ok", item.reason));
  if (context.config.rotation_grace.count() == 0 &&
      !RetireInto(context, walk, cleanups, id, record)) {
    return walk.Pause();
  }
  walk.Run(op::PutRecord{id, record});
  Ending ending;
  ending.acted = true;
  return walk.Finish(std::move(ending));
}

}  // namespace grantor::charms
