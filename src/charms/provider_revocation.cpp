// Revocation that always takes effect, and the rotation state a new leader continues.
//
// Revoking a user has two steps (db::Engine): LockUser, which touches only the account and its
// sessions and so succeeds whatever the user or anyone else did on the server, and DropUser,
// which cleans up what the user owns and can fail (a foreign database the operator cannot enter,
// objects only the admin may re-point). Every user of a revocation is locked before any is
// dropped, and each drop is tried on its own, first as the operator, then with the admin account
// when one is configured; a drop that still fails leaves the user locked and goes to the
// ledger's clean-up list, which the unit's status shows and every later leader hook retries.

#include <spdlog/spdlog.h>

#include "charms/provider_executor.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::charms {
namespace {

constexpr const char* kPeerEndpoint = "grantor-peers";
constexpr std::string_view kRotationKeyPrefix = "rotation.";

// Failures that mean the server cannot be used at all in this hook: they end the hook's
// leader work (the relation stays pending, the sweep owed), never one user's clean-up.
bool EndsTheHook(const db::DbError& error) {
  return error.kind() == db::ErrorKind::kConnection || error.kind() == db::ErrorKind::kTls ||
         error.kind() == db::ErrorKind::kNeedsRepair;
}

std::string RotationKey(int relation_id) {
  return std::string(kRotationKeyPrefix) + std::to_string(relation_id);
}

}  // namespace

std::set<std::string> ProviderExecutor::RevokeUsers(int relation_id, const std::string& endpoint,
                                                    const std::vector<std::string>& users) {
  for (const auto& user : users) LockUser(user, relation_id, endpoint);
  std::set<std::string> dropped;
  for (const auto& user : users) {
    if (DropLockedUser(user, relation_id, endpoint)) dropped.insert(user);
  }
  return dropped;
}

// Locks as the operator, else as the admin. A lock that fails both ways is recorded (the drop
// that follows tries again, and locks first).
void ProviderExecutor::LockUser(const std::string& user, int relation_id,
                                const std::string& endpoint) {
  try {
    engine_->LockUser(user);
    return;
  } catch (const db::DbError& error) {
    if (EndsTheHook(error)) throw;
    std::string why;
    db::Engine* admin = CachedAdmin(why);
    if (admin != nullptr) {
      try {
        admin->LockUser(user);
        return;
      } catch (const db::DbError& admin_error) {
        if (EndsTheHook(admin_error)) throw;
        why = admin_error.what();
      }
    }
    spdlog::error("user {} of relation {}: lock failed: {} ({})", user, relation_id, error.what(),
                  why);
    ledger_->SetCleanup(user, PendingCleanup{relation_id, endpoint,
                                             std::string("lock failed: ") + error.what()});
  }
}

bool ProviderExecutor::DropLockedUser(const std::string& user, int relation_id,
                                      const std::string& endpoint) {
  std::string reason;
  try {
    engine_->DropUser(user);
  } catch (const db::DbError& error) {
    if (EndsTheHook(error)) throw;
    reason = error.what();
  }
  if (!reason.empty()) {
    std::string why;
    db::Engine* admin = CachedAdmin(why);
    if (admin == nullptr) {
      reason += " (with config admin-credentials the charm would try as the admin: " + why + ")";
    } else {
      try {
        admin->DropUser(user);
        reason.clear();
      } catch (const db::DbError& admin_error) {
        if (EndsTheHook(admin_error)) throw;
        reason += "; as the admin: " + std::string(admin_error.what());
      }
    }
  }
  if (observed_users_ && reason.empty()) observed_users_->erase(user);
  if (reason.empty()) {
    ledger_->ClearCleanup(user);
    return true;
  }
  spdlog::warn("user {} of relation {} is locked but not dropped: {}", user, relation_id, reason);
  const auto known = ledger_->cleanups().find(user);
  const std::string recorded_endpoint =
      endpoint.empty() && known != ledger_->cleanups().end() ? known->second.endpoint : endpoint;
  ledger_->SetCleanup(user, PendingCleanup{relation_id, recorded_endpoint, reason});
  return false;
}

void ProviderExecutor::RetryCleanups() {
  const auto owed = ledger_->cleanups();  // a copy: the loop changes the ledger
  for (const auto& [user, cleanup] : owed) {
    if (IsLive(cleanup.relation_id)) continue;  // never a user of a relation still served
    if (DropLockedUser(user, cleanup.relation_id, cleanup.endpoint)) {
      RelationRecord record;
      record.endpoint = cleanup.endpoint;
      Audit(core::AuditEvent::kRevoke, cleanup.relation_id, record, user, "ok",
            "clean-up finished");
    }
  }
}

// --- rotation state in the peer relation ---------------------------------------------------

std::optional<int> ProviderExecutor::PeerRelation() {
  if (!ledger_->peer_relation()) {
    const auto relations = backend_.RelationIds(kPeerEndpoint);
    if (!relations.empty()) ledger_->set_peer_relation(relations.front().id);
  }
  return ledger_->peer_relation();
}

// What the peer data says wins over this unit's own record, which may be from a time it was
// leader before: a key that is absent means the default state.
void ProviderExecutor::ReadPeerRotations() {
  ledger_->set_peer_relation(std::nullopt);  // looked up again: a full reconcile is rare
  const auto peer = PeerRelation();
  if (!peer) return;
  const juju::Databag data =
      backend_.RelationGet(juju::RelationRef{kPeerEndpoint, *peer}, context_.app_name,
                           juju::Scope::kApp);
  std::map<int, std::string> states;
  for (const auto& [key, value] : data) {
    if (key.rfind(kRotationKeyPrefix, 0) != 0 || value.empty()) continue;
    try {
      states[std::stoi(key.substr(kRotationKeyPrefix.size()))] = value;
    } catch (const std::exception&) {
      // Not a key this charm writes.
    }
  }
  for (const auto& [id, state] : states) {
    RelationRecord probe;
    if (!ApplyRotationState(state, probe)) continue;
    RelationRecord& record = ledger_->Record(id, probe.endpoint);
    ApplyRotationState(state, record);
    record.peer_rotation = state;
  }
  for (const int id : ledger_->Ids()) {
    if (states.contains(id)) continue;
    RelationRecord& record = ledger_->Record(id, "");
    if (record.peer_rotation.empty() && IsDefaultRotation(record)) continue;
    ApplyRotationState(record.endpoint + " a - 0 " + std::to_string(record.rotated_at), record);
    record.peer_rotation.clear();
  }
}

void ProviderExecutor::WritePeerRotations() {
  juju::Databag changes;
  for (const int id : ledger_->TakeForgottenPeerRotations()) changes[RotationKey(id)] = "";
  for (const int id : ledger_->Ids()) {
    RelationRecord& record = ledger_->Record(id, "");
    const std::string desired = IsDefaultRotation(record) ? "" : RotationState(record);
    if (desired == record.peer_rotation) continue;
    changes[RotationKey(id)] = desired;
    record.peer_rotation = desired;
  }
  if (changes.empty()) return;
  const auto peer = PeerRelation();
  if (!peer) return;  // no peer relation (yet): the unit's own ledger is all there is
  backend_.RelationSet(juju::RelationRef{kPeerEndpoint, *peer}, changes, juju::Scope::kApp);
}

}  // namespace grantor::charms
