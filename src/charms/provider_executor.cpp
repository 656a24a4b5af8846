// The hook flow of the provider charms: read what the plan needs, plan, and carry the plan out
// on the leader; the status and the ledger are written only when they changed. See
// hook_plan.hpp for the decisions and docs/architecture.md for the costs.

#include "charms/provider_executor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "grantor/core/identity.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::charms {
namespace {

using juju::EventKind;
using juju::RelationRef;

}  // namespace

EndpointKind KindOfEndpoint(const ProviderSpec& spec, const std::string& endpoint) {
  if (endpoint == spec.modern_endpoint) return EndpointKind::kModern;
  for (const auto& legacy : spec.legacy_endpoints) {
    if (legacy.name == endpoint) {
      return legacy.style == LegacyStyle::kPgsql ? EndpointKind::kLegacyPgsql
                                                 : EndpointKind::kLegacyMysql;
    }
  }
  return EndpointKind::kOther;
}

std::string ClosestRotatePolicy(std::chrono::seconds period) {
  static const std::vector<std::pair<const char*, std::int64_t>> kPolicies{
      {"hourly", 3600},          {"daily", 86400},         {"weekly", 7 * 86400},
      {"monthly", 30 * 86400},   {"quarterly", 90 * 86400}, {"yearly", 365 * 86400}};
  const std::int64_t wanted = period.count();
  const char* best = kPolicies.front().first;
  std::int64_t best_distance = -1;
  for (const auto& [name, seconds] : kPolicies) {
    const std::int64_t distance = wanted > seconds ? wanted - seconds : seconds - wanted;
    if (best_distance < 0 || distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

ProviderExecutor::ProviderExecutor(const ProviderDeps& deps, juju::JujuBackend& backend)
    : deps_(deps),
      spec_(deps.spec),
      backend_(backend),
      context_(backend.context()),
      names_(context_.model_uuid, context_.app_name) {}

// --- the hook -----------------------------------------------------------------------------------

void ProviderExecutor::RunHook() {
  const EventKind kind = context_.kind;
  if (kind == EventKind::kInstall || kind == EventKind::kStop || kind == EventKind::kRemove) return;
  if (kind == EventKind::kSecretRemove) {
    // A revision of a secret this application owns has no consumer left: remove it.
    if (!context_.secret_id.empty() && context_.secret_revision > 0 && backend_.IsLeader()) {
      backend_.SecretRemove(context_.secret_id, context_.secret_revision);
    }
    return;
  }
  const EndpointKind endpoint =
      context_.relation ? KindOfEndpoint(spec_, context_.relation->endpoint) : EndpointKind::kOther;
  const HookReads reads = ReadsFor(kind, endpoint, context_.remote_unit.empty());
  if (reads.Nothing()) return;  // as ProviderHookHasNothingToDo (hook_reads.hpp) foresees
  ledger_.emplace(reads.ledger ? backend_.StateGet() : juju::Databag{});
  const HookPlan plan = PlanHook(Gather(reads, endpoint), *ledger_);
  if (plan.Nothing()) return;
  Execute(plan);
}

HookFacts ProviderExecutor::Gather(const HookReads& reads, EndpointKind endpoint) {
  HookReadings readings = ReadHook(reads, context_, endpoint, backend_, deps_.clock());
  hook_remote_bag_ = std::move(readings.remote_bag);
  hook_units_ = std::move(readings.units);
  return readings.facts;
}

void ProviderExecutor::Execute(const HookPlan& plan) {
  charm::StatusCollector status;
  full_ = plan.full;
  auto config = LoadConfig(plan.read_config);
  if (auto* problem = std::get_if<core::Problem>(&config)) {
    status.Add(juju::Status::Blocked(problem->message));
  } else if (plan.republish_units.size() == 1 && plan.reconcile.empty() && !plan.full &&
             !plan.safety_net && !plan.revoke && !plan.sweep && plan.retire.empty() &&
             plan.rotate.empty()) {
    // Only allowed-units changed: the unit's own databag, no leadership or server needed.
    config_ = std::get<ProviderConfig>(config);
    RepublishUnits(plan.republish_units.front());
  } else if (!backend_.IsLeader()) {
    // Followers provision nothing; remembering the request they saw keeps their next hooks
    // for it cheap. A new leader reconciles everything in leader-elected.
    if (context_.relation && hook_remote_bag_ && !plan.reconcile.empty()) {
      auto& record = ledger_->Record(context_.relation->id, context_.relation->endpoint);
      record.seen = RequestDigest(*hook_remote_bag_, KindOfEndpoint(spec_, record.endpoint),
                                  context_.remote_app);
    }
    if (plan.revoke) ledger_->Forget(*plan.revoke);
  } else {
    config_ = std::get<ProviderConfig>(config);
    leader_ = true;
    ReconcileAsLeader(plan, status);
  }
  Finish(status);
}

void ProviderExecutor::ReconcileAsLeader(const HookPlan& plan, charm::StatusCollector& status) {
  try {
    try {
      ActAsLeader(plan, status);
    } catch (const db::DbError& error) {
      // The server-side functions are missing or altered: never used as they are. Reinstalled
      // with the admin account, then the plan runs again (every step is idempotent).
      if (error.kind() != db::ErrorKind::kNeedsRepair || !RepairServerApi(error, status)) throw;
      ActAsLeader(plan, status);
    }
  } catch (const db::DbError& error) {
    // The server's answer is not the remote application's fault and not a reason to put the
    // unit in error (ServerErrorStatus); what this hook could not do is kept for the next.
    MarkPendingAfterOutage(plan);
    if (plan.sweep || plan.revoke) ledger_->set_sweep_pending(true);
    status.Add(ServerErrorStatus(error));
  }
}

void ProviderExecutor::ActAsLeader(const HookPlan& plan, charm::StatusCollector& status) {
  engine_ = ConnectAsOperator(status, plan.full);
  if (!engine_) return;
  // A new leader continues the rotations its predecessor started (before any relation is
  // reconciled, so that the published user is the one the peer data names).
  if (plan.full) ReadPeerRotations();
  if (plan.sweep) observed_users_ = ListOwnUsers();
  if (plan.full || plan.safety_net) {
    for (const auto& relation : LiveRelations()) {
      if (IsLive(relation.id)) ReconcileOrRecord(relation, /*verify=*/true);
    }
    for (const int id : ledger_->Ids()) {
      if (IsLive(id)) continue;
      // Ended while this unit was not looking, or its relation-broken met an outage.
      RemovePublishedSecrets(id, ledger_->Find(id));
      ledger_->Forget(id);
    }
  } else {
    for (const int id : plan.reconcile) {
      const RelationRecord* record = ledger_->Find(id);
      const bool hook_relation = context_.relation && context_.relation->id == id;
      if (hook_relation) {
        ReconcileOrRecord(*context_.relation, /*verify=*/false);
      } else if (record != nullptr) {
        ReconcileOrRecord(RelationRef{record->endpoint, id}, /*verify=*/false);
      }
    }
  }
  for (const int id : plan.republish_units) RepublishUnits(id);
  if (plan.revoke) Revoke(*plan.revoke);
  for (const int id : plan.retire) Retire(id);
  for (const int id : plan.rotate) Rotate(id, "rotation due");
  if (plan.safety_net) ScheduleRotations();
  if (plan.retry_cleanup) RetryCleanups();
  if (plan.sweep) {
    DropUsersWithoutRelation();
    ledger_->set_sweep_pending(false);
  }
}

bool ProviderExecutor::RepairServerApi(const db::DbError& error, charm::StatusCollector& status) {
  spdlog::warn("{}: reinstalling grantor's server-side functions", error.what());
  auto admin = AdminEngine(&status, "reinstall grantor's server-side functions (" +
                                        std::string(error.what()) + ")");
  if (!admin) return false;
  admin->EnsureOperator(
      db::OperatorSpec{names_.OperatorUser(), std::nullopt, config_->policy.allowed_extra_roles});
  engine_.reset();
  return true;
}

// Writes the status when it differs from the one this unit last set, then the ledger.
void ProviderExecutor::Finish(charm::StatusCollector& status) {
  for (const auto& message : ledger_->Problems()) status.Add(juju::Status::Blocked(message));
  const juju::Status highest = status.Highest();
  if (Ledger::StatusKey(highest) != ledger_->last_status()) {
    backend_.StatusSet(highest);
    ledger_->set_last_status(highest);
  }
  SaveLedger();
}

void ProviderExecutor::SaveLedger() {
  if (leader_) WritePeerRotations();
  const Ledger::Changes changes = ledger_->Diff();
  if (!changes.set.empty()) backend_.StateSet(changes.set);
  for (const auto& key : changes.deleted) backend_.StateDelete(key);
  ledger_->MarkSaved();
}

std::variant<ProviderConfig, core::Problem> ProviderExecutor::LoadConfig(bool fresh) {
  nlohmann::json config;
  if (!fresh && !ledger_->config_json().empty()) {
    config = nlohmann::json::parse(ledger_->config_json(), nullptr, /*allow_exceptions=*/false);
  }
  if (!config.is_object()) {
    config = backend_.ConfigGet();
    ledger_->set_config_json(config.dump());
  }
  return ReadProviderConfig(config, spec_);
}

std::string ProviderExecutor::UnreachableMessage(const db::DbError& error) const {
  return "cannot reach " + spec_.engine_label + " at " + config_->server.host + ":" +
         std::to_string(config_->server.port) + ": " + error.what();
}

std::string ProviderExecutor::TlsMessage(const db::DbError& error) const {
  return "TLS to " + spec_.engine_label + " at " + config_->server.host + ":" +
         std::to_string(config_->server.port) + " failed under ssl-mode " +
         std::string(db::SslModeName(config_->server.ssl_mode)) +
         " (check ssl-ca, ssl-mode): " + error.what();
}

std::string ProviderExecutor::ServerErrorMessage(const db::DbError& error) const {
  switch (error.kind()) {
    case db::ErrorKind::kConnection:
      return UnreachableMessage(error);
    case db::ErrorKind::kTls:
      return TlsMessage(error);
    case db::ErrorKind::kNeedsRepair:
      return "grantor's server-side functions on " + spec_.engine_label +
             " are missing or altered, and are not used as they are: " + error.what() +
             " (set config admin-credentials so that the charm reinstalls them)";
    case db::ErrorKind::kAccessDenied:
      return spec_.engine_label + " refused: " + error.what() +
             " (grantor's operator account lacks a privilege: the next update-status restores "
             "it if the admin-credentials account may grant it)";
    default:
      return spec_.engine_label + " refused: " + error.what();
  }
}

juju::Status ProviderExecutor::ServerErrorStatus(const db::DbError& error) const {
  if (error.kind() == db::ErrorKind::kConnection) {
    return juju::Status::Waiting(ServerErrorMessage(error));
  }
  return juju::Status::Blocked(ServerErrorMessage(error));
}

bool ProviderExecutor::IsServerUnavailable(const db::DbError& error) {
  return error.kind() == db::ErrorKind::kConnection || error.kind() == db::ErrorKind::kTls ||
         error.kind() == db::ErrorKind::kNeedsRepair;
}

void ProviderExecutor::MarkPendingAfterOutage(const HookPlan& plan) {
  for (const int id : plan.reconcile) {
    const RelationRecord* record = ledger_->Find(id);
    const std::string endpoint = record != nullptr ? record->endpoint
                                 : context_.relation ? context_.relation->endpoint
                                                     : std::string();
    if (!endpoint.empty()) ledger_->Record(id, endpoint).pending = true;
  }
  for (const int id : plan.rotate) {
    if (const RelationRecord* record = ledger_->Find(id)) {
      ledger_->Record(id, record->endpoint).rotation_owed = true;
    }
  }
}

// --- connections --------------------------------------------------------------------------------

db::ConnectionConfig ProviderExecutor::WithUser(const std::string& user,
                                                const std::string& password) const {
  db::ConnectionConfig connection = config_->server;
  connection.user = user;
  connection.password = password;
  connection.instance_prefix = names_.prefix();
  return connection;
}

// An engine connected as the internal operator, creating that user from the admin credentials
// the first time (with exactly the privileges the policy needs). With `check_privileges` (the
// full-reconcile hooks) it also compares the operator's privileges with the policy's and, when
// they drifted, brings them back with the admin account. nullptr (with a Blocked status) when
// the admin secret is unusable. Throws DbError{kConnection} when the server cannot be reached.
db::EnginePtr ProviderExecutor::ConnectAsOperator(charm::StatusCollector& status,
                                                  bool check_privileges) {
  auto operator_credentials = ReadOwnSecret(backend_, kOperatorSecretLabel);
  if (operator_credentials.contains("password")) {
    const auto login = WithUser(names_.OperatorUser(), operator_credentials["password"]);
    auto engine = ConnectOrRestoreOperator(login, status);
    if (!engine) return nullptr;
    if (!check_privileges) return engine;
    switch (RepairOperatorDrift(*engine, status)) {
      case Repair::kNone:
      case Repair::kImpossible:  // Blocked says so; the server-side functions still guard
        return engine;
      case Repair::kRepaired:
        return deps_.engines(login);  // a new session, with the new privileges
    }
    return engine;
  }
  auto admin = AdminEngine(&status, "create grantor's operator account (needed once)");
  if (!admin) return nullptr;
  const std::string password = deps_.passwords();
  admin->EnsureOperator(db::OperatorSpec{names_.OperatorUser(), password,
                                         config_->policy.allowed_extra_roles});
  juju::SecretOptions options;
  options.label = kOperatorSecretLabel;
  options.description = "grantor internal operator user";
  backend_.SecretAdd({{"username", names_.OperatorUser()}, {"password", password}}, options);
  spdlog::info("created internal user {}", names_.OperatorUser());
  return deps_.engines(WithUser(names_.OperatorUser(), password));
}

// The server refuses the operator's password (a set-password killed after the server took the
// new password but before Juju committed its secret, or a change by hand): the admin sets the
// password the secret holds again. nullptr (Blocked) when the admin cannot.
db::EnginePtr ProviderExecutor::ConnectOrRestoreOperator(const db::ConnectionConfig& login,
                                                         charm::StatusCollector& status) {
  try {
    return deps_.engines(login);
  } catch (const db::DbError& error) {
    if (!db::IsRefusedLogin(error)) throw;
  }
  auto admin = AdminEngine(&status, "restore the operator's password, which the server refuses");
  if (!admin) return nullptr;
  admin->EnsureOperator(db::OperatorSpec{login.user, login.password,
                                         config_->policy.allowed_extra_roles});
  spdlog::warn("internal user {}: the server refused its password; restored from its secret",
               login.user);
  return deps_.engines(login);
}

db::Engine* ProviderExecutor::AdminEngine(charm::StatusCollector* status,
                                          const std::string& purpose) {
  std::string why;
  db::Engine* admin = CachedAdmin(why);
  if (admin == nullptr && status != nullptr) {
    status->Add(juju::Status::Blocked(
        config_->admin_secret.empty()
            ? "set config admin-credentials: the charm needs it to " + purpose
            : why + " (config admin-credentials is needed to " + purpose + ")"));
  }
  return admin;
}

db::Engine* ProviderExecutor::CachedAdmin(std::string& why) {
  if (!admin_tried_) {
    admin_tried_ = true;
    if (config_->admin_secret.empty()) {
      admin_unavailable_ = "config admin-credentials is not set";
    } else {
      auto admin = ReadAdminCredentials(backend_, config_->admin_secret, context_.app_name);
      if (auto* problem = std::get_if<core::Problem>(&admin)) {
        admin_unavailable_ = problem->message;
      } else {
        const auto& [user, password] = std::get<AdminCredentials>(admin);
        try {
          admin_engine_ = deps_.engines(WithUser(user, password));
        } catch (const db::DbError& error) {
          if (!db::IsRefusedLogin(error)) throw;
          admin_unavailable_ = "the server refuses the admin-credentials login";
        }
      }
    }
  }
  why = admin_unavailable_;
  return admin_engine_.get();
}

ProviderExecutor::Repair ProviderExecutor::RepairOperatorDrift(db::Engine& engine,
                                                               charm::StatusCollector& status) {
  const db::ExtraRoles& grantable = config_->policy.allowed_extra_roles;
  const auto drift = engine.OperatorDrift(grantable);
  if (!drift) return Repair::kNone;
  spdlog::info("internal user {} {}: restoring its privileges", names_.OperatorUser(), *drift);
  auto admin = AdminEngine(&status, "repair grantor's operator account and functions (" +
                                        *drift + ")");
  if (!admin) return Repair::kImpossible;
  admin->EnsureOperator(db::OperatorSpec{names_.OperatorUser(), std::nullopt, grantable});
  return Repair::kRepaired;
}

// --- which relations are live -------------------------------------------------------------------

std::vector<RelationRef> ProviderExecutor::LiveRelations() {
  if (!live_) {
    live_.emplace();
    std::vector<std::string> endpoints{spec_.modern_endpoint};
    for (const auto& legacy : spec_.legacy_endpoints) endpoints.push_back(legacy.name);
    for (const auto& endpoint : endpoints) {
      for (auto& relation : backend_.RelationIds(endpoint)) live_->push_back(relation);
    }
  }
  return *live_;
}

bool ProviderExecutor::IsBrokenOwnRelation() const {
  return context_.kind == EventKind::kRelationBroken && context_.relation &&
         KindOfEndpoint(spec_, context_.relation->endpoint) != EndpointKind::kOther;
}

// The relation whose relation-broken runs is gone, even where relation-ids still lists it
// (Juju before 3.4 does so during the relation's own relation-broken).
bool ProviderExecutor::IsLive(int relation_id) {
  if (IsBrokenOwnRelation() && context_.relation->id == relation_id) return false;
  for (const auto& relation : LiveRelations()) {
    if (relation.id == relation_id) return true;
  }
  return false;
}

// --- sweep --------------------------------------------------------------------------------------

std::set<std::string> ProviderExecutor::ListOwnUsers() {
  const auto users = engine_->ListUsers(names_.prefix());
  return {users.begin(), users.end()};
}

// Revokes every relation user of this application whose relation is gone: how a revocation
// missed while the server was down (or by an earlier leader) happens later. Each user on its own.
void ProviderExecutor::DropUsersWithoutRelation() {
  std::map<int, std::vector<std::string>> orphans;
  for (const auto& user : *observed_users_) {
    const auto relation_id = names_.RelationIdOfUser(user);
    if (relation_id && !IsLive(*relation_id)) orphans[*relation_id].push_back(user);
  }
  for (const auto& [relation_id, users] : orphans) {
    const auto known = ledger_->cleanups().find(users.front());
    const std::string endpoint =
        known != ledger_->cleanups().end() ? known->second.endpoint : std::string();
    for (const auto& user : RevokeUsers(relation_id, endpoint, users)) {
      RelationRecord orphan;
      orphan.endpoint = endpoint;
      Audit(core::AuditEvent::kRevoke, relation_id, orphan, user, "ok", "its relation is gone");
    }
  }
}

// --- scheduled rotation -------------------------------------------------------------------------

// Relations published in plain fields have no Juju secret to carry a rotate policy: their
// rotation-period is kept here, checked on update-status.
void ProviderExecutor::ScheduleRotations() {
  if (!config_->rotation_period) return;
  const std::int64_t now = deps_.clock();
  for (const int id : ledger_->Ids()) {
    const RelationRecord* record = ledger_->Find(id);
    if (record == nullptr || !record->served || record->secrets.contains("user")) continue;
    if (now - record->rotated_at >= config_->rotation_period->count()) {
      Rotate(id, "rotation-period elapsed");
    }
  }
}

// --- audit --------------------------------------------------------------------------------------

void ProviderExecutor::Audit(core::AuditEvent event, int relation_id, const RelationRecord& record,
                             const std::string& user, const std::string& outcome,
                             const std::string& reason) {
  if (!deps_.audit) return;
  core::AuditRecord entry;
  entry.time = core::FormatUtc(deps_.clock());
  entry.event = event;
  entry.relation_id = relation_id;
  entry.endpoint = record.endpoint;
  entry.remote_app = record.remote_app;
  entry.database = record.database;
  entry.user = user;
  entry.roles = record.roles;
  entry.outcome = outcome;
  entry.reason = reason;
  deps_.audit->Record(entry);
}

}  // namespace grantor::charms
