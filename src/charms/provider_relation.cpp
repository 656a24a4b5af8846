// One relation of a provider charm: its request checked against the policy, its database and
// login user made, its credentials published (modern: databag + Juju secrets; legacy: unit and
// application databags), rotated, and revoked.

#include <spdlog/spdlog.h>

#include <algorithm>

#include "charms/provider_executor.hpp"
#include <nlohmann/json.hpp>

#include "grantor/core/database_request.hpp"
#include "grantor/core/identity.hpp"
#include "grantor/core/publication.hpp"
#include "grantor/juju/errors.hpp"

namespace grantor::charms {
namespace {

using juju::RelationRef;
using juju::Scope;

// Keys of the provider's application databag that grantor manages on the modern endpoint.
const std::set<std::string> kModernKeys{"username", "password", "uris",      "tls",
                                        "tls-ca",   "database", "endpoints", "read-only-endpoints",
                                        "version",  "secret-user", "secret-tls"};
// Keys of the legacy unit/application databags grantor manages.
const std::set<std::string> kPgsqlKeys{"allowed-units", "host",    "port",  "user",    "password",
                                       "database",      "master",  "standbys", "state", "version"};
const std::set<std::string> kMysqlKeys{"host", "port", "user", "password", "database"};

std::vector<std::string> RoleNames(const db::ExtraRoles& roles) {
  std::vector<std::string> names;
  for (const auto role : roles) names.push_back(core::ExtraRoleName(role));
  return names;
}

const LegacyEndpoint* LegacyFor(const ProviderSpec& spec, const std::string& endpoint) {
  for (const auto& legacy : spec.legacy_endpoints) {
    if (legacy.name == endpoint) return &legacy;
  }
  return nullptr;
}

}  // namespace

std::string ProviderExecutor::UserOf(int relation_id, Slot slot) const {
  return slot == Slot::kA ? names_.RelationUser(relation_id) : names_.RelationUserB(relation_id);
}

const db::ServerInfo& ProviderExecutor::Server() {
  if (!server_) server_ = engine_->Server();
  return *server_;
}

// Reconcile, with the relation's own failures kept to the relation: a refusal of the server is
// its Blocked message; an unreachable server (or one TLS fails with) marks it pending and ends
// the hook.
void ProviderExecutor::ReconcileOrRecord(const RelationRef& relation, bool verify) {
  try {
    Reconcile(relation, verify);
  } catch (const db::DbError& error) {
    RelationRecord& record = ledger_->Record(relation.id, relation.endpoint);
    if (IsServerUnavailable(error)) {
      record.pending = true;
      throw;
    }
    record.pending = false;
    record.served = false;
    record.problem = "relation " + relation.ToString() + ": " + ServerErrorMessage(error);
  }
}

void ProviderExecutor::Reconcile(const RelationRef& relation, bool verify) {
  RelationRecord& record = ledger_->Record(relation.id, relation.endpoint);
  const std::string remote_app = RemoteApp(relation, record);
  const juju::Databag remote = RemoteRequest(relation, remote_app);
  const EndpointKind kind = KindOfEndpoint(spec_, relation.endpoint);
  const std::string digest = RequestDigest(remote, kind, remote_app);
  const bool same_request = record.seen == digest && !record.pending;
  if (same_request && !record.served && !verify) return;  // refused or not asked: unchanged
  if (same_request && record.served) {
    const bool units_changed = kind == EndpointKind::kLegacyPgsql && UnitsOf(relation) != record.units;
    const bool config_changed = verify && record.published_config != PublishedConfigDigest();
    if (!units_changed && !config_changed && (!verify || ServedAndPresent(record, relation))) {
      if (verify) {
        SetRotatePolicy(relation, record);
        RecheckPolicy(relation, record);
      }
      return;
    }
  }
  record.seen = digest;
  Provision(relation, record, remote, remote_app);
}

db::DatabaseOwner ProviderExecutor::Requester(const RelationRecord& record) const {
  return db::DatabaseOwner{context_.model_uuid, record.remote_app};
}

db::ExtraRoles ProviderExecutor::RolesOf(const RelationRecord& record) const {
  db::ExtraRoles roles;
  for (const auto& [name, role] : core::AllowedExtraRoles(spec_.dialect)) {
    if (std::find(record.roles.begin(), record.roles.end(), name) != record.roles.end()) {
      roles.insert(role);
    }
  }
  return roles;
}

std::optional<core::Problem> ProviderExecutor::PolicyProblem(const RelationRef& relation,
                                                             const RelationRecord& record) const {
  core::AccessRequest access{relation.ToString(), record.database, RolesOf(record),
                             "extra-user-roles", Requester(record)};
  if (KindOfEndpoint(spec_, relation.endpoint) != EndpointKind::kModern) {
    access.roles_source = "the " + relation.endpoint + " endpoint";
  }
  if (auto problem = core::CheckRolesAllowed(access, config_->policy)) return problem;
  if (!record.shared_from.empty() &&
      !core::IsShared(config_->policy, record.database, record.remote_app)) {
    return core::Problem{"relation " + relation.ToString() + ": database \"" + record.database +
                         "\" belongs to application \"" + record.shared_from +
                         "\" and is no longer shared with \"" + record.remote_app +
                         "\"; to share it, add " + record.database + "=" + record.remote_app +
                         " to config share-databases"};
  }
  return std::nullopt;
}

// A policy narrowed after a relation was served: the relation shows the refusal again (its user
// keeps what it was given until the relation is removed: docs/security.md).
void ProviderExecutor::RecheckPolicy(const RelationRef& relation, RelationRecord& record) {
  const auto problem = PolicyProblem(relation, record);
  record.problem = problem ? problem->message : std::string();
}

// Whether what the ledger says is served is still on the server (full reconcile, safety net):
// the active user and the database exist. A user dropped by hand is made again.
bool ProviderExecutor::ServedAndPresent(const RelationRecord& record, const RelationRef& relation) {
  const std::string user = UserOf(relation.id, record.active);
  const bool user_exists =
      observed_users_ ? observed_users_->contains(user) : engine_->UserExists(user);
  return user_exists && engine_->DatabaseExists(record.database);
}

void ProviderExecutor::Provision(const RelationRef& relation, RelationRecord& record,
                                 const juju::Databag& remote, const std::string& remote_app) {
  const std::string previous_problem = record.problem;
  record.pending = false;
  record.problem.clear();
  const EndpointKind kind = KindOfEndpoint(spec_, relation.endpoint);
  core::AccessRequest access{relation.ToString(), "", {}, "extra-user-roles", Requester(record)};
  std::set<std::string> requested_secrets;
  std::optional<core::Problem> problem;
  if (kind == EndpointKind::kModern) {
    auto parsed = core::ParseDatabaseRequest(remote, relation.ToString(), spec_.dialect);
    if (auto* refused = std::get_if<core::Problem>(&parsed)) {
      problem = *refused;
    } else {
      const auto& request = std::get<core::DatabaseRequest>(parsed);
      access.database = request.database;
      access.roles = request.extra_roles;
      requested_secrets = request.requested_secrets;
    }
  } else {
    auto parsed = ParseLegacyRequest(remote, relation.ToString(), remote_app, spec_.dialect);
    if (auto* refused = std::get_if<core::Problem>(&parsed)) {
      problem = *refused;
    } else {
      access.database = std::get<std::string>(parsed);
      if (LegacyFor(spec_, relation.endpoint)->superuser) {
        access.roles.insert(db::ExtraRole::kSuperuser);
        access.roles_source = "the " + relation.endpoint + " endpoint";
      }
    }
  }
  if (!problem && access.database.empty()) {  // the requirer has not asked yet
    record.served = false;
    return;
  }
  if (!problem) problem = core::CheckRolesAllowed(access, config_->policy);
  if (!problem && !access.roles.empty()) problem = core::CheckRolesSafe(access, Server());
  record.database = access.database;
  record.roles = RoleNames(access.roles);
  if (problem) {
    record.problem = problem->message;
    record.served = false;
    if (record.problem != previous_problem) {
      Audit(core::AuditEvent::kRefuse, relation.id, record, "", "refused", record.problem);
    }
    return;
  }
  const std::string user = UserOf(relation.id, record.active);
  std::string password = PublishedPassword(relation, record);
  const bool issued = password.empty();
  if (issued) password = deps_.passwords();
  if (!EnsureAccess(relation, record, access, user, password)) {
    Audit(core::AuditEvent::kRefuse, relation.id, record, "", "refused", record.problem);
    return;
  }
  Publish(relation, record, user, password, requested_secrets);
  record.published_config = PublishedConfigDigest();
  if (issued) record.rotated_at = deps_.clock();
  const bool newly_served = !record.served || issued;
  record.served = true;
  if (newly_served) Audit(core::AuditEvent::kGrant, relation.id, record, user, "ok");
}

bool ProviderExecutor::EnsureAccess(const RelationRef& relation, RelationRecord& record,
                                    const core::AccessRequest& access, const std::string& user,
                                    const std::string& password) {
  auto decision =
      core::DecideDatabase(access, config_->policy, engine_->InspectDatabase(access.database));
  if (auto* problem = std::get_if<core::Problem>(&decision)) {
    record.problem = problem->message;
    record.served = false;
    return false;
  }
  const auto& [action, shared_from] = std::get<core::DatabaseDecision>(decision);
  switch (action) {
    case core::DatabaseAction::kCreateOrFinish:
      engine_->EnsureDatabase(access.database, access.requester);
      break;
    case core::DatabaseAction::kAdopt: {
      // Adoption needs rights over a database the operator does not own: the admin's.
      std::string why;
      db::Engine* admin = CachedAdmin(why);
      if (admin == nullptr) {
        record.problem = "relation " + relation.ToString() + ": adopting database \"" +
                         access.database + "\" needs config admin-credentials (" + why + ")";
        record.served = false;
        return false;
      }
      admin->AdoptDatabase(access.database, access.requester);
      break;
    }
    case core::DatabaseAction::kUse:
      break;
  }
  record.shared_from = shared_from;
  engine_->EnsureUser(
      db::UserSpec{user, password, access.database, access.roles, access.requester});
  if (observed_users_) observed_users_->insert(user);
  return true;
}

// --- publication ----------------------------------------------------------------------------------

std::string ProviderExecutor::PublishedConfigDigest() const {
  nlohmann::json parts = {config_->endpoints, config_->read_only_endpoints, config_->tls,
                          config_->tls_ca};
  return core::ShortDigest(parts.dump(), 16);
}

core::Credentials ProviderExecutor::CredentialsFor(const std::string& user,
                                                   const std::string& password,
                                                   const std::string& database) {
  core::Credentials credentials;
  credentials.username = user;
  credentials.password = password;
  credentials.database = database;
  credentials.endpoints = config_->endpoints;
  credentials.read_only_endpoints = config_->read_only_endpoints;
  credentials.version = Server().version;
  credentials.uris = core::BuildUri(spec_.uri_scheme, user, password, config_->endpoints, database);
  credentials.read_only_uris =
      core::BuildUri(spec_.uri_scheme, user, password, config_->read_only_endpoints, database);
  credentials.tls = config_->tls;
  credentials.tls_ca = config_->tls_ca;
  return credentials;
}

void ProviderExecutor::Publish(const RelationRef& relation, RelationRecord& record,
                               const std::string& user, const std::string& password,
                               const std::set<std::string>& requested_secrets) {
  const core::Credentials credentials = CredentialsFor(user, password, record.database);
  if (KindOfEndpoint(spec_, relation.endpoint) == EndpointKind::kModern) {
    PublishModern(relation, record, credentials, requested_secrets);
  } else {
    PublishLegacy(relation, record, credentials);
  }
}

void ProviderExecutor::PublishModern(const RelationRef& relation, RelationRecord& record,
                                     const core::Credentials& credentials,
                                     const std::set<std::string>& requested_secrets) {
  auto publication = core::Publish(credentials, requested_secrets);
  const core::Fields& local = LocalAppData(relation);
  for (const char* group : {"user", "tls"}) {
    const core::Fields& content =
        std::string(group) == "user" ? publication.user_secret : publication.tls_secret;
    if (content.empty()) continue;
    const std::string uri = PublishSecret(relation, record, group, content, local);
    publication.app_data["secret-" + std::string(group)] = uri;
    record.secrets[group] = uri;
  }
  WriteChanges(relation, Scope::kApp, local, publication.app_data, kModernKeys);
  local_app_data_[relation.id] = publication.app_data;
}

void ProviderExecutor::PublishLegacy(const RelationRef& relation, RelationRecord& record,
                                     const core::Credentials& credentials) {
  const LegacyEndpoint* legacy = LegacyFor(spec_, relation.endpoint);
  LegacyFields fields{credentials.endpoints, credentials.username, credentials.password,
                      credentials.database, credentials.version};
  core::Fields desired;
  if (legacy->style == LegacyStyle::kPgsql) {
    record.units = UnitsOf(relation);
    std::vector<std::string> units;
    std::string unit;
    for (const char c : record.units + " ") {
      if (c != ' ') {
        unit += c;
      } else if (!unit.empty()) {
        units.push_back(unit);
        unit.clear();
      }
    }
    desired = PgsqlFields(fields, units);
  } else {
    desired = MysqlFields(fields);
  }
  // pgsql: the unit databag only, as Canonical's machine charm; mysql: both databags.
  if (legacy->style == LegacyStyle::kPgsql) {
    WriteChanges(relation, Scope::kUnit, LocalUnitData(relation), desired, kPgsqlKeys);
    local_unit_data_[relation.id] = desired;
    return;
  }
  WriteChanges(relation, Scope::kApp, LocalAppData(relation), desired, kMysqlKeys);
  local_app_data_[relation.id] = desired;
  WriteChanges(relation, Scope::kUnit, LocalUnitData(relation), desired, kMysqlKeys);
  local_unit_data_[relation.id] = desired;
}

void ProviderExecutor::RepublishUnits(int relation_id) {
  const RelationRecord* found = ledger_->Find(relation_id);
  if (found == nullptr) return;
  RelationRecord& record = ledger_->Record(relation_id, found->endpoint);
  const RelationRef relation{record.endpoint, relation_id};
  record.units = UnitsOf(relation);
  backend_.RelationSet(relation, {{"allowed-units", record.units}}, Scope::kUnit);
}

const core::Fields& ProviderExecutor::LocalUnitData(const RelationRef& relation) {
  auto cached = local_unit_data_.find(relation.id);
  if (cached != local_unit_data_.end()) return cached->second;
  return local_unit_data_[relation.id] =
             backend_.RelationGet(relation, context_.unit_name, Scope::kUnit);
}

// Stores `content` in the relation's group secret (created and granted on first use, a new
// revision only when the content changed); returns its URI.
std::string ProviderExecutor::PublishSecret(const RelationRef& relation, RelationRecord& record,
                                            const std::string& group, const core::Fields& content,
                                            const core::Fields& local) {
  std::string uri = record.secrets.contains(group) ? record.secrets.at(group)
                                                   : Get(local, "secret-" + group);
  if (!uri.empty()) {
    try {
      if (ReadOwnedSecret(uri) != content) {
        backend_.SecretSet(uri, content, OwnedSecret(relation, group));
        owned_secrets_[uri] = content;
      }
      return uri;
    } catch (const juju::SecretNotFoundError&) {
      // Removed behind our back: publish a new one below.
    }
  }
  uri = backend_.SecretAdd(content, OwnedSecret(relation, group));
  backend_.SecretGrant(uri, relation);
  owned_secrets_[uri] = content;
  if (group == "user") record.rotate_policy = OwnedSecret(relation, group).rotate;
  return uri;
}

juju::SecretOptions ProviderExecutor::OwnedSecret(const RelationRef& relation,
                                                  const std::string& group) const {
  juju::SecretOptions options;
  options.label = core::SecretLabel(relation.endpoint, relation.id, group);
  options.description = "credentials for relation " + relation.ToString();
  if (group == "user" && config_->rotation_period) {
    options.rotate = ClosestRotatePolicy(*config_->rotation_period);
  }
  return options;
}

// The user secret carries the rotate policy of config rotation-period (Juju then runs
// secret-rotate when it falls due). Applied when the configuration changed it.
void ProviderExecutor::SetRotatePolicy(const RelationRef& relation, RelationRecord& record) {
  const auto uri = record.secrets.find("user");
  if (uri == record.secrets.end()) return;
  const juju::SecretOptions options = OwnedSecret(relation, "user");
  const std::string wanted = options.rotate.empty() ? "never" : options.rotate;
  if (wanted == (record.rotate_policy.empty() ? "never" : record.rotate_policy)) return;
  juju::SecretOptions change = options;
  change.rotate = wanted;
  backend_.SecretSet(uri->second, {}, change);
  record.rotate_policy = options.rotate;
}

// Writes only what differs: changed keys, and "" for managed keys no longer desired.
void ProviderExecutor::WriteChanges(const RelationRef& relation, Scope scope,
                                    const core::Fields& current, const core::Fields& desired,
                                    const std::set<std::string>& managed) {
  core::Fields changes;
  for (const auto& [key, value] : desired) {
    if (Get(current, key) != value) changes[key] = value;
  }
  for (const auto& key : managed) {
    if (!desired.contains(key) && current.contains(key)) changes[key] = "";
  }
  if (!changes.empty()) backend_.RelationSet(relation, changes, scope);
}

std::string ProviderExecutor::PublishedPassword(const RelationRef& relation,
                                                RelationRecord& record) {
  const auto secret = record.secrets.find("user");
  std::string uri = secret != record.secrets.end() ? secret->second : std::string();
  if (uri.empty() && KindOfEndpoint(spec_, relation.endpoint) == EndpointKind::kModern) {
    uri = Get(LocalAppData(relation), "secret-user");
  }
  if (!uri.empty()) {
    try {
      const core::Fields& content = ReadOwnedSecret(uri);
      // A secret that names the other slot's user is not this user's password.
      if (Get(content, "username") == UserOf(relation.id, record.active)) {
        return Get(content, "password");
      }
      return {};
    } catch (const juju::SecretNotFoundError&) {
      return {};
    }
  }
  const EndpointKind kind = KindOfEndpoint(spec_, relation.endpoint);
  const core::Fields& local =
      kind == EndpointKind::kLegacyPgsql ? LocalUnitData(relation) : LocalAppData(relation);
  const std::string published_user = Get(local, kind == EndpointKind::kModern ? "username" : "user");
  return published_user == UserOf(relation.id, record.active) ? Get(local, "password") : "";
}

const core::Fields& ProviderExecutor::LocalAppData(const RelationRef& relation) {
  auto cached = local_app_data_.find(relation.id);
  if (cached != local_app_data_.end()) return cached->second;
  return local_app_data_[relation.id] =
             backend_.RelationGet(relation, context_.app_name, Scope::kApp);
}

// A secret this application published, read (latest revision) at most once per hook.
const core::Fields& ProviderExecutor::ReadOwnedSecret(const std::string& uri) {
  auto cached = owned_secrets_.find(uri);
  if (cached != owned_secrets_.end()) return cached->second;
  return owned_secrets_[uri] = backend_.SecretGet(uri, {}, juju::SecretRead::kRefresh);
}

std::string ProviderExecutor::RemoteApp(const RelationRef& relation, RelationRecord& record) {
  if (context_.relation && context_.relation->id == relation.id && !context_.remote_app.empty()) {
    record.remote_app = context_.remote_app;
  } else if (record.remote_app.empty()) {
    record.remote_app = backend_.RelationRemoteApp(relation);
  }
  return record.remote_app;
}

juju::Databag ProviderExecutor::RemoteRequest(const RelationRef& relation,
                                              const std::string& remote_app) {
  if (context_.relation && context_.relation->id == relation.id && hook_remote_bag_) {
    return *hook_remote_bag_;
  }
  return backend_.RelationGet(relation, remote_app, Scope::kApp);
}

std::string ProviderExecutor::UnitsOf(const RelationRef& relation) {
  if (context_.relation && context_.relation->id == relation.id && hook_units_) return *hook_units_;
  const std::string out = JoinSorted(backend_.RelationList(relation));
  if (context_.relation && context_.relation->id == relation.id) hook_units_ = out;
  return out;
}

// --- revocation ---------------------------------------------------------------------------------

// relation-broken: both login users go (locked at once, then dropped; objects kept), then the
// secrets. Users of a relation the ledger does not know (another leader served it) go all the
// same.
void ProviderExecutor::Revoke(int relation_id) {
  const RelationRecord* found = ledger_->Find(relation_id);
  RelationRecord record = found != nullptr ? *found : RelationRecord{};
  if (record.endpoint.empty() && context_.relation) record.endpoint = context_.relation->endpoint;
  // The secrets first: they need no server, so a server outage during this hook still takes
  // the credentials away from the application; the users then go now or, after an outage,
  // with the sweep of a later hook.
  RemovePublishedSecrets(relation_id, found);
  if (found != nullptr) ledger_->Record(relation_id, record.endpoint).secrets.clear();
  const std::vector<std::string> users{UserOf(relation_id, Slot::kA), UserOf(relation_id, Slot::kB)};
  const std::set<std::string> dropped = RevokeUsers(relation_id, record.endpoint, users);
  for (const Slot slot : {Slot::kA, Slot::kB}) {
    const std::string user = UserOf(relation_id, slot);
    const bool issued = record.served && (slot == record.active || record.retiring == slot);
    if (!issued) continue;
    if (dropped.contains(user)) {
      Audit(core::AuditEvent::kRevoke, relation_id, record, user, "ok", "relation removed");
    } else {
      Audit(core::AuditEvent::kRevoke, relation_id, record, user, "locked",
            "relation removed; login refused and sessions ended, drop pending: " +
                ledger_->cleanups().at(user).reason);
    }
  }
  ledger_->Forget(relation_id);
}

void ProviderExecutor::RemovePublishedSecrets(int relation_id, const RelationRecord* record) {
  if (record != nullptr && record->served) {
    for (const auto& [group, uri] : record->secrets) {
      try {
        backend_.SecretRemove(uri);
      } catch (const juju::SecretNotFoundError&) {
        // Already removed by an earlier attempt of this hook.
      }
    }
    return;
  }
  if (!context_.relation) return;
  for (const char* group : {"user", "tls"}) {  // not recorded here: look them up by label
    const auto label = core::SecretLabel(context_.relation->endpoint, relation_id, group);
    try {
      backend_.SecretRemove(backend_.SecretInfoGet({}, label).id);
    } catch (const juju::SecretNotFoundError&) {
      // Never published.
    }
  }
}

// --- rotation -----------------------------------------------------------------------------------

void ProviderExecutor::Retire(int relation_id) {
  const RelationRecord* found = ledger_->Find(relation_id);
  if (found == nullptr || !found->retiring) return;
  RelationRecord& record = ledger_->Record(relation_id, found->endpoint);
  const std::string user = UserOf(relation_id, *record.retiring);
  const bool dropped = RevokeUsers(relation_id, record.endpoint, {user}).contains(user);
  // Locked either way: retired. A drop still owed is the clean-up list's.
  record.retiring.reset();
  record.retire_at = 0;
  Audit(core::AuditEvent::kRevoke, relation_id, record, user, dropped ? "ok" : "locked",
        "previous credentials after rotation-grace");
}

// The idle user of the pair gets a fresh password and becomes the published one; the user that
// was published keeps working until rotation-grace has passed (Retire). A rotation while the
// previous one is still in its grace ends that grace first.
bool ProviderExecutor::Rotate(int relation_id, const std::string& reason) {
  const RelationRecord* found = ledger_->Find(relation_id);
  if (found == nullptr || !found->served) return false;
  RelationRecord& record = ledger_->Record(relation_id, found->endpoint);
  record.rotation_owed = false;
  const RelationRef relation{record.endpoint, relation_id};
  // A new user gets nothing the current policy refuses: the rotation waits until the operator
  // allows it again or the relation is removed.
  if (const auto problem = PolicyProblem(relation, record)) {
    if (record.problem != problem->message) {
      record.problem = problem->message;
      Audit(core::AuditEvent::kRefuse, relation_id, record, "", "refused",
            "rotation: " + problem->message);
    }
    return false;
  }
  const Slot next = OtherSlot(record.active);
  if (record.retiring) Retire(relation_id);
  const std::string user = UserOf(relation_id, next);
  const std::string password = deps_.passwords();
  engine_->EnsureUser(
      db::UserSpec{user, password, record.database, RolesOf(record), Requester(record)});
  if (observed_users_) observed_users_->insert(user);
  std::set<std::string> requested_secrets;
  if (KindOfEndpoint(spec_, record.endpoint) == EndpointKind::kModern) {
    const RelationRef ref = relation;
    auto parsed = core::ParseDatabaseRequest(RemoteRequest(ref, RemoteApp(ref, record)),
                                             ref.ToString(), spec_.dialect);
    if (auto* request = std::get_if<core::DatabaseRequest>(&parsed)) {
      requested_secrets = request->requested_secrets;
    }
  }
  const Slot previous = record.active;
  record.active = next;
  Publish(relation, record, user, password, requested_secrets);
  record.rotated_at = deps_.clock();
  record.retiring = previous;
  record.retire_at = record.rotated_at + config_->rotation_grace.count();
  Audit(core::AuditEvent::kRotate, relation_id, record, user, "ok", reason);
  if (config_->rotation_grace.count() == 0) Retire(relation_id);
  return true;
}

}  // namespace grantor::charms
