#pragma once
// The provider's executor: runs one hook or action of grantor-postgresql / grantor-mysql. It
// reads what the plan needs (hook_plan.hpp), and does the I/O the plan names: hook tools through
// the JujuBackend, the server through a db::Engine, records through the AuditSink. Per-relation
// work (provision, publish, revoke, rotate) is in provider_relation.cpp; the hook flow,
// connection and sweep in provider_executor.cpp; actions in provider_actions.cpp.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "charms/plan/hook_plan.hpp"
#include "charms/plan/hook_reading.hpp"
#include "charms/plan/ledger.hpp"
#include "charms/provider_parts.hpp"
#include "grantor/charm/status_collector.hpp"
#include "grantor/charms/provider.hpp"
#include "grantor/core/audit.hpp"
#include "grantor/core/identity.hpp"

namespace grantor::charms {

/// What every hook of a provider charm is built from (shared by the router's handlers).
struct ProviderDeps {
  ProviderSpec spec;
  EngineFactory engines;
  PasswordSource passwords;
  std::shared_ptr<core::AuditSink> audit;  ///< may be null
  Clock clock;                             ///< UTC seconds
};

/// How an endpoint of `spec` publishes.
EndpointKind KindOfEndpoint(const ProviderSpec& spec, const std::string& endpoint);

class ProviderExecutor {
 public:
  ProviderExecutor(const ProviderDeps& deps, juju::JujuBackend& backend);

  /// After every hook: plan, then do what the plan says; the status and the ledger are written
  /// only when they changed. Throws only for hook-tool failures (Juju retries the hook).
  void RunHook();

  /// Actions (leader only; each fails the action with a clear message otherwise).
  void RotateCredentialsAction();
  void AuditLogAction();

 private:
  // --- hook flow (provider_executor.cpp) ----------------------------------------------------
  HookFacts Gather(const HookReads& reads, EndpointKind endpoint);
  void Execute(const HookPlan& plan);
  void ReconcileAsLeader(const HookPlan& plan, charm::StatusCollector& status);
  void Finish(charm::StatusCollector& status);
  void SaveLedger();
  /// The validated configuration: from the ledger's copy unless `fresh`, else config-get (and
  /// the copy is refreshed). A Problem when it is invalid.
  std::variant<ProviderConfig, core::Problem> LoadConfig(bool fresh);
  db::ConnectionConfig WithUser(const std::string& user, const std::string& password) const;
  db::EnginePtr ConnectAsOperator(charm::StatusCollector& status, bool check_privileges);
  /// The leader's work of the plan, once; throws DbError (kNeedsRepair included).
  void ActAsLeader(const HookPlan& plan, charm::StatusCollector& status);
  /// Reinstalls the server-side functions (and the operator's privileges) with the admin
  /// account and reconnects; false (with a Blocked status) when there is no usable admin.
  bool RepairServerApi(const db::DbError& error, charm::StatusCollector& status);
  /// An engine logged in as the admin account of config admin-credentials, or nullptr (with a
  /// Blocked status naming `purpose` when `status` is given) when it is not set or unusable.
  db::Engine* AdminEngine(charm::StatusCollector* status, const std::string& purpose);
  /// The admin engine of this hook, connected on first use; nullptr when there is none (then
  /// `why` says why).
  db::Engine* CachedAdmin(std::string& why);
  db::EnginePtr ConnectOrRestoreOperator(const db::ConnectionConfig& login,
                                         charm::StatusCollector& status);
  enum class Repair { kNone, kRepaired, kImpossible };
  Repair RepairOperatorDrift(db::Engine& engine, charm::StatusCollector& status);
  std::vector<juju::RelationRef> LiveRelations();
  bool IsLive(int relation_id);
  bool IsBrokenOwnRelation() const;
  std::set<std::string> ListOwnUsers();
  void DropUsersWithoutRelation();

  // --- revocation (provider_revocation.cpp) -----------------------------------------------
  /// Revokes `users` of relation `relation_id`: every one is locked first (no login, sessions
  /// ended), then each is dropped on its own; a user whose drop fails even with the admin
  /// account stays locked and goes to the ledger's clean-up list (Blocked, retried by later
  /// hooks), and never holds up the others. Returns the users dropped. Throws DbError only when
  /// the server cannot be used at all (kConnection, kTls, kNeedsRepair).
  std::set<std::string> RevokeUsers(int relation_id, const std::string& endpoint,
                                    const std::vector<std::string>& users);
  /// Tries again every clean-up the ledger owes.
  void RetryCleanups();
  void LockUser(const std::string& user, int relation_id, const std::string& endpoint);
  bool DropLockedUser(const std::string& user, int relation_id, const std::string& endpoint);
  /// Rotation state shared through the peer relation's application databag (ledger.hpp).
  std::optional<int> PeerRelation();
  void ReadPeerRotations();
  void WritePeerRotations();
  void MarkPendingAfterOutage(const HookPlan& plan);
  std::string UnreachableMessage(const db::DbError& error) const;
  // TLS failed under the configured ssl-mode: the operator must fix ssl-ca, ssl-mode or the
  // server's certificate. Never retried in plain text.
  std::string TlsMessage(const db::DbError& error) const;
  // Digest of what the configuration puts in a publication (endpoints, TLS flag and CA).
  std::string PublishedConfigDigest() const;
  // What the operator reads about a server error: unreachable, TLS failure, or a refusal.
  std::string ServerErrorMessage(const db::DbError& error) const;
  // Waiting for an unreachable server (a later hook retries by itself), Blocked for a TLS
  // failure or a refusal (the operator must act).
  juju::Status ServerErrorStatus(const db::DbError& error) const;
  // The server could not be used at all (unreachable, TLS failed, or the server-side functions
  // need repair): relations stay pending.
  static bool IsServerUnavailable(const db::DbError& error);
  void ScheduleRotations();

