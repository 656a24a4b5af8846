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

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
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
  bool operator==(const RelationRecord&) const = default;
};

class Ledger {
 public:
  /// Reads the records out of the unit state as state-get returned it. Malformed entries are
  /// dropped (the next full reconcile rebuilds them from Juju and the server).
  explicit Ledger(const juju::Databag& unit_state);

  /// The record of relation `id`, if any.
  const RelationRecord* Find(int id) const;
  /// The record of relation `id`, created empty for `endpoint` when absent.
  RelationRecord& Record(int id, const std::string& endpoint);
  void Forget(int id);
  /// Every relation id with a record, ascending.
  std::vector<int> Ids() const;
  const std::map<int, RelationRecord>& relations() const { return relations_; }

  /// Relations waiting for the server.
  std::vector<int> PendingIds() const;
  /// Relations whose retiring user is due (retire_at <= now).
  std::vector<int> DueRetirements(std::int64_t now) const;
  /// The earliest time a retiring user falls due, if any.
  std::optional<std::int64_t> NextRetirement() const;

  bool sweep_pending() const { return sweep_pending_; }
  void set_sweep_pending(bool pending) { sweep_pending_ = pending; }

  const std::string& config_json() const { return config_json_; }
  void set_config_json(std::string json) { config_json_ = std::move(json); }

  /// The status this unit last set ("" when never).
  const std::string& last_status() const { return last_status_; }
  void set_last_status(const juju::Status& status);
  static std::string StatusKey(const juju::Status& status);

  /// Blocked messages of the relations that cannot be served, by relation id.
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
  bool sweep_pending_ = false;
  std::string last_status_;
  std::string config_json_;
};

/// "a" / "b".
const char* SlotName(Slot slot);
Slot OtherSlot(Slot slot);

}  // namespace grantor::charms
