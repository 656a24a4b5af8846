#pragma once
// The provider's decider: pure functions that decide, for one work item of a hook at a time
// (a relation to reconcile, revoke, retire, rotate; a clean-up; the operator's session), what
// to read and what to do. docs/architecture.md ("The provider: decide, then act") draws the
// flow of a hook.
//
// A decision is made in steps. The decider is given the facts the item has read so far and
// the outcome of every operation it asked for so far, and answers with a Step: operations to
// run (in order), then facts it still needs, or the end of the item. The interpreter
// (src/charms/provider_interpreter.*) runs the operations, stopping at the first that fails,
// records the outcomes, reads the facts, and asks again. The decider is written as straight-
// line code replayed against what already happened (walk.hpp), so asking again costs no I/O and
// a decision never depends on anything but its inputs: a test gives it facts and outcomes as
// values, with no hook tool or engine.
//
// Facts are read lazily, so that a hook reads no more than it needs: a request is parsed
// before anything about its database is asked of the server, InspectDatabase only once the
// policy lets the request through, an own databag only when a published password is needed.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "charms/plan/ledger.hpp"
#include "charms/plan/operations.hpp"
#include "charms/plan/provider_config.hpp"
#include "grantor/charms/provider.hpp"
#include "grantor/core/identity.hpp"
#include "grantor/juju/context.hpp"
#include "grantor/juju/status.hpp"

namespace grantor::charms {

/// What the decider may ask to read. Relation facts are about the item's relation.
enum class Fact {
  kRemoteApp,        ///< the remote application's name (relation-list --app)
  kRequest,          ///< the remote application's databag (relation-get --app)
  kUnits,            ///< the remote units, sorted, space-separated (relation-list)
  kOwnAppData,       ///< this application's databag of the relation
  kOwnUnitData,      ///< this unit's databag of the relation
  kSecret,           ///< subject: a URI; content of a secret this application owns
  kSecretIdByLabel,  ///< subject: a label; id of a secret this application owns
  kOperatorSecret,   ///< content of the operator's credentials secret ({} when none)
  kServer,           ///< flavour and version of the server
  kDatabase,         ///< subject: a database; who it belongs to (Engine::InspectDatabase)
  kDatabaseExists,   ///< subject: a database
  kUserExists,       ///< subject: a user
  kOperatorDrift,    ///< how the operator's account differs from what the policy installs
  kAdmin,            ///< whether the admin account can be used, and why not
  kNewPassword,      ///< a fresh random password
};

struct Need {
  Fact fact = Fact::kRequest;
  std::string subject;
  bool operator==(const Need&) const = default;
};

/// "kDatabase shop" and the like, for test messages.
std::string Describe(const Need& need);

/// Whether the admin account of config admin-credentials can be used in this hook.
struct AdminAccess {
  bool usable = false;
  std::string why;  ///< why not ("config admin-credentials is not set", ...)
};

/// What a work item has read. Each field is filled when the decider asked for it.
struct Facts {
  std::optional<std::string> remote_app;
  std::optional<juju::Databag> request;
  std::optional<std::string> units;
  std::optional<core::Fields> own_app_data;
  std::optional<core::Fields> own_unit_data;
  std::map<std::string, std::optional<core::Fields>> secrets;    ///< nullopt: no such secret
  std::map<std::string, std::optional<std::string>> secret_ids;  ///< nullopt: no such secret
  std::optional<juju::Databag> operator_secret;
  std::optional<db::ServerInfo> server;
  std::map<std::string, db::DatabaseInfo> databases;
  std::map<std::string, bool> databases_exist;
  std::map<std::string, bool> users_exist;
  std::optional<std::optional<std::string>> operator_drift;  ///< inner nullopt: no drift
  std::optional<AdminAccess> admin;
  std::optional<std::string> new_password;  ///< secret: never logged
  /// A server read failed (the fact it was for stays unread): the item reacts as to a failed
  /// operation at that point.
  std::optional<ServerFailure> failure;
};

/// One thing a hook's leader does, decided and run on its own (leader_work.hpp lists them).
struct WorkItem {
  enum class Kind {
    kOpenSession,      ///< log in as the operator (create it, restore its password, repair it)
    kRepairServerApi,  ///< reinstall the server-side functions with the admin account
    kReconcile,        ///< serve the relation's request within the policy
    kForgetEnded,      ///< a relation that ended unseen: remove its secrets, forget it
    kRepublishUnits,   ///< legacy pgsql: publish the remote units again (allowed-units)
    kRevoke,           ///< relation-broken: remove the secrets, revoke both users
    kRetire,           ///< the rotation-grace of the previous user is over: revoke it
    kRotate,           ///< a new password on the idle user, published; the other retires
    kRetryCleanup,     ///< drop a revoked user the ledger keeps locked
    kRevokeOrphans,    ///< drop users of this application whose relation is gone
    kFinishSweep,      ///< the sweep is done: no longer owed
  };
  Kind kind = Kind::kReconcile;
  juju::RelationRef relation;            ///< its endpoint may be "" when not known
  bool verify = false;                   ///< kReconcile: compare with the server (full reconcile)
  std::string reason;                    ///< kRotate: why, for the audit trail
  std::vector<std::string> users;        ///< kRetryCleanup, kRevokeOrphans
  bool check_privileges = false;         ///< kOpenSession
  std::optional<ServerFailure> failure;  ///< kRepairServerApi: what needs repair
};

/// "reconcile database:7" and the like.
std::string Describe(const WorkItem& item);

/// What one item has seen and done so far: the interpreter's record, the decider's input.
struct ItemState {
  /// The relation's record as the item started (nullopt: the ledger has none).
  std::optional<RelationRecord> record;
  /// The ledger's clean-up list as the item started.
  std::map<std::string, PendingCleanup> cleanups;
  Facts facts;
  /// The outcome of each operation run for the item, in order.
  std::vector<Outcome> outcomes;
};

/// How an item ended.
struct Ending {
  /// Set when the server cannot be used: the hook's leader work stops here.
  std::optional<ServerFailure> stop;
  /// kRotate: the relation was rotated. kOpenSession: an operator session is open.
  bool acted = false;
  /// What the unit must show (kOpenSession, kRepairServerApi: an admin account that is needed
  /// and missing), in order.
  std::vector<juju::Status> statuses;
};

/// The decider's answer: run `ops` in order (the first that fails ends the batch), then read
/// `needs`, then ask again; or, with `end` set, the item is over once `ops` ran.
struct Step {
  std::vector<Operation> ops;
  std::vector<Need> needs;
  std::optional<Ending> end;
};

/// What every decision of one hook shares.
struct DecisionContext {
  DecisionContext(ProviderSpec spec, ProviderConfig config, const juju::HookContext& hook,
                  std::int64_t now);

  ProviderSpec spec;
  ProviderConfig config;
  core::InstanceNames names;
  std::string model_uuid;
  std::string app_name;
  juju::EventKind kind = juju::EventKind::kOther;
  std::optional<juju::RelationRef> relation;  ///< the hook's relation, if any
  std::string remote_app;                     ///< the hook's remote application, if any
  std::int64_t now = 0;                       ///< UTC seconds
};

/// The next step of `item`. Pure.
Step Decide(const DecisionContext& context, const WorkItem& item, const ItemState& state);

}  // namespace grantor::charms