  // --- one relation (provider_relation.cpp) -------------------------------------------------
  /// Brings relation `relation` to what its request asks within the policy. `verify`: check the
  /// server even when the ledger says the request was served (full reconcile, safety net).
  void Reconcile(const juju::RelationRef& relation, bool verify);
  void ReconcileOrRecord(const juju::RelationRef& relation, bool verify);
  void Provision(const juju::RelationRef& relation, RelationRecord& record,
                 const juju::Databag& remote, const std::string& remote_app);
  bool ServedAndPresent(const RelationRecord& record, const juju::RelationRef& relation);
  void RecheckPolicy(const juju::RelationRef& relation, RelationRecord& record);
  /// The requiring application of a relation, as databases record their owners.
  db::DatabaseOwner Requester(const RelationRecord& record) const;
  /// The extra roles a record serves, as the engine names them.
  db::ExtraRoles RolesOf(const RelationRecord& record) const;
  /// Why the current policy no longer allows what `record` serves, if it does not.
  std::optional<core::Problem> PolicyProblem(const juju::RelationRef& relation,
                                             const RelationRecord& record) const;
  /// Creates (or adopts) the database and makes `user` exist with `password` and `roles`.
  /// False (the record's problem set) when the policy refuses the database.
  bool EnsureAccess(const juju::RelationRef& relation, RelationRecord& record,
                    const core::AccessRequest& access, const std::string& user,
                    const std::string& password);
  void Publish(const juju::RelationRef& relation, RelationRecord& record,
               const std::string& user, const std::string& password,
               const std::set<std::string>& requested_secrets);
  void PublishModern(const juju::RelationRef& relation, RelationRecord& record,
                     const core::Credentials& credentials,
                     const std::set<std::string>& requested_secrets);
  void PublishLegacy(const juju::RelationRef& relation, RelationRecord& record,
                     const core::Credentials& credentials);
  std::string PublishSecret(const juju::RelationRef& relation, RelationRecord& record,
                            const std::string& group, const core::Fields& content,
                            const core::Fields& local);
  juju::SecretOptions OwnedSecret(const juju::RelationRef& relation, const std::string& group) const;
  void WriteChanges(const juju::RelationRef& relation, juju::Scope scope,
                    const core::Fields& current, const core::Fields& desired,
                    const std::set<std::string>& managed);
  /// The password published for the relation's active user, "" when none is.
  std::string PublishedPassword(const juju::RelationRef& relation, RelationRecord& record);
  const core::Fields& LocalAppData(const juju::RelationRef& relation);
  const core::Fields& LocalUnitData(const juju::RelationRef& relation);
  const core::Fields& ReadOwnedSecret(const std::string& uri);
  std::string RemoteApp(const juju::RelationRef& relation, RelationRecord& record);
  juju::Databag RemoteRequest(const juju::RelationRef& relation, const std::string& remote_app);
  std::string UnitsOf(const juju::RelationRef& relation);
  /// Legacy pgsql: writes the relation's new allowed-units to this unit's databag.
  void RepublishUnits(int relation_id);
  void Revoke(int relation_id);
  void RemovePublishedSecrets(int relation_id, const RelationRecord* record);
  void Retire(int relation_id);
  /// Rotates the relation's credentials; false when it has nothing served to rotate.
  bool Rotate(int relation_id, const std::string& reason);
  void SetRotatePolicy(const juju::RelationRef& relation, RelationRecord& record);
  std::string UserOf(int relation_id, Slot slot) const;
  core::Credentials CredentialsFor(const std::string& user, const std::string& password,
                                   const std::string& database);
  const db::ServerInfo& Server();
  void Audit(core::AuditEvent event, int relation_id, const RelationRecord& record,
             const std::string& user, const std::string& outcome, const std::string& reason = {});

  const ProviderDeps& deps_;
  const ProviderSpec& spec_;
  juju::JujuBackend& backend_;
  const juju::HookContext& context_;
  core::InstanceNames names_;
  std::optional<Ledger> ledger_;
  std::optional<ProviderConfig> config_;
  std::string config_json_;  // what config-get returned, when it ran
  db::EnginePtr engine_;
  db::EnginePtr admin_engine_;
  std::string admin_unavailable_;  // why there is no admin engine, once tried
  bool admin_tried_ = false;
  bool leader_ = false;  // this hook acts as the leader (writes the peer data)
  std::optional<db::ServerInfo> server_;
  std::optional<std::set<std::string>> observed_users_;  // filled by the sweep only
  std::optional<std::vector<juju::RelationRef>> live_;
  std::optional<juju::Databag> hook_remote_bag_;  // the hook relation's request, when read
  std::optional<std::string> hook_units_;         // the hook relation's units, when read
  std::map<std::string, core::Fields> owned_secrets_;
  std::map<int, core::Fields> local_app_data_;
  std::map<int, core::Fields> local_unit_data_;
  bool full_ = false;
};

/// The rotate policy Juju offers closest to `period` ("hourly" ... "yearly").
std::string ClosestRotatePolicy(std::chrono::seconds period);

}  // namespace grantor::charms
