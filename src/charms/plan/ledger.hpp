#pragma once
// The provider's record of what it served, kept in the unit's Juju state (state-get, read once
// per hook; state-set, written once at the end with only what changed). It lets a hook decide
// from the Juju side alone whether anything is to be done, so that a hook with nothing to do
// reads one or two things and opens no database connection. Nothing secret is ever stored here:
// digests, names, secret URIs, times.
//
// Keys of the unit state:
//   relation.<id>   one JSON object per relation (RelationRecord)
//   status          the workload status this unit last set: "<kind>|<message>"
//   sweep-pending   "1" while a sweep for users of removed relations is owed (server was down)
//   config          the configuration (config-get's JSON: no secret in it, admin-credentials is
//                   a secret URI) as the last full reconcile read it, so that relation hooks
//                   need no config-get (a changed config fires config-changed, which reads it)
//   cleanup.<user>  a revoked user that is locked (no login, no session) but could not be
//                   dropped yet: its relation and why; retried by every leader hook that reads
//                   the ledger until it is gone
//   peers           the id of the peer relation (grantor-peers), once known
//
// Rotation state is application-wide: the leader also writes each relation's rotation state
// (RotationState) to the peer relation's application databag, key `rotation.<id>`, whenever it
// differs from the default (slot a active, nothing retiring), and a new leader reads it there
// (leader-elected), so that it continues a rotation its predecessor started.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "grantor/juju/backend.hpp"
#include "grantor/juju/status.hpp"

namespace grantor::charms {

/// Which of a relation's two login users is meant (rotation without downtime: they take turns).
enum class Slot { kA, kB };

/// What the provider knows about one relation of its endpoints.
struct RelationRecord {
  std::string endpoint;
  std::string remote_app;
  /// Digest of the request last seen (core::RequestDigest); "" when none was read yet.
  std::string seen;
  /// The request last seen was served: the user exists and the credentials are published.
  bool served = false;
  /// Why the request cannot be served (a Blocked message), "" when it can.
  std::string problem;
  /// Provisioning waits for the server (it was unreachable): retried by the next hook.
  bool pending = false;
  std::string database;
  std::vector<std::string> roles;  ///< extra roles served, by request name
  /// URIs of the secrets published for the relation, by group ("user", "tls").
  std::map<std::string, std::string> secrets;
  /// Legacy pgsql: the `allowed-units` value published.
  std::string units;
  /// The login user that holds the published credentials, and the one retiring after a
  /// rotation (revoked once `retire_at` has passed), if any.
  Slot active = Slot::kA;
  std::optional<Slot> retiring;
  std::int64_t retire_at = 0;   ///< UTC seconds
  std::int64_t rotated_at = 0;  ///< UTC seconds of the last issue or rotation
  /// A rotation fell due while the server was unreachable: done by the next hook that can.
  bool rotation_owed = false;
  /// The rotate policy set on the user secret ("" for none).
  std::string rotate_policy;
  /// Digest of the configuration the publication carries (endpoints, TLS): a config-changed
  /// that changes it publishes again.
  std::string published_config;
  /// The application the served database belongs to when it is not the remote application
  /// (shared with it through config share-databases); "" otherwise.
  std::string shared_from;
  /// The rotation state as last written to (or read from) the peer relation; "" when the peer
  /// data holds none (the default state).
  std::string peer_rotation;
  bool operator==(const RelationRecord&) const = default;
};

/// A revoked user whose clean-up could not be finished: locked, kept for another attempt.
struct PendingCleanup {
  int relation_id = -1;
  std::string endpoint;
  std::string reason;  ///< the last failure, as the server or the engine said it (no secret)
  bool operator==(const PendingCleanup&) const = default;
};

/// The application-wide part of a relation's record, as the peer relation carries it:
/// "<endpoint> <active slot> <retiring slot or -> <retire at> <rotated at>".
std::string RotationState(const RelationRecord& record);
/// The default state (slot a active, nothing retiring) is written as "" (no key).
bool IsDefaultRotation(const RelationRecord& record);
/// Applies `state` (RotationState's format) to `record`; false when it is malformed.
bool ApplyRotationState(const std::string& state, RelationRecord& record);

class Ledger {
 public:
  /// Reads the records out of the unit state as state-get returned it. Malformed entries are
  /// dropped (the next full reconcile rebuilds them from Juju and the server).
  explicit Ledger(const juju::Databag& unit_state);

  /// The record of relation `id`, if any.
  const RelationRecord* Find(int id) const;
  /// The record of relation `id`, created empty for `endpoint` when absent.
  RelationRecord& Record(int id, const std::string& endpoint);
  /// Replaces the record of relation `id`.
  void Put(int id, RelationRecord record) { relations_[id] = std::move(record); }
  void Forget(int id);
  /// Relations forgotten whose rotation state is in the peer data (to be deleted there).
  const std::vector<int>& forgotten_peer_rotations() const { return forgotten_peer_rotations_; }
  /// forgotten_peer_rotations(), emptied (once they are deleted from the peer data).
  std::vector<int> TakeForgottenPeerRotations();
  /// Every relation id with a record, ascending.
  std::vector<int> Ids() const;
  const std::map<int, RelationRecord>& relations() const { return relations_; }

  /// Relations waiting for the server.
  std::vector<int> PendingIds() const;
  /// Relations whose retiring user is due (retire_at <= now).
  std::vector<int> DueRetirements(std::int64_t now) const;
  /// The earliest time a retiring user falls due, if any.
  std::optional<std::int64_t> NextRetirement() const;

  /// Users revoked but not dropped yet, by name.
  const std::map<std::string, PendingCleanup>& cleanups() const { return cleanups_; }
  void SetCleanup(const std::string& user, PendingCleanup cleanup) {
    cleanups_[user] = std::move(cleanup);
  }
  void ClearCleanup(const std::string& user) { cleanups_.erase(user); }

  /// The peer relation's id, when known.
  std::optional<int> peer_relation() const { return peer_relation_; }
  void set_peer_relation(std::optional<int> id) { peer_relation_ = id; }

  bool sweep_pending() const { return sweep_pending_; }
  void set_sweep_pending(bool pending) { sweep_pending_ = pending; }

  const std::string& config_json() const { return config_json_; }
  void set_config_json(std::string json) { config_json_ = std::move(json); }

  /// The status this unit last set ("" when never).
  const std::string& last_status() const { return last_status_; }
  void set_last_status(const juju::Status& status);
  static std::string StatusKey(const juju::Status& status);

  /// Blocked messages of the relations that cannot be served, by relation id, then of the
  /// clean-ups still owed, by user.
  std::vector<std::string> Problems() const;

  /// What to write to bring the unit state from what was read to this ledger: changed keys with
  /// their new values, and keys to delete.
  struct Changes {
    juju::Databag set;
    std::vector<std::string> deleted;
    bool empty() const { return set.empty() && deleted.empty(); }
  };
  Changes Diff() const;
  /// Marks the current content as written (after the caller applied Diff()).
  void MarkSaved();

 private:
  juju::Databag Serialize() const;

  juju::Databag original_;
  std::map<int, RelationRecord> relations_;
  std::map<std::string, PendingCleanup> cleanups_;
  std::vector<int> forgotten_peer_rotations_;
  std::optional<int> peer_relation_;
  bool sweep_pending_ = false;
  std::string last_status_;
  std::string config_json_;
};

/// "a" / "b".
const char* SlotName(Slot slot);
Slot OtherSlot(Slot slot);

}  // namespace grantor::charms
